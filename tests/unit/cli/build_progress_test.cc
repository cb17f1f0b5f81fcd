// `skiff build`'s displays on recorded message streams: the legacy text (a stream dockerd 20.10 sent,
// recorded through a socat proxy), Skiff's cache-miss lines, errors and their exit codes, the upload line,
// and BuildKit's tty view (steps, stages, output tails, export lines, the failed step's log, the legacy
// fallback) under a fake clock.
#include "cli/build_progress.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/file.h"
#include "base/strings.h"

namespace skiff::cli {
namespace {

// A file to render into and read back.
struct Sink {
  Result<TempDir> dir = TempDir::Create();
  UniqueFd fd{::open((dir->path() + "/out").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)};
  std::string Text() const { return *ReadFile(dir->path() + "/out"); }
};

std::string StripAnsi(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '[') {
      i += 2;
      while (i < s.size() && !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
      continue;
    }
    out += s[i];
  }
  return out;
}

// docker build --no-cache -t rec:1 -f Dockerfile.rec (FROM busybox / RUN echo one && echo two >&2 / COPY).
const std::vector<const char*> kLegacyStream = {
    R"({"stream":"Step 1/3 : FROM busybox"})",
    R"({"stream":"\n"})",
    R"({"stream":" ---\u003e e39825b892cf\n"})",
    R"({"stream":"Step 2/3 : RUN echo one \u0026\u0026 echo two \u003e\u00262"})",
    R"({"stream":"\n"})",
    R"({"stream":" ---\u003e Running in b964f457ac6e\n"})",
    R"({"stream":"one\n"})",
    R"({"stream":"\u001b[91mtwo\n\u001b[0m"})",
    R"({"stream":"Removing intermediate container b964f457ac6e\n"})",
    R"({"stream":" ---\u003e 71728da81f65\n"})",
    R"({"stream":"Step 3/3 : COPY hello.txt /h"})",
    R"({"stream":"\n"})",
    R"({"stream":" ---\u003e f57d12aabc22\n"})",
    R"({"aux":{"ID":"sha256:f57d12aabc22ea847c048500aea5e86309645a0efedc2ba18c840043b85476e7"}})",
    R"({"stream":"Successfully built f57d12aabc22\n"})",
    R"({"stream":"Successfully tagged rec:1\n"})",
};

Status Feed(BuildDisplay& d, const std::vector<const char*>& msgs) {
  for (const char* m : msgs) SKIFF_TRY(d.Message(Json::parse(m)));
  return Ok();
}

TEST(BuildPlain, LegacyStreamPrintedAsDocker) {
  Sink s;
  PlainBuildDisplay d(s.fd.get(), false);
  ASSERT_TRUE(Feed(d, kLegacyStream).ok());
  EXPECT_EQ(s.Text(),
            "Step 1/3 : FROM busybox\n ---> e39825b892cf\nStep 2/3 : RUN echo one && echo two >&2\n"
            " ---> Running in b964f457ac6e\none\n\x1b[91mtwo\n\x1b[0mRemoving intermediate container b964f457ac6e\n"
            " ---> 71728da81f65\nStep 3/3 : COPY hello.txt /h\n ---> f57d12aabc22\nSuccessfully built f57d12aabc22\n"
            "Successfully tagged rec:1\n");
  EXPECT_EQ(d.image_id(), "sha256:f57d12aabc22ea847c048500aea5e86309645a0efedc2ba18c840043b85476e7");
}

TEST(BuildPlain, CacheMissAfterTheStepLine) {
  Sink s;
  PlainBuildDisplay d(s.fd.get(), false);
  ASSERT_TRUE(Feed(d, {R"({"stream":"Step 1/2 : FROM busybox","skiff":{"step":1,"total":2,"event":"start","text":"FROM busybox"}})",
                       R"({"stream":"\n"})", R"({"stream":" ---\u003e e39825b892cf\n","skiff":{"step":1,"event":"done","ms":0}})",
                       R"({"stream":"Step 2/2 : COPY app.py /app\n","skiff":{"step":2,"total":2,"event":"start","text":"COPY app.py /app","miss":"COPY app.py: content changed"}})",
                       R"({"stream":" ---\u003e 0123456789ab\n","skiff":{"step":2,"event":"done","ms":12}})",
                       R"({"stream":"Step 3/3 : ARG V","skiff":{"step":3,"total":3,"event":"start","text":"ARG V","miss":"ARG V changed"}})",
                       R"({"stream":"\n"})"})
                  .ok());
  EXPECT_EQ(s.Text(),
            "Step 1/2 : FROM busybox\n ---> e39825b892cf\nStep 2/2 : COPY app.py /app\n"
            " ---> Cache miss: COPY app.py: content changed\n ---> 0123456789ab\nStep 3/3 : ARG V\n"
            " ---> Cache miss: ARG V changed\n");
}

TEST(BuildPlain, ErrorsEndTheStreamWithTheirCode) {
  Sink s;
  PlainBuildDisplay d(s.fd.get(), false);
  Status st = Feed(d, {R"({"stream":"out1\n"})",
                       R"({"errorDetail":{"code":3,"message":"The command '/bin/sh -c exit 3' returned a non-zero code: 3"},"error":"The command '/bin/sh -c exit 3' returned a non-zero code: 3"})",
                       R"({"stream":"never\n"})"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "The command '/bin/sh -c exit 3' returned a non-zero code: 3");
  EXPECT_EQ(d.exit_code(), 3);
  EXPECT_EQ(s.Text(), "out1\n");

  PlainBuildDisplay d2(s.fd.get(), false);
  st = d2.Message(Json::parse(R"({"error":"COPY failed: no source files were specified"})"));
  EXPECT_EQ(st.error().message(), "COPY failed: no source files were specified");
  EXPECT_EQ(d2.exit_code(), 1);
}

TEST(BuildPlain, UploadLine) {
  Sink s;
  PlainBuildDisplay d(s.fd.get(), false);
  d.ContextProgress(600 * 1024, false);  // off a terminal only the last update shows
  d.ContextProgress(4608, true);
  EXPECT_EQ(s.Text(), "Sending build context to Docker daemon  4.608kB\r\r\n");

  Sink t;
  PlainBuildDisplay term(t.fd.get(), true);
  term.ContextProgress(1000, false);        // below 512 KiB: no update yet
  term.ContextProgress(600 * 1024, false);  // updated in place
  term.ContextProgress(700 * 1024, false);  // less than 512 KiB since the last update
  term.ContextProgress(716800, true);
  EXPECT_EQ(t.Text(),
            "Sending build context to Docker daemon  614.4kB\rSending build context to Docker daemon  716.8kB\r\r\n");
}

// The tty view under a clock the test moves.
struct Tty {
  Sink sink;
  int64_t now = 0;
  TtyBuildDisplay d;
  explicit Tty(std::vector<std::string> tags = {}, int height = 40)
      : d(sink.fd.get(), std::move(tags), 80, height, [this] { return now; }) {}
  void Msg(const std::string& m) { ASSERT_TRUE(d.Message(Json::parse(m)).ok()) << m; }
  std::string Frame(bool final) { return StripAnsi(d.Frame(final)); }
};

// BuildKit's line: the name left, the time right, 79 columns on an 80-column terminal.
std::string Line(const std::string& name, const std::string& timer) {
  std::string left = " => " + name;
  return left + std::string(80 - timer.size() - 2 - left.size(), ' ') + " " + timer;
}

std::string Start(int step, const std::string& stage, const std::string& text, int total = 6) {
  return fmt::format(R"({{"skiff":{{"step":{},"total":{},"stage":"{}","event":"start","text":"{}"}}}})", step, total,
                     stage, text);
}
std::string Event(int step, const std::string& event, int ms) {
  return fmt::format(R"({{"skiff":{{"step":{},"event":"{}","ms":{}}}}})", step, event, ms);
}
std::string Output(int step, const std::string& text) {
  return fmt::format(R"({{"stream":"{}","skiff":{{"step":{},"event":"output"}}}})", text, step);
}

TEST(BuildTty, StagesStepsAndOutputTails) {
  Tty t({"docker.io/library/app:latest"});
  t.d.ContextProgress(2048, false);
  t.now = 100;
  t.d.ContextProgress(2048, true);
  t.Msg(Start(1, "a", "FROM busybox AS a"));
  t.Msg(Event(1, "done", 0));
  t.Msg(Start(3, "1", "FROM busybox"));
  t.Msg(Event(3, "done", 0));
  t.now = 150;
  t.Msg(Start(2, "a", "RUN make"));
  t.Msg(Start(4, "1", "COPY x /x"));
  t.Msg(Event(4, "cached", 3));
  for (int i = 1; i <= 8; ++i) t.Msg(Output(2, fmt::format("compiling {}\\n", i)));
  t.now = 1330;
  EXPECT_EQ(t.Frame(false), Join({"[+] Building 1.3s (5/8) ",                       //
                                  Line("[internal] load build context", "0.1s"),     //
                                  Line("=> transferring context: 2.05kB", "0.1s"),   //
                                  Line("[a 1/6] FROM busybox AS a", "0.0s"),         //
                                  Line("[stage-1 3/6] FROM busybox", "0.0s"),        //
                                  Line("[a 2/6] RUN make", "1.2s"),                  //
                                  " => => # compiling 3", " => => # compiling 4", " => => # compiling 5",
                                  " => => # compiling 6", " => => # compiling 7", " => => # compiling 8",
                                  Line("CACHED [stage-1 4/6] COPY x /x", "0.0s")},
                                 "\n"));
  t.now = 2500;
  t.Msg(Event(2, "done", 2345));
  t.Msg(Start(5, "2", "FROM busybox"));
  t.Msg(Event(5, "done", 0));
  t.Msg(Start(6, "2", "COPY --from=a /out /out"));
  t.now = 2600;
  t.Msg(Event(6, "done", 90));
  t.now = 2700;
  t.Msg(R"({"aux":{"ID":"sha256:0123456789abcdef"}})");
  t.d.Finish(true);
  const std::string final_frame = Join({"[+] Building 2.7s (11/11) FINISHED",
                                        Line("[internal] load build context", "0.1s"),
                                        Line("=> transferring context: 2.05kB", "0.1s"),
                                        Line("[a 1/6] FROM busybox AS a", "0.0s"),
                                        Line("[stage-1 3/6] FROM busybox", "0.0s"),
                                        Line("[a 2/6] RUN make", "2.3s"),
                                        Line("CACHED [stage-1 4/6] COPY x /x", "0.0s"),
                                        Line("[stage-2 5/6] FROM busybox", "0.0s"),
                                        Line("[stage-2 6/6] COPY --from=a /out /out", "0.1s"),
                                        Line("exporting to image", "0.1s"),
                                        Line("=> writing image sha256:0123456789abcdef", "0.0s"),
                                        Line("=> naming to docker.io/library/app:latest", "0.0s")},
                                       "\n");
  EXPECT_EQ(t.Frame(true), final_frame);
  // Drawn in place: later frames move the cursor back over the previous one; the last is the final frame.
  std::string out = t.sink.Text();
  size_t up = out.find("A\r");
  ASSERT_NE(up, std::string::npos);
  EXPECT_EQ(out.rfind("\x1b[", up), up - 3);  // "\x1b[<n>A\r"
  EXPECT_EQ(StripAnsi(out.substr(out.rfind("\r") + 1)), final_frame + "\n");
}

TEST(BuildTty, SingleStageHasNoStageNameAndWideTotalsPad) {
  Tty t;
  t.Msg(Start(1, "0", "FROM busybox", 12));
  t.Msg(Event(1, "done", 0));
  t.Msg(Start(2, "0", "RUN true", 12));
  t.Msg(Event(2, "cached", 0));
  t.Msg(Start(3, "0", "RUN <<EOF\\n\\techo hi\\nEOF", 12));
  EXPECT_EQ(t.Frame(false), Join({"[+] Building 0.0s (2/12) ", Line("[ 1/12] FROM busybox", "0.0s"),
                                  Line("CACHED [ 2/12] RUN true", "0.0s"), Line("[ 3/12] RUN <<EOF ...", "0.0s")},
                                 "\n"));
}

TEST(BuildTty, ScreenHeightDropsFinishedStepsFirst) {
  Tty t({}, 6);  // header + 4 lines
  for (int i = 1; i <= 5; ++i) {
    t.Msg(Start(i, "0", fmt::format("RUN step{}", i), 9));
    if (i != 2) t.Msg(Event(i, "done", 0));
  }
  EXPECT_EQ(t.Frame(false), Join({"[+] Building 0.0s (4/9) ", Line("[2/9] RUN step2", "0.0s"),
                                  Line("[3/9] RUN step3", "0.0s"), Line("[4/9] RUN step4", "0.0s"),
                                  Line("[5/9] RUN step5", "0.0s")},
                                 "\n"));
}

TEST(BuildTty, FailedStepShowsItsOutput) {
  Tty t;
  t.Msg(Start(1, "0", "FROM busybox", 3));
  t.Msg(Event(1, "done", 0));
  t.Msg(Start(2, "0", "RUN echo one && echo two >&2 && false", 3));
  t.Msg(Output(2, "one\\n"));
  t.Msg(Output(2, "\\u001b[91mtwo\\n\\u001b[0m"));
  t.now = 400;
  t.Msg(Event(2, "error", 350));
  Status st = t.d.Message(Json::parse(
      R"({"errorDetail":{"code":1,"message":"The command '/bin/sh -c false' returned a non-zero code: 1"},"error":"x"})"));
  ASSERT_FALSE(st.ok());
  t.d.Finish(false);
  EXPECT_EQ(t.Frame(true), Join({"[+] Building 0.4s (2/3) ", Line("[1/3] FROM busybox", "0.0s"),
                                 Line("ERROR [2/3] RUN echo one && echo two >&2 && false", "0.3s")},
                                "\n"));
  std::string out = t.sink.Text();
  const std::string block = "------\n > [2/3] RUN echo one && echo two >&2 && false:\none\ntwo\n------\n";
  ASSERT_GE(out.size(), block.size());
  EXPECT_EQ(out.substr(out.size() - block.size()), block);
  EXPECT_EQ(t.d.exit_code(), 1);
}

TEST(BuildTty, ParallelStepCanceledOnFailure) {
  Tty t;
  t.Msg(Start(2, "a", "RUN sleep 10"));
  t.Msg(Start(4, "b", "RUN false"));
  t.Msg(Event(4, "error", 10));
  (void)t.d.Message(Json::parse(R"({"error":"failed"})"));
  t.d.Finish(false);
  std::string f = t.Frame(true);
  EXPECT_NE(f.find(" => CANCELED [a 2/6] RUN sleep 10"), std::string::npos) << f;
  EXPECT_NE(f.find(" => ERROR [b 4/6] RUN false"), std::string::npos) << f;
}

TEST(BuildTty, WarningsAndContainerLinesStayOutOfTheSteps) {
  Tty t;
  t.Msg(Start(1, "0", "FROM busybox", 2));
  t.Msg(Event(1, "done", 0));
  t.Msg(Start(2, "0", "RUN true", 2));
  t.Msg(Output(2, " ---\u003e Running in 0123456789ab\\n"));
  t.Msg(Output(2, "real output\\n"));
  t.Msg(Output(2, "Removing intermediate container 0123456789ab\\n"));
  EXPECT_EQ(t.Frame(false), Join({"[+] Building 0.0s (1/2) ", Line("[1/2] FROM busybox", "0.0s"),
                                  Line("[2/2] RUN true", "0.0s"), " => => # real output"},
                                 "\n"));
  t.Msg(Event(2, "done", 5));
  t.Msg(R"({"stream":"[Warning] One or more build-args [X] were not consumed\n"})");
  t.d.Finish(true);
  std::string out = t.sink.Text();
  EXPECT_EQ(out.substr(out.rfind("\x1b[?25h") + 6), "[Warning] One or more build-args [X] were not consumed\n");
}

TEST(BuildTty, LegacyDaemonTextDrivesTheView) {
  Tty t({"docker.io/library/rec:1"});
  ASSERT_TRUE(Feed(t.d, kLegacyStream).ok());
  t.d.Finish(true);
  EXPECT_EQ(t.Frame(true),
            Join({"[+] Building 0.0s (6/6) FINISHED", Line("[1/3] FROM busybox", "0.0s"),
                  Line("[2/3] RUN echo one && echo two >&2", "0.0s"), Line("[3/3] COPY hello.txt /h", "0.0s"),
                  Line("exporting to image", "0.0s"),
                  // too long for the line: cut at 69 columns
                  " => => writing image sha256:f57d12aabc22ea847c048500aea5e86309645a0efedc2  0.0s",
                  Line("=> naming to docker.io/library/rec:1", "0.0s")},
                 "\n"));
  EXPECT_EQ(t.d.image_id(), "sha256:f57d12aabc22ea847c048500aea5e86309645a0efedc2ba18c840043b85476e7");
}

}  // namespace
}  // namespace skiff::cli

// Exec processes: attached output and exit code, stdin, tty, detached, errors, ExecCapture with timeout.
#include <sys/socket.h>

#include <optional>
#include <thread>

#include "shim_harness.h"

namespace skiff::daemon::shim::testing {
namespace {
using namespace std::chrono_literals;

Json Process(const std::vector<std::string>& args, bool tty = false) {
  return Json{{"args", args},
              {"env", {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
              {"cwd", "/"},
              {"user", {{"uid", 0}, {"gid", 0}}},
              {"terminal", tty}};
}

class ExecTest : public ShimTest {
 protected:
  void SetUp() override {
    ShimTest::SetUp();
    if (IsSkipped()) return;
    box_ = h().Make({"sleep", "1000"});
    h().Run(box_);
  }
  Client client() { return Client(box_.dir); }
  Box box_;
};

TEST_F(ExecTest, AttachedExecOutputAndExitCode) {
  auto [shim_end, mine] = StreamPair();
  ExecOptions o{"e1", Process({"sh", "-c", "echo exec-out; echo exec-err >&2; exit 5"}), {}};
  auto pid = client().Exec(o, shim_end.get(), "");
  ASSERT_TRUE(pid.ok()) << pid.error().message();
  EXPECT_GT(*pid, 0);
  shim_end.reset();
  bool eof = false;
  Frames f = Demux(ReadUntilEof(mine.get(), 10s, &eof));
  EXPECT_TRUE(eof);
  EXPECT_EQ(f.out, "exec-out\n");
  EXPECT_EQ(f.err, "exec-err\n");
  auto e = client().Wait("e1");
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->exit_code, 5);
  auto st = client().State();
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(st->execs.contains("e1"));
  EXPECT_EQ(st->execs["e1"].pid, *pid);
  EXPECT_FALSE(st->execs["e1"].running);
  ASSERT_TRUE(st->execs["e1"].exit.has_value());
  EXPECT_EQ(st->execs["e1"].exit->exit_code, 5);
  EXPECT_TRUE(st->init.running) << "the container keeps running";
  // Exec output is not logged (Docker logs only the init's output).
  EXPECT_EQ(ReadText(box_.LogPath()).find("exec-out"), std::string::npos);
  // The exec id is taken.
  auto dup = client().Exec(o, -1, "");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), Errc::kAlreadyExists);
}

TEST_F(ExecTest, ExecutableNotFoundIsTheRuntimesError) {
  auto [shim_end, mine] = StreamPair();
  auto r = client().Exec(ExecOptions{"bad", Process({"nope"}), {}}, shim_end.get(), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "exec: \"nope\": executable file not found in $PATH");
  shim_end.reset();
  bool eof = false;
  ReadUntilEof(mine.get(), 5s, &eof);
  EXPECT_TRUE(eof) << "the shim kept no copy of the connection";
  EXPECT_FALSE(client().State()->execs.contains("bad"));
  EXPECT_EQ(client().Wait("bad").error().code(), Errc::kNotFound);
}

TEST_F(ExecTest, ExecStdinEofClosesTheProcessStdin) {
  auto [shim_end, mine] = StreamPair();
  ExecOptions o{"cat", Process({"cat"}), {}};
  o.io.stdin = true;
  ASSERT_TRUE(client().Exec(o, shim_end.get(), "first ").ok());
  shim_end.reset();
  WriteAllOrFail(mine.get(), "second\n");
  ::shutdown(mine.get(), SHUT_WR);
  bool eof = false;
  Frames f = Demux(ReadUntilEof(mine.get(), 10s, &eof));
  EXPECT_TRUE(eof);
  EXPECT_EQ(f.out, "first second\n");
  auto e = client().Wait("cat");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->exit_code, 0);
}

TEST_F(ExecTest, TtyExecWithResize) {
  auto [shim_end, mine] = StreamPair();
  ExecOptions o{"tty", Process({"sh"}, true), {}};
  o.io.stdin = true;
  o.io.multiplex = false;
  ASSERT_TRUE(client().Exec(o, shim_end.get(), "").ok());
  shim_end.reset();
  ASSERT_TRUE(client().Resize("tty", 33, 77).ok());
  WriteAllOrFail(mine.get(), "stty size; tty; exit 2\n");
  bool eof = false;
  std::string out = ReadUntilEof(mine.get(), 10s, &eof);
  EXPECT_TRUE(eof);
  EXPECT_NE(out.find("33 77"), std::string::npos) << out;
  EXPECT_NE(out.find("/dev/pts/"), std::string::npos) << out;
  auto e = client().Wait("tty");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->exit_code, 2);
}

TEST_F(ExecTest, DetachedExecRunsWithoutAClient) {
  auto pid = client().Exec(ExecOptions{"bg", Process({"sh", "-c", "echo ignored; exit 4"}), {}}, -1, "");
  ASSERT_TRUE(pid.ok()) << pid.error().message();
  auto e = client().Wait("bg");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->exit_code, 4);
  EXPECT_EQ(client().Resize("nosuch", 1, 1).error().code(), Errc::kNotFound);
}

TEST_F(ExecTest, ExecCaptureCollectsOutputAndTimesOut) {
  auto ok = client().ExecCapture(ExecOptions{"h1", Process({"sh", "-c", "echo healthy; echo warn >&2; exit 1"}), {}},
                                 5s);
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->exit_code, 1);
  EXPECT_FALSE(ok->timed_out);
  EXPECT_EQ(ok->output, "healthy\nwarn\n");

  auto big = client().ExecCapture(ExecOptions{"h2", Process({"sh", "-c", "yes | head -c 20000"}), {}}, 5s);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->exit_code, 0);
  EXPECT_EQ(big->output.size(), 4096u);

  auto t0 = std::chrono::steady_clock::now();
  auto slow = client().ExecCapture(ExecOptions{"h3", Process({"sh", "-c", "echo before; sleep 30"}), {}}, 300ms);
  ASSERT_TRUE(slow.ok()) << slow.error().message();
  EXPECT_TRUE(slow->timed_out);
  EXPECT_EQ(slow->exit_code, 137);
  EXPECT_EQ(slow->output, "before\n");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);

  auto missing = client().ExecCapture(ExecOptions{"h4", Process({"nope"}), {}}, 5s);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "exec: \"nope\": executable file not found in $PATH");
  // Capture records are not kept.
  EXPECT_TRUE(client().State()->execs.empty());
}

TEST_F(ExecTest, ExecWaitersAreAnsweredWhenTheContainerDies) {
  ASSERT_TRUE(client().Exec(ExecOptions{"long", Process({"sleep", "100"}), {}}, -1, "").ok());
  std::optional<Result<ExitInfo>> exec_exit, init_exit;
  std::thread w1([&] { exec_exit = client().Wait("long"); });
  std::thread w2([&] { init_exit = client().Wait(""); });
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(h().Runtime({"kill", box_.id, "KILL"}), 0);
  w1.join();
  w2.join();
  ASSERT_TRUE(exec_exit && exec_exit->ok()) << exec_exit->error().message();
  EXPECT_EQ((*exec_exit)->exit_code, 137);
  ASSERT_TRUE(init_exit && init_exit->ok());
  EXPECT_EQ((*init_exit)->exit_code, 137);
}

TEST_F(ExecTest, ExecIntoAStoppedContainerIsAConflict) {
  Box b = h().Make({"sh", "-c", "sleep 100"});
  ASSERT_TRUE(h().Spawn(b).ok());
  auto r = Client(b.dir).Exec(ExecOptions{"x", Process({"true"}), {}}, -1, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kConflict) << "created, not started";
}

}  // namespace
}  // namespace skiff::daemon::shim::testing

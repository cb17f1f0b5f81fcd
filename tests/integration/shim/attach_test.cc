// Attach: stdcopy frames, stream selection, tty + resize, stdin with stdin_once, detach keys, back-pressure.
#include <sys/socket.h>

#include <optional>
#include <thread>

#include "shim_harness.h"

namespace skiff::daemon::shim::testing {
namespace {
using namespace std::chrono_literals;

TEST_F(ShimTest, AttachSeparatesStdoutAndStderrWithStdcopyFrames) {
  Box b = h().Make({"sh", "-c", "echo out1; echo err1 >&2; echo out2"});
  ASSERT_TRUE(h().Spawn(b).ok());
  auto [shim_end, mine] = StreamPair();
  auto [shim_end2, mine2] = StreamPair();
  ASSERT_TRUE(Client(b.dir).Attach(shim_end.get(), "", AttachOptions{}).ok());
  AttachOptions only_err;
  only_err.stdout = false;
  ASSERT_TRUE(Client(b.dir).Attach(shim_end2.get(), "", only_err).ok());
  shim_end.reset();  // the shim has its own copy now
  shim_end2.reset();
  ASSERT_TRUE(Client(b.dir).Start().ok());
  bool eof = false;
  Frames f = Demux(ReadUntilEof(mine.get(), 10s, &eof));
  EXPECT_TRUE(eof) << "the shim closes the stream after the last output";
  EXPECT_FALSE(f.bad) << f.raw;
  EXPECT_EQ(f.out, "out1\nout2\n");
  EXPECT_EQ(f.err, "err1\n");
  Frames f2 = Demux(ReadUntilEof(mine2.get(), 10s, &eof));
  EXPECT_TRUE(eof);
  EXPECT_EQ(f2.out, "");
  EXPECT_EQ(f2.err, "err1\n");
  ASSERT_TRUE(Client(b.dir).Wait("").ok());
}

TEST_F(ShimTest, TtyAttachIsRawAndResizeSetsTheWindowSize) {
  Box b = h().Make({"sh"}, true);
  b.cfg.open_stdin = true;
  ASSERT_TRUE(h().Spawn(b).ok());
  ASSERT_TRUE(Client(b.dir).Resize("", 40, 100).ok());
  auto [shim_end, mine] = StreamPair();
  AttachOptions o;
  o.stdin = true;
  o.multiplex = false;
  ASSERT_TRUE(Client(b.dir).Attach(shim_end.get(), "", o).ok());
  shim_end.reset();
  ASSERT_TRUE(Client(b.dir).Start().ok());
  WriteAllOrFail(mine.get(), "stty size\n");
  std::string got = ReadUntil(mine.get(), "40 100", 10s);
  EXPECT_NE(got.find("40 100"), std::string::npos) << got;
  ASSERT_TRUE(Client(b.dir).Resize("", 24, 80).ok());
  WriteAllOrFail(mine.get(), "stty size; exit 7\n");
  bool eof = false;
  got = ReadUntilEof(mine.get(), 10s, &eof);
  EXPECT_TRUE(eof);
  EXPECT_NE(got.find("24 80"), std::string::npos) << got;
  EXPECT_NE(got.find("\r\n"), std::string::npos) << "tty output has CRLF line ends";
  auto e = Client(b.dir).Wait("");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->exit_code, 7);
  // Everything the terminal showed is in the log as stdout.
  std::string log = ReadText(b.LogPath());
  EXPECT_NE(log.find("24 80"), std::string::npos) << log;
  EXPECT_EQ(log.find("\"stderr\""), std::string::npos);
}

TEST_F(ShimTest, StdinOnceClosesTheContainersStdinAtTheClientsEof) {
  Box b = h().Make({"cat"});
  b.cfg.open_stdin = true;
  b.cfg.stdin_once = true;
  ASSERT_TRUE(h().Spawn(b).ok());
  auto [shim_end, mine] = StreamPair();
  AttachOptions o;
  o.stdin = true;
  ASSERT_TRUE(Client(b.dir).Attach(shim_end.get(), "pre-", o).ok());
  shim_end.reset();
  ASSERT_TRUE(Client(b.dir).Start().ok());
  WriteAllOrFail(mine.get(), "hello\n");
  ::shutdown(mine.get(), SHUT_WR);
  bool eof = false;
  Frames f = Demux(ReadUntilEof(mine.get(), 10s, &eof));
  EXPECT_TRUE(eof);
  EXPECT_EQ(f.out, "pre-hello\n");
  auto e = Client(b.dir).Wait("");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->exit_code, 0) << "cat saw EOF";
}

TEST_F(ShimTest, StdinEofWithoutStdinOnceEndsOnlyThatAttach) {
  Box b = h().Make({"cat"});
  b.cfg.open_stdin = true;
  ASSERT_TRUE(h().Spawn(b).ok());
  ASSERT_TRUE(Client(b.dir).Start().ok());
  auto [shim_end, mine] = StreamPair();
  AttachOptions o;
  o.stdin = true;
  ASSERT_TRUE(Client(b.dir).Attach(shim_end.get(), "", o).ok());
  shim_end.reset();
  WriteAllOrFail(mine.get(), "one\n");
  EXPECT_EQ(Demux(ReadUntil(mine.get(), "one\n", 10s)).out, "one\n");
  ::shutdown(mine.get(), SHUT_WR);
  bool eof = false;
  ReadUntilEof(mine.get(), 10s, &eof);
  EXPECT_TRUE(eof) << "Docker ends the attach when its stdin ends";
  // cat still runs and a new client can talk to it.
  auto st = Client(b.dir).State();
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->init.running);
  auto [shim_end2, mine2] = StreamPair();
  ASSERT_TRUE(Client(b.dir).Attach(shim_end2.get(), "two\n", o).ok());
  shim_end2.reset();
  EXPECT_EQ(Demux(ReadUntil(mine2.get(), "two\n", 10s)).out, "two\n");
  ASSERT_TRUE(Client(b.dir).CloseStdin("").ok());
  auto e = Client(b.dir).Wait("");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->exit_code, 0);
}

TEST_F(ShimTest, DetachKeysEndTheAttachButNotTheContainer) {
  Box b = h().Make({"cat"}, true);
  b.cfg.open_stdin = true;
  h().Run(b);
  auto [shim_end, mine] = StreamPair();
  AttachOptions o;
  o.stdin = true;
  o.multiplex = false;
  ASSERT_TRUE(Client(b.dir).Attach(shim_end.get(), "", o).ok());
  shim_end.reset();
  // A partial match followed by another key is passed on (cat's tty echoes ^P as "^P").
  WriteAllOrFail(mine.get(), "abc\x10z\n");
  std::string got = ReadUntil(mine.get(), "^Pz", 10s);
  EXPECT_NE(got.find("abc^Pz"), std::string::npos) << got;
  WriteAllOrFail(mine.get(), "\x10");
  std::this_thread::sleep_for(50ms);
  WriteAllOrFail(mine.get(), "\x11");
  bool eof = false;
  ReadUntilEof(mine.get(), 5s, &eof);
  EXPECT_TRUE(eof) << "ctrl-p,ctrl-q detaches";
  auto st = Client(b.dir).State();
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->init.running);

  // Custom keys; bad keys are refused with Docker's message.
  auto [bad_end, bad_mine] = StreamPair();
  AttachOptions bad = o;
  bad.detach_keys = "ctrl-,x";
  auto r = Client(b.dir).Attach(bad_end.get(), "", bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "Invalid detach keys (ctrl-,x) provided");
  auto [e2, m2] = StreamPair();
  AttachOptions custom = o;
  custom.detach_keys = "ctrl-a,x";
  ASSERT_TRUE(Client(b.dir).Attach(e2.get(), "", custom).ok());
  e2.reset();
  WriteAllOrFail(m2.get(), "\x01x");
  ReadUntilEof(m2.get(), 5s, &eof);
  EXPECT_TRUE(eof) << "ctrl-a,x detaches";
  EXPECT_TRUE(Client(b.dir).State()->init.running);
}

TEST_F(ShimTest, SlowClientPausesTheContainerAndLosesNothing) {
  // 4 MB of output against a client that does not read at first: the shim buffers 1 MiB, then stops reading
  // (the container blocks on its pipe); when the client reads, everything arrives in order.
  Box b = h().Make({"sh", "-c", "yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 4000000; echo; echo done"});
  b.cfg.log_driver = "none";
  ASSERT_TRUE(h().Spawn(b).ok());
  auto [shim_end, mine] = StreamPair();
  ASSERT_TRUE(Client(b.dir).Attach(shim_end.get(), "", AttachOptions{}).ok());
  shim_end.reset();
  ASSERT_TRUE(Client(b.dir).Start().ok());
  std::this_thread::sleep_for(1s);
  auto st = Client(b.dir).State();
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->init.running) << "the container is held back by the slow client";
  bool eof = false;
  Frames f = Demux(ReadUntilEof(mine.get(), 30s, &eof));
  EXPECT_TRUE(eof);
  EXPECT_FALSE(f.bad);
  EXPECT_EQ(f.out.size(), 4000000u + 6u);
  EXPECT_TRUE(f.out.ends_with("\ndone\n"));
  EXPECT_EQ(f.out.substr(0, 37), "0123456789abcdefghijklmnopqrstuvwxyz\n");
  auto e = Client(b.dir).Wait("");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->exit_code, 0);
}

TEST_F(ShimTest, ASlowClientThatLeavesReleasesTheContainer) {
  Box b = h().Make({"sh", "-c", "yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 4000000; echo done"});
  ASSERT_TRUE(h().Spawn(b).ok());
  auto [shim_end, mine] = StreamPair();
  ASSERT_TRUE(Client(b.dir).Attach(shim_end.get(), "", AttachOptions{}).ok());
  shim_end.reset();
  ASSERT_TRUE(Client(b.dir).Start().ok());
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(Client(b.dir).State()->init.running) << "held back by the client";
  mine.reset();
  auto e = Client(b.dir).Wait("");
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_NE(ReadText(b.LogPath()).find("done"), std::string::npos) << "the log got everything";
}

TEST_F(ShimTest, AClientThatGoesAwayIsDropped) {
  Box b = h().Make({"sh", "-c", "i=0; while [ $i -lt 50 ]; do echo tick $i; i=$((i+1)); sleep 0.02; done"});
  ASSERT_TRUE(h().Spawn(b).ok());
  {
    auto [shim_end, mine] = StreamPair();
    ASSERT_TRUE(Client(b.dir).Attach(shim_end.get(), "", AttachOptions{}).ok());
  }  // both ends closed at once
  ASSERT_TRUE(Client(b.dir).Start().ok());
  auto e = Client(b.dir).Wait("");
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_NE(ReadText(b.LogPath()).find("tick 49"), std::string::npos);
}

}  // namespace
}  // namespace skiff::daemon::shim::testing

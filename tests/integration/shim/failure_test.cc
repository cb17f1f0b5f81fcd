// Failures: create errors leave nothing behind; the daemon dying does not touch the container; a killed
// shim is detected and cleaned up with CleanupDeadShim.
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "shim_harness.h"

namespace skiff::daemon::shim::testing {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST_F(ShimTest, CreateFailureReportsTheRuntimesErrorAndLeavesNothing) {
  Box b = h().Make({"nope"});
  auto s = h().Spawn(b);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "exec: \"nope\": executable file not found in $PATH");
  EXPECT_EQ(LiveShimPid(b.dir), 0);
  EXPECT_TRUE(ProcessesMentioning(b.dir).empty()) << "no shim or container process is left";
  EXPECT_FALSE(fs::exists(b.dir + "/shim.sock"));
  EXPECT_FALSE(fs::exists(b.dir + "/shim.pid"));
  EXPECT_FALSE(fs::exists(b.dir + "/exit.json"));
  EXPECT_NE(h().Runtime({"state", b.id}), 0) << "runtime state removed";
  EXPECT_FALSE(fs::exists(h().root() + "/" + b.id));
  EXPECT_FALSE(fs::exists("/sys/fs/cgroup/memory" + b.cgroup));
  // The same DIR can be used again once the config is fixed.
  b.config["process"]["args"] = {"true"};
  std::ofstream(b.dir + "/config.json") << b.config.dump();
  h().Run(b);
  auto e = Client(b.dir).Wait("");
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->exit_code, 0);
}

TEST_F(ShimTest, BadShimExecutableIsAnError) {
  Box b = h().Make({"true"});
  auto s = Spawn("/nonexistent/skiffd", b.dir, b.cfg);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("exited before reporting"), std::string::npos) << s.error().message();
}

TEST_F(ShimTest, DaemonDeathDoesNotAffectTheContainer) {
  Box b = h().Make({"sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.05; done"});
  // The "daemon": a child process that spawns and starts the container, attaches, then is SIGKILLed.
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  pid_t daemon = ::fork();
  ASSERT_GE(daemon, 0);
  if (daemon == 0) {
    ::close(p[0]);
    auto s = Spawn(Harness::ShimExe(), b.dir, b.cfg);
    if (!s.ok() || !Client(b.dir).Start().ok()) _exit(1);
    int sv[2];
    ::socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    (void)Client(b.dir).Attach(sv[0], "", AttachOptions{});
    std::string msg = fmt::format("{} {}\n", s->shim_pid, s->init_pid);
    if (::write(p[1], msg.data(), msg.size()) < 0) _exit(1);
    ::pause();
    _exit(0);
  }
  ::close(p[1]);
  std::string line = ReadUntil(p[0], "\n", 30s);
  ::close(p[0]);
  pid_t shim = 0, init = 0;
  ASSERT_EQ(std::sscanf(line.c_str(), "%d %d", &shim, &init), 2) << "daemon child reported: " << line;
  ::kill(daemon, SIGKILL);
  ::waitpid(daemon, nullptr, 0);

  // The container and its shim live on; the log keeps growing; a new client reconnects.
  EXPECT_FALSE(ProcessGone(shim));
  EXPECT_FALSE(ProcessGone(init));
  EXPECT_EQ(LiveShimPid(b.dir), shim);
  size_t before = ReadText(b.LogPath()).size();
  EXPECT_TRUE(WaitFor([&] { return ReadText(b.LogPath()).size() > before + 100; }, 5s));
  auto st = Client(b.dir).State();
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_TRUE(st->init.running);
  EXPECT_EQ(st->init.pid, init);
  auto [shim_end, mine] = StreamPair();
  ASSERT_TRUE(Client(b.dir).Attach(shim_end.get(), "", AttachOptions{}).ok());
  shim_end.reset();
  EXPECT_NE(Demux(ReadUntil(mine.get(), "tick", 5s)).out.find("tick"), std::string::npos);
  std::optional<Result<ExitInfo>> waited;
  std::thread waiter([&] { waited = Client(b.dir).Wait(""); });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(h().Runtime({"kill", b.id, "KILL"}), 0);  // (sh as pid 1 ignores TERM)
  waiter.join();
  ASSERT_TRUE(waited && waited->ok());
  EXPECT_EQ((*waited)->exit_code, 137);
  bool eof = false;
  ReadUntilEof(mine.get(), 5s, &eof);
  EXPECT_TRUE(eof);
  EXPECT_TRUE(WaitFor([&] { return ProcessGone(shim); }, 10s));
}

TEST_F(ShimTest, KilledShimIsDetectedAndCleanedUp) {
  Box b = h().Make({"sleep", "1000"});
  Spawned s = h().Run(b);
  ASSERT_EQ(::kill(s.shim_pid, SIGKILL), 0);
  ASSERT_TRUE(WaitFor([&] { return ProcessGone(s.shim_pid); }, 5s));
  // What is left: the container runs on without a monitor (its stdio pipes are broken); nothing says it
  // exited. The daemon sees: no live shim, no exit.json, Unavailable from the client.
  EXPECT_FALSE(ProcessGone(s.init_pid));
  EXPECT_EQ(LiveShimPid(b.dir), 0);
  auto x = ReadExitFile(b.dir);
  ASSERT_TRUE(x.ok());
  EXPECT_FALSE(x->has_value());
  EXPECT_EQ(Client(b.dir).State().error().code(), Errc::kUnavailable);
  EXPECT_EQ(Client(b.dir).Wait("").error().code(), Errc::kUnavailable);
  // CleanupDeadShim kills and deletes what is left and records 137.
  auto e = CleanupDeadShim(b.dir);
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->exit_code, 137);
  EXPECT_TRUE(WaitFor([&] { return ProcessGone(s.init_pid); }, 5s));
  EXPECT_NE(h().Runtime({"state", b.id}), 0);
  auto x2 = ReadExitFile(b.dir);
  ASSERT_TRUE(x2.ok() && x2->has_value());
  EXPECT_EQ((*x2)->exit_code, 137);
  // Idempotent.
  auto e2 = CleanupDeadShim(b.dir);
  ASSERT_TRUE(e2.ok());
  EXPECT_EQ(e2->finished_at, e->finished_at);
}

TEST_F(ShimTest, CleanupDeadShimRefusesALiveShim) {
  Box b = h().Make({"sleep", "1000"});
  h().Run(b);
  auto e = CleanupDeadShim(b.dir);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code(), Errc::kConflict);
}

}  // namespace
}  // namespace skiff::daemon::shim::testing

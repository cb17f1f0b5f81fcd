// Shim lifecycle: logs, Wait, exit codes, exit.json, cleanup after exit, rotation, Start once, State.
#include <fcntl.h>
#include <signal.h>

#include <cstring>

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "base/strings.h"
#include "shim_harness.h"

namespace skiff::daemon::shim::testing {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::vector<Json> LogLines(const std::string& path) {
  std::vector<Json> out;
  for (const auto& line : Split(ReadText(path), '\n')) {
    if (line.empty()) continue;
    Json j = Json::parse(line, nullptr, false);
    EXPECT_TRUE(j.is_object()) << "bad log line: " << line;
    out.push_back(j);
  }
  return out;
}

TEST_F(ShimTest, EchoGoesToTheJsonLogAndTheShimCleansUp) {
  Box b = h().Make({"sh", "-c", "echo hello; echo oops >&2; printf partial"});
  Spawned s = h().Run(b);
  ASSERT_GT(s.shim_pid, 0);
  ASSERT_GT(s.init_pid, 0);
  auto e = Client(b.dir).Wait("");
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_FALSE(e->oom_killed);
  EXPECT_TRUE(e->finished_at.ends_with("Z")) << e->finished_at;

  auto lines = LogLines(b.LogPath());
  ASSERT_EQ(lines.size(), 3u) << ReadText(b.LogPath());
  std::map<std::string, std::string> by_log;
  for (auto& l : lines) {
    by_log[l["log"]] = l["stream"];
    EXPECT_TRUE(l["time"].get<std::string>().ends_with("Z"));
  }
  EXPECT_EQ(by_log["hello\n"], "stdout");
  EXPECT_EQ(by_log["oops\n"], "stderr");
  EXPECT_EQ(by_log["partial"], "stdout");

  // exit.json agrees; the shim, its socket and the runtime state are gone.
  auto x = ReadExitFile(b.dir);
  ASSERT_TRUE(x.ok() && x->has_value());
  EXPECT_EQ((*x)->exit_code, 0);
  EXPECT_EQ((*x)->finished_at, e->finished_at);
  EXPECT_TRUE(WaitFor([&] { return ProcessGone(s.shim_pid); }, 10s));
  EXPECT_EQ(LiveShimPid(b.dir), 0);
  EXPECT_FALSE(fs::exists(b.dir + "/shim.sock"));
  EXPECT_NE(h().Runtime({"state", b.id}), 0);
  EXPECT_FALSE(fs::exists("/sys/fs/cgroup/memory" + b.cgroup));
  // After the shim is gone: methods are Unavailable, Wait("") answers from exit.json.
  EXPECT_EQ(Client(b.dir).State().error().code(), Errc::kUnavailable);
  auto again = Client(b.dir).Wait("");
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->exit_code, 0);
}

TEST_F(ShimTest, WaitReportsExitCodeAndSignal) {
  Box b3 = h().Make({"sh", "-c", "exit 3"});
  h().Run(b3);
  auto e3 = Client(b3.dir).Wait("");
  ASSERT_TRUE(e3.ok()) << e3.error().message();
  EXPECT_EQ(e3->exit_code, 3);

  Box bk = h().Make({"sleep", "100"});
  h().Run(bk);
  std::optional<Result<ExitInfo>> waited;
  std::thread waiter([&] { waited = Client(bk.dir).Wait(""); });
  std::this_thread::sleep_for(200ms);
  auto st = Client(bk.dir).State();
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_TRUE(st->init.running);
  EXPECT_FALSE(st->init.exit.has_value());
  EXPECT_EQ(h().Runtime({"kill", bk.id, "KILL"}), 0);
  waiter.join();
  ASSERT_TRUE(waited && waited->ok()) << waited->error().message();
  EXPECT_EQ((*waited)->exit_code, 137);
}

TEST_F(ShimTest, WaitAnswersOnlyOnceTheRuntimeStateIsGone) {
  // A Wait arriving while the shim is between the init's exit and `runtime delete` must still wait for it.
  for (int i = 0; i < 5; ++i) {
    Box b = h().Make({"true"});
    h().Run(b);
    WaitFor([&] {
      auto st = Client(b.dir).State();
      return !st.ok() || !st->init.running;
    });
    auto e = Client(b.dir).Wait("");
    ASSERT_TRUE(e.ok()) << e.error().message();
    EXPECT_EQ(e->exit_code, 0);
    EXPECT_NE(h().Runtime({"state", b.id}), 0) << "round " << i;
  }
}

TEST_F(ShimTest, WaitIsCancelledByStopToken) {
  Box b = h().Make({"sleep", "100"});
  h().Run(b);
  std::stop_source src;
  std::optional<Result<ExitInfo>> waited;
  auto t0 = std::chrono::steady_clock::now();
  std::thread waiter([&] { waited = Client(b.dir).Wait("", src.get_token()); });
  std::this_thread::sleep_for(100ms);
  src.request_stop();
  waiter.join();
  ASSERT_TRUE(waited.has_value());
  ASSERT_FALSE(waited->ok());
  EXPECT_EQ(waited->error().code(), Errc::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  // The shim is unaffected.
  auto st = Client(b.dir).State();
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->init.running);
}

TEST_F(ShimTest, CreatedBeforeStartAndStartOnlyOnce) {
  Box b = h().Make({"sh", "-c", "echo started"});
  auto s = h().Spawn(b);
  ASSERT_TRUE(s.ok()) << s.error().message();
  std::string state;
  ASSERT_EQ(h().Runtime({"state", b.id}, &state), 0);
  EXPECT_NE(state.find("\"created\""), std::string::npos) << state;
  auto st = Client(b.dir).State();
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(st->init.pid, s->init_pid);
  EXPECT_FALSE(st->init.running);
  // A second shim for the same DIR is refused while this one lives.
  auto dup = h().Spawn(b);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), Errc::kConflict);
  ASSERT_TRUE(Client(b.dir).Start().ok());
  auto again = Client(b.dir).Start();
  // Either the container is still running (Conflict) or the shim finished already (Unavailable).
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.error().code() == Errc::kConflict || again.error().code() == Errc::kUnavailable)
      << again.error().message();
  auto e = Client(b.dir).Wait("");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->exit_code, 0);
}

TEST_F(ShimTest, LogRotatesByMaxSize) {
  Box b = h().Make({"sh", "-c", "i=0; while [ $i -lt 200 ]; do echo line-$i-padding-padding-padding; i=$((i+1)); done"});
  b.cfg.log.max_size = 2000;
  b.cfg.log.max_file = 3;
  h().Run(b);
  auto e = Client(b.dir).Wait("");
  ASSERT_TRUE(e.ok()) << e.error().message();
  std::string p = b.LogPath();
  EXPECT_TRUE(fs::exists(p));
  EXPECT_TRUE(fs::exists(p + ".1"));
  EXPECT_TRUE(fs::exists(p + ".2"));
  EXPECT_FALSE(fs::exists(p + ".3"));
  for (const auto& f : {p, p + ".1", p + ".2"}) EXPECT_LE(fs::file_size(f), 2000u + 200u) << f;
  // The newest file ends with the last line; nothing is duplicated across the files kept.
  auto last = LogLines(p);
  ASSERT_FALSE(last.empty());
  EXPECT_EQ(last.back()["log"], "line-199-padding-padding-padding\n");
  std::set<std::string> seen;
  for (const auto& f : {p + ".2", p + ".1", p})
    for (auto& l : LogLines(f)) EXPECT_TRUE(seen.insert(l["log"]).second) << l.dump();
}

TEST_F(ShimTest, LogDriverNoneWritesNoLog) {
  Box b = h().Make({"sh", "-c", "echo quiet"});
  b.cfg.log_driver = "none";
  h().Run(b);
  ASSERT_TRUE(Client(b.dir).Wait("").ok());
  EXPECT_FALSE(fs::exists(b.LogPath()));
}

TEST_F(ShimTest, OomKillIsReported) {
  Box b = h().Make({"tail", "/dev/zero"}, false, [](Json& c) {
    c["linux"]["resources"]["memory"] = {{"limit", 16 << 20}, {"swap", 16 << 20}};
  });
  h().Run(b);
  auto e = Client(b.dir).Wait("");
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->exit_code, 137);
  EXPECT_TRUE(e->oom_killed);
  auto x = ReadExitFile(b.dir);
  ASSERT_TRUE(x.ok() && x->has_value());
  EXPECT_TRUE((*x)->oom_killed);
}

Json WithoutPidNamespace(Json c) {
  Json ns = Json::array();
  for (auto& n : c["linux"]["namespaces"])
    if (n["type"] != "pid") ns.push_back(n);
  c["linux"]["namespaces"] = ns;
  return c;
}

TEST_F(ShimTest, SharedPidNamespaceStraysAreKilledWhenTheInitExits) {
  // Without a pid namespace the background sleep would outlive the init (holding the stdout pipe); as with
  // containerd, the shim kills the rest of the container when its init exits.
  Box b = h().Make({"sh", "-c", "sleep 31 & echo bye"}, false, [](Json& c) { c = WithoutPidNamespace(c); });
  h().Run(b);
  auto t0 = std::chrono::steady_clock::now();
  auto e = Client(b.dir).Wait("");
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
  EXPECT_NE(ReadText(b.LogPath()).find("bye"), std::string::npos);
  std::string state;
  EXPECT_NE(h().Runtime({"state", b.id}, &state), 0) << state;
  // The cgroup (and so every process of the container) is gone.
  EXPECT_FALSE(std::filesystem::exists("/sys/fs/cgroup/pids" + b.cgroup));
}

TEST_F(ShimTest, OutputHeldOutsideTheContainerIsDrainedWithABoundedWait) {
  // A host process holding the container's stdout pipe (opened through /proc/<init>/fd/1) keeps it from
  // reaching EOF: the shim drains for a bounded time after the init exits, logging what still comes.
  Box b = h().Make({"sleep", "1"});
  Spawned s = h().Run(b);
  UniqueFd held(::open(fmt::format("/proc/{}/fd/1", s.init_pid).c_str(), O_WRONLY | O_CLOEXEC));
  ASSERT_TRUE(held.valid()) << strerror(errno);
  auto t0 = std::chrono::steady_clock::now();
  std::thread late([&] {
    std::this_thread::sleep_for(1500ms);  // after the init exited, within the grace period
    ASSERT_EQ(::write(held.get(), "late\n", 5), 5);
  });
  auto e = Client(b.dir).Wait("");
  auto took = std::chrono::steady_clock::now() - t0;
  late.join();
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_GE(took, 2500ms);
  EXPECT_LT(took, 8s);
  EXPECT_NE(ReadText(b.LogPath()).find("late"), std::string::npos);
}

TEST_F(ShimTest, ShimRssIsSmall) {
  Box b = h().Make({"sleep", "100"});
  Spawned s = h().Run(b);
  std::string status = ReadText(fmt::format("/proc/{}/status", s.shim_pid));
  auto pos = status.find("VmRSS:");
  ASSERT_NE(pos, std::string::npos);
  auto kb = ParseInt(Trim(status.substr(pos + 6, status.find('\n', pos) - pos - 6 - 3)));
  ASSERT_TRUE(kb.has_value()) << status.substr(pos, 40);
  std::printf("shim VmRSS: %lld kB\n", static_cast<long long>(*kb));
  RecordProperty("shim_vmrss_kb", static_cast<int>(*kb));
  EXPECT_LT(*kb, 16 * 1024);
}

}  // namespace
}  // namespace skiff::daemon::shim::testing

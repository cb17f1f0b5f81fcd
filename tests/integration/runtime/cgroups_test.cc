// linux.resources on the host's (hybrid v1) cgroups, seen from inside; pause/resume/update/events/ps.
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "harness.h"

namespace skiff::runtime::testing {
namespace {

class Cgroups : public RuntimeTest {
 protected:
  void SetUp() override {
    RuntimeTest::SetUp();
    if (IsSkipped()) return;
    if (!Exists("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
      GTEST_SKIP() << "these tests expect cgroup v1 controllers under /sys/fs/cgroup/<controller>";
  }
};

TEST_F(Cgroups, MemoryLimit) {
  std::string id;
  Result r = h().RunSh("cat /sys/fs/cgroup/memory/memory.limit_in_bytes",
                       [](Json& c) { c["linux"]["resources"]["memory"] = {{"limit", 67108864}}; }, &id);
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(Trim(r.out), "67108864");
}

TEST_F(Cgroups, PidsLimitBoundsForkBomb) {
  // The bomb runs in a child shell (which dies on its first failed fork); the outer shell then reports with
  // builtins only, as forking may be impossible by then.
  Result r = h().RunSh(
      "sh -c 'for i in $(seq 20); do sleep 10 & done' 2>&1; echo bomb-rc=$?; "
      "read max < /sys/fs/cgroup/pids/pids.max; read cur < /sys/fs/cgroup/pids/pids.current; echo $max $cur",
      [](Json& c) { c["linux"]["resources"]["pids"] = {{"limit", 5}}; });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_NE(r.out.find("can't fork"), std::string::npos) << "some forks must fail: " << r;
  EXPECT_EQ(r.out.find("bomb-rc=0"), std::string::npos) << r;
  auto l = Lines(r.out);
  ASSERT_FALSE(l.empty());
  auto sp = l.back().find(' ');
  ASSERT_NE(sp, std::string::npos) << r;
  EXPECT_EQ(l.back().substr(0, sp), "5");
  int cur = std::stoi(l.back().substr(sp + 1));
  EXPECT_GE(cur, 2) << "the surviving sleeps count";
  EXPECT_LE(cur, 5);
}

TEST_F(Cgroups, PidsLimitOnHost) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  b.config["linux"]["resources"]["pids"] = {{"limit", 5}};
  b.Save();
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  EXPECT_EQ(Trim(ReadText("/sys/fs/cgroup/pids/" + id + "/pids.max")), "5");
}

TEST_F(Cgroups, CpuSharesAndQuota) {
  Result r = h().RunSh(
      "cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us",
      [](Json& c) {
        c["linux"]["resources"]["cpu"] = {{"shares", 512}, {"quota", 50000}, {"period", 100000}};
      });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "512\n50000\n100000\n");
}

TEST_F(Cgroups, Cpuset) {
  Result r = h().RunSh("cat /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/cpuset/cpuset.mems; "
                       "grep Cpus_allowed_list /proc/self/status",
                       [](Json& c) { c["linux"]["resources"]["cpu"] = {{"cpus", "0"}, {"mems", "0"}}; });
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_EQ(l.size(), 3u) << r;
  EXPECT_EQ(l[0], "0");
  EXPECT_EQ(l[1], "0");
  EXPECT_EQ(Trim(l[2].substr(l[2].find(':') + 1)), "0");
}

// A container counting in /tmp/count.
Bundle Counter(Harness& h) {
  return h.MakeBundle({"sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; usleep 2000; done"});
}

int Count(const Bundle& b) {
  std::string s = Trim(ReadText(b.rootfs + "/tmp/count"));
  return s.empty() ? -1 : std::stoi(s);
}

TEST_F(Cgroups, PauseResume) {
  Bundle b = Counter(h());
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  ASSERT_TRUE(Harness::WaitFor([&] { return Count(b) > 3; }));
  Result p = h().Runtime({"pause", id});
  ASSERT_EQ(p.code, 0) << p;
  EXPECT_EQ(h().Status(id), "paused");
  EXPECT_EQ(Trim(ReadText("/sys/fs/cgroup/freezer/" + id + "/freezer.state")), "FROZEN");
  int c1 = Count(b);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(Count(b), c1) << "a paused container advanced";
  // Pausing twice / exec while paused are refused.
  EXPECT_NE(h().Runtime({"pause", id}).code, 0);
  Result e = h().Runtime({"exec", id, "true"});
  EXPECT_NE(e.code, 0) << e;
  Result res = h().Runtime({"resume", id});
  ASSERT_EQ(res.code, 0) << res;
  EXPECT_EQ(h().Status(id), "running");
  EXPECT_TRUE(Harness::WaitFor([&] { return Count(b) > c1 + 3; })) << "a resumed container did not advance";
  EXPECT_NE(h().Runtime({"resume", id}).code, 0) << "resume of a running container must fail";
}

TEST_F(Cgroups, DeleteForcePausedContainer) {
  Bundle b = Counter(h());
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  ASSERT_EQ(h().Runtime({"pause", id}).code, 0);
  Result d = h().Runtime({"delete", "--force", id}, "", 20);
  ASSERT_EQ(d.code, 0) << d;
  EXPECT_FALSE(Exists("/sys/fs/cgroup/freezer/" + id));
  EXPECT_FALSE(Exists(h().root() + "/" + id));
}

TEST_F(Cgroups, UpdateMemory) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  b.config["linux"]["resources"]["memory"] = {{"limit", 67108864}};
  b.Save();
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  Result u = h().Runtime({"update", "--memory", "128m", id});
  ASSERT_EQ(u.code, 0) << u;
  EXPECT_EQ(Trim(ReadText("/sys/fs/cgroup/memory/" + id + "/memory.limit_in_bytes")), "134217728");
  Result e = h().Runtime({"exec", id, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"});
  ASSERT_EQ(e.code, 0) << e;
  EXPECT_EQ(Trim(e.out), "134217728");
}

TEST_F(Cgroups, UpdatePidsAndCpuFromResourcesFile) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  std::string file = h().dir() + "/res.json";
  WriteText(file, R"({"pids":{"limit":42},"cpu":{"shares":300}})");
  Result u = h().Runtime({"update", "--resources", file, id});
  ASSERT_EQ(u.code, 0) << u;
  EXPECT_EQ(Trim(ReadText("/sys/fs/cgroup/pids/" + id + "/pids.max")), "42");
  EXPECT_EQ(Trim(ReadText("/sys/fs/cgroup/cpu/" + id + "/cpu.shares")), "300");
}

TEST_F(Cgroups, EventsStats) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  Result e = h().Runtime({"events", "--stats", id});
  ASSERT_EQ(e.code, 0) << e;
  Json j = Json::parse(e.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << e;
  EXPECT_EQ(j.value("type", ""), "stats");
  EXPECT_EQ(j.value("id", ""), id);
  ASSERT_TRUE(j.contains("data") && j["data"].contains("memory")) << e;
  const Json& mem = j["data"]["memory"];
  ASSERT_TRUE(mem.contains("usage")) << e;
  EXPECT_GT(mem["usage"].value("usage", 0ull), 0ull) << e;
  ASSERT_TRUE(j["data"].contains("pids")) << e;
  EXPECT_GE(j["data"]["pids"].value("current", 0), 1) << e;
}

TEST_F(Cgroups, PsJsonListsPid) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  int pid = h().State(id).value("pid", 0);
  Result p = h().Runtime({"ps", "--format", "json", id});
  ASSERT_EQ(p.code, 0) << p;
  Json j = Json::parse(p.out, nullptr, false);
  ASSERT_TRUE(j.is_array()) << p;
  EXPECT_EQ(j, Json::array({pid})) << p;
}

TEST_F(Cgroups, CgroupsPathIsHonoured) {
  std::string id = h().NewId();
  std::string path = "/skit-cgpath-" + std::to_string(::getpid());
  Bundle b = h().MakeBundle({"sleep", "30"});
  b.config["linux"]["cgroupsPath"] = path;
  b.Save();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  int pid = h().State(id).value("pid", 0);
  std::string procs = ReadText("/sys/fs/cgroup/memory" + path + "/cgroup.procs");
  EXPECT_NE(procs.find(std::to_string(pid)), std::string::npos) << procs;
  ASSERT_EQ(h().Runtime({"delete", "--force", id}).code, 0);
  EXPECT_FALSE(Exists("/sys/fs/cgroup/memory" + path));
}

TEST_F(Cgroups, DeviceCgroupDeniesUnlistedDevice) {
  // The default spec denies all devices; a node made inside for /dev/sda-like 8:0 must not open.
  Result r = h().RunSh("mknod /tmp/blk b 7 0 2>&1; head -c1 /tmp/blk 2>&1; echo rc=$?", [](Json& c) {
    c["process"]["capabilities"]["bounding"].push_back("CAP_MKNOD");
    c["process"]["capabilities"]["effective"].push_back("CAP_MKNOD");
    c["process"]["capabilities"]["permitted"].push_back("CAP_MKNOD");
  });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_NE(r.out.find("Operation not permitted"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("rc=0"), std::string::npos) << r;
}

}  // namespace
}  // namespace skiff::runtime::testing

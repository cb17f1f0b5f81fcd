// The cgroups library on the real kernel (root only). Every cgroup is created by the test under a unique
// name and destroyed at the end; no pre-existing cgroup is modified.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "base/file.h"
#include "base/strings.h"
#include "runtime/cgroups/cgroups.h"

namespace skiff::runtime::cgroups {
namespace {

std::string Knob(const std::string& dir, const std::string& file) {
  auto s = ReadFile(JoinPath(dir, file));
  return s.ok() ? std::string(Trim(*s)) : "<" + s.error().message() + ">";
}

std::string DirFor(const Manager& m, std::string_view controller) {
  for (const auto& [h, dir] : m.ContainerDirs())
    if ((!h.v2 && h.Has(controller)) || (controller == "unified" && h.v2)) return dir;
  return "";
}

// A child that waits on a pipe, then runs `body` and exits with its result.
struct Child {
  pid_t pid = -1;
  int go = -1;
  template <class F>
  static Child Start(F body) {
    int p[2];
    EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
    Child c;
    c.pid = ::fork();
    if (c.pid == 0) {
      ::close(p[1]);
      char b;
      while (::read(p[0], &b, 1) < 0 && errno == EINTR) {
      }
      ::_exit(body());
    }
    ::close(p[0]);
    c.go = p[1];
    return c;
  }
  void Release() {
    if (go >= 0) {
      ::close(go);
      go = -1;
    }
  }
  int Wait() {
    Release();
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  ~Child() {
    Release();
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

class RealCgroups : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    auto l = DetectLayout();
    ASSERT_TRUE(l.ok()) << l.error().message();
    layout_ = *l;
    id_ = "skiff-it-" + std::to_string(::getpid()) + "-" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  // Destroys whatever the test left behind, then checks no directory remains.
  void Cleanup(Manager& m) {
    (void)m.Thaw();
    EXPECT_TRUE(m.Destroy().ok());
    for (const auto& [h, dir] : m.ContainerDirs()) EXPECT_FALSE(PathExists(dir)) << dir;
  }
  Layout layout_;
  std::string id_;
};

TEST_F(RealCgroups, DetectsThisHost) {
  ASSERT_FALSE(layout_.hierarchies.empty());
  if (layout_.mode == Mode::kHybrid) {
    EXPECT_NE(layout_.V1("memory"), nullptr);
    ASSERT_NE(layout_.Unified(), nullptr);
  }
}

TEST_F(RealCgroups, LimitsFreezePidsStatsDestroy) {
  if (!layout_.V1("memory") || !layout_.V1("pids") || !layout_.V1("cpu") || !layout_.V1("freezer"))
    GTEST_SKIP() << "needs v1 memory, pids, cpu and freezer";
  auto m = Manager::ForPath(layout_, "", id_);
  ASSERT_TRUE(m.ok()) << m.error().message();
  auto r = ParseResources(Json::parse(R"({
    "devices": [{"allow": false, "access": "rwm"}],
    "memory": {"limit": 67108864, "swap": 134217728, "reservation": 33554432},
    "cpu": {"shares": 512, "quota": 20000, "period": 100000},
    "pids": {"limit": 10}})"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  for (const auto& d : DefaultAllowedDevices()) r->devices.push_back(d);
  Status st = m->Create(*r);
  ASSERT_TRUE(st.ok()) << st.error().message();

  std::string mem = DirFor(*m, "memory"), pids = DirFor(*m, "pids"), cpu = DirFor(*m, "cpu");
  EXPECT_EQ(mem, "/sys/fs/cgroup/memory/" + id_);
  EXPECT_EQ(Knob(mem, "memory.limit_in_bytes"), "67108864");
  if (PathExists(mem + "/memory.memsw.limit_in_bytes")) {
    EXPECT_EQ(Knob(mem, "memory.memsw.limit_in_bytes"), "134217728");
  }
  EXPECT_EQ(Knob(mem, "memory.soft_limit_in_bytes"), "33554432");
  EXPECT_EQ(Knob(pids, "pids.max"), "10");
  EXPECT_EQ(Knob(cpu, "cpu.shares"), "512");
  EXPECT_EQ(Knob(cpu, "cpu.cfs_quota_us"), "20000");
  if (std::string dev = DirFor(*m, "devices"); !dev.empty()) {
    std::string list = Knob(dev, "devices.list");
    EXPECT_NE(list.find("c 1:3 rwm"), std::string::npos) << list;
    EXPECT_EQ(list.find("a *:* rwm"), std::string::npos) << list;
  }
  if (std::string cs = DirFor(*m, "cpuset"); !cs.empty()) {
    EXPECT_FALSE(Knob(cs, "cpuset.cpus").empty());
  }

  Child child = Child::Start([] {
    for (int i = 0; i < 600; ++i) ::usleep(100000);
    return 0;
  });
  st = m->AddProcess(child.pid);
  ASSERT_TRUE(st.ok()) << st.error().message();
  auto procs = m->Pids();
  ASSERT_TRUE(procs.ok()) << procs.error().message();
  EXPECT_EQ(*procs, std::vector<pid_t>{child.pid});
  for (const auto& [h, dir] : m->ContainerDirs())
    EXPECT_NE(Knob(dir, "cgroup.procs").find(std::to_string(child.pid)), std::string::npos) << dir;

  st = m->Freeze();
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_TRUE(*m->IsFrozen());
  EXPECT_EQ(Knob(DirFor(*m, "freezer"), "freezer.state"), "FROZEN");
  st = m->Thaw();
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_FALSE(*m->IsFrozen());

  // Grow memory and swap together: memsw has to be raised first.
  auto up = ParseResources(Json::parse(R"({"memory": {"limit": 268435456, "swap": 536870912}, "pids": {"limit": 20}})"));
  ASSERT_TRUE(up.ok());
  st = m->Update(*up);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(Knob(mem, "memory.limit_in_bytes"), "268435456");
  EXPECT_EQ(Knob(pids, "pids.max"), "20");
  EXPECT_EQ(Knob(cpu, "cpu.shares"), "512");  // untouched by the update

  auto stats = m->Stats();
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ((*stats)["memory"]["usage"]["limit"], 268435456u);
  EXPECT_TRUE((*stats)["memory"].contains("raw"));
  EXPECT_EQ((*stats)["pids"]["current"], 1u);
  EXPECT_EQ((*stats)["pids"]["limit"], 20u);
  EXPECT_TRUE((*stats)["cpu"]["usage"].contains("kernel"));

  // The saved form reloads and can tear everything down.
  auto reloaded = Manager::FromJson(m->ToJson());
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message();
  ::kill(child.pid, SIGKILL);
  child.Wait();
  Cleanup(*reloaded);
}

TEST_F(RealCgroups, MemoryLimitIsEnforced) {
  if (!layout_.V1("memory") && !(layout_.Unified() && layout_.Unified()->Has("memory")))
    GTEST_SKIP() << "no memory controller";
  auto m = Manager::ForPath(layout_, "", id_);
  ASSERT_TRUE(m.ok());
  Resources r;
  r.memory.limit = 16 << 20;
  r.memory.swap = 16 << 20;
  ASSERT_TRUE(m->Create(r).ok());
  Child child = Child::Start([] {
    // Touch 64 MiB: the OOM killer must end us.
    for (int i = 0; i < 64; ++i) {
      volatile char* p = static_cast<volatile char*>(::malloc(1 << 20));  // volatile: no dead-store elision
      if (!p) return 2;
      for (int j = 0; j < (1 << 20); j += 4096) p[j] = 1;
    }
    return 0;
  });
  ASSERT_TRUE(m->AddProcess(child.pid).ok());
  EXPECT_EQ(child.Wait(), 128 + SIGKILL);
  Cleanup(*m);
}

TEST_F(RealCgroups, RelativePathLandsUnderOwnCgroup) {
  const Hierarchy* mem = layout_.V1("memory");
  if (!mem) GTEST_SKIP() << "no v1 memory";
  auto m = Manager::ForPath(layout_, "skiff-rel/" + id_, id_);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->Create({}).ok());
  std::string dir = DirFor(*m, "memory");
  EXPECT_EQ(dir, mem->DirOf(mem->self_path) + "/skiff-rel/" + id_);
  EXPECT_TRUE(IsDirectory(dir));
  Cleanup(*m);
  EXPECT_FALSE(PathExists(mem->DirOf(mem->self_path) + "/skiff-rel"));  // the parent we made went too
}

TEST_F(RealCgroups, UnsupportedOnThisKernelNamesTheField) {
  if (layout_.mode != Mode::kHybrid) GTEST_SKIP() << "hybrid host expectations";
  auto m = Manager::ForPath(layout_, "", id_);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->Create({}).ok());
  Resources u;
  u.unified["memory.max"] = "1";
  auto st = m->Update(u);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("linux.resources.unified[\"memory.max\"]"), std::string::npos);
  if (!layout_.V1("net_cls")) {
    Resources n;
    n.network.class_id = 0x100001;
    st = m->Update(n);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::kUnsupported);
    EXPECT_EQ(st.error().message().rfind("linux.resources.network.classID", 0), 0u) << st.error().message();
  }
  Cleanup(*m);
}

// The unified hierarchy as a pure-v2 host: cgroup.freeze, cgroup.procs and the eBPF device filter on the
// real kernel. The controller list is emptied so nothing is enabled in the (shared) root cgroup.
TEST_F(RealCgroups, V2FreezerAndDeviceFilter) {
  const Hierarchy* u = layout_.Unified();
  if (!u) GTEST_SKIP() << "no cgroup2 mount";
  Layout v2;
  v2.mode = Mode::kV2;
  v2.hierarchies = {*u};
  v2.hierarchies[0].controllers.clear();
  auto m = Manager::ForPath(v2, "", id_);
  ASSERT_TRUE(m.ok());
  Resources r;
  r.devices = {{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rw"}};  // only /dev/null
  Status st = m->Create(r);
  ASSERT_TRUE(st.ok()) << st.error().message();
  std::string dir = m->ContainerDirs()[0].second;

  Child child = Child::Start([] {
    int ok = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (ok < 0) return 10;
    ::close(ok);
    int denied = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
    if (denied >= 0) return 11;
    if (errno != EPERM) return 12;
    for (int i = 0; i < 50; ++i) ::usleep(10000);
    return 0;
  });
  ASSERT_TRUE(m->AddProcess(child.pid).ok());
  EXPECT_EQ(*m->Pids(), std::vector<pid_t>{child.pid});
  st = m->Freeze();
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_TRUE(*m->IsFrozen());
  EXPECT_NE(Knob(dir, "cgroup.events").find("frozen 1"), std::string::npos);
  st = m->Thaw();
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_FALSE(*m->IsFrozen());
  EXPECT_EQ(child.Wait(), 0);

  // Replacing the filter (update) keeps exactly one program attached.
  Resources again;
  again.devices = {{true, 'a', -1, -1, "rwm"}};
  st = m->Update(again);
  ASSERT_TRUE(st.ok()) << st.error().message();
  Child free_child = Child::Start([] {
    int fd = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
    return fd >= 0 ? 0 : 13;
  });
  ASSERT_TRUE(m->AddProcess(free_child.pid).ok());
  EXPECT_EQ(free_child.Wait(), 0);

  auto stats = m->Stats();
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_TRUE((*stats)["cpu"]["usage"].contains("user"));
  Cleanup(*m);
}

}  // namespace
}  // namespace skiff::runtime::cgroups

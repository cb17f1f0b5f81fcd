// Manager against a fake cgroupfs: a temp dir holding the files a cgroup directory has. The container's
// leaf directory is pre-populated (as the kernel would), so Create joins it and the test reads back what
// was written. Directory creation/removal is tested on paths the fake leaves empty.
#include <gtest/gtest.h>

#include "base/file.h"
#include "base/strings.h"
#include "runtime/cgroups/manager.h"
#include "runtime/cgroups/v2.h"

namespace skiff::runtime::cgroups {
namespace {

class FakeCgroupfs : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create("/tmp", "skiff-cg-fake-");
    ASSERT_TRUE(t.ok());
    tmp_.emplace(std::move(*t));
  }
  std::string P(const std::string& rel) { return JoinPath(tmp_->path(), rel); }
  void Put(const std::string& dir, const std::string& file, const std::string& content) {
    ASSERT_TRUE(MkdirAll(dir).ok());
    ASSERT_TRUE(WriteFileAtomic(JoinPath(dir, file), content, 0644, false).ok());
  }
  std::string Get(const std::string& dir, const std::string& file) {
    auto s = ReadFile(JoinPath(dir, file));
    return s.ok() ? std::string(Trim(*s)) : "<missing>";
  }
  void Files(const std::string& dir, std::initializer_list<std::pair<const char*, const char*>> files) {
    for (auto [f, c] : files) Put(dir, f, c);
  }
  std::optional<TempDir> tmp_;
};

// ---- v2 -------------------------------------------------------------------------------------------

class FakeV2 : public FakeCgroupfs {
 protected:
  void SetUp() override {
    FakeCgroupfs::SetUp();
    root_ = P("unified");
    Files(root_, {{"cgroup.controllers", "cpuset cpu io memory hugetlb pids"}, {"cgroup.subtree_control", ""}});
    Hierarchy h;
    h.mountpoint = root_;
    h.controllers = {"cpuset", "cpu", "io", "memory", "hugetlb", "pids"};
    h.v2 = true;
    h.self_path = "/";
    layout_.mode = Mode::kV2;
    layout_.hierarchies = {h};
  }
  // The kernel's files of a v2 cgroup with every controller enabled.
  void MakeLeaf(const std::string& dir) {
    Files(Dirname(dir), {{"cgroup.controllers", "cpuset cpu io memory hugetlb pids"}, {"cgroup.subtree_control", ""}});
    Files(dir, {{"cgroup.procs", ""}, {"cgroup.freeze", "0"}, {"cgroup.events", "populated 0\nfrozen 0\n"},
                {"cgroup.controllers", "cpuset cpu io memory hugetlb pids"}, {"cgroup.subtree_control", ""},
                {"memory.max", "max"}, {"memory.swap.max", "max"}, {"memory.low", "0"}, {"memory.current", "4096"},
                {"cpu.weight", "100"}, {"cpu.max", "max 100000"}, {"cpu.max.burst", "0"}, {"cpu.idle", "0"},
                {"cpuset.cpus", ""}, {"cpuset.mems", ""}, {"pids.max", "max"}, {"io.weight", "default 100"},
                {"io.max", ""}, {"hugetlb.2MB.max", "max"}});
  }
  std::string root_;
  Layout layout_;
};

TEST(V2Conversions, MatchRunc) {
  EXPECT_EQ(v2::CpuSharesToWeight(0), 0u);
  EXPECT_EQ(v2::CpuSharesToWeight(2), 1u);
  EXPECT_EQ(v2::CpuSharesToWeight(1024), 39u);
  EXPECT_EQ(v2::CpuSharesToWeight(262144), 10000u);
  EXPECT_EQ(v2::BlkioWeightToIoWeight(10), 1u);
  EXPECT_EQ(v2::BlkioWeightToIoWeight(500), 4950u);
  EXPECT_EQ(v2::BlkioWeightToIoWeight(1000), 10000u);
  EXPECT_EQ(*v2::SwapToV2(0, -1), -1);
  EXPECT_EQ(*v2::SwapToV2(-1, 100), -1);
  EXPECT_EQ(*v2::SwapToV2(0, 100), 0);
  EXPECT_EQ(*v2::SwapToV2(300, 100), 200);
  EXPECT_EQ(*v2::SwapToV2(100, 100), 0);
  EXPECT_FALSE(v2::SwapToV2(50, 100).ok());
  EXPECT_FALSE(v2::SwapToV2(50, 0).ok());
  EXPECT_EQ(v2::CpuMax(50000, 100000), "50000 100000");
  EXPECT_EQ(v2::CpuMax(-1, 0), "max");
  EXPECT_EQ(v2::CpuMax(-1, 20000), "max 20000");
}

TEST_F(FakeV2, CreateWritesConvertedValuesAndEnablesControllers) {
  auto m = Manager::ForPath(layout_, "/skiff/c1", "c1");
  ASSERT_TRUE(m.ok()) << m.error().message();
  std::string dir = root_ + "/skiff/c1";
  MakeLeaf(dir);
  Resources r;
  r.memory.limit = 64 << 20;
  r.memory.swap = 128 << 20;
  r.memory.reservation = 32 << 20;
  r.cpu.shares = 1024;
  r.cpu.quota = 50000;
  r.cpu.period = 100000;
  r.cpu.cpus = "0-1";
  r.pids_limit = 10;
  r.block_io.weight = 500;
  r.block_io.throttle_read_bps = {{8, 0, 1048576}};
  r.block_io.throttle_write_iops = {{8, 16, 300}};
  r.hugepage_limits = {{"2MB", 4 << 20}};
  ASSERT_TRUE(m->Create(r).ok()) << m->Create(r).error().message();
  EXPECT_EQ(Get(dir, "memory.max"), "67108864");
  EXPECT_EQ(Get(dir, "memory.swap.max"), "67108864");  // swap - limit
  EXPECT_EQ(Get(dir, "memory.low"), "33554432");
  EXPECT_EQ(Get(dir, "cpu.weight"), "39");
  EXPECT_EQ(Get(dir, "cpu.max"), "50000 100000");
  EXPECT_EQ(Get(dir, "cpuset.cpus"), "0-1");
  EXPECT_EQ(Get(dir, "cpuset.mems"), "");  // unset: untouched
  EXPECT_EQ(Get(dir, "pids.max"), "10");
  EXPECT_EQ(Get(dir, "io.weight"), "4950");
  EXPECT_EQ(Get(dir, "io.max"), "8:16 wiops=300");  // last write (the fake keeps one line)
  EXPECT_EQ(Get(dir, "hugetlb.2MB.max"), "4194304");
  // Every ancestor got the controllers (pure v2: all the root offers).
  for (const auto& a : {root_, root_ + "/skiff"}) {
    auto on = Split(Get(a, "cgroup.subtree_control"), ' ');
    for (const char* c : {"+cpu", "+memory", "+pids", "+io", "+hugetlb"})
      EXPECT_NE(std::find(on.begin(), on.end(), c), on.end()) << a << " lacks " << c;
  }
  EXPECT_TRUE(m->Destroy().ok());
  EXPECT_TRUE(IsDirectory(dir));  // pre-existing: joined, not owned
}

TEST_F(FakeV2, UnlimitedAndUpdateOnlyTouchesSetFields) {
  auto m = Manager::ForPath(layout_, "c2", "c2");  // relative to self_path "/"
  ASSERT_TRUE(m.ok());
  std::string dir = root_ + "/c2";
  MakeLeaf(dir);
  Resources r;
  r.memory.limit = -1;
  r.pids_limit = -1;
  r.cpu.quota = -1;
  ASSERT_TRUE(m->Create(r).ok());
  EXPECT_EQ(Get(dir, "memory.max"), "max");
  EXPECT_EQ(Get(dir, "memory.swap.max"), "max");
  EXPECT_EQ(Get(dir, "pids.max"), "max");
  EXPECT_EQ(Get(dir, "cpu.max"), "max");

  Put(dir, "cpu.max", "20000 100000");
  Resources u;
  u.cpu.period = 50000;  // keeps the quota in force
  ASSERT_TRUE(m->Update(u).ok());
  EXPECT_EQ(Get(dir, "cpu.max"), "20000 50000");
  EXPECT_EQ(Get(dir, "memory.max"), "max");

  Put(dir, "memory.max", "1000");
  Resources s;
  s.memory.swap = 3000;  // relative to the limit in force
  ASSERT_TRUE(m->Update(s).ok());
  EXPECT_EQ(Get(dir, "memory.swap.max"), "2000");

  Resources c;
  c.memory.limit = 100;
  c.memory.check_before_update = true;  // memory.current is 4096
  auto st = m->Update(c);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), Errc::kConflict);
}

TEST_F(FakeV2, UnsupportedSettingsNameTheField) {
  auto m = Manager::ForPath(layout_, "/c3", "c3");
  ASSERT_TRUE(m.ok());
  MakeLeaf(root_ + "/c3");
  ASSERT_TRUE(m->Create({}).ok());
  auto expect = [&](const Resources& r, const std::string& prefix) {
    auto st = m->Update(r);
    ASSERT_FALSE(st.ok()) << prefix;
    EXPECT_EQ(st.error().code(), Errc::kUnsupported) << st.error().message();
    EXPECT_EQ(st.error().message().rfind(prefix, 0), 0u) << st.error().message();
  };
  Resources a;
  a.memory.swappiness = 10;
  expect(a, "linux.resources.memory.swappiness");
  Resources b;
  b.memory.kernel = 1 << 20;
  expect(b, "linux.resources.memory.kernel");
  Resources c;
  c.memory.disable_oom_killer = true;
  expect(c, "linux.resources.memory.disableOOMKiller");
  Resources d;
  d.cpu.realtime_runtime = 1000;
  expect(d, "linux.resources.cpu.realtimeRuntime");
  Resources e;
  e.network.class_id = 7;
  expect(e, "linux.resources.network.classID");
  Resources f;
  f.hugepage_limits = {{"1GB", 1 << 30}};
  expect(f, "linux.resources.hugepageLimits[0].pageSize");
  Resources g;
  g.rdma["mlx5_0"] = {1, 2};
  expect(g, "linux.resources.rdma");
  Resources h;
  h.unified["misc.max"] = "x 1";
  expect(h, "linux.resources.unified[\"misc.max\"]");
  Resources k;
  k.block_io.leaf_weight = 100;
  expect(k, "linux.resources.blockIO.leafWeight");
  // Harmless v1-isms are accepted.
  Resources ok;
  ok.memory.kernel = -1;
  ok.memory.disable_oom_killer = false;
  ok.memory.use_hierarchy = true;
  EXPECT_TRUE(m->Update(ok).ok());
}

TEST_F(FakeV2, UnifiedIsWrittenVerbatim) {
  auto m = Manager::ForPath(layout_, "/c4", "c4");
  ASSERT_TRUE(m.ok());
  MakeLeaf(root_ + "/c4");
  Resources r;
  r.unified["memory.max"] = "12345";
  r.unified["pids.max"] = "7";
  ASSERT_TRUE(m->Create(r).ok());
  EXPECT_EQ(Get(root_ + "/c4", "memory.max"), "12345");
  EXPECT_EQ(Get(root_ + "/c4", "pids.max"), "7");
}

TEST_F(FakeV2, FreezeProcsPidsAndStats) {
  auto m = Manager::ForPath(layout_, "/c5", "c5");
  ASSERT_TRUE(m.ok());
  std::string dir = root_ + "/c5";
  MakeLeaf(dir);
  ASSERT_TRUE(m->Create({}).ok());
  ASSERT_TRUE(m->AddProcess(4242).ok());
  EXPECT_EQ(Get(dir, "cgroup.procs"), "4242");
  EXPECT_FALSE(m->AddProcess(0).ok());

  Put(dir, "cgroup.events", "populated 1\nfrozen 1\n");  // what the kernel reports once frozen
  ASSERT_TRUE(m->Freeze().ok());
  EXPECT_EQ(Get(dir, "cgroup.freeze"), "1");
  EXPECT_TRUE(*m->IsFrozen());
  Put(dir, "cgroup.events", "populated 1\nfrozen 0\n");
  ASSERT_TRUE(m->Thaw().ok());
  EXPECT_FALSE(*m->IsFrozen());

  Put(dir, "cgroup.procs", "12\n34\n");
  Put(dir + "/sub", "cgroup.procs", "56\n12\n");
  auto pids = m->Pids();
  ASSERT_TRUE(pids.ok());
  EXPECT_EQ(*pids, (std::vector<pid_t>{12, 34, 56}));

  Files(dir, {{"cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 3\nnr_throttled 1\nthrottled_usec 7\n"},
              {"memory.current", "8192"}, {"memory.max", "65536"}, {"memory.swap.current", "100"},
              {"memory.swap.max", "max"}, {"memory.stat", "anon 4096\nfile 2048\n"},
              {"memory.events", "low 0\nhigh 0\nmax 2\noom 0\n"}, {"pids.current", "2"}, {"pids.max", "10"},
              {"io.stat", "8:0 rbytes=512 wbytes=1024 rios=1 wios=2 dbytes=0 dios=0\n"},
              {"hugetlb.2MB.current", "0"}, {"hugetlb.2MB.events", "max 3\n"}, {"hugetlb.2MB.rsvd.current", "0"}});
  auto st = m->Stats();
  ASSERT_TRUE(st.ok()) << st.error().message();
  const Json& s = *st;
  EXPECT_EQ(s["cpu"]["usage"]["total"], 1500000u);
  EXPECT_EQ(s["cpu"]["usage"]["user"], 1000000u);
  EXPECT_EQ(s["cpu"]["usage"]["kernel"], 500000u);
  EXPECT_EQ(s["cpu"]["throttling"]["periods"], 3u);
  EXPECT_EQ(s["cpu"]["throttling"]["throttledTime"], 7000u);
  EXPECT_EQ(s["memory"]["usage"]["usage"], 8192u);
  EXPECT_EQ(s["memory"]["usage"]["limit"], 65536u);
  EXPECT_EQ(s["memory"]["usage"]["failcnt"], 2u);
  EXPECT_EQ(s["memory"]["swap"]["usage"], 8292u);  // mem+swap, as v1 reported it
  EXPECT_EQ(s["memory"]["swap"]["limit"], UINT64_MAX);
  EXPECT_EQ(s["memory"]["cache"], 2048u);
  EXPECT_EQ(s["memory"]["raw"]["anon"], 4096u);
  EXPECT_EQ(s["pids"]["current"], 2u);
  EXPECT_EQ(s["pids"]["limit"], 10u);
  ASSERT_EQ(s["blkio"]["ioServiceBytesRecursive"].size(), 2u);
  EXPECT_EQ(s["blkio"]["ioServiceBytesRecursive"][1], (Json{{"major", 8}, {"op", "Write"}, {"value", 1024}}));
  EXPECT_EQ(s["hugetlb"]["2MB"]["failcnt"], 3u);
  EXPECT_EQ(s["hugetlb"].size(), 1u);
}

TEST_F(FakeV2, CreateMakesAndDestroyRemovesOwnedDirs) {
  auto m = Manager::ForPath(layout_, "/a/b/c", "c");
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->Create({}).ok()) << m->Create({}).error().message();
  EXPECT_TRUE(IsDirectory(root_ + "/a/b/c"));
  EXPECT_TRUE(m->Exists());
  Json saved = m->ToJson();
  EXPECT_EQ(saved["mode"], "v2");
  EXPECT_EQ(saved["dirs"][0]["created"].size(), 3u);
  auto back = Manager::FromJson(saved);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->ToJson(), saved);
  ASSERT_TRUE(back->Destroy().ok());
  EXPECT_FALSE(PathExists(root_ + "/a"));
  EXPECT_TRUE(IsDirectory(root_));
  EXPECT_TRUE(back->Destroy().ok());  // again: nothing to do
}

TEST_F(FakeV2, FailedCreateRemovesWhatItMade) {
  auto m = Manager::ForPath(layout_, "/x/y", "y");
  ASSERT_TRUE(m.ok());
  Resources r;
  r.pids_limit = 5;  // the fake's new directories have no interface files: enabling pids fails
  auto st = m->Create(r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message().rfind("linux.resources", 0), 0u) << st.error().message();
  EXPECT_FALSE(PathExists(root_ + "/x"));
}

TEST_F(FakeV2, ForPathRules) {
  auto sd = Manager::ForPath(layout_, "system.slice:docker:abc", "abc");
  ASSERT_FALSE(sd.ok());
  EXPECT_EQ(sd.error().code(), Errc::kInvalidArgument);
  EXPECT_NE(sd.error().message().find("systemd cgroup driver is not supported"), std::string::npos);
  EXPECT_FALSE(Manager::ForPath(layout_, "/a/../../etc", "x").ok());
  EXPECT_FALSE(Manager::ForPath(layout_, "/", "x").ok());
  EXPECT_FALSE(Manager::ForPath(layout_, "", "").ok());
  auto def = Manager::ForPath(layout_, "", "myid");
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def->ContainerDirs()[0].second, root_ + "/myid");
  Layout nested = layout_;
  nested.hierarchies[0].self_path = "/user.slice/me";
  auto rel = Manager::ForPath(nested, "ctr//x/", "x");
  ASSERT_TRUE(rel.ok());
  EXPECT_EQ(rel->ContainerDirs()[0].second, root_ + "/user.slice/me/ctr/x");
  auto abs = Manager::ForPath(nested, "/ctr/x", "x");
  EXPECT_EQ(abs->ContainerDirs()[0].second, root_ + "/ctr/x");
}

TEST(ManagerJson, FromJsonErrorsNameFields) {
  EXPECT_EQ(Manager::FromJson(Json::array()).error().message(), "cgroups: expected object");
  EXPECT_EQ(Manager::FromJson(Json{{"mode", "v3"}, {"dirs", Json::array()}}).error().message(),
            "cgroups.mode: \"v3\" is not v1, v2 or hybrid");
  Json bad = {{"mode", "v1"},
              {"dirs", {{{"mountpoint", "/sys/fs/cgroup/memory"}, {"controllers", {"memory"}}, {"v2", false},
                         {"self_path", "/"}, {"mount_root", "/"}, {"path", 5}, {"created", Json::array()}}}}};
  EXPECT_EQ(Manager::FromJson(bad).error().message(), "cgroups.dirs[0].path: expected string");
  bad["dirs"][0]["path"] = "/sys/fs/cgroup/memory/c";
  bad["dirs"][0]["created"] = {"/etc"};
  EXPECT_NE(Manager::FromJson(bad).error().message().find("cgroups.dirs[0].created: \"/etc\" is outside"),
            std::string::npos);
}

// ---- v1 and hybrid ------------------------------------------------------------------------------------

class FakeHybrid : public FakeCgroupfs {
 protected:
  void SetUp() override {
    FakeCgroupfs::SetUp();
    layout_.mode = Mode::kHybrid;
    for (const char* c : {"memory", "cpu", "cpuacct", "cpuset", "pids", "freezer", "devices", "blkio"}) {
      Hierarchy h;
      h.mountpoint = P(c);
      h.controllers = {c};
      h.self_path = "/";
      layout_.hierarchies.push_back(h);
      Put(h.mountpoint, "cgroup.procs", "");
    }
    Hierarchy sd;
    sd.mountpoint = P("systemd");
    sd.controllers = {"name=systemd"};
    sd.self_path = "/";
    layout_.hierarchies.push_back(sd);
    Hierarchy u;
    u.mountpoint = P("unified");
    u.controllers = {"hugetlb"};
    u.v2 = true;
    u.self_path = "/";
    layout_.hierarchies.push_back(u);
    Files(u.mountpoint, {{"cgroup.controllers", "hugetlb"}, {"cgroup.subtree_control", ""}});
    Put(P("cpuset"), "cpuset.cpus", "0-3");
    Put(P("cpuset"), "cpuset.mems", "0");
  }
  void MakeLeaves(const std::string& rel) {
    auto d = [&](const char* h) { return P(h) + rel; };
    Files(d("memory"), {{"cgroup.procs", ""}, {"memory.limit_in_bytes", "9223372036854771712"},
                        {"memory.memsw.limit_in_bytes", "9223372036854771712"}, {"memory.soft_limit_in_bytes", "0"},
                        {"memory.swappiness", "60"}, {"memory.oom_control", "0"}, {"memory.use_hierarchy", "1"},
                        {"memory.kmem.tcp.limit_in_bytes", "0"}});
    Files(d("cpu"), {{"cgroup.procs", ""}, {"cpu.shares", "1024"}, {"cpu.cfs_period_us", "100000"},
                     {"cpu.cfs_quota_us", "-1"}, {"cpu.rt_period_us", "1000000"}, {"cpu.rt_runtime_us", "0"},
                     {"cpu.idle", "0"}});
    Files(d("cpuacct"), {{"cgroup.procs", ""}});
    Files(d("cpuset"), {{"cgroup.procs", ""}, {"cpuset.cpus", ""}, {"cpuset.mems", ""}});
    Files(d("pids"), {{"cgroup.procs", ""}, {"pids.max", "max"}});
    Files(d("freezer"), {{"cgroup.procs", ""}, {"freezer.state", "THAWED"}});
    Files(d("devices"), {{"cgroup.procs", ""}, {"devices.allow", ""}, {"devices.deny", ""}, {"devices.list", "a *:* rwm"}});
    Files(d("blkio"), {{"cgroup.procs", ""}, {"blkio.throttle.read_bps_device", ""}});
    Files(d("systemd"), {{"cgroup.procs", ""}});
    Files(d("unified"), {{"cgroup.procs", ""}, {"hugetlb.2MB.max", "max"}});
  }
  Layout layout_;
};

TEST_F(FakeHybrid, EverythingGoesToV1ExceptUnifiedOnlyControllers) {
  auto m = Manager::ForPath(layout_, "/ctr", "ctr");
  ASSERT_TRUE(m.ok());
  MakeLeaves("/ctr");
  Resources r;
  r.memory.limit = 64 << 20;
  r.memory.swap = 96 << 20;
  r.memory.reservation = 1 << 20;
  r.memory.swappiness = 0;
  r.memory.disable_oom_killer = true;
  r.cpu.shares = 512;
  r.cpu.quota = 25000;
  r.cpu.period = 50000;
  r.cpu.mems = "0";
  r.pids_limit = 10;
  r.block_io.throttle_read_bps = {{8, 0, 600}};
  r.hugepage_limits = {{"2MB", 2 << 20}};
  Status st = m->Create(r);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(Get(P("memory/ctr"), "memory.limit_in_bytes"), "67108864");
  EXPECT_EQ(Get(P("memory/ctr"), "memory.memsw.limit_in_bytes"), "100663296");  // mem+swap as given
  EXPECT_EQ(Get(P("memory/ctr"), "memory.soft_limit_in_bytes"), "1048576");
  EXPECT_EQ(Get(P("memory/ctr"), "memory.swappiness"), "0");
  EXPECT_EQ(Get(P("memory/ctr"), "memory.oom_control"), "1");
  EXPECT_EQ(Get(P("cpu/ctr"), "cpu.shares"), "512");
  EXPECT_EQ(Get(P("cpu/ctr"), "cpu.cfs_quota_us"), "25000");
  EXPECT_EQ(Get(P("cpu/ctr"), "cpu.cfs_period_us"), "50000");
  EXPECT_EQ(Get(P("cpuset/ctr"), "cpuset.cpus"), "0-3");  // inherited from the parent
  EXPECT_EQ(Get(P("cpuset/ctr"), "cpuset.mems"), "0");
  EXPECT_EQ(Get(P("pids/ctr"), "pids.max"), "10");
  EXPECT_EQ(Get(P("blkio/ctr"), "blkio.throttle.read_bps_device"), "8:0 600");
  EXPECT_EQ(Get(P("unified/ctr"), "hugetlb.2MB.max"), "2097152");
  EXPECT_EQ(Get(P("unified"), "cgroup.subtree_control"), "+hugetlb");  // only what is needed

  ASSERT_TRUE(m->AddProcess(77).ok());
  for (const char* h : {"memory", "cpu", "cpuacct", "cpuset", "pids", "freezer", "devices", "blkio", "systemd", "unified"})
    EXPECT_EQ(Get(P(h) + "/ctr", "cgroup.procs"), "77") << h;

  ASSERT_TRUE(m->Freeze().ok());
  EXPECT_EQ(Get(P("freezer/ctr"), "freezer.state"), "FROZEN");
  EXPECT_TRUE(*m->IsFrozen());
  ASSERT_TRUE(m->Thaw().ok());
  EXPECT_FALSE(*m->IsFrozen());

  auto dirs = m->ContainerDirs();
  ASSERT_EQ(dirs.size(), layout_.hierarchies.size());
  EXPECT_EQ(dirs.back().second, P("unified/ctr"));
  EXPECT_TRUE(dirs.back().first.v2);
}

TEST_F(FakeHybrid, V1ErrorsNameTheField) {
  auto m = Manager::ForPath(layout_, "/ctr", "ctr");
  ASSERT_TRUE(m.ok());
  MakeLeaves("/ctr");
  ASSERT_TRUE(m->Create({}).ok());
  auto expect = [&](const Resources& r, Errc code, const std::string& prefix) {
    auto st = m->Update(r);
    ASSERT_FALSE(st.ok()) << prefix;
    EXPECT_EQ(st.error().code(), code) << st.error().message();
    EXPECT_EQ(st.error().message().rfind(prefix, 0), 0u) << st.error().message();
  };
  Resources k;
  k.memory.kernel = 1 << 20;  // no memory.kmem.limit_in_bytes in this fake kernel
  expect(k, Errc::kUnsupported, "linux.resources.memory.kernel: not supported on this host");
  Resources u;
  u.unified["memory.max"] = "1";
  expect(u, Errc::kUnsupported, "linux.resources.unified[\"memory.max\"]: the memory controller is managed by cgroup v1");
  Resources n;
  n.network.class_id = 1;
  expect(n, Errc::kUnsupported, "linux.resources.network.classID: the net_cls controller is not available");
  Resources w;
  w.block_io.weight = 100;  // neither blkio.weight nor blkio.bfq.weight
  expect(w, Errc::kUnsupported, "linux.resources.blockIO.weight: not supported on this host");
  Resources s;
  s.memory.limit = 100;
  s.memory.swap = 50;
  expect(s, Errc::kInvalidArgument, "linux.resources.memory.swap");
  Resources h;
  h.hugepage_limits = {{"1GB", 1}};
  expect(h, Errc::kUnsupported, "linux.resources.hugepageLimits[0].pageSize: 1GB huge pages are not supported");
  // unified keys for controllers only the unified mount has are fine on hybrid.
  Resources ok;
  ok.unified["hugetlb.2MB.max"] = "4194304";
  ASSERT_TRUE(m->Update(ok).ok());
  EXPECT_EQ(Get(P("unified/ctr"), "hugetlb.2MB.max"), "4194304");
}

TEST_F(FakeHybrid, V1OnlyHostRefusesUnified) {
  Layout v1 = layout_;
  v1.mode = Mode::kV1;
  v1.hierarchies.pop_back();
  auto m = Manager::ForPath(v1, "/ctr", "ctr");
  ASSERT_TRUE(m.ok());
  MakeLeaves("/ctr");
  Resources u;
  u.unified["pids.max"] = "1";
  auto st = m->Create(u);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "linux.resources.unified: cgroup v2 is not mounted on this host (cgroup v1 only)");
}

TEST_F(FakeHybrid, CpusetIsInheritedIntoNewDirs) {
  Layout only;
  only.mode = Mode::kV1;
  only.hierarchies = {layout_.hierarchies[3]};  // cpuset
  ASSERT_EQ(only.hierarchies[0].controllers[0], "cpuset");
  auto m = Manager::ForPath(only, "/p/q", "q");
  ASSERT_TRUE(m.ok());
  // The fake kernel: new cpuset dirs get empty cpus/mems files. Pre-make them, as mkdir would.
  auto st = m->Create({});
  // mkdir in a plain dir makes no files, so the inheritance read fails and Create undoes its mkdirs.
  ASSERT_FALSE(st.ok());
  EXPECT_FALSE(PathExists(P("cpuset/p")));
}

}  // namespace
}  // namespace skiff::runtime::cgroups

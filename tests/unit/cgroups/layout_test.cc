#include "runtime/cgroups/layout.h"

#include <gtest/gtest.h>

#include "base/file.h"

namespace skiff::runtime::cgroups {
namespace {

// Writes fake mountinfo and /proc/self/cgroup files; mountpoints live under the temp dir.
class LayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create("/tmp", "skiff-cg-layout-");
    ASSERT_TRUE(t.ok());
    tmp_.emplace(std::move(*t));
  }
  std::string P(const std::string& rel) { return JoinPath(tmp_->path(), rel); }
  Result<Layout> Detect(const std::string& mountinfo, const std::string& cgroup) {
    (void)WriteFileAtomic(P("mountinfo"), mountinfo, 0644, false);
    (void)WriteFileAtomic(P("cgroup"), cgroup, 0644, false);
    return DetectLayout(P("mountinfo"), P("cgroup"));
  }
  std::optional<TempDir> tmp_;
};

TEST_F(LayoutTest, HybridHostLikeThisOne) {
  std::string root = P("cg");
  ASSERT_TRUE(MkdirAll(root + "/unified").ok());
  ASSERT_TRUE(WriteFileAtomic(root + "/unified/cgroup.controllers", "hugetlb\n", 0644, false).ok());
  std::string mi =
      "30 22 0:27 / " + root + " rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "31 30 0:28 / " + root + "/cpu rw,relatime - cgroup cgroup rw,cpu\n"
      "32 30 0:29 / " + root + "/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
      "34 30 0:31 / " + root + "/memory rw,relatime - cgroup cgroup rw,memory\n"
      "36 30 0:33 / " + root + "/freezer rw,relatime shared:5 - cgroup cgroup rw,freezer\n"
      "39 30 0:36 / " + root + "/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
      "40 30 0:37 / " + root + "/unified rw,relatime - cgroup2 cgroup2 rw\n"
      "41 22 0:38 / /proc rw - proc proc rw\n";
  std::string cg =
      "9:name=systemd:/\n6:freezer:/\n4:memory:/process_api/64a6\n2:cpuacct:/\n1:cpu:/\n0::/\n";
  auto l = Detect(mi, cg);
  ASSERT_TRUE(l.ok()) << l.error().message();
  EXPECT_EQ(l->mode, Mode::kHybrid);
  ASSERT_EQ(l->hierarchies.size(), 6u);
  const Hierarchy* mem = l->V1("memory");
  ASSERT_NE(mem, nullptr);
  EXPECT_EQ(mem->mountpoint, root + "/memory");
  EXPECT_EQ(mem->self_path, "/process_api/64a6");
  EXPECT_FALSE(mem->v2);
  const Hierarchy* sd = l->V1("name=systemd");
  ASSERT_NE(sd, nullptr);
  EXPECT_EQ(sd->mountpoint, root + "/systemd");
  const Hierarchy* u = l->Unified();
  ASSERT_NE(u, nullptr);
  EXPECT_TRUE(u->v2);
  EXPECT_EQ(u->controllers, std::vector<std::string>{"hugetlb"});
  EXPECT_EQ(u->self_path, "/");
  EXPECT_EQ(l->hierarchies.back().mountpoint, root + "/unified");  // unified sorts last
  EXPECT_EQ(mem->DirOf("/x/y"), root + "/memory/x/y");
  EXPECT_EQ(mem->DirOf("/"), root + "/memory");
}

TEST_F(LayoutTest, PureV2) {
  std::string root = P("cg2");
  ASSERT_TRUE(MkdirAll(root).ok());
  ASSERT_TRUE(WriteFileAtomic(root + "/cgroup.controllers", "cpuset cpu io memory pids\n", 0644, false).ok());
  auto l = Detect("25 22 0:23 / " + root + " rw - cgroup2 cgroup2 rw,nsdelegate\n", "0::/user.slice/session-1.scope\n");
  ASSERT_TRUE(l.ok()) << l.error().message();
  EXPECT_EQ(l->mode, Mode::kV2);
  ASSERT_EQ(l->hierarchies.size(), 1u);
  EXPECT_EQ(l->hierarchies[0].controllers, (std::vector<std::string>{"cpuset", "cpu", "io", "memory", "pids"}));
  EXPECT_EQ(l->hierarchies[0].self_path, "/user.slice/session-1.scope");
  EXPECT_TRUE(l->hierarchies[0].Has("memory"));
  EXPECT_FALSE(l->hierarchies[0].Has("hugetlb"));
}

TEST_F(LayoutTest, PureV1WithComountsAndUnmountedDefaultHierarchy) {
  auto l = Detect(
      "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
      "32 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
      "33 30 0:29 / /mnt/memory-again rw - cgroup cgroup rw,memory\n",
      "3:cpu,cpuacct:/a\n2:memory:/b\n1:perf_event:/\n0::/\n");
  ASSERT_TRUE(l.ok()) << l.error().message();
  EXPECT_EQ(l->mode, Mode::kV1);
  ASSERT_EQ(l->hierarchies.size(), 2u);  // perf_event is not mounted; 0:: has no cgroup2 mount
  const Hierarchy* cpu = l->V1("cpuacct");
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ(cpu->mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(l->V1("memory")->mountpoint, "/sys/fs/cgroup/memory");  // first mount wins
  EXPECT_EQ(l->Unified(), nullptr);
}

TEST_F(LayoutTest, BindMountOfSubCgroupStripsMountRoot) {
  auto l = Detect("40 30 0:31 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n",
                  "4:memory:/docker/abc/inner\n");
  ASSERT_TRUE(l.ok()) << l.error().message();
  const Hierarchy& h = l->hierarchies[0];
  EXPECT_EQ(h.mount_root, "/docker/abc");
  EXPECT_EQ(h.DirOf("/docker/abc/inner/c1"), "/sys/fs/cgroup/memory/inner/c1");
  EXPECT_EQ(h.DirOf("/docker/abc"), "/sys/fs/cgroup/memory");
  EXPECT_EQ(h.DirOf("/other"), "/sys/fs/cgroup/memory/other");
}

TEST_F(LayoutTest, EscapedMountpoints) {
  EXPECT_EQ(UnescapeMountPath("/mnt/with\\040space"), "/mnt/with space");
  EXPECT_EQ(UnescapeMountPath("/a\\134b"), "/a\\b");
  EXPECT_EQ(UnescapeMountPath("/trailing\\04"), "/trailing\\04");
}

TEST_F(LayoutTest, Errors) {
  auto none = Detect("41 22 0:38 / /proc rw - proc proc rw\n", "0::/\n");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), Errc::kUnsupported);
  auto bad = Detect("garbage\n", "0::/\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("line 1"), std::string::npos);
  auto missing = DetectLayout(P("nope"), P("nope2"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Errc::kNotFound);
}

TEST(LayoutReal, ThisProcess) {
  auto l = DetectLayout();
  ASSERT_TRUE(l.ok()) << l.error().message();
  EXPECT_FALSE(l->hierarchies.empty());
}

}  // namespace
}  // namespace skiff::runtime::cgroups

// View: path resolution inside a container's rootfs plus mounts, on plain directories (no root needed).
#include "daemon/fs/view.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "fs_test_util.h"

namespace skiff::daemon::fs {
namespace {

using namespace skiff::fstest;

class ViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_.emplace(TempDir::Create("/tmp", "skiff-view-").value());
    root_ = tmp_->path() + "/root";
    host_ = tmp_->path() + "/host";
    Put(root_ + "/a/b/file", "in root");
    Put(host_ + "/secret", "host file");
    Link("/a", root_ + "/abs");           // absolute: the container's /a
    Link("a/b", root_ + "/rel");
    Link("../../../..", root_ + "/up");   // climbs no higher than the container's /
    Link("/secret", root_ + "/a/hostish"); // not the host's
    Link("/loop2", root_ + "/loop1");
    Link("/loop1", root_ + "/loop2");
    Link("/nowhere/x", root_ + "/dang");
    Put(host_ + "/vol/in", "in volume");
    Link("..", host_ + "/vol/parent");
    Put(host_ + "/sub/deep", "nested mount");
    Put(host_ + "/hosts", "127.0.0.1 localhost\n");
    Put(host_ + "/ro/r", "read only");
    Link("/vol/in", root_ + "/tovol");
    ASSERT_TRUE(MkdirAll(root_ + "/vol").ok());
    ASSERT_TRUE(MkdirAll(root_ + "/etc").ok());  // mount points exist in a rootfs (runc makes them)
    spec_.rootfs = root_;
    spec_.mounts = {{"/vol", host_ + "/vol", false},
                    {"/vol/sub", host_ + "/sub", false},
                    {"/etc/hosts", host_ + "/hosts", false},
                    {"/ro", host_ + "/ro", true},
                    {"/gone", host_ + "/does-not-exist", false}};
    view_.emplace(View::Open(spec_).value());
  }
  std::string ReadNode(const Node& n) {
    UniqueFd fd(Reopen(n.fd.get(), O_RDONLY));
    return fd ? ReadFd(fd.get()).value_or("") : "<cannot open>";
  }
  std::optional<TempDir> tmp_;
  std::string root_, host_;
  ContainerView spec_;
  std::optional<View> view_;
};

TEST_F(ViewTest, FollowsSymlinksInsideTheRoot) {
  auto n = view_->Resolve("/abs/b/file", true);
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(n->path, "/a/b/file");
  EXPECT_EQ(ReadNode(*n), "in root");
  EXPECT_EQ(view_->Resolve("/rel/file", true)->path, "/a/b/file");
  EXPECT_EQ(view_->Resolve("/up", true)->path, "/");
  EXPECT_EQ(view_->Resolve("/up/a/b/file", true)->path, "/a/b/file");
  // An absolute link means the container's /, never the host's.
  auto host = view_->Resolve("/a/hostish", true);
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.error().code(), Errc::kNotFound);
}

TEST_F(ViewTest, FinalSymlinkIsKeptUnlessFollowed) {
  auto n = view_->Resolve("/abs", false);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->path, "/abs");
  struct stat st;
  ASSERT_EQ(::fstat(n->fd.get(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(view_->Resolve("/abs", true)->path, "/a");
}

TEST_F(ViewTest, LoopsAndMissingAndNotDirectory) {
  auto loop = view_->Resolve("/loop1", true);
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.error().sys_errno(), ELOOP);
  auto missing = view_->Resolve("/no/such", false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Errc::kNotFound);
  EXPECT_NE(missing.error().message().find("/no"), std::string::npos);
  auto notdir = view_->Resolve("/a/b/file/x", false);
  ASSERT_FALSE(notdir.ok());
  EXPECT_EQ(notdir.error().sys_errno(), ENOTDIR);
}

TEST_F(ViewTest, MountsReplaceTheirDestination) {
  auto n = view_->Resolve("/vol/in", false);
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(n->mount, 0);
  EXPECT_EQ(ReadNode(*n), "in volume");
  // A symlink in the rootfs that points into a mount lands in the mount.
  auto via = view_->Resolve("/tovol", true);
  ASSERT_TRUE(via.ok());
  EXPECT_EQ(via->path, "/vol/in");
  EXPECT_EQ(ReadNode(*via), "in volume");
  // Nested mount (longest destination wins), file mount.
  auto deep = view_->Resolve("/vol/sub/deep", false);
  ASSERT_TRUE(deep.ok());
  EXPECT_EQ(deep->mount, 1);
  EXPECT_EQ(ReadNode(*deep), "nested mount");
  auto hosts = view_->Resolve("/etc/hosts", false);
  ASSERT_TRUE(hosts.ok()) << hosts.error().message();
  EXPECT_EQ(hosts->mount, 2);
  // ".." from a mount's root is the container directory above the mount point, not the host's.
  auto up = view_->Resolve("/vol/parent/a/b/file", true);
  ASSERT_TRUE(up.ok()) << up.error().message();
  EXPECT_EQ(up->path, "/a/b/file");
  EXPECT_EQ(up->mount, -1);
  EXPECT_EQ(view_->MountChildren("/vol"), std::vector<std::string>{"sub"});
  EXPECT_EQ(view_->MountChildren("/etc"), std::vector<std::string>{"hosts"});
  EXPECT_TRUE(view_->ReadOnly(3));
  EXPECT_FALSE(view_->ReadOnly(-1));
  auto gone = view_->Resolve("/gone/x", false);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), Errc::kNotFound);
  EXPECT_NE(gone.error().message().find("does-not-exist"), std::string::npos) << gone.error().message();
}

TEST_F(ViewTest, EvaluateKeepsMissingComponents) {
  EXPECT_EQ(*view_->Evaluate("/dang"), "/nowhere/x");
  EXPECT_EQ(*view_->Evaluate("/abs/zz/../b"), "/a/b");
  EXPECT_EQ(*view_->Evaluate("/up"), "/");
  EXPECT_FALSE(view_->Evaluate("/a/b/file/x").ok());
}

TEST_F(ViewTest, CreateMakesDirectoriesLikeMkdirP) {
  auto n = view_->Resolve("/abs/new/deeper", true, View::Missing::kCreate);
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(n->path, "/a/new/deeper");
  EXPECT_TRUE(IsDirectory(root_ + "/a/new/deeper"));
  // Never through a dangling symlink (mkdir(2) on it is EEXIST), never in a read-only mount.
  auto dang = view_->Resolve("/dang/y", true, View::Missing::kCreate);
  ASSERT_FALSE(dang.ok());
  EXPECT_EQ(dang.error().sys_errno(), EEXIST);
  EXPECT_FALSE(Exists(root_ + "/nowhere"));
  auto ro = view_->Resolve("/ro/newdir", true, View::Missing::kCreate);
  ASSERT_FALSE(ro.ok());
  EXPECT_EQ(ro.error().code(), Errc::kPermissionDenied);
  EXPECT_FALSE(Exists(host_ + "/ro/newdir"));
}

TEST_F(ViewTest, ChildMapsMounts) {
  Node root = view_->Resolve("/", true).value();
  auto vol = view_->Child(root, "vol");
  ASSERT_TRUE(vol.ok());
  EXPECT_EQ(vol->mount, 0);
  EXPECT_EQ(vol->path, "/vol");
  auto abs = view_->Child(root, "abs");
  ASSERT_TRUE(abs.ok());
  struct stat st;
  ASSERT_EQ(::fstat(abs->fd.get(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(view_->Child(root, "nothing").error().sys_errno(), ENOENT);
}

}  // namespace
}  // namespace skiff::daemon::fs

// Changes on upper/lower directories built by hand in overlay form. Whiteouts (0:0 char devices) can be
// made unprivileged on Linux >= 5.8; opaque directories need trusted.* xattrs, hence root.
#include "daemon/fs/changes.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "fs_test_util.h"

namespace skiff::daemon::fs {
namespace {

using namespace skiff::fstest;

class ChangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_.emplace(TempDir::Create("/tmp", "skiff-changes-").value());
    up_ = tmp_->path() + "/upper";
    l1_ = tmp_->path() + "/l1";  // top lower
    l2_ = tmp_->path() + "/l2";  // bottom lower
    for (auto* d : {&up_, &l1_, &l2_}) ASSERT_TRUE(MkdirAll(*d).ok());
  }
  // Copies the lower's metadata to an upper entry, as overlay's copy-up does.
  void CopyUp(const std::string& rel, const std::string& from) {
    struct stat st;
    ASSERT_EQ(::lstat((from + "/" + rel).c_str(), &st), 0) << rel;
    std::string p = up_ + "/" + rel;
    if (S_ISDIR(st.st_mode)) {
      ASSERT_TRUE(MkdirAll(p).ok());
      ::chmod(p.c_str(), st.st_mode & 07777);
    }
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    ::utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW);
  }
  bool Whiteout(const std::string& rel, const std::string& dir) {
    return ::mknod((dir + "/" + rel).c_str(), S_IFCHR | 0, makedev(0, 0)) == 0;
  }
  std::vector<std::string> Run() { return RunWith({l1_, l2_}); }
  std::vector<std::string> RunWith(const std::vector<std::string>& lowers) {
    auto c = Changes(up_, lowers);
    EXPECT_TRUE(c.ok()) << c.error().message();
    std::vector<std::string> out;
    if (c.ok())
      for (auto& x : *c) out.push_back(std::string(1, ChangeLetter(x.kind)) + " " + x.path);
    return out;
  }
  std::optional<TempDir> tmp_;
  std::string up_, l1_, l2_;
};

TEST_F(ChangesTest, AddedModifiedAndParents) {
  Put(l2_ + "/etc/passwd", "root");
  Put(l2_ + "/etc/group", "g");
  Put(l2_ + "/bin/sh", "sh");
  ASSERT_TRUE(MkdirAll(l2_ + "/tmp").ok());
  // upper: /etc copied up (mtime changed), passwd modified, new file; /tmp copied up but nothing in it.
  CopyUp("etc", l2_);
  Put(up_ + "/etc/passwd", "root+me");
  Put(up_ + "/etc/new", "n");
  CopyUp("tmp", l2_);
  struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  ::utimensat(AT_FDCWD, (up_ + "/tmp").c_str(), now, 0);
  ASSERT_TRUE(MkdirAll(up_ + "/new/sub").ok());
  Put(up_ + "/new/sub/f", "f");
  EXPECT_EQ(Run(), (std::vector<std::string>{"C /etc", "A /etc/new", "C /etc/passwd", "A /new", "A /new/sub",
                                             "A /new/sub/f"}));
}

TEST_F(ChangesTest, WhatCountsAsModified) {
  Put(l2_ + "/same", "abc");
  Put(l2_ + "/size", "abc");
  Put(l2_ + "/mode", "abc");
  ASSERT_TRUE(MkdirAll(l2_ + "/dmode").ok());
  ASSERT_TRUE(MkdirAll(l2_ + "/dtime").ok());
  for (auto n : {"same", "size", "mode"}) {
    Put(up_ + "/" + std::string(n), n == std::string("size") ? "abcd" : "abc");
    CopyUp(n, l2_);
  }
  ::chmod((up_ + "/mode").c_str(), 0600);
  CopyUp("dmode", l2_);
  ::chmod((up_ + "/dmode").c_str(), 0700);
  CopyUp("dtime", l2_);
  struct timespec old[2] = {{1, 0}, {1, 0}};
  ::utimensat(AT_FDCWD, (up_ + "/dtime").c_str(), old, 0);  // a directory's mtime is no change
  EXPECT_EQ(Run(), (std::vector<std::string>{"C /dmode", "C /mode", "C /size"}));
}

TEST_F(ChangesTest, WhiteoutsAcrossLayers) {
  Put(l2_ + "/a/f1", "1");
  Put(l2_ + "/a/f2", "2");
  Put(l2_ + "/gone-below", "x");
  if (!Whiteout("gone-below", l1_)) GTEST_SKIP() << "cannot make whiteouts here";
  ASSERT_TRUE(MkdirAll(l1_ + "/a").ok());
  CopyUp("a", l2_);
  ASSERT_TRUE(Whiteout("a/f1", up_));
  ASSERT_TRUE(Whiteout("nothing-below", up_));  // a whiteout of nothing is no change
  Put(up_ + "/gone-below", "recreated");          // hidden by l1's whiteout: new, not modified
  EXPECT_EQ(Run(), (std::vector<std::string>{"C /a", "D /a/f1", "A /gone-below"}));
}

TEST_F(ChangesTest, OpaqueDirectories) {
  if (::geteuid() != 0) GTEST_SKIP() << "trusted.overlay.opaque needs root";
  Put(l2_ + "/m/n/f3", "3");
  Put(l2_ + "/m/keep", "k");
  Put(l2_ + "/m/x", "x");
  // upper: rm -rf /m; mkdir /m; touch /m/x (opaque dir)
  ASSERT_TRUE(MkdirAll(up_ + "/m").ok());
  ASSERT_EQ(::setxattr((up_ + "/m").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  Put(up_ + "/m/x", "new x");
  EXPECT_EQ(Run(), (std::vector<std::string>{"C /m", "D /m/keep", "D /m/n", "C /m/x"}));
  // mkdir -p /m/n in the opaque /m: /m/n has no mark of its own, yet nothing of the lower /m/n shows.
  ASSERT_TRUE(MkdirAll(up_ + "/m/n").ok());
  Put(up_ + "/m/n/g", "g");
  EXPECT_EQ(Run(), (std::vector<std::string>{"C /m", "D /m/keep", "C /m/n", "D /m/n/f3", "A /m/n/g", "C /m/x"}));
  // An opaque dir in a lower layer hides the layers below it.
  Put(l2_ + "/o/old", "o");
  ASSERT_TRUE(MkdirAll(l1_ + "/o").ok());
  ASSERT_EQ(::setxattr((l1_ + "/o").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  Put(up_ + "/o/old", "again");
  auto r = Run();
  EXPECT_NE(std::find(r.begin(), r.end(), "A /o/old"), r.end());
  EXPECT_NE(std::find(r.begin(), r.end(), "C /o"), r.end());
}

TEST_F(ChangesTest, SortedComponentWiseAndNoLowers) {
  ASSERT_TRUE(MkdirAll(up_ + "/a/b").ok());
  Put(up_ + "/a-c", "x");
  Put(up_ + "/a/b/z", "z");
  EXPECT_EQ(RunWith({}), (std::vector<std::string>{"A /a", "A /a/b", "A /a/b/z", "A /a-c"}));
  auto c = Changes(up_, {});
  ASSERT_TRUE(c.ok());
  auto j = ChangesToJson(*c);
  ASSERT_EQ(j.size(), 4u);
  EXPECT_EQ(j[0]["Path"], "/a");
  EXPECT_EQ(j[0]["Kind"], 1);
  EXPECT_FALSE(Changes(tmp_->path() + "/missing", {}).ok());
}

}  // namespace
}  // namespace skiff::daemon::fs

// Stat and Archive on a plain-directory view: Docker's naming rules for the tar entries and the stat JSON.
#include "daemon/fs/archive.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include <cstdlib>

#include "fs_test_util.h"

namespace skiff::daemon::fs {
namespace {

using namespace skiff::fstest;

TEST(GoFormats, FileModeBits) {
  EXPECT_EQ(GoFileMode(S_IFDIR | 0755), 2147484141u);
  EXPECT_EQ(GoFileMode(S_IFREG | 04755), 8389101u);
  EXPECT_EQ(GoFileMode(S_IFLNK | 0777), 134218239u);
  EXPECT_EQ(GoFileMode(S_IFIFO | 0644), 33554852u);
  EXPECT_EQ(GoFileMode(S_IFCHR | 0666), (1u << 26) | (1u << 21) | 0666u);
  EXPECT_EQ(GoFileMode(S_IFDIR | 01777), (1u << 31) | (1u << 20) | 0777u);
}

TEST(GoFormats, TimeLikeGoJson) {
  std::string old = std::getenv("TZ") ? std::getenv("TZ") : "";
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  EXPECT_EQ(GoTimeString(1796110095, 856890764), "2026-12-01T07:28:15.856890764Z");
  EXPECT_EQ(GoTimeString(1796110095, 856890000), "2026-12-01T07:28:15.85689Z");
  EXPECT_EQ(GoTimeString(1796110095, 0), "2026-12-01T07:28:15Z");
  ::setenv("TZ", "XYZ-02:30", 1);
  ::tzset();
  EXPECT_EQ(GoTimeString(1796110095, 5), "2026-12-01T09:58:15.000000005+02:30");
  if (old.empty()) ::unsetenv("TZ"); else ::setenv("TZ", old.c_str(), 1);
  ::tzset();
}

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_.emplace(TempDir::Create("/tmp", "skiff-archive-").value());
    root_ = tmp_->path() + "/root";
    // As root the test files get an owner of their own, so that "root" does not win the name lookup.
    uid_ = ::geteuid() == 0 ? 4321 : ::getuid();
    gid_ = ::geteuid() == 0 ? 8765 : ::getgid();
    Put(root_ + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nme:x:" + std::to_string(uid_) + ":" +
                                   std::to_string(gid_) + "::/:/bin/sh\nme2:x:" + std::to_string(uid_) +
                                   ":0::/:/bin/sh\n");
    Put(root_ + "/etc/group", "root:x:0:\nmygrp:x:" + std::to_string(gid_) + ":\n");
    Put(root_ + "/d/f", "hello", 04755);
    if (::geteuid() == 0) {
      ASSERT_EQ(::chown((root_ + "/d/f").c_str(), uid_, gid_), 0);
      ASSERT_EQ(::chmod((root_ + "/d/f").c_str(), 04755), 0);
    }
    Put(root_ + "/d/sub/g", "g");
    ASSERT_EQ(::link((root_ + "/d/f").c_str(), (root_ + "/d/hard").c_str()), 0);
    Link("f", root_ + "/d/rel");
    Link("/d", root_ + "/abs");
    Link("/nonexist", root_ + "/dang");
    Link("../../..", root_ + "/d/up");
    ASSERT_TRUE(MkdirAll(root_ + "/mnt").ok());
    Put(tmp_->path() + "/vol/v", "volume data");
    struct timespec ts[2] = {{1600000000, 123456789}, {1600000000, 123456789}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (root_ + "/d/sub/g").c_str(), ts, 0), 0);
    spec_.rootfs = root_;
    spec_.mounts = {{"/mnt", tmp_->path() + "/vol", false}, {"/d/sub/mp", tmp_->path() + "/vol", true}};
  }
  std::vector<TarOutEntry> Tar(const std::string& path, PathStat* st = nullptr) {
    StrWriter w;
    auto s = Archive(spec_, path, w, st);
    EXPECT_TRUE(s.ok()) << path << ": " << s.error().message();
    return ListTar(w.s);
  }
  std::optional<TempDir> tmp_;
  std::string root_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  ContainerView spec_;
};

TEST_F(ArchiveTest, StatOfFilesDirsAndLinks) {
  auto f = Stat(spec_, "/d/f");
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(f->name, "f");
  EXPECT_EQ(f->size, 5);
  EXPECT_EQ(f->mode, GoFileMode(S_IFREG | 04755));
  EXPECT_EQ(f->link_target, "");
  struct stat st;
  ASSERT_EQ(::lstat((root_ + "/d/f").c_str(), &st), 0);
  EXPECT_EQ(f->mtime, GoTimeString(st.st_mtim.tv_sec, st.st_mtim.tv_nsec));
  Json j = f->ToJson();
  EXPECT_EQ(j["name"], "f");
  EXPECT_EQ(j["linkTarget"], "");
  EXPECT_EQ(j.size(), 5u);

  auto l = Stat(spec_, "/abs");  // a final symlink is not followed; linkTarget is where it leads
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->name, "abs");
  EXPECT_EQ(l->mode, GoFileMode(S_IFLNK | 0777));
  EXPECT_EQ(l->size, 2);
  EXPECT_EQ(l->link_target, "/d");
  EXPECT_EQ(Stat(spec_, "/d/up")->link_target, "/");
  EXPECT_EQ(Stat(spec_, "/dang")->link_target, "/nonexist");
  EXPECT_EQ(Stat(spec_, "/abs/rel")->link_target, "/d/f");

  auto dir = Stat(spec_, "/abs/");  // "x/" and "x/." ask for the directory itself
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->name, "abs");
  EXPECT_EQ(dir->mode & (1u << 31), 1u << 31);
  EXPECT_EQ(Stat(spec_, "/abs/.")->name, ".");
  EXPECT_EQ(Stat(spec_, "/")->name, "/");
  EXPECT_EQ(Stat(spec_, "/.")->name, ".");
  EXPECT_EQ(Stat(spec_, "/d/sub/../f")->name, "f");  // ".." is lexical first
  EXPECT_EQ(Stat(spec_, "/mnt/v")->size, 11);
}

TEST_F(ArchiveTest, StatErrors) {
  EXPECT_EQ(Stat(spec_, "/nothing").error().code(), Errc::kNotFound);
  EXPECT_EQ(Stat(spec_, "/dang/").error().code(), Errc::kNotFound);
  auto nd = Stat(spec_, "/d/f/");
  ASSERT_FALSE(nd.ok());
  EXPECT_EQ(nd.error().code(), Errc::kInvalidArgument);
  EXPECT_NE(nd.error().message().find("Not a directory"), std::string::npos) << nd.error().message();
  EXPECT_EQ(Stat(spec_, "/d/f/x").error().code(), Errc::kInvalidArgument);
  EXPECT_EQ(Stat(spec_, "").error().code(), Errc::kInvalidArgument);
}

TEST_F(ArchiveTest, EntryNamesFollowDockersRebase) {
  PathStat ps;
  auto d = Tar("/d", &ps);
  EXPECT_EQ(ps.name, "d");
  EXPECT_EQ(Names(d), (std::vector<std::string>{"d/", "d/f", "d/hard", "d/rel", "d/sub/", "d/sub/g", "d/sub/mp/",
                                                "d/sub/mp/v", "d/up"}));
  EXPECT_EQ(Names(Tar("/d/")), Names(d));
  auto dot = Tar("/d/.");
  ASSERT_FALSE(dot.empty());
  EXPECT_EQ(dot[0].name, "./");
  EXPECT_EQ(dot[1].name, "./f");
  auto file = Tar("/d/f");
  ASSERT_EQ(file.size(), 1u);
  EXPECT_EQ(file[0].name, "f");
  EXPECT_EQ(file[0].data, "hello");
  EXPECT_EQ(file[0].mode, 04755);
  auto link = Tar("/abs");
  ASSERT_EQ(link.size(), 1u);
  EXPECT_EQ(link[0].type, 'l');
  EXPECT_EQ(link[0].link, "/d");
  auto through = Tar("/abs/");  // the directory behind the link, named as asked
  ASSERT_FALSE(through.empty());
  EXPECT_EQ(through[0].name, "abs/");
  EXPECT_EQ(through[1].name, "abs/f");
  auto root = Tar("/");
  ASSERT_FALSE(root.empty());
  EXPECT_EQ(root[0].name, "/");
  EXPECT_EQ(root[1].name, "/abs");
  auto upd = Tar("/d/up/d/f");
  ASSERT_EQ(upd.size(), 1u);
  EXPECT_EQ(upd[0].name, "f");
}

TEST_F(ArchiveTest, HeadersAsDockerWritesThem) {
  auto d = Tar("/d");
  std::map<std::string, TarOutEntry> by;
  for (auto& e : d) by[e.name] = e;
  EXPECT_EQ(by["d/hard"].type, 'h');  // the second name of an inode links to the first
  EXPECT_EQ(by["d/hard"].link, "d/f");
  EXPECT_EQ(by["d/rel"].type, 'l');
  EXPECT_EQ(by["d/rel"].link, "f");
  EXPECT_EQ(by["d/sub/"].size, 0);
  EXPECT_EQ(by["d/sub/g"].mtime, 1600000000);  // whole seconds
  EXPECT_EQ(by["d/sub/g"].mtime_nsec, 0);
  // Owner names come from the container's files, first entry wins.
  EXPECT_EQ(by["d/f"].uname, "me");
  EXPECT_EQ(by["d/f"].gname, "mygrp");
  EXPECT_EQ(by["d/f"].uid, static_cast<long>(uid_));
  EXPECT_EQ(by["d/f"].gid, static_cast<long>(gid_));
  EXPECT_EQ(by["d/sub/mp/v"].data, "volume data");  // mounts inside the tree are included
}

TEST_F(ArchiveTest, MountsAreSeenAndSocketsSkipped) {
  auto m = Tar("/mnt");
  EXPECT_EQ(Names(m), (std::vector<std::string>{"mnt/", "mnt/v"}));
  // A mount whose mount point is missing from the rootfs still shows in its parent's listing.
  spec_.mounts.push_back({"/d/extra", tmp_->path() + "/vol", false});
  auto d = Names(Tar("/d"));
  EXPECT_NE(std::find(d.begin(), d.end(), "d/extra/v"), d.end());
  int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a {};
  a.sun_family = AF_UNIX;
  std::string sp = root_ + "/d/sock";
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", sp.c_str());
  ASSERT_EQ(::bind(s, reinterpret_cast<struct sockaddr*>(&a), sizeof a), 0);
  ::close(s);
  auto names = Names(Tar("/d"));
  EXPECT_EQ(std::find(names.begin(), names.end(), "d/sock"), names.end());
}

TEST_F(ArchiveTest, MissingPathWritesNothing) {
  StrWriter w;
  auto s = Archive(spec_, "/nothing", w, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::kNotFound);
  EXPECT_TRUE(w.s.empty());
}

}  // namespace
}  // namespace skiff::daemon::fs

// Extract on a plain-directory view: Docker's Untar rules, and that nothing lands outside the container.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "daemon/fs/archive.h"
#include "fs_test_util.h"

namespace skiff::daemon::fs {
namespace {

using namespace skiff::fstest;

class ExtractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_.emplace(TempDir::Create("/tmp", "skiff-extract-").value());
    root_ = tmp_->path() + "/root";
    vol_ = tmp_->path() + "/vol";
    ro_ = tmp_->path() + "/ro";
    ASSERT_TRUE(MkdirAll(root_ + "/t/dir").ok());
    Put(root_ + "/t/file", "old");
    Put(root_ + "/t/f", "a file");
    Link("../../..", root_ + "/t/up");
    Link("/", root_ + "/t/rootlink");
    Link("/vol", root_ + "/t/tovol");
    Link("/ro", root_ + "/t/toro");
    ASSERT_TRUE(MkdirAll(root_ + "/vol").ok());
    ASSERT_TRUE(MkdirAll(root_ + "/ro").ok());
    ASSERT_TRUE(MkdirAll(vol_).ok());
    ASSERT_TRUE(MkdirAll(ro_).ok());
    spec_.rootfs = root_;
    spec_.mounts = {{"/vol", vol_, false}, {"/ro", ro_, true}};
  }
  Status X(const std::string& path, const std::string& tar, ExtractOptions o = {}) {
    storage::MemoryReader r(tar);
    return Extract(spec_, path, r, o);
  }
  std::optional<TempDir> tmp_;
  std::string root_, vol_, ro_;
  ContainerView spec_;
};

TEST_F(ExtractTest, UnpacksEntriesWithTheirMetadata) {
  std::string tar = Tar({{"./", 'd', "", 0700},
                         {"a/", 'd', "", 0750, 1234567890},
                         {"a/x", 'f', "xdata", 0640, 1500000000},
                         {"a/deep/y", 'f', "y"},
                         {"link", 'l', "a/x"},
                         {"hard", 'h', "a/x"},
                         {"fifo", 'p'},
                         {".wh.gone", 'f', ""},
                         {"x/.wh..wh..opq", 'f', ""}});
  auto s = X("/t", tar);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(Slurp(root_ + "/t/a/x"), "xdata");
  EXPECT_EQ(Slurp(root_ + "/t/a/deep/y"), "y");
  struct stat st;
  ASSERT_EQ(::stat((root_ + "/t/a/x").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_mtime, 1500000000);
  EXPECT_EQ(st.st_nlink, 2u);  // "hard"
  ASSERT_EQ(::stat((root_ + "/t/a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(st.st_mtime, 1234567890);  // directory times are set after their contents
  ASSERT_EQ(::stat((root_ + "/t/a/deep").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);  // made like MkdirAll
  ASSERT_EQ(::stat((root_ + "/t").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);  // "./" leaves the extraction point alone
  EXPECT_TRUE(IsLink(root_ + "/t/link"));
  ASSERT_EQ(::lstat((root_ + "/t/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  // Whiteouts are plain files here: docker cp does not interpret them.
  EXPECT_TRUE(Exists(root_ + "/t/.wh.gone"));
  EXPECT_TRUE(Exists(root_ + "/t/x/.wh..wh..opq"));
}

TEST_F(ExtractTest, ReplacesExistingEntriesUnlessTold) {
  ASSERT_TRUE(X("/t", Tar({{"dir", 'f', "now a file"}, {"file/", 'd', "", 0755}, {"file/in", 'f', "in"}})).ok());
  EXPECT_EQ(Slurp(root_ + "/t/dir"), "now a file");
  EXPECT_EQ(Slurp(root_ + "/t/file/in"), "in");
  ASSERT_TRUE(MkdirAll(root_ + "/t/dir2").ok());
  ExtractOptions o;
  o.no_overwrite_dir_non_dir = true;
  auto s = X("/t", Tar({{"dir2", 'f', "x"}}), o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::kInvalidArgument);
  EXPECT_NE(s.error().message().find("cannot overwrite directory \"/t/dir2\" with non-directory \"/t\""),
            std::string::npos) << s.error().message();
  s = X("/t", Tar({{"f/", 'd'}}), o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("cannot overwrite non-directory \"/t/f\" with directory \"/t\""),
            std::string::npos) << s.error().message();
  EXPECT_EQ(Slurp(root_ + "/t/f"), "a file");
}

TEST_F(ExtractTest, RefusesEscapes) {
  auto s = X("/t", Tar({{"../x", 'f', "x"}}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::kInvalidArgument);
  EXPECT_NE(s.error().message().find("\"../x\" is outside of \"/t\""), std::string::npos) << s.error().message();
  s = X("/t", Tar({{"a/../../x", 'f', "x"}}));
  ASSERT_FALSE(s.ok());
  s = X("/t", Tar({{"esc", 'l', "../../../../etc"}}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("invalid symlink \"/t/esc\" -> \"../../../../etc\""), std::string::npos)
      << s.error().message();
  s = X("/t", Tar({{"hl", 'h', "../../etc/passwd"}}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("invalid hardlink"), std::string::npos) << s.error().message();
  EXPECT_FALSE(Exists(tmp_->path() + "/x"));
  // Absolute names are relative to the extraction point; absolute symlink targets are fine.
  ASSERT_TRUE(X("/t", Tar({{"/abs/name", 'f', "abs"}, {"etc", 'l', "/etc"}})).ok());
  EXPECT_EQ(Slurp(root_ + "/t/abs/name"), "abs");
}

TEST_F(ExtractTest, SymlinksResolveInsideTheContainer) {
  // Through container symlinks that climb (up -> ../../..) or point at "/": the container's root.
  ASSERT_TRUE(X("/t", Tar({{"up/viaup", 'f', "1"}, {"rootlink/viaroot", 'f', "2"}})).ok());
  EXPECT_EQ(Slurp(root_ + "/viaup"), "1");
  EXPECT_EQ(Slurp(root_ + "/viaroot"), "2");
  EXPECT_FALSE(Exists(tmp_->path() + "/viaup"));
  // A symlink made by an earlier entry cannot redirect a later one outside either.
  ASSERT_TRUE(X("/t", Tar({{"evil", 'l', "/"}, {"evil/tmp-escape", 'f', "3"}})).ok());
  EXPECT_EQ(Slurp(root_ + "/tmp-escape"), "3");
  EXPECT_FALSE(Exists("/tmp-escape"));
  // Into a volume through a link: lands in the mount's source.
  ASSERT_TRUE(X("/t", Tar({{"tovol/v", 'f', "vol"}})).ok());
  EXPECT_EQ(Slurp(vol_ + "/v"), "vol");
  // The extraction point may itself be a symlink to a directory.
  ASSERT_TRUE(X("/t/tovol", Tar({{"w", 'f', "w"}})).ok());
  EXPECT_EQ(Slurp(vol_ + "/w"), "w");
}

TEST_F(ExtractTest, ExtractionPointAndReadOnlyPlaces) {
  auto s = X("/t/f", Tar({{"x", 'f'}}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::kInvalidArgument);
  EXPECT_EQ(s.error().message(), "extraction point is not a directory");
  EXPECT_EQ(X("/nothing", Tar({{"x", 'f'}})).error().code(), Errc::kNotFound);
  s = X("/ro", Tar({{"x", 'f'}}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::kPermissionDenied);
  EXPECT_EQ(s.error().message(), "mounted volume is marked read-only");
  s = X("/t", Tar({{"toro/x", 'f'}}));  // an entry reaching a read-only mount
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::kPermissionDenied);
  EXPECT_FALSE(Exists(ro_ + "/x"));
  s = X("/", Tar({{"vol", 'f'}}));  // replacing a mount point
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::kConflict);
  spec_.read_only_rootfs = true;
  s = X("/t", Tar({{"x", 'f'}}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "container rootfs is marked read-only");
  ASSERT_TRUE(X("/vol", Tar({{"ok", 'f', "rw volume"}})).ok());
  EXPECT_EQ(Slurp(vol_ + "/ok"), "rw volume");
}

TEST_F(ExtractTest, BodiesEmptyCompressedOrBroken) {
  EXPECT_TRUE(X("/t", "").ok());
  ASSERT_TRUE(X("/t", Tar({{"gz", 'f', "zipped"}}, true)).ok());
  EXPECT_EQ(Slurp(root_ + "/t/gz"), "zipped");
  auto s = X("/t", std::string(3000, 'x'));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::kInvalidArgument);
  std::string tar = Tar({{"big", 'f', std::string(5000, 'b')}});
  s = X("/t", tar.substr(0, 2000));
  ASSERT_FALSE(s.ok());
}

TEST_F(ExtractTest, CopyUidGidOwnsEverythingByTheContainerUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown to other users needs root";
  ExtractOptions o;
  ASSERT_TRUE(X("/t", Tar({{"own", 'f', "x", 0644, 1000000000, 1000, 2000}}), o).ok());
  struct stat st;
  ASSERT_EQ(::lstat((root_ + "/t/own").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);  // by default the tar's owners
  EXPECT_EQ(st.st_gid, 2000u);
  o.copy_uid_gid = true;
  o.uid = 33;
  o.gid = 44;
  ASSERT_TRUE(X("/t", Tar({{"own2/", 'd', "", 0755, 1, 1000, 2000}, {"own2/l", 'l', "x", 0777, 1, 1000, 2000}}), o).ok());
  ASSERT_EQ(::lstat((root_ + "/t/own2").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 33u);
  ASSERT_EQ(::lstat((root_ + "/t/own2/l").c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, 44u);
}

}  // namespace
}  // namespace skiff::daemon::fs

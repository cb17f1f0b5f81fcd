#include "storage/tar_apply.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>

#include "base/file.h"
#include "storage/tar_write.h"
#include "tar_builder.h"

namespace skiff::storage {
namespace {

using skiff::testing::BuildTar;
using skiff::testing::TarEntry;

struct Fixture : ::testing::Test {
  void SetUp() override {
    tmp.emplace(TempDir::Create("/tmp", "skiff-apply-").value());
    root = JoinPath(tmp->path(), "root");
    outside = JoinPath(tmp->path(), "outside");
    ASSERT_TRUE(MkdirAll(root).ok());
    ASSERT_TRUE(MkdirAll(outside).ok());
    ASSERT_TRUE(WriteFileAtomic(JoinPath(outside, "secret"), "keep").ok());
  }
  Result<ApplyResult> Apply(const std::string& tar, ApplyOptions o = {}) {
    MemoryReader r(tar);
    return ApplyLayer(r, root, o);
  }
  // Nothing outside the root changed.
  void ExpectOutsideUntouched() {
    EXPECT_EQ(ListDir(outside).size(), 1u);
    EXPECT_EQ(*ReadFile(JoinPath(outside, "secret")), "keep");
    EXPECT_EQ(ListDir(tmp->path()).size(), 2u);
  }
  std::optional<TempDir> tmp;
  std::string root, outside;
};

TEST_F(Fixture, AppliesFilesDirsLinksAndMetadata) {
  std::string tar = BuildTar({{"etc/", 'd', "", 0755, 1234},
                              {"etc/hosts", 'f', "127.0.0.1 localhost\n", 0640, 1500000000},
                              {"bin/sh", 'f', "#!", 0755},
                              {"bin/ash", 'h', "bin/sh"},
                              {"lib", 'l', "usr/lib"},
                              {"attr", 'f', "x", 0644, 1000000000, {{"user.skiff", "v1"}}}});
  auto r = Apply(tar);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->diff_id, Sha256Of(tar));
  EXPECT_EQ(r->tar_bytes, tar.size());
  EXPECT_EQ(*ReadFile(JoinPath(root, "etc/hosts")), "127.0.0.1 localhost\n");
  struct stat st;
  ASSERT_EQ(::stat(JoinPath(root, "etc/hosts").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_mtime, 1500000000);
  ASSERT_EQ(::stat(JoinPath(root, "etc").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 1234);  // directory times are set after their children
  struct stat a, b;
  ASSERT_EQ(::stat(JoinPath(root, "bin/sh").c_str(), &a), 0);
  ASSERT_EQ(::stat(JoinPath(root, "bin/ash").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  char buf[64] = {0};
  ASSERT_GT(::readlink(JoinPath(root, "lib").c_str(), buf, sizeof buf), 0);
  EXPECT_STREQ(buf, "usr/lib");
  char xv[16] = {0};
  if (::getxattr(JoinPath(root, "attr").c_str(), "user.skiff", xv, sizeof xv) > 0) {
    EXPECT_STREQ(xv, "v1");
  }
}

TEST_F(Fixture, GzipAndZstdGiveTheUncompressedDiffId) {
  std::vector<TarEntry> entries = {{"a", 'f', std::string(100000, 'a')}, {"d/", 'd'}, {"d/b", 'f', "b"}};
  std::string plain = BuildTar(entries);
  for (const char* f : {"gzip", "zstd"}) {
    ASSERT_TRUE(RemoveAll(root).ok());
    ASSERT_TRUE(MkdirAll(root).ok());
    auto r = Apply(BuildTar(entries, f));
    ASSERT_TRUE(r.ok()) << f << ": " << r.error().message();
    EXPECT_EQ(r->diff_id, Sha256Of(plain)) << f;
    EXPECT_EQ(*ReadFile(JoinPath(root, "d/b")), "b");
  }
}

TEST_F(Fixture, OverlayWhiteouts) {
  if (::geteuid() != 0) GTEST_SKIP() << "whiteout device nodes need root";
  auto r = Apply(BuildTar({{"dir/", 'd'}, {"dir/.wh..wh..opq", 'f'}, {".wh.gone", 'f'}}));
  ASSERT_TRUE(r.ok()) << r.error().message();
  struct stat st;
  ASSERT_EQ(::lstat(JoinPath(root, "gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  char v[4] = {0};
  EXPECT_EQ(::getxattr(JoinPath(root, "dir").c_str(), "trusted.overlay.opaque", v, sizeof v), 1);
  EXPECT_FALSE(PathExists(JoinPath(root, "dir/.wh..wh..opq")));
  // And back: the diff writer turns them into .wh. entries again.
  std::string out;
  struct StrWriter : ByteWriter {
    std::string* s;
    Status Write(const char* d, size_t n) override { s->append(d, n); return Ok(); }
  } w;
  w.s = &out;
  ASSERT_TRUE(WriteTree(root, TreeMode::kOverlayDiff, w).ok());
  EXPECT_NE(out.find(".wh.gone"), std::string::npos);
  EXPECT_NE(out.find("dir/.wh..wh..opq"), std::string::npos);
}

TEST_F(Fixture, DeleteModeWhiteouts) {
  ASSERT_TRUE(Apply(BuildTar({{"a/", 'd'}, {"a/old", 'f', "1"}, {"b", 'f', "2"}})).ok());
  ApplyOptions o;
  o.whiteouts = WhiteoutMode::kDelete;
  auto r = Apply(BuildTar({{"a/", 'd'}, {"a/new", 'f', "3"}, {"a/.wh..wh..opq", 'f'}, {".wh.b", 'f'}}), o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(PathExists(JoinPath(root, "b")));
  EXPECT_FALSE(PathExists(JoinPath(root, "a/old")));
  EXPECT_TRUE(PathExists(JoinPath(root, "a/new")));
}

struct Evil {
  const char* name;
  std::vector<TarEntry> entries;
  const char* entry;  // the entry the error must name
};

TEST_F(Fixture, MaliciousLayersAreRejectedNamingTheEntry) {
  std::string out = outside;
  std::string rel_out = "../outside";
  std::vector<Evil> cases = {
      {"dotdot", {{"../outside/x", 'f', "pwn"}}, "../outside/x"},
      {"dotdot-middle", {{"a/../../outside/x", 'f', "pwn"}}, "a/../../outside/x"},
      {"absolute", {{out + "/x", 'f', "pwn"}}, "/x"},
      {"symlink-abs-then-file", {{"link", 'l', out}, {"link/x", 'f', "pwn"}}, "link/x"},
      {"symlink-rel-then-file", {{"link", 'l', rel_out}, {"link/x", 'f', "pwn"}}, "link/x"},
      {"symlink-deep-then-file", {{"a/", 'd'}, {"a/l", 'l', "../../outside"}, {"a/l/secret", 'f', "pwn"}}, "a/l/secret"},
      {"symlink-then-dir", {{"link", 'l', out}, {"link/sub/", 'd'}}, "link/sub/"},
      {"hardlink-outside", {{"h", 'h', "../outside/secret"}}, "\"h\""},
      {"hardlink-via-symlink", {{"link", 'l', out}, {"h", 'h', "link/secret"}}, "\"h\""},
      {"whiteout-via-symlink", {{"link", 'l', out}, {"link/.wh.secret", 'f'}}, "link/.wh.secret"},
  };
  for (const auto& c : cases) {
    ASSERT_TRUE(RemoveAll(root).ok());
    ASSERT_TRUE(MkdirAll(root).ok());
    auto r = Apply(BuildTar(c.entries));
    EXPECT_FALSE(r.ok()) << c.name;
    if (!r.ok()) {
      EXPECT_NE(r.error().message().find(c.entry), std::string::npos) << c.name << ": " << r.error().message();
    }
    ExpectOutsideUntouched();
  }
}

// A tar whose one file claims `size` bytes (GNU base-256 size field), with only a few present.
std::string AbsurdTar(unsigned long long size) {
  std::string tar = BuildTar({{"big", 'f', std::string(10, 'x')}});
  char* h = tar.data();
  h[124] = static_cast<char>(0x80);
  for (int i = 0; i < 11; ++i) h[135 - i] = i < 8 ? static_cast<char>((size >> (8 * i)) & 0xff) : 0;
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i) sum += static_cast<unsigned char>(h[i]);
  std::snprintf(h + 148, 8, "%06o", sum);
  return tar;
}

TEST_F(Fixture, AbsurdSizesAreRejected) {
  for (unsigned long long size : {1ULL << 60, 8ULL << 30}) {
    ASSERT_TRUE(RemoveAll(root).ok());
    ASSERT_TRUE(MkdirAll(root).ok());
    ApplyOptions o;
    o.max_unpacked_bytes = 1 << 30;
    auto r = Apply(AbsurdTar(size), o);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("\"big\""), std::string::npos) << r.error().message();
    EXPECT_TRUE(ListDir(root).empty());
    ExpectOutsideUntouched();
  }
  auto r = Apply(AbsurdTar(1 << 20));  // within budget but the data is not there
  EXPECT_FALSE(r.ok());
}

TEST_F(Fixture, TruncatedAndGarbageInputFail) {
  std::string tar = BuildTar({{"a", 'f', std::string(100000, 'x')}});
  EXPECT_FALSE(Apply(tar.substr(0, 5000)).ok());
  EXPECT_FALSE(Apply(std::string(5000, 'q')).ok());
  std::string gz = BuildTar({{"a", 'f', std::string(100000, 'x')}}, "gzip");
  EXPECT_FALSE(Apply(gz.substr(0, gz.size() / 2)).ok());
}

TEST_F(Fixture, EmptyLayers) {
  auto r = Apply("");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->diff_id, Sha256Of(""));
  std::string zeros(1024, '\0');
  auto r2 = Apply(zeros);
  ASSERT_TRUE(r2.ok()) << r2.error().message();
  EXPECT_EQ(r2->diff_id, Sha256Of(zeros));
}

TEST_F(Fixture, WriteTreeRoundTrips) {
  std::string tar = BuildTar({{"d/", 'd', "", 0750, 5000},
                              {"d/f", 'f', "hello", 0600, 6000},
                              {"d/h", 'h', "d/f"},
                              {"s", 'l', "d/f"}});
  ASSERT_TRUE(Apply(tar).ok());
  std::string out;
  struct StrWriter : ByteWriter {
    std::string* s;
    Status Write(const char* d, size_t n) override { s->append(d, n); return Ok(); }
  } w;
  w.s = &out;
  auto wr = WriteTree(root, TreeMode::kFlat, w);
  ASSERT_TRUE(wr.ok()) << wr.error().message();
  EXPECT_EQ(wr->entries, 4u);
  std::string root2 = JoinPath(tmp->path(), "root2");
  ASSERT_TRUE(MkdirAll(root2).ok());
  MemoryReader mr(out);
  auto r = ApplyLayer(mr, root2);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*ReadFile(JoinPath(root2, "d/h")), "hello");
  struct stat st;
  ASSERT_EQ(::stat(JoinPath(root2, "d").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(st.st_mtime, 5000);
  (void)RemoveAll(root2);
}

}  // namespace
}  // namespace skiff::storage

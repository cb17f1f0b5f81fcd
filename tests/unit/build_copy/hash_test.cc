// HashSources (the cache key ignores mtimes and the context's location, follows content, mode, names,
// chown/chmod and dest), FileHashCache, and .dockerignore applied to sources.
#include <gmock/gmock.h>

#include "build/context/ignore.h"
#include "fixture.h"

namespace skiff::build::copy::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class HashTest : public CopyTest {
 protected:
  void MakeContext(const std::string& root) {
    Write(root + "/app/main.py", "print(1)\n");
    Write(root + "/app/lib/util.py", "x = 1\n", 0600);
    Link("main.py", root + "/app/link");
    Write(root + "/README", "readme");
  }
  Digest Key(const CopyRequest& r, FileHashCache* cache = nullptr) {
    auto d = HashSources(r, cache);
    EXPECT_TRUE(d.ok()) << d.error().message();
    return d.ok() ? d->key : Digest();
  }
};

TEST_F(HashTest, IgnoresMtimesAndTheContextsLocation) {
  MakeContext(Ctx());
  auto other = TempDir::Create("/tmp", "copy-ctx2-").value();
  MakeContext(other.path());
  CopyRequest a = Req({"app", "README"}, "/srv/");
  CopyRequest b = a;
  b.src_root = other.path();
  SetMtime(other.path() + "/app/main.py", 1000);
  SetMtime(other.path() + "/app", 2000);
  EXPECT_EQ(Key(a), Key(b));
}

TEST_F(HashTest, ChangesWithContentModeNamesOwnershipOptionsAndDest) {
  MakeContext(Ctx());
  CopyRequest base = Req({"app"}, "/srv");
  Digest k0 = Key(base);
  Write(Ctx("app/main.py"), "print(2)\n");
  Digest k1 = Key(base);
  EXPECT_NE(k0, k1);
  ::chmod(Ctx("app/main.py").c_str(), 0755);
  Digest k2 = Key(base);
  EXPECT_NE(k1, k2);
  ::rename(Ctx("app/lib/util.py").c_str(), Ctx("app/lib/util2.py").c_str());
  Digest k3 = Key(base);
  EXPECT_NE(k2, k3);
  ::unlink(Ctx("app/link").c_str());
  Link("lib", Ctx("app/link"));
  Digest k4 = Key(base);
  EXPECT_NE(k3, k4);
  CopyRequest r = base;
  r.chown = "1000";
  EXPECT_NE(Key(r), k4);
  r = base;
  r.chmod = 0644;
  EXPECT_NE(Key(r), k4);
  r = base;
  r.dest = "/other";
  EXPECT_NE(Key(r), k4);
  r = base;
  r.add = true;
  EXPECT_NE(Key(r), k4);
  r = base;
  r.excludes = {"*.md"};
  EXPECT_NE(Key(r), k4);
  EXPECT_EQ(Key(base), k4);
}

TEST_F(HashTest, FileNameMattersForDirectoryDests) {
  Write(Ctx("a"), "same");
  Write(Ctx("b"), "same");
  EXPECT_NE(Key(Req({"a"}, "/d/")), Key(Req({"b"}, "/d/")));
}

TEST_F(HashTest, HistoryText) {
  MakeContext(Ctx());
  auto f = HashSources(Req({"README"}, "/x"), nullptr);
  ASSERT_TRUE(f.ok());
  EXPECT_THAT(f->history, StartsWith("file:"));
  EXPECT_THAT(f->history, ::testing::EndsWith(" in /x"));
  auto d = HashSources(Req({"app"}, "/x"), nullptr);
  EXPECT_THAT(d->history, StartsWith("dir:"));
  CopyRequest m = Req({"app", "README"}, "/app/");
  m.dest_as_written = "./";
  auto mm = HashSources(m, nullptr);
  EXPECT_THAT(mm->history, StartsWith("multi:"));
  EXPECT_THAT(mm->history, ::testing::EndsWith(" in ./"));
  EXPECT_EQ(f->history.size(), 5 + 64 + 6);  // "file:" hex " in /x"
}

TEST_F(HashTest, MissingSourcesFailAsCopyDoes) {
  auto r = HashSources(Req({"nope"}, "/x"), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "COPY failed: file not found in build context or excluded by .dockerignore: stat nope: file does not exist");
}

TEST_F(HashTest, CacheRehashesOnlyTouchedFilesAndPersists) {
  MakeContext(Ctx());
  std::string cache_path = Dst("cache/hashes");
  CopyRequest r = Req({"app"}, "/srv");
  Digest k0;
  {
    FileHashCache c(cache_path);
    ASSERT_TRUE(c.Load().ok());
    k0 = Key(r, &c);
    EXPECT_EQ(c.size(), 2u);
    ASSERT_TRUE(c.Save().ok());
  }
  FileHashCache c(cache_path);
  ASSERT_TRUE(c.Load().ok());
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(Key(r, &c), k0);
  // Same size and mtime but new content: the ctime tells.
  struct stat before = Lstat(Ctx("app/main.py"));
  Write(Ctx("app/main.py"), "print(9)\n");
  struct timespec ts[2] = {before.st_mtim, before.st_mtim};
  ::utimensat(AT_FDCWD, Ctx("app/main.py").c_str(), ts, 0);
  EXPECT_NE(Key(r, &c), k0);
  // A stale entry never answers: the digest is the content's.
  auto d = c.Hash(Ctx("app/main.py"), Lstat(Ctx("app/main.py")));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, Sha256Of("print(9)\n"));
}

TEST_F(HashTest, CorruptOrMissingCacheIsEmpty) {
  FileHashCache missing(Dst("none/hashes"));
  EXPECT_TRUE(missing.Load().ok());
  EXPECT_EQ(missing.size(), 0u);
  Write(Dst("bad"), "skiff-file-hash-cache v1\nzzzz");
  FileHashCache bad(Dst("bad"));
  EXPECT_TRUE(bad.Load().ok());
  EXPECT_EQ(bad.size(), 0u);
}

TEST_F(HashTest, LargeFileHashedInLargeReads) {
  std::string big(5 << 20, 'z');
  big[12345] = 'q';
  Write(Ctx("big"), big);
  FileHashCache c("");
  auto d = c.Hash(Ctx("big"), Lstat(Ctx("big")));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, Sha256Of(big));
}

class IgnoreTest : public CopyTest {
 protected:
  CopyRequest WithIgnore(std::vector<std::string> src, std::string dest, const std::vector<std::string>& patterns) {
    ignore_ = context::IgnoreMatcher::FromPatterns(patterns).value();
    CopyRequest r = Req(std::move(src), std::move(dest));
    r.ignore = &ignore_;
    return r;
  }
  context::IgnoreMatcher ignore_;
};

TEST_F(IgnoreTest, ExcludedSourcesAreNotFound) {
  Write(Ctx("secret.txt"), "s");
  Link("secret.txt", Ctx("alias"));
  auto r = Copy(WithIgnore({"secret.txt"}, "/x", {"secret.txt"}));
  EXPECT_EQ(r.error().message(),
            "COPY failed: file not found in build context or excluded by .dockerignore: stat secret.txt: file does not "
            "exist");
  // a symlink to an excluded file leads nowhere either
  EXPECT_FALSE(Copy(WithIgnore({"alias"}, "/x", {"secret.txt"})).ok());
  EXPECT_EQ(Copy(WithIgnore({"*.txt"}, "/x/", {"secret.txt"})).error().message(),
            "COPY failed: no source files were specified");
}

TEST_F(IgnoreTest, DirectoryWalksSkipExcludedAndKeepReincluded) {
  Write(Ctx("a/keep.py"), "k");
  Write(Ctx("a/drop.pyc"), "d");
  Write(Ctx("a/cache/x"), "x");
  Write(Ctx("a/logs/old.log"), "o");
  Write(Ctx("a/logs/important.log"), "i");
  Write(Ctx(".dockerignore"), "ignored");
  CopyRequest r = WithIgnore({"."}, "/x", {"**/*.pyc", "a/cache", "a/logs", "!a/logs/important.log", ".dockerignore"});
  ASSERT_TRUE(Copy(r).ok());
  EXPECT_THAT(List(Dst("x")), ElementsAre("d 755 a/", "d 755 a/logs/", "f 644 a/keep.py", "f 644 a/logs/important.log"));
  // the key follows what is copied: a change in an excluded file changes nothing
  Digest k = HashSources(r, nullptr)->key;
  Write(Ctx("a/cache/x"), "changed");
  EXPECT_EQ(HashSources(r, nullptr)->key, k);
  Write(Ctx("a/keep.py"), "changed");
  EXPECT_NE(HashSources(r, nullptr)->key, k);
}

}  // namespace
}  // namespace skiff::build::copy::testing

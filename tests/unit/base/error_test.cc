#include "base/error.h"

#include <gtest/gtest.h>

#include "base/digest.h"
#include "base/file.h"
#include "base/json.h"
#include "base/strings.h"

namespace skiff {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Error(Errc::kInvalidArgument, "odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  int h = SKIFF_TRY_CTX(Half(x), "first half");
  return SKIFF_TRY(Half(h));
}

TEST(Error, TryPropagatesWithContext) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "odd");
  auto r2 = Quarter(5);
  EXPECT_EQ(r2.error().message(), "first half: odd");
}

TEST(Error, FromErrnoMapsCodes) {
  EXPECT_EQ(Error::FromErrno(ENOENT, "open x").code(), Errc::kNotFound);
  EXPECT_EQ(Error::FromErrno(EEXIST, "").code(), Errc::kAlreadyExists);
  EXPECT_EQ(Error::FromErrno(EPERM, "").code(), Errc::kPermissionDenied);
  EXPECT_EQ(Error::FromErrno(ENOENT, "open x").message(), "open x: No such file or directory");
}

TEST(Digest, Sha256KnownVector) {
  EXPECT_EQ(Sha256Of("abc").str(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(Digest::Parse("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad").ok());
  EXPECT_FALSE(Digest::Parse("sha256:XYZ").ok());
  EXPECT_FALSE(Digest::Parse("md5:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad").ok());
}

TEST(Json, ParseErrorNamesSource) {
  auto r = ParseJson("{\"a\": ", "config.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("config.json"), std::string::npos);
}

TEST(File, AtomicWriteAndTempDir) {
  std::string path;
  {
    auto dir = TempDir::Create();
    ASSERT_TRUE(dir.ok());
    path = dir->path();
    std::string f = JoinPath(path, "a/b/c.txt");
    ASSERT_TRUE(MkdirAll(Dirname(f)).ok());
    ASSERT_TRUE(WriteFileAtomic(f, "hello").ok());
    EXPECT_EQ(*ReadFile(f), "hello");
    EXPECT_EQ(ListDir(Dirname(f)).size(), 1u);  // no temp file left behind
  }
  EXPECT_FALSE(PathExists(path));
}

TEST(Strings, SplitJoin) {
  EXPECT_EQ(Split("a:b::c", ':'), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(SplitN("k=v=w", '=', 2), (std::vector<std::string>{"k", "v=w"}));
  EXPECT_EQ(Join({"a", "b"}, ","), "a,b");
  EXPECT_EQ(ParseInt("-12"), -12);
  EXPECT_FALSE(ParseInt("12x").has_value());
  EXPECT_EQ(JoinPath("/a/", "/b"), "/a/b");
  EXPECT_EQ(Dirname("/a/b"), "/a");
  EXPECT_EQ(Basename("/a/b/"), "b");
  EXPECT_EQ(CleanPath("/a/./b/../c/"), "/a/c");
  EXPECT_EQ(CleanPath("/tmp/b1/."), "/tmp/b1");
  EXPECT_EQ(CleanPath("/.."), "/");
  EXPECT_EQ(CleanPath("a/../.."), "..");
}

}  // namespace
}  // namespace skiff

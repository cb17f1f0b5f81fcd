#include "build/context/ignore.h"

#include <gtest/gtest.h>

#include "base/file.h"

namespace skiff::build::context {
namespace {

struct MatchCase {
  const char* pattern;
  const char* path;
  bool excluded;
};

// Cases as moby/patternmatcher's own table decides them (pattern, path, excluded).
const MatchCase kCases[] = {
    {"**", "file", true},
    {"**", "file/", true},
    {"**/", "file", true},
    {"**", "/", true},
    {"**", "dir/file", true},
    {"**/", "dir/file", true},
    {"**/**", "dir/file", true},
    {"dir/**", "dir/file", true},
    {"dir/**", "dir/dir2/file", true},
    {"**/dir", "dir", true},
    {"**/dir", "dir/file", true},
    {"**/dir2/*", "dir/dir2/file", true},
    {"**/dir2/**", "dir/dir2/dir3/file", true},
    {"**file", "file", true},
    {"**file", "dir/file", true},
    {"**/file", "dir/file", true},
    {"**file", "dir/dir/file", true},
    {"**/file", "dir/dir/file", true},
    {"**/file*", "dir/dir/file", true},
    {"**/file*", "dir/dir/file.txt", true},
    {"**/file*txt", "dir/dir/file.txt", true},
    {"**/file*.txt", "dir/dir/file.txt", true},
    {"**/file*.txt*", "dir/dir/file.txt", true},
    {"**/**/*.txt", "dir/dir/file.txt", true},
    {"**/**/*.txt2", "dir/dir/file.txt", false},
    {"**/*.txt", "file.txt", true},
    {"**/**/*.txt", "file.txt", true},
    {"a**/*.txt", "a/file.txt", true},
    {"a**/*.txt", "a/dir/file.txt", true},
    {"a**/*.txt", "a/dir/dir/file.txt", true},
    {"a/*.txt", "a/dir/file.txt", false},
    {"a/*.txt", "a/file.txt", true},
    {"a/*.txt**", "a/file.txt", true},
    {"a[b-d]e", "ae", false},
    {"a[b-d]e", "ace", true},
    {"a[b-d]e", "aae", false},
    {"a[^b-d]e", "aze", true},
    {".*", ".foo", true},
    {".*", "foo", false},
    {"abc.def", "abcdef", false},
    {"abc.def", "abc.def", true},
    {"abc.def", "abcZdef", false},
    {"abc?def", "abcZdef", true},
    {"abc?def", "abcdef", false},
    {"a\\\\", "a\\", true},
    {"**/foo/bar", "foo/bar", true},
    {"**/foo/bar", "dir/foo/bar", true},
    {"**/foo/bar", "dir/dir2/foo/bar", true},
    {"abc/**", "abc", false},
    {"abc/**", "abc/def", true},
    {"abc/**", "abc/def/ghi", true},
    {"**/.foo", ".foo", true},
    {"**/.foo", "bar.foo", false},
    {"a(b)c/def", "a(b)c/def", true},
    {"a(b)c/def", "a(b)c/xyz", false},
    {"a.|)$(}+{bc", "a.|)$(}+{bc", true},
    {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true},
    // single-element wildcards do not cross '/', but a matching parent excludes its contents
    {"*", "a/b", true},
    {"*.go", "a/b.go", false},
    {"*/*.go", "a/b.go", true},
    {"a?c", "a/c", false},
    {"te[st]t", "test", true},
    {"/abs", "abs", true},
    {"./dot/../x", "x", true},
    {"  spaced  ", "spaced", true},
    {"node_modules", "node_modules/x/y/z.js", true},
    {"\\*", "*", true},
    {"\\*", "x", false},
    {"é?", "éà", true},
};

TEST(IgnorePatterns, DockerTable) {
  for (const auto& c : kCases) {
    auto m = IgnoreMatcher::FromPatterns({c.pattern});
    ASSERT_TRUE(m.ok()) << c.pattern << ": " << m.error().message();
    std::string path = CleanPath(c.path);
    if (path.size() > 1 && path[0] == '/') path.erase(0, 1);
    EXPECT_EQ(m->Excluded(path), c.excluded) << "pattern " << c.pattern << " path " << c.path;
  }
}

TEST(IgnorePatterns, LastMatchWinsAndExceptions) {
  auto m = IgnoreMatcher::Parse("*.md\n!README.md\nREADME-secret.md\n!docs/**\ndocs/private\n");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->Excluded("CHANGES.md"));
  EXPECT_FALSE(m->Excluded("README.md"));
  EXPECT_TRUE(m->Excluded("README-secret.md"));
  EXPECT_FALSE(m->Excluded("docs/a.md"));  // *.md does not reach into docs/
  EXPECT_TRUE(m->Excluded("docs/private"));
  EXPECT_TRUE(m->Excluded("docs/private/key"));
  EXPECT_FALSE(m->Excluded("main.c"));
}

TEST(IgnorePatterns, ParseCommentsBlankBomAndCleaning) {
  auto m = IgnoreMatcher::Parse("\xEF\xBB\xBF# comment\n\n   \n  #not a comment\n/abs/dir/\n! keep/./this \r\nx # y\n",
                                ".dockerignore");
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->patterns(), (std::vector<std::string>{"#not a comment", "abs/dir", "!keep/this", "x # y"}));
  EXPECT_TRUE(m->Excluded("abs/dir/file"));
  EXPECT_TRUE(m->Excluded("#not a comment"));
  EXPECT_FALSE(IgnoreMatcher().Excluded("anything"));
  EXPECT_TRUE(IgnoreMatcher().empty());
}

TEST(IgnorePatterns, Errors) {
  auto bad = IgnoreMatcher::Parse("ok\n# c\n[\n", "ctx/.dockerignore");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), Errc::kInvalidArgument);
  EXPECT_EQ(bad.error().message(), "ctx/.dockerignore:3: syntax error in pattern");
  for (const char* p : {"[", "a[]", "a[^]", "[a-]", "[-a]", "x\\", "[a"}) {
    EXPECT_FALSE(IgnoreMatcher::FromPatterns({p}).ok()) << p;
  }
  auto bang = IgnoreMatcher::FromPatterns({"!"});
  ASSERT_FALSE(bang.ok());
  EXPECT_EQ(bang.error().message(), "illegal exclusion pattern: \"!\"");
  EXPECT_TRUE(IgnoreMatcher::FromPatterns({"[]a]x", "[a-c]", "[\\]]"}).ok() == false);
  EXPECT_TRUE(IgnoreMatcher::FromPatterns({"[a-c]", "[\\]]", "[^a]"}).ok());
}

TEST(IgnorePatterns, MayReincludeIsDockersPrefixRule) {
  auto m = IgnoreMatcher::FromPatterns({"vendor", "!vendor/keep/me.go", "!**/*.md"});
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->MayReinclude("vendor"));
  EXPECT_TRUE(m->MayReinclude("vendor/keep"));
  EXPECT_FALSE(m->MayReinclude("vendor/other"));
  EXPECT_FALSE(m->MayReinclude("ven"));
  // Docker's archive walk compares the exception's text: a leading ** never re-opens a directory.
  EXPECT_FALSE(m->MayReinclude("docs"));
  auto none = IgnoreMatcher::FromPatterns({"vendor"});
  EXPECT_FALSE(none->MayReinclude("vendor"));
}

TEST(IgnorePatterns, WithExceptionsOnlyForExcludedPaths) {
  auto m = IgnoreMatcher::FromPatterns({"*", "!src"});
  ASSERT_TRUE(m.ok());
  IgnoreMatcher w = m->WithExceptions({"Dockerfile", ".dockerignore", "src"});
  EXPECT_EQ(w.patterns(), (std::vector<std::string>{"*", "!src", "!Dockerfile", "!.dockerignore"}));
  EXPECT_FALSE(w.Excluded("Dockerfile"));
  EXPECT_TRUE(w.Excluded("other"));
  // A name with glob characters is taken literally.
  auto g = IgnoreMatcher::FromPatterns({"*"})->WithExceptions({"Docker[file]"});
  EXPECT_FALSE(g.Excluded("Docker[file]"));
  EXPECT_TRUE(g.Excluded("Dockerf"));
}

class LoadIgnoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create("/tmp", "skiff-ignore-");
    ASSERT_TRUE(t.ok());
    dir_.emplace(std::move(*t));
  }
  std::string P(const std::string& rel) { return JoinPath(dir_->path(), rel); }
  std::optional<TempDir> dir_;
};

TEST_F(LoadIgnoreTest, DockerfileSpecificWins) {
  auto none = LoadIgnore(dir_->path(), "");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  ASSERT_TRUE(WriteFileAtomic(P(".dockerignore"), "generic\n", 0644, false).ok());
  auto generic = LoadIgnore(dir_->path(), "");
  ASSERT_TRUE(generic.ok());
  EXPECT_EQ(generic->patterns(), std::vector<std::string>{"generic"});

  ASSERT_TRUE(WriteFileAtomic(P("Dockerfile.dockerignore"), "default-specific\n", 0644, false).ok());
  EXPECT_EQ(LoadIgnore(dir_->path(), "")->patterns(), std::vector<std::string>{"default-specific"});

  ASSERT_TRUE(MkdirAll(P("build")).ok());
  ASSERT_TRUE(WriteFileAtomic(P("build/app.Dockerfile"), "FROM x\n", 0644, false).ok());
  EXPECT_EQ(LoadIgnore(dir_->path(), P("build/app.Dockerfile"))->patterns(), std::vector<std::string>{"generic"});
  ASSERT_TRUE(WriteFileAtomic(P("build/app.Dockerfile.dockerignore"), "app\n", 0644, false).ok());
  EXPECT_EQ(LoadIgnore(dir_->path(), P("build/app.Dockerfile"))->patterns(), std::vector<std::string>{"app"});
  EXPECT_EQ(LoadIgnore(dir_->path(), "-")->patterns(), std::vector<std::string>{"generic"});

  ASSERT_TRUE(WriteFileAtomic(P(".dockerignore"), "a\n\n[x\n", 0644, false).ok());
  auto bad = LoadIgnore(dir_->path(), "-");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), P(".dockerignore") + ":3: syntax error in pattern");
}

}  // namespace
}  // namespace skiff::build::context

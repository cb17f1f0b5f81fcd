// GoMatch: Go's filepath.Match, which Docker uses for COPY wildcards.
#include <gtest/gtest.h>

#include "build/copy/match.h"

namespace skiff::build::copy {
namespace {

TEST(GoMatchTest, GoSemantics) {
  EXPECT_TRUE(GoMatch("*", "abc"));
  EXPECT_FALSE(GoMatch("*", "a/b"));
  EXPECT_TRUE(GoMatch("a*/b", "abc/b"));
  EXPECT_FALSE(GoMatch("a*/b", "a/c/b"));
  EXPECT_TRUE(GoMatch("a?c", "abc"));
  EXPECT_FALSE(GoMatch("a?c", "a/c"));
  EXPECT_TRUE(GoMatch("[a-c]x", "bx"));
  EXPECT_FALSE(GoMatch("[^a-c]x", "bx"));
  EXPECT_TRUE(GoMatch("[^a-c]x", "dx"));
  EXPECT_TRUE(GoMatch("\\*", "*"));
  EXPECT_FALSE(GoMatch("\\*", "a"));
  EXPECT_TRUE(GoMatch("*.txt", ".txt"));
  EXPECT_FALSE(GoMatch("[", "["));      // bad pattern: no match
  EXPECT_FALSE(GoMatch("a[", "a"));
  EXPECT_FALSE(GoMatch("[]a]", "a"));  // ']' first is an error in Go
  EXPECT_TRUE(GoMatch("*x*y*", "axbyc"));
}

TEST(GoMatchTest, ContainsWildcards) {
  EXPECT_TRUE(ContainsWildcards("*.go"));
  EXPECT_TRUE(ContainsWildcards("a?"));
  EXPECT_TRUE(ContainsWildcards("[ab]"));
  EXPECT_FALSE(ContainsWildcards("plain/path"));
  EXPECT_FALSE(ContainsWildcards("esc\\*aped"));
}

}  // namespace
}  // namespace skiff::build::copy

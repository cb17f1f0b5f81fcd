// Golden parser tests: golden/<name>.Dockerfile parsed, its ToJson dump compared with <name>.json, or
// its error message with <name>.err. SKIFF_GOLDEN_UPDATE=1 rewrites the expected files from the parser's
// output (then review every diff by hand against Docker's behaviour before committing).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "base/file.h"
#include "base/json.h"
#include "build/dockerfile/dump.h"
#include "build/dockerfile/parser.h"

namespace skiff::build::dockerfile {
namespace {

namespace fs = std::filesystem;

std::string GoldenDir() {
  if (const char* src = std::getenv("SKIFF_SRC"); src && *src) {
    return std::string(src) + "/tests/unit/build_dockerfile/golden";
  }
  return (fs::path(__FILE__).parent_path() / "golden").string();
}

std::string Chomp(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

TEST(Golden, AllCases) {
  const std::string dir = GoldenDir();
  ASSERT_TRUE(IsDirectory(dir)) << dir;
  const bool update = std::getenv("SKIFF_GOLDEN_UPDATE") != nullptr;
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".Dockerfile") cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());
  EXPECT_GE(cases.size(), 40u);
  for (const fs::path& df : cases) {
    SCOPED_TRACE(df.filename().string());
    auto text = ReadFile(df.string());
    ASSERT_TRUE(text.ok());
    fs::path base = df;
    base.replace_extension();
    std::string err_path = base.string() + ".err", json_path = base.string() + ".json";
    auto parsed = Parse(*text, "Dockerfile");
    if (update) {
      if (parsed.ok()) {
        ASSERT_TRUE(WriteFileAtomic(json_path, DumpJson(ToJson(*parsed), 2) + "\n", 0644, false).ok());
        fs::remove(err_path);
      } else {
        ASSERT_TRUE(WriteFileAtomic(err_path, parsed.error().message() + "\n", 0644, false).ok());
        fs::remove(json_path);
      }
      continue;
    }
    if (PathExists(err_path)) {
      auto want = ReadFile(err_path);
      ASSERT_TRUE(want.ok());
      ASSERT_FALSE(parsed.ok()) << "expected error: " << *want;
      EXPECT_EQ(parsed.error().code(), Errc::kInvalidArgument);
      EXPECT_EQ(parsed.error().message(), Chomp(*want));
      continue;
    }
    ASSERT_TRUE(PathExists(json_path)) << "no .json or .err for " << df;
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    auto want_text = ReadFile(json_path);
    ASSERT_TRUE(want_text.ok());
    auto want = ParseJson(*want_text, json_path);
    ASSERT_TRUE(want.ok()) << want.error().message();
    Json got = ToJson(*parsed);
    EXPECT_EQ(got, *want) << "got:\n" << DumpJson(got, 2);
  }
}

}  // namespace
}  // namespace skiff::build::dockerfile

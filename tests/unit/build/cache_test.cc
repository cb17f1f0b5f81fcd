// The build step cache: keys, hits, miss reasons, persistence across reopen.
#include <gtest/gtest.h>

#include "base/file.h"
#include "build/cache.h"
#include "build/stage.h"

namespace skiff::build {
namespace {

TEST(BuildCache, HitAfterRecordAndAcrossReopen) {
  auto dir = TempDir::Create();
  ASSERT_TRUE(dir.ok());
  StepKey k{"sha256:" + std::string(64, 'a'), "RUN make", "", ""};
  {
    auto c = BuildCache::Open(dir->path() + "/cache.db");
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_FALSE((*c)->Lookup(k));
    ASSERT_TRUE((*c)->Record(k, "sha256:" + std::string(64, 'b'), "RUN make", 12).ok());
    EXPECT_EQ((*c)->Lookup(k).value_or(""), "sha256:" + std::string(64, 'b'));
  }
  auto c = BuildCache::Open(dir->path() + "/cache.db");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->Lookup(k).value_or(""), "sha256:" + std::string(64, 'b'));
  auto list = (*c)->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].size, 12);
  EXPECT_GE((*list)[0].use_count, 2);
  ASSERT_TRUE((*c)->Drop({k.Key()}).ok());
  EXPECT_FALSE((*c)->Lookup(k));
}

TEST(BuildCache, KeyDependsOnEveryPart) {
  StepKey a{"p", "COPY a /b", "V=1\n", "s1"};
  StepKey b = a, c = a, d = a, e = a;
  b.parent = "q";
  c.text = "COPY a /c";
  d.args = "V=2\n";
  e.sources = "s2";
  for (const StepKey* o : {&b, &c, &d, &e}) EXPECT_NE(a.Key(), o->Key());
  EXPECT_EQ(a.Key(), StepKey(a).Key());
}

TEST(BuildCache, MissReasons) {
  auto dir = TempDir::Create();
  ASSERT_TRUE(dir.ok());
  auto c = BuildCache::Open(dir->path() + "/cache.db");
  ASSERT_TRUE(c.ok());
  StepKey copy{"p", "COPY file:x in /app", "", "content-1"};
  StepKey run{"p", "RUN echo $V", "V=1", ""};
  ASSERT_TRUE((*c)->Record(copy, "sha256:" + std::string(64, '1'), "", 0).ok());
  ASSERT_TRUE((*c)->Record(run, "sha256:" + std::string(64, '2'), "", 0).ok());
  StepKey changed = copy;
  changed.sources = "content-2";
  EXPECT_EQ((*c)->MissReason(changed, "COPY"), "content changed");
  StepKey arg = run;
  arg.args = "V=2";
  EXPECT_EQ((*c)->MissReason(arg, "RUN"), "ARG V changed");
  StepKey other{"p", "RUN echo other", "", ""};
  EXPECT_EQ((*c)->MissReason(other, "RUN"), "instruction changed");
  StepKey fresh{"never-seen", "RUN x", "", ""};
  EXPECT_EQ((*c)->MissReason(fresh, "RUN"), "");
}

TEST(BuildTexts, GoFormats) {
  EXPECT_EQ(GoQuote({"sh", "-c", "echo \"hi\""}), "[\"sh\" \"-c\" \"echo \\\"hi\\\"\"]");
  EXPECT_EQ(GoList({"/bin/sh", "-c"}), "[/bin/sh -c]");
  Json full = FullConfig(Json{{"Env", {"A=b"}}});
  EXPECT_EQ(full["Hostname"], "");
  EXPECT_EQ(full["Tty"], false);
  EXPECT_TRUE(full["Cmd"].is_null());
  EXPECT_EQ(full["Env"][0], "A=b");
  EXPECT_TRUE(IsBuiltinArg("HTTP_PROXY"));
  EXPECT_FALSE(IsBuiltinArg("VERSION"));
}

}  // namespace
}  // namespace skiff::build

#include "sys/rlimit.h"

#include <sys/resource.h>

#include <gtest/gtest.h>

namespace skiff::sys {
namespace {

Json J(const char* text) { return Json::parse(text); }

TEST(Rlimit, Names) {
  EXPECT_EQ(*RlimitFromName("RLIMIT_NOFILE"), RLIMIT_NOFILE);
  EXPECT_EQ(*RlimitFromName("RLIMIT_RTTIME"), RLIMIT_RTTIME);
  EXPECT_EQ(RlimitName(RLIMIT_CORE), "RLIMIT_CORE");
  EXPECT_EQ(RlimitName(99), "rlimit 99");
  EXPECT_FALSE(RlimitFromName("NOFILE").ok());
}

TEST(Rlimit, ParseGood) {
  auto r = ParseRlimits(J(R"([
    {"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096},
    {"type": "RLIMIT_CORE", "soft": 0, "hard": 18446744073709551615}])"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0], (Rlimit{RLIMIT_NOFILE, 1024, 4096}));
  EXPECT_EQ((*r)[1], (Rlimit{RLIMIT_CORE, 0, RLIM_INFINITY}));
  EXPECT_TRUE(ParseRlimits(Json())->empty());
  EXPECT_TRUE(ParseRlimits(J("[]"))->empty());
}

TEST(Rlimit, AcceptsSignedIntegersFromJsonBuiltInCode) {
  Json j = Json::array({{{"type", "RLIMIT_NPROC"}, {"soft", 10}, {"hard", 20}}});
  auto r = ParseRlimits(j);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)[0], (Rlimit{RLIMIT_NPROC, 10, 20}));
  j[0]["hard"] = -20;
  EXPECT_EQ(ParseRlimits(j).error().message(), "process.rlimits[0].hard: expected unsigned 64-bit integer");
}

struct BadCase {
  const char* json;
  const char* message;
};

TEST(Rlimit, BadInputNamesTheField) {
  const BadCase cases[] = {
      {R"({})", "process.rlimits: expected array"},
      {R"([5])", "process.rlimits[0]: expected object"},
      {R"([{"soft": 1, "hard": 1}])", "process.rlimits[0].type: required"},
      {R"([{"type": 7, "soft": 1, "hard": 1}])", "process.rlimits[0].type: expected string"},
      {R"([{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 2}, {"type": "RLIMIT_FOO", "soft": 1, "hard": 1}])",
       "process.rlimits[1].type: unknown rlimit type \"RLIMIT_FOO\""},
      {R"([{"type": "RLIMIT_NOFILE", "hard": 1}])", "process.rlimits[0].soft: required"},
      {R"([{"type": "RLIMIT_NOFILE", "soft": 1}])", "process.rlimits[0].hard: required"},
      {R"([{"type": "RLIMIT_NOFILE", "soft": -1, "hard": 1}])",
       "process.rlimits[0].soft: expected unsigned 64-bit integer"},
      {R"([{"type": "RLIMIT_NOFILE", "soft": 1.5, "hard": 2}])",
       "process.rlimits[0].soft: expected unsigned 64-bit integer"},
      {R"([{"type": "RLIMIT_NOFILE", "soft": 1, "hard": "2"}])",
       "process.rlimits[0].hard: expected unsigned 64-bit integer"},
      {R"([{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 2}])",
       "process.rlimits[0]: RLIMIT_NOFILE soft limit 10 exceeds hard limit 2"},
      {R"([{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 2}, {"type": "RLIMIT_NOFILE", "soft": 1, "hard": 2}])",
       "process.rlimits[1].type: duplicate rlimit type \"RLIMIT_NOFILE\""},
  };
  for (const auto& c : cases) {
    auto r = ParseRlimits(J(c.json));
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.error().code(), Errc::kInvalidArgument) << c.json;
    EXPECT_EQ(r.error().message(), c.message) << c.json;
  }
}

}  // namespace
}  // namespace skiff::sys

#include "sys/caps.h"

#include <gtest/gtest.h>

namespace skiff::sys {
namespace {

Json J(const char* text) { return Json::parse(text); }

TEST(Caps, NamesRoundTrip) {
  EXPECT_EQ(*CapFromName("CAP_CHOWN"), 0);
  EXPECT_EQ(*CapFromName("CAP_SYS_ADMIN"), 21);
  EXPECT_EQ(*CapFromName("CAP_CHECKPOINT_RESTORE"), 40);
  for (int c = 0; c <= kMaxKnownCap; ++c) EXPECT_EQ(*CapFromName(CapName(c)), c) << c;
  EXPECT_EQ(CapName(21), "CAP_SYS_ADMIN");
  EXPECT_EQ(CapName(55), "cap_55");
  EXPECT_FALSE(CapFromName("cap_sys_admin").ok());
  EXPECT_FALSE(CapFromName("SYS_ADMIN").ok());
  EXPECT_FALSE(CapFromName("21").ok());
  EXPECT_EQ(CapFromName("CAP_FOO").error().code(), Errc::kInvalidArgument);
}

TEST(Caps, LastCapMatchesKernel) {
  int last = LastCap();
  EXPECT_GE(last, 36);  // every 5.x/6.x kernel has at least CAP_AUDIT_READ
  EXPECT_LT(last, 64);
  EXPECT_EQ(AllCapsMask(), (uint64_t{1} << (last + 1)) - 1);
}

TEST(Caps, ParseAllSets) {
  auto r = ParseCapabilities(J(R"({
    "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    "inheritable": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    "effective": ["CAP_AUDIT_WRITE", "CAP_KILL"],
    "ambient": ["CAP_NET_BIND_SERVICE"]})"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  uint64_t three = CapBit(29) | CapBit(5) | CapBit(10);
  EXPECT_EQ(r->bounding, three);
  EXPECT_EQ(r->permitted, three);
  EXPECT_EQ(r->inheritable, three);
  EXPECT_EQ(r->effective, CapBit(29) | CapBit(5));
  EXPECT_EQ(r->ambient, CapBit(10));
  EXPECT_EQ(CapMaskNames(r->effective), "CAP_KILL,CAP_AUDIT_WRITE");
}

TEST(Caps, AbsentIsZero) {
  EXPECT_EQ(*ParseCapabilities(Json()), CapSets{});
  EXPECT_EQ(*ParseCapabilities(J("{}")), CapSets{});
  auto r = ParseCapabilities(J(R"({"bounding": ["CAP_KILL"], "ambient": null})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bounding, CapBit(5));
  EXPECT_EQ(r->ambient, 0u);
}

TEST(Caps, DuplicatesAreHarmless) {
  auto r = ParseCapabilities(J(R"({"effective": ["CAP_KILL", "CAP_KILL"]})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->effective, CapBit(5));
}

TEST(Caps, NonCapabilityNameIsErrorNamingField) {
  auto r = ParseCapabilities(J(R"({"bounding": ["CAP_KILL"], "effective": ["CAP_KILL", "CAP_FLY"]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "process.capabilities.effective[1]: unknown capability \"CAP_FLY\"");
}

TEST(Caps, CustomFieldName) {
  auto r = ParseCapabilities(J(R"({"ambient": ["NOPE"]})"), "exec.capabilities");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "exec.capabilities.ambient[0]: unknown capability \"NOPE\"");
}

TEST(Caps, NewerThanKernelIsIgnored) {
  // Pretend the kernel stops at CAP_AUDIT_READ (37): CAP_PERFMON, CAP_BPF and CAP_CHECKPOINT_RESTORE drop.
  auto r = ParseCapabilitiesForLastCap(
      J(R"({"bounding": ["CAP_KILL", "CAP_BPF", "CAP_PERFMON"], "permitted": ["CAP_CHECKPOINT_RESTORE"]})"), 37);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->bounding, CapBit(5));
  EXPECT_EQ(r->permitted, 0u);
}

TEST(Caps, WrongTypesNameTheField) {
  EXPECT_EQ(ParseCapabilities(J(R"(["CAP_KILL"])")).error().message(), "process.capabilities: expected object");
  EXPECT_EQ(ParseCapabilities(J(R"({"bounding": "CAP_KILL"})")).error().message(),
            "process.capabilities.bounding: expected array of strings");
  EXPECT_EQ(ParseCapabilities(J(R"({"permitted": ["CAP_KILL", 5]})")).error().message(),
            "process.capabilities.permitted[1]: expected string");
}

}  // namespace
}  // namespace skiff::sys

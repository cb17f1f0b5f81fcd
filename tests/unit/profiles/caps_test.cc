// MergeCapabilities and the default lists, against what dockerd 20.10 answers and puts in config.json.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "daemon/profiles/defaults.h"
#include "sys/caps.h"

namespace skiff::daemon::profiles {
namespace {

using Caps = std::vector<std::string>;

Caps Merge(const Caps& add, const Caps& drop, bool privileged = false) {
  auto r = MergeCapabilities(DefaultCapabilities(), add, drop, privileged);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? *r : Caps{};
}

std::string MergeError(const Caps& add, const Caps& drop, bool privileged = false) {
  auto r = MergeCapabilities(DefaultCapabilities(), add, drop, privileged);
  if (r.ok()) return "(no error)";
  EXPECT_EQ(r.error().code(), Errc::kInvalidArgument);
  return r.error().message();
}

Caps Without(Caps c, const std::string& x) {
  c.erase(std::remove(c.begin(), c.end(), x), c.end());
  return c;
}

Caps With(Caps c, const std::string& x) {
  c.push_back(x);
  return c;
}

TEST(DefaultCapabilities, DockersFourteenInDockersOrder) {
  EXPECT_EQ(DefaultCapabilities(),
            (Caps{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
                  "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
                  "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}));
}

TEST(AllCapabilities, KnownNamesNoDuplicatesWithinBoundingSet) {
  Caps all = AllCapabilities();
  auto cur = sys::CurrentCapSets();
  ASSERT_TRUE(cur.ok());
  EXPECT_EQ(all.empty(), cur->bounding == 0);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
  for (const auto& c : all) {
    auto n = sys::CapFromName(c);
    ASSERT_TRUE(n.ok()) << c;
    EXPECT_TRUE(cur->bounding & sys::CapBit(*n)) << c << " is not in this process's bounding set";
  }
  // Everything the process holds (up to the last capability this build names) is there.
  for (int c = 0; c <= std::min(sys::LastCap(), sys::kMaxKnownCap); ++c) {
    if (cur->bounding & sys::CapBit(c)) {
      EXPECT_NE(std::find(all.begin(), all.end(), sys::CapName(c)), all.end());
    }
  }
}

TEST(MergeCapabilities, NothingToChangeKeepsBase) {
  EXPECT_EQ(Merge({}, {}), DefaultCapabilities());
  auto r = MergeCapabilities({"CAP_KILL"}, {}, {}, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, Caps{"CAP_KILL"});
}

TEST(MergeCapabilities, NamesWithOrWithoutPrefixAnyCase) {
  // dockerd: CapAdd ["sys_admin","SYS_ADMIN"] -> defaults + CAP_SYS_ADMIN (docker lists it twice; we once).
  EXPECT_EQ(Merge({"sys_admin", "SYS_ADMIN", "cap_sys_admin", "Cap_Sys_Admin"}, {}),
            With(DefaultCapabilities(), "CAP_SYS_ADMIN"));
  EXPECT_EQ(Merge({}, {"sys_admin"}), DefaultCapabilities());
  EXPECT_EQ(Merge({}, {"cap_chown", "Kill"}), Without(Without(DefaultCapabilities(), "CAP_CHOWN"), "CAP_KILL"));
}

TEST(MergeCapabilities, DropThenAdd) {
  // dockerd: --cap-drop CHOWN --cap-add CHOWN -> CAP_CHOWN moves to the end: dropped, then added.
  EXPECT_EQ(Merge({"chown"}, {"chown"}), With(Without(DefaultCapabilities(), "CAP_CHOWN"), "CAP_CHOWN"));
  EXPECT_EQ(Merge({"NET_ADMIN"}, {"NET_ADMIN"}), With(DefaultCapabilities(), "CAP_NET_ADMIN"));
  // dockerd: --cap-add sys_admin --cap-drop CAP_CHOWN.
  EXPECT_EQ(Merge({"sys_admin"}, {"CAP_CHOWN"}), With(Without(DefaultCapabilities(), "CAP_CHOWN"), "CAP_SYS_ADMIN"));
  // Adding one the base has already does not duplicate it.
  EXPECT_EQ(Merge({"chown"}, {}), DefaultCapabilities());
}

TEST(MergeCapabilities, DropAllKeepsOnlyAdded) {
  EXPECT_EQ(Merge({}, {"ALL"}), Caps{});
  EXPECT_EQ(Merge({"chown", "chown"}, {"all"}), Caps{"CAP_CHOWN"});
  EXPECT_EQ(Merge({"net_admin"}, {"all", "net_admin"}), Caps{"CAP_NET_ADMIN"});
}

TEST(MergeCapabilities, AddAllMinusDropped) {
  EXPECT_EQ(Merge({"ALL"}, {}), AllCapabilities());
  EXPECT_EQ(Merge({"all"}, {"ALL"}), AllCapabilities());
  EXPECT_EQ(Merge({"ALL"}, {"chown"}), Without(AllCapabilities(), "CAP_CHOWN"));
}

TEST(MergeCapabilities, PrivilegedGetsEverything) {
  EXPECT_EQ(Merge({}, {}, true), AllCapabilities());
  EXPECT_EQ(Merge({"chown"}, {"ALL"}, true), AllCapabilities());
}

TEST(MergeCapabilities, UnknownNamesAsDockerd) {
  EXPECT_EQ(MergeError({"foo"}, {}), "invalid CapAdd: unknown capability: \"CAP_FOO\"");
  EXPECT_EQ(MergeError({}, {"foo"}), "invalid CapDrop: unknown capability: \"CAP_FOO\"");
  // Both wrong: CapAdd is reported.
  EXPECT_EQ(MergeError({"bar"}, {"kill", "foo"}), "invalid CapAdd: unknown capability: \"CAP_BAR\"");
  EXPECT_EQ(MergeError({"CAP_ALL"}, {}), "invalid CapAdd: unknown capability: \"CAP_ALL\"");
  EXPECT_EQ(MergeError({" chown"}, {}), "invalid CapAdd: unknown capability: \"CAP_ CHOWN\"");
  EXPECT_EQ(MergeError({""}, {}), "invalid CapAdd: unknown capability: \"CAP_\"");
  // Checked even for --privileged.
  EXPECT_EQ(MergeError({"foo"}, {}, true), "invalid CapAdd: unknown capability: \"CAP_FOO\"");
}

TEST(MergeCapabilities, NewerCapabilitiesAreKnown) {
  EXPECT_EQ(Merge({"bpf", "CAP_PERFMON", "checkpoint_restore"}, {"ALL"}),
            (Caps{"CAP_BPF", "CAP_PERFMON", "CAP_CHECKPOINT_RESTORE"}));
}

TEST(DefaultPaths, AsDockerSetsThem) {
  EXPECT_EQ(DefaultMaskedPaths(), (Caps{"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
                                        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                        "/proc/sched_debug", "/proc/scsi", "/sys/firmware"}));
  EXPECT_EQ(DefaultReadonlyPaths(),
            (Caps{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}));
}

}  // namespace
}  // namespace skiff::daemon::profiles

// Linux capabilities for the OCI runtime: parsing process.capabilities into bitmasks and applying them in
// the container's init (bounding set before the user switch, the other sets after it), as runc 1.1 does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/json.h"

namespace skiff::sys {

// One bit per capability number (bit 21 = CAP_SYS_ADMIN).
struct CapSets {
  uint64_t bounding = 0, effective = 0, inheritable = 0, permitted = 0, ambient = 0;
  bool operator==(const CapSets&) const = default;
};

// Highest capability number this build knows by name (CAP_CHECKPOINT_RESTORE = 40).
inline constexpr int kMaxKnownCap = 40;

// Bit for one capability number; 0 for numbers outside 0..63.
constexpr uint64_t CapBit(int cap) { return cap >= 0 && cap < 64 ? uint64_t{1} << cap : 0; }

// "CAP_SYS_ADMIN" -> 21. Exact, upper-case names as in capabilities(7); anything else is InvalidArgument.
Result<int> CapFromName(std::string_view name);
// 21 -> "CAP_SYS_ADMIN"; numbers without a known name -> "cap_<n>" (as libcap prints them).
std::string CapName(int cap);
// Highest capability the running kernel supports, from /proc/sys/kernel/cap_last_cap (cached); falls
// back to probing the bounding set when procfs is unavailable.
int LastCap();
// Mask with every capability 0..LastCap() set.
uint64_t AllCapsMask();

// Parses process.capabilities (absent/null -> all zero). A name that is not a Linux capability is
// InvalidArgument naming the field and the name; a real capability above LastCap() is dropped with one
// log::Warn listing them (runc: "ignoring unknown or unavailable capabilities").
Result<CapSets> ParseCapabilities(const Json& caps, std::string_view field = "process.capabilities");
// As ParseCapabilities, against an explicit last_cap instead of the running kernel's (for tests and for
// callers that already read it).
Result<CapSets> ParseCapabilitiesForLastCap(const Json& caps, int last_cap,
                                            std::string_view field = "process.capabilities");

// Runs in the container's init before switching user: drops every capability (0..LastCap()) not in
// `sets.bounding` from the bounding set. Needs CAP_SETPCAP when anything has to be dropped; failing to
// drop is an error (fail closed), an EINVAL for a capability the kernel lacks is ignored.
Status DropBoundingSet(const CapSets& sets);
// After setuid/setgid (the caller keeps PR_SET_KEEPCAPS set across the switch): sets effective, permitted
// and inheritable with capset(2), then clears the ambient set and raises each ambient capability.
// Capabilities the process does not hold (so capset could not grant them) are left out with one log::Warn,
// as the spec asks; so is an ambient capability the kernel refuses to raise (as runc does).
Status ApplyCapSets(const CapSets& sets);

// Reads the calling thread's current sets (bounding via PR_CAPBSET_READ, ambient via PR_CAP_AMBIENT).
Result<CapSets> CurrentCapSets();
// Comma-separated names of the bits set in mask ("CAP_CHOWN,CAP_KILL"); for messages.
std::string CapMaskNames(uint64_t mask);

}  // namespace skiff::sys

// Device access policy shared by both cgroup versions. Rules are applied in order with cgroup v1
// semantics (an "a" rule resets to allow-all or deny-all; other rules add or remove exceptions), starting
// from deny-all, as runc's emulator does. The result is then written as v1 devices.allow/deny lines, or
// compiled into a BPF_PROG_TYPE_CGROUP_DEVICE program for v2. Plain data and pure functions.
#pragma once

#include <linux/bpf.h>

#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "runtime/cgroups/resources.h"

namespace skiff::runtime::cgroups {

struct DevicePolicy {
  bool default_allow = false;           // verdict for devices no exception matches
  std::vector<DeviceRule> exceptions;   // each with allow == !default_allow; type is 'c' or 'b'
};

// Applies rules in order to a deny-all start.
DevicePolicy EmulateDeviceRules(const std::vector<DeviceRule>& rules);

// The v1 writes that establish `p` on a fresh cgroup: {"devices.deny", "a"} then the allows (or, for an
// allow-all policy, {"devices.allow", "a"} then the denies).
std::vector<std::pair<std::string, std::string>> V1DeviceWrites(const DevicePolicy& p);

// Parses v1 devices.list ("c 1:3 rwm" lines; "a *:* rwm" = allow all) into the policy it shows.
DevicePolicy ParseV1DeviceList(const std::string& text);

// True when a and b allow exactly the same accesses (exception order ignored).
bool SamePolicy(const DevicePolicy& a, const DevicePolicy& b);

// Compiles `p` into a cgroup device program: returns 1 (allow) or 0 (deny) per access. InvalidArgument
// when a major/minor does not fit the program's 32-bit immediates.
Result<std::vector<bpf_insn>> DeviceFilterProgram(const DevicePolicy& p);

// Loads the program for `p` and attaches it to the cgroup v2 directory `dir`, replacing any device
// programs attached there before (runc's behaviour).
Status ApplyDeviceFilter(const std::string& dir, const DevicePolicy& p);

}  // namespace skiff::runtime::cgroups

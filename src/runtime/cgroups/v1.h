// cgroup v1 writers: one function per controller, each writing only the set values of its part of
// Resources into one cgroup directory of that controller's hierarchy, in runc's order and with runc's
// checks. `f` is the field prefix for errors ("linux.resources"). Stateless.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "runtime/cgroups/resources.h"

namespace skiff::runtime::cgroups::v1 {

Status SetMemory(const std::string& dir, const MemoryResources& m, std::string_view f);
Status SetCpu(const std::string& dir, const CpuResources& c, std::string_view f);     // cpu controller
Status SetCpuset(const std::string& dir, const CpuResources& c, std::string_view f);  // cpus, mems
Status SetPids(const std::string& dir, int64_t limit, std::string_view f);
Status SetBlkio(const std::string& dir, const BlockIOResources& b, std::string_view f);
Status SetHugetlb(const std::string& dir, const std::vector<HugepageLimit>& l, std::string_view f);
Status SetDevices(const std::string& dir, const std::vector<DeviceRule>& rules, std::string_view f);
Status SetNetCls(const std::string& dir, uint32_t class_id, std::string_view f);
Status SetNetPrio(const std::string& dir, const std::vector<InterfacePriority>& p, std::string_view f);
Status SetRdma(const std::string& dir, const std::map<std::string, RdmaLimit>& r, std::string_view f);

// A new cpuset cgroup starts with empty cpuset.cpus/mems, and no task may join it until they are set:
// copy them from the parent when empty (runc's ensureParent/copyIfNeeded).
Status InheritCpuset(const std::string& dir);

// freezer.state: writes FROZEN/THAWED and waits until the state settles (re-writing FROZEN while the
// kernel reports FREEZING). On a freeze timeout the cgroup is thawed again and an error returned.
Status SetFrozen(const std::string& dir, bool frozen);
Result<bool> IsFrozen(const std::string& dir);

}  // namespace skiff::runtime::cgroups::v1

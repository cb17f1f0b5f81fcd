// cgroup v2 writers: the unified-hierarchy counterparts of v1.h, with runc's conversions from the OCI
// (v1-shaped) values, plus controller enabling, the freezer and the `unified` map. Stateless.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "runtime/cgroups/resources.h"

namespace skiff::runtime::cgroups::v2 {

// runc's conversions.
// cpu.shares [2, 262144] -> cpu.weight [1, 10000]; 0 stays 0 (unset).
uint64_t CpuSharesToWeight(uint64_t shares);
// blkio weight [10, 1000] -> io.weight [1, 10000]; 0 stays 0 (unset).
uint64_t BlkioWeightToIoWeight(uint64_t weight);
// OCI memory.swap is memory+swap; memory.swap.max is swap alone. -1 = max; 0 = unset.
Result<int64_t> SwapToV2(int64_t swap, int64_t limit);
// cpu.max content for quota/period (quota <= 0 -> "max"; period 0 -> keep the kernel's).
std::string CpuMax(int64_t quota, uint64_t period);

Status SetMemory(const std::string& dir, const MemoryResources& m, std::string_view f);
Status SetCpu(const std::string& dir, const CpuResources& c, std::string_view f);
Status SetCpuset(const std::string& dir, const CpuResources& c, std::string_view f);
Status SetPids(const std::string& dir, int64_t limit, std::string_view f);
Status SetIo(const std::string& dir, const BlockIOResources& b, std::string_view f);
Status SetHugetlb(const std::string& dir, const std::vector<HugepageLimit>& l, std::string_view f);
Status SetDevices(const std::string& dir, const std::vector<DeviceRule>& rules, std::string_view f);
Status SetRdma(const std::string& dir, const std::map<std::string, RdmaLimit>& r, std::string_view f);
// Writes each key to dir/key verbatim. A missing file names the controller that is not enabled.
Status SetUnified(const std::string& dir, const std::map<std::string, std::string>& u, std::string_view f);

// Makes `controllers` available in `dir` by enabling them ("+name") in cgroup.subtree_control of every
// ancestor from `root` (the hierarchy's mountpoint) down to dir's parent, skipping ones already on.
// strict: a controller an ancestor does not offer is an error naming `f`; otherwise it is skipped.
Status EnableControllers(const std::string& root, const std::string& dir,
                         const std::vector<std::string>& controllers, std::string_view f, bool strict = true);

// cgroup.freeze + waiting for cgroup.events "frozen" to match.
Status SetFrozen(const std::string& dir, bool frozen);
Result<bool> IsFrozen(const std::string& dir);

}  // namespace skiff::runtime::cgroups::v2

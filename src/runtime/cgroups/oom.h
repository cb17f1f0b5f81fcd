// OomKillCount: how many processes the kernel's OOM killer has killed in one container's cgroup. Read-only,
// stateless; used by the shim after a container's init exited to set Docker's State.OOMKilled.
#pragma once

#include <cstdint>

#include "base/error.h"
#include "runtime/cgroups/manager.h"

namespace skiff::runtime::cgroups {

// The `oom_kill` counter of the memory controller's directory of m: v1 memory.oom_control, v2 memory.events
// (counts kills in the cgroup and its descendants). NotFound when no memory hierarchy holds the container;
// 0 when the kernel has no such counter (v1 before Linux 4.13).
Result<uint64_t> OomKillCount(const Manager& m);

}  // namespace skiff::runtime::cgroups

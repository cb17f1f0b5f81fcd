// Raw bpf(2) wrappers for cgroup device filtering (cgroup v2 has no devices.allow: access control is an
// eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup directory). These functions own
// nothing beyond the fds they return; an attached program stays alive as long as the cgroup references it.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/fd.h"

namespace skiff::sys {

// Loads a BPF_PROG_TYPE_CGROUP_DEVICE program. On a verifier rejection the error message carries the
// verifier log.
Result<UniqueFd> BpfLoadCgroupDeviceProgram(const std::vector<bpf_insn>& insns, const std::string& license);
// Attaches prog_fd to the cgroup directory cgroup_fd for attach_type, with flags (e.g. BPF_F_ALLOW_MULTI).
Status BpfProgAttach(int cgroup_fd, int prog_fd, bpf_attach_type type, uint32_t flags);
// Detaches one program (prog_fd) of attach_type from the cgroup.
Status BpfProgDetach(int cgroup_fd, int prog_fd, bpf_attach_type type);
// Ids of the programs attached to the cgroup for attach_type (not inherited ones).
Result<std::vector<uint32_t>> BpfProgQuery(int cgroup_fd, bpf_attach_type type);
// Opens a new fd on an already-loaded program by id.
Result<UniqueFd> BpfProgGetFdById(uint32_t id);

}  // namespace skiff::sys

#include "sys/bpf.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace skiff::sys {
namespace {

long Bpf(int cmd, bpf_attr* attr) {
  return ::syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

uint64_t Ptr(const void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)); }

}  // namespace

Result<UniqueFd> BpfLoadCgroupDeviceProgram(const std::vector<bpf_insn>& insns, const std::string& license) {
  if (insns.empty()) return Error(Errc::kInvalidArgument, "bpf prog load: empty program");
  auto load = [&](char* log, uint32_t log_size) {
    bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = Ptr(insns.data());
    attr.insn_cnt = static_cast<uint32_t>(insns.size());
    attr.license = Ptr(license.c_str());
    if (log) {
      attr.log_buf = Ptr(log);
      attr.log_size = log_size;
      attr.log_level = 1;
    }
    long fd;
    do {
      fd = Bpf(BPF_PROG_LOAD, &attr);
    } while (fd < 0 && errno == EINTR);
    return fd;
  };
  long fd = load(nullptr, 0);
  if (fd >= 0) return UniqueFd(static_cast<int>(fd));
  int err = errno;
  if (err != EINVAL && err != EACCES) return Error::FromErrno(err, "bpf prog load (cgroup device)");
  // Retry with a verifier log so the error says why.
  std::string log(64 * 1024, '\0');
  fd = load(log.data(), static_cast<uint32_t>(log.size()));
  if (fd >= 0) return UniqueFd(static_cast<int>(fd));
  err = errno;
  log.resize(std::strlen(log.c_str()));
  Error e = Error::FromErrno(err, "bpf prog load (cgroup device)");
  if (!log.empty()) e = Error(e.code(), e.message() + "; verifier: " + log, err);
  return e;
}

Status BpfProgAttach(int cgroup_fd, int prog_fd, bpf_attach_type type, uint32_t flags) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.target_fd = static_cast<uint32_t>(cgroup_fd);
  attr.attach_bpf_fd = static_cast<uint32_t>(prog_fd);
  attr.attach_type = type;
  attr.attach_flags = flags;
  if (Bpf(BPF_PROG_ATTACH, &attr) != 0) return Error::Sys("bpf prog attach");
  return Ok();
}

Status BpfProgDetach(int cgroup_fd, int prog_fd, bpf_attach_type type) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.target_fd = static_cast<uint32_t>(cgroup_fd);
  attr.attach_bpf_fd = static_cast<uint32_t>(prog_fd);
  attr.attach_type = type;
  if (Bpf(BPF_PROG_DETACH, &attr) != 0) return Error::Sys("bpf prog detach");
  return Ok();
}

Result<std::vector<uint32_t>> BpfProgQuery(int cgroup_fd, bpf_attach_type type) {
  std::vector<uint32_t> ids(64);
  for (;;) {
    bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.query.target_fd = static_cast<uint32_t>(cgroup_fd);
    attr.query.attach_type = type;
    attr.query.prog_ids = Ptr(ids.data());
    attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
    if (Bpf(BPF_PROG_QUERY, &attr) == 0) {
      ids.resize(attr.query.prog_cnt);
      return ids;
    }
    if (errno == ENOSPC && attr.query.prog_cnt > ids.size()) {
      ids.resize(attr.query.prog_cnt);
      continue;
    }
    return Error::Sys("bpf prog query");
  }
}

Result<UniqueFd> BpfProgGetFdById(uint32_t id) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.prog_id = id;
  long fd = Bpf(BPF_PROG_GET_FD_BY_ID, &attr);
  if (fd < 0) return Error::Sys("bpf prog get fd by id " + std::to_string(id));
  return UniqueFd(static_cast<int>(fd));
}

}  // namespace skiff::sys

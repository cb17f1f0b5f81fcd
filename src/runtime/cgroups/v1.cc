#include "runtime/cgroups/v1.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "base/file.h"
#include "runtime/cgroups/devices.h"
#include "runtime/cgroups/knobs.h"

namespace skiff::runtime::cgroups::v1 {
namespace {

std::string F(std::string_view f, std::string_view sub) { return fmt::format("{}.{}", f, sub); }

Status SetMemoryLimit(const std::string& dir, int64_t v, std::string_view f) {
  return WriteKnob(dir, "memory.limit_in_bytes", std::to_string(v), F(f, "memory.limit"));
}

Status SetSwapLimit(const std::string& dir, int64_t v, std::string_view f) {
  return WriteKnob(dir, "memory.memsw.limit_in_bytes", std::to_string(v), F(f, "memory.swap"));
}

}  // namespace

Status SetMemory(const std::string& dir, const MemoryResources& m, std::string_view f) {
  std::optional<int64_t> limit = m.limit, swap = m.swap;
  // Unlimited memory with swap not given means unlimited swap too (when the kernel accounts swap).
  if (limit && *limit == -1 && !swap && KnobExists(dir, "memory.memsw.limit_in_bytes")) swap = -1;
  if (swap && !KnobExists(dir, "memory.memsw.limit_in_bytes"))
    return Error(Errc::kUnsupported, F(f, "memory.swap") + ": swap accounting is not enabled in this kernel");
  if (swap && *swap != -1 && limit && *limit != -1 && *swap < *limit)
    return Error(Errc::kInvalidArgument,
                 F(f, "memory.swap") + ": memory+swap limit must be >= memory limit (" + std::to_string(*limit) + ")");
  bool done = false;
  if (limit && swap) {
    // The kernel wants memsw >= limit at every step: raise memsw first when growing.
    uint64_t cur = SKIFF_TRY_CTX(ReadUintKnob(dir, "memory.limit_in_bytes"), F(f, "memory.limit"));
    if (*swap == -1 || cur < static_cast<uint64_t>(*swap)) {
      SKIFF_TRY(SetSwapLimit(dir, *swap, f));
      SKIFF_TRY(SetMemoryLimit(dir, *limit, f));
      done = true;
    }
  }
  if (!done) {
    if (limit) SKIFF_TRY(SetMemoryLimit(dir, *limit, f));
    if (swap) SKIFF_TRY(SetSwapLimit(dir, *swap, f));
  }
  if (m.reservation)
    SKIFF_TRY(WriteKnob(dir, "memory.soft_limit_in_bytes", std::to_string(*m.reservation), F(f, "memory.reservation")));
  if (m.kernel)
    SKIFF_TRY(WriteKnob(dir, "memory.kmem.limit_in_bytes", std::to_string(*m.kernel), F(f, "memory.kernel")));
  if (m.kernel_tcp)
    SKIFF_TRY(WriteKnob(dir, "memory.kmem.tcp.limit_in_bytes", std::to_string(*m.kernel_tcp),
                        F(f, "memory.kernelTCP")));
  if (m.swappiness)
    SKIFF_TRY(WriteKnob(dir, "memory.swappiness", std::to_string(*m.swappiness), F(f, "memory.swappiness")));
  if (m.disable_oom_killer && *m.disable_oom_killer)
    SKIFF_TRY(WriteKnob(dir, "memory.oom_control", "1", F(f, "memory.disableOOMKiller")));
  if (m.use_hierarchy)
    SKIFF_TRY(WriteKnob(dir, "memory.use_hierarchy", *m.use_hierarchy ? "1" : "0", F(f, "memory.useHierarchy")));
  return Ok();
}

Status SetCpu(const std::string& dir, const CpuResources& c, std::string_view f) {
  if (c.shares && *c.shares != 0) {
    SKIFF_TRY(WriteKnob(dir, "cpu.shares", std::to_string(*c.shares), F(f, "cpu.shares")));
    // The kernel clamps silently; report the clamp instead of running with a surprise value.
    uint64_t got = SKIFF_TRY_CTX(ReadUintKnob(dir, "cpu.shares"), F(f, "cpu.shares"));
    if (*c.shares > got)
      return Error(Errc::kInvalidArgument, F(f, "cpu.shares") + ": the maximum allowed cpu-shares is " + std::to_string(got));
    if (*c.shares < got)
      return Error(Errc::kInvalidArgument, F(f, "cpu.shares") + ": the minimum allowed cpu-shares is " + std::to_string(got));
  }
  std::string pending_period;
  if (c.period && *c.period != 0) {
    std::string period = std::to_string(*c.period);
    Status st = WriteKnob(dir, "cpu.cfs_period_us", period, F(f, "cpu.period"));
    // A smaller period may be refused until the quota is lowered: retry after writing the quota.
    if (!st.ok()) {
      if (st.error().sys_errno() != EINVAL || !c.quota || *c.quota == 0) return st;
      pending_period = period;
    }
  }
  if (c.quota && *c.quota != 0) {
    SKIFF_TRY(WriteKnob(dir, "cpu.cfs_quota_us", std::to_string(*c.quota), F(f, "cpu.quota")));
    if (!pending_period.empty()) SKIFF_TRY(WriteKnob(dir, "cpu.cfs_period_us", pending_period, F(f, "cpu.period")));
  }
  if (c.burst) SKIFF_TRY(WriteKnob(dir, "cpu.cfs_burst_us", std::to_string(*c.burst), F(f, "cpu.burst")));
  // Realtime: period before runtime, as the kernel checks runtime <= period.
  if (c.realtime_period && *c.realtime_period != 0)
    SKIFF_TRY(WriteKnob(dir, "cpu.rt_period_us", std::to_string(*c.realtime_period), F(f, "cpu.realtimePeriod")));
  if (c.realtime_runtime && *c.realtime_runtime != 0)
    SKIFF_TRY(WriteKnob(dir, "cpu.rt_runtime_us", std::to_string(*c.realtime_runtime), F(f, "cpu.realtimeRuntime")));
  if (c.idle) SKIFF_TRY(WriteKnob(dir, "cpu.idle", std::to_string(*c.idle), F(f, "cpu.idle")));
  return Ok();
}

Status SetCpuset(const std::string& dir, const CpuResources& c, std::string_view f) {
  if (c.cpus && !c.cpus->empty()) SKIFF_TRY(WriteKnob(dir, "cpuset.cpus", *c.cpus, F(f, "cpu.cpus")));
  if (c.mems && !c.mems->empty()) SKIFF_TRY(WriteKnob(dir, "cpuset.mems", *c.mems, F(f, "cpu.mems")));
  return Ok();
}

Status InheritCpuset(const std::string& dir) {
  std::string parent = Dirname(dir);
  for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
    std::string cur = SKIFF_TRY(ReadKnob(dir, file));
    if (!cur.empty()) continue;
    std::string p = SKIFF_TRY(ReadKnob(parent, file));
    if (p.empty() && parent.size() > 1 && KnobExists(Dirname(parent), file)) {
      // The parent was made a moment ago by another runtime that has not filled it yet: fill it (and its
      // own empty ancestors) the same way. Copying is idempotent, so concurrent runtimes agree.
      SKIFF_TRY(InheritCpuset(parent));
      p = SKIFF_TRY(ReadKnob(parent, file));
    }
    if (p.empty()) return Error(Errc::kConflict, fmt::format("{}/{} is empty: cannot inherit", parent, file));
    SKIFF_TRY(WriteKnob(dir, file, p, std::string("inherit ") + file));
  }
  return Ok();
}

Status SetPids(const std::string& dir, int64_t limit, std::string_view f) {
  return WriteKnob(dir, "pids.max", limit < 0 ? "max" : std::to_string(limit), F(f, "pids.limit"));
}

Status SetBlkio(const std::string& dir, const BlockIOResources& b, std::string_view f) {
  // BFQ (the only proportional scheduler left) exposes blkio.bfq.*; CFQ kernels had blkio.weight.
  bool bfq = KnobExists(dir, "blkio.bfq.weight");
  std::string weight_file = bfq ? "blkio.bfq.weight" : "blkio.weight";
  std::string weight_dev_file = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
  if (b.weight && *b.weight != 0)
    SKIFF_TRY(WriteKnob(dir, weight_file, std::to_string(*b.weight), F(f, "blockIO.weight")));
  if (b.leaf_weight && *b.leaf_weight != 0)
    SKIFF_TRY(WriteKnob(dir, "blkio.leaf_weight", std::to_string(*b.leaf_weight), F(f, "blockIO.leafWeight")));
  for (size_t i = 0; i < b.weight_device.size(); ++i) {
    const auto& wd = b.weight_device[i];
    std::string ef = fmt::format("{}.blockIO.weightDevice[{}]", f, i);
    if (wd.weight && *wd.weight != 0)
      SKIFF_TRY(WriteKnob(dir, weight_dev_file, fmt::format("{}:{} {}", wd.major, wd.minor, *wd.weight), ef + ".weight"));
    if (wd.leaf_weight && *wd.leaf_weight != 0)
      SKIFF_TRY(WriteKnob(dir, "blkio.leaf_weight_device", fmt::format("{}:{} {}", wd.major, wd.minor, *wd.leaf_weight),
                          ef + ".leafWeight"));
  }
  auto throttle = [&](const std::vector<ThrottleDevice>& list, const char* file, const char* key) -> Status {
    for (size_t i = 0; i < list.size(); ++i)
      SKIFF_TRY(WriteKnob(dir, file, fmt::format("{}:{} {}", list[i].major, list[i].minor, list[i].rate),
                          fmt::format("{}.blockIO.{}[{}]", f, key, i)));
    return Ok();
  };
  SKIFF_TRY(throttle(b.throttle_read_bps, "blkio.throttle.read_bps_device", "throttleReadBpsDevice"));
  SKIFF_TRY(throttle(b.throttle_write_bps, "blkio.throttle.write_bps_device", "throttleWriteBpsDevice"));
  SKIFF_TRY(throttle(b.throttle_read_iops, "blkio.throttle.read_iops_device", "throttleReadIOPSDevice"));
  SKIFF_TRY(throttle(b.throttle_write_iops, "blkio.throttle.write_iops_device", "throttleWriteIOPSDevice"));
  return Ok();
}

Status SetHugetlb(const std::string& dir, const std::vector<HugepageLimit>& limits, std::string_view f) {
  for (size_t i = 0; i < limits.size(); ++i) {
    const auto& l = limits[i];
    std::string ef = fmt::format("{}.hugepageLimits[{}]", f, i);
    std::string file = "hugetlb." + l.page_size + ".limit_in_bytes";
    if (!KnobExists(dir, file))
      return Error(Errc::kUnsupported, fmt::format("{}.pageSize: {} huge pages are not supported on this host", ef, l.page_size));
    SKIFF_TRY(WriteKnob(dir, file, std::to_string(l.limit), ef + ".limit"));
    // Reservation accounting, where the kernel has it, enforces the limit at mmap time.
    std::string rsvd = "hugetlb." + l.page_size + ".rsvd.limit_in_bytes";
    if (KnobExists(dir, rsvd)) SKIFF_TRY(WriteKnob(dir, rsvd, std::to_string(l.limit), ef + ".limit"));
  }
  return Ok();
}

Status SetDevices(const std::string& dir, const std::vector<DeviceRule>& rules, std::string_view f) {
  DevicePolicy want = EmulateDeviceRules(rules);
  // On `update` of a running container the policy usually did not change: skip the deny-all write that
  // would briefly cut the container off its devices.
  if (auto list = ReadKnob(dir, "devices.list"); list.ok() && !want.default_allow &&
                                                 SamePolicy(ParseV1DeviceList(*list), want))
    return Ok();
  for (const auto& [file, line] : V1DeviceWrites(want)) SKIFF_TRY(WriteKnob(dir, file, line, F(f, "devices")));
  return Ok();
}

Status SetNetCls(const std::string& dir, uint32_t class_id, std::string_view f) {
  return WriteKnob(dir, "net_cls.classid", std::to_string(class_id), F(f, "network.classID"));
}

Status SetNetPrio(const std::string& dir, const std::vector<InterfacePriority>& p, std::string_view f) {
  for (size_t i = 0; i < p.size(); ++i)
    SKIFF_TRY(WriteKnob(dir, "net_prio.ifpriomap", fmt::format("{} {}", p[i].name, p[i].priority),
                        fmt::format("{}.network.priorities[{}]", f, i)));
  return Ok();
}

Status SetRdma(const std::string& dir, const std::map<std::string, RdmaLimit>& r, std::string_view f) {
  for (const auto& [dev, l] : r) {
    std::string line = dev;
    if (l.hca_handles) line += fmt::format(" hca_handle={}", *l.hca_handles);
    if (l.hca_objects) line += fmt::format(" hca_object={}", *l.hca_objects);
    SKIFF_TRY(WriteKnob(dir, "rdma.max", line, F(f, "rdma." + dev)));
  }
  return Ok();
}

Status SetFrozen(const std::string& dir, bool frozen) {
  const char* want = frozen ? "FROZEN" : "THAWED";
  const std::string what = frozen ? "freeze" : "thaw";
  using namespace std::chrono;
  auto deadline = steady_clock::now() + seconds(10);
  auto delay = microseconds(100);
  for (int i = 0;; ++i) {
    // Writing FROZEN again kicks tasks that were forked while the freeze was in progress.
    if (i % 50 == 0) SKIFF_TRY(WriteKnob(dir, "freezer.state", want, what));
    std::string state = SKIFF_TRY_CTX(ReadKnob(dir, "freezer.state"), what);
    if (state == want) return Ok();
    if (steady_clock::now() > deadline) {
      if (frozen) (void)WriteKnob(dir, "freezer.state", "THAWED", "thaw");
      return Error(Errc::kUnavailable, fmt::format("{} {}: timed out, state is {}", what, dir, state));
    }
    std::this_thread::sleep_for(delay);
    if (delay < milliseconds(10)) delay *= 2;
  }
}

Result<bool> IsFrozen(const std::string& dir) {
  auto v = ReadKnob(dir, "freezer.state");
  if (!v.ok()) return std::move(v).error();
  return Result<bool>(*v == "FROZEN");
}

}  // namespace skiff::runtime::cgroups::v1

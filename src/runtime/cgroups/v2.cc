#include "runtime/cgroups/v2.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "base/file.h"
#include "base/strings.h"
#include "runtime/cgroups/devices.h"
#include "runtime/cgroups/knobs.h"

namespace skiff::runtime::cgroups::v2 {
namespace {

std::string F(std::string_view f, std::string_view sub) { return fmt::format("{}.{}", f, sub); }

std::string NumOrMax(int64_t v) { return v < 0 ? "max" : std::to_string(v); }

Error NotOnV2(std::string_view f, std::string_view sub, std::string_view why = "") {
  std::string msg = F(f, sub) + ": not supported on cgroup v2";
  if (!why.empty()) msg += fmt::format(" ({})", why);
  return Error(Errc::kUnsupported, msg);
}

}  // namespace

uint64_t CpuSharesToWeight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t BlkioWeightToIoWeight(uint64_t weight) {
  if (weight == 0) return 0;
  if (weight < 10) weight = 10;
  if (weight > 1000) weight = 1000;
  return 1 + (weight - 10) * 9999 / 990;
}

Result<int64_t> SwapToV2(int64_t swap, int64_t limit) {
  // Unlimited memory with swap unset: unlimited swap as well (cgroup v1 compatibility).
  if (limit == -1 && swap == 0) return -1;
  if (swap == -1 || swap == 0) return swap;
  if (limit == 0 || limit == -1) return Error(Errc::kInvalidArgument, "unable to set swap limit without memory limit");
  if (limit < 0) return Error(Errc::kInvalidArgument, fmt::format("invalid memory value: {}", limit));
  if (swap < limit) return Error(Errc::kInvalidArgument, "memory+swap limit should be >= memory limit");
  return swap - limit;
}

std::string CpuMax(int64_t quota, uint64_t period) {
  std::string s = quota > 0 ? std::to_string(quota) : "max";
  if (period != 0) s += " " + std::to_string(period);
  return s;
}

Status SetMemory(const std::string& dir, const MemoryResources& m, std::string_view f) {
  if (m.swap || (m.limit && *m.limit == -1)) {
    int64_t limit = 0;
    if (m.limit) {
      limit = *m.limit;
    } else {
      // `update` of swap alone: relative to the limit in force.
      uint64_t cur = SKIFF_TRY_CTX(ReadUintKnob(dir, "memory.max"), F(f, "memory.swap"));
      limit = cur == UINT64_MAX ? -1 : static_cast<int64_t>(cur);
    }
    auto swap = SwapToV2(m.swap.value_or(0), limit);
    if (!swap.ok()) return std::move(swap).error().Wrap(F(f, "memory.swap"));
    // 0 from the conversion of an explicit swap == limit means "no swap"; 0 for an unset swap means unset.
    if (*swap != 0 || (m.swap && *m.swap > 0)) {
      if (!KnobExists(dir, "memory.swap.max")) {
        if (m.swap) return Error(Errc::kUnsupported, F(f, "memory.swap") + ": swap accounting is not enabled in this kernel");
      } else {
        SKIFF_TRY(WriteKnob(dir, "memory.swap.max", NumOrMax(*swap), F(f, "memory.swap")));
      }
    }
  }
  if (m.limit && *m.limit != 0) {
    if (m.check_before_update && *m.check_before_update && *m.limit > 0) {
      if (auto cur = ReadUintKnob(dir, "memory.current"); cur.ok() && *cur > static_cast<uint64_t>(*m.limit))
        return Error(Errc::kConflict, fmt::format("{}: new limit {} is below current usage {}", F(f, "memory.limit"),
                                                  *m.limit, *cur));
    }
    SKIFF_TRY(WriteKnob(dir, "memory.max", NumOrMax(*m.limit), F(f, "memory.limit")));
  }
  if (m.reservation && *m.reservation != 0)
    SKIFF_TRY(WriteKnob(dir, "memory.low", NumOrMax(*m.reservation), F(f, "memory.reservation")));
  // Kernel memory is accounted with the rest on v2 and has no separate limit: "unlimited" is a no-op.
  if (m.kernel && *m.kernel != -1 && *m.kernel != 0) return NotOnV2(f, "memory.kernel", "no kernel memory limit");
  if (m.kernel_tcp && *m.kernel_tcp != -1 && *m.kernel_tcp != 0)
    return NotOnV2(f, "memory.kernelTCP", "no kernel TCP memory limit");
  if (m.swappiness) {
    if (!KnobExists(dir, "memory.swappiness")) return NotOnV2(f, "memory.swappiness");
    SKIFF_TRY(WriteKnob(dir, "memory.swappiness", std::to_string(*m.swappiness), F(f, "memory.swappiness")));
  }
  if (m.disable_oom_killer && *m.disable_oom_killer) return NotOnV2(f, "memory.disableOOMKiller");
  if (m.use_hierarchy && !*m.use_hierarchy) return NotOnV2(f, "memory.useHierarchy", "v2 is always hierarchical");
  return Ok();
}

Status SetCpu(const std::string& dir, const CpuResources& c, std::string_view f) {
  if (c.realtime_period && *c.realtime_period != 0) return NotOnV2(f, "cpu.realtimePeriod");
  if (c.realtime_runtime && *c.realtime_runtime != 0) return NotOnV2(f, "cpu.realtimeRuntime");
  if (c.idle) SKIFF_TRY(WriteKnob(dir, "cpu.idle", std::to_string(*c.idle), F(f, "cpu.idle")));
  if (c.shares && *c.shares != 0)
    SKIFF_TRY(WriteKnob(dir, "cpu.weight", std::to_string(CpuSharesToWeight(*c.shares)), F(f, "cpu.shares")));
  bool quota_set = c.quota && *c.quota != 0;
  bool period_set = c.period && *c.period != 0;
  if (quota_set || period_set) {
    int64_t quota = quota_set ? *c.quota : -1;
    if (!quota_set) {
      // Period alone (`update --cpu-period`): keep the quota in force.
      std::string cur = SKIFF_TRY_CTX(ReadKnob(dir, "cpu.max"), F(f, "cpu.period"));
      auto words = Split(cur, ' ');
      if (!words.empty() && words[0] != "max") quota = ParseInt(words[0]).value_or(-1);
    }
    std::string value = CpuMax(quota, period_set ? *c.period : 0);
    std::string field = F(f, quota_set ? "cpu.quota" : "cpu.period");
    // A burst larger than the new quota is refused: lower the burst first when it is being set.
    if (c.burst) {
      Status st = WriteKnob(dir, "cpu.max.burst", std::to_string(*c.burst), F(f, "cpu.burst"));
      SKIFF_TRY(WriteKnob(dir, "cpu.max", value, field));
      if (!st.ok()) SKIFF_TRY(WriteKnob(dir, "cpu.max.burst", std::to_string(*c.burst), F(f, "cpu.burst")));
    } else {
      SKIFF_TRY(WriteKnob(dir, "cpu.max", value, field));
    }
  } else if (c.burst) {
    SKIFF_TRY(WriteKnob(dir, "cpu.max.burst", std::to_string(*c.burst), F(f, "cpu.burst")));
  }
  return Ok();
}

Status SetCpuset(const std::string& dir, const CpuResources& c, std::string_view f) {
  if (c.cpus && !c.cpus->empty()) SKIFF_TRY(WriteKnob(dir, "cpuset.cpus", *c.cpus, F(f, "cpu.cpus")));
  if (c.mems && !c.mems->empty()) SKIFF_TRY(WriteKnob(dir, "cpuset.mems", *c.mems, F(f, "cpu.mems")));
  return Ok();
}

Status SetPids(const std::string& dir, int64_t limit, std::string_view f) {
  return WriteKnob(dir, "pids.max", NumOrMax(limit), F(f, "pids.limit"));
}

Status SetIo(const std::string& dir, const BlockIOResources& b, std::string_view f) {
  bool bfq = KnobExists(dir, "io.bfq.weight");
  if (b.weight && *b.weight != 0) {
    if (bfq) {
      SKIFF_TRY(WriteKnob(dir, "io.bfq.weight", std::to_string(*b.weight), F(f, "blockIO.weight")));
    } else {
      SKIFF_TRY(WriteKnob(dir, "io.weight", std::to_string(BlkioWeightToIoWeight(*b.weight)), F(f, "blockIO.weight")));
    }
  }
  if (b.leaf_weight && *b.leaf_weight != 0) return NotOnV2(f, "blockIO.leafWeight");
  for (size_t i = 0; i < b.weight_device.size(); ++i) {
    const auto& wd = b.weight_device[i];
    std::string ef = fmt::format("{}.blockIO.weightDevice[{}]", f, i);
    if (wd.leaf_weight && *wd.leaf_weight != 0) return NotOnV2(ef, "leafWeight");
    if (!wd.weight || *wd.weight == 0) continue;
    if (bfq) {
      SKIFF_TRY(WriteKnob(dir, "io.bfq.weight", fmt::format("{}:{} {}", wd.major, wd.minor, *wd.weight), ef + ".weight"));
    } else {
      SKIFF_TRY(WriteKnob(dir, "io.weight", fmt::format("{}:{} {}", wd.major, wd.minor, BlkioWeightToIoWeight(*wd.weight)),
                          ef + ".weight"));
    }
  }
  auto throttle = [&](const std::vector<ThrottleDevice>& list, const char* key, const char* oci) -> Status {
    for (size_t i = 0; i < list.size(); ++i)
      SKIFF_TRY(WriteKnob(dir, "io.max", fmt::format("{}:{} {}={}", list[i].major, list[i].minor, key, list[i].rate),
                          fmt::format("{}.blockIO.{}[{}]", f, oci, i)));
    return Ok();
  };
  SKIFF_TRY(throttle(b.throttle_read_bps, "rbps", "throttleReadBpsDevice"));
  SKIFF_TRY(throttle(b.throttle_write_bps, "wbps", "throttleWriteBpsDevice"));
  SKIFF_TRY(throttle(b.throttle_read_iops, "riops", "throttleReadIOPSDevice"));
  SKIFF_TRY(throttle(b.throttle_write_iops, "wiops", "throttleWriteIOPSDevice"));
  return Ok();
}

Status SetHugetlb(const std::string& dir, const std::vector<HugepageLimit>& limits, std::string_view f) {
  for (size_t i = 0; i < limits.size(); ++i) {
    const auto& l = limits[i];
    std::string ef = fmt::format("{}.hugepageLimits[{}]", f, i);
    std::string file = "hugetlb." + l.page_size + ".max";
    if (!KnobExists(dir, file))
      return Error(Errc::kUnsupported, fmt::format("{}.pageSize: {} huge pages are not supported on this host", ef, l.page_size));
    SKIFF_TRY(WriteKnob(dir, file, std::to_string(l.limit), ef + ".limit"));
    std::string rsvd = "hugetlb." + l.page_size + ".rsvd.max";
    if (KnobExists(dir, rsvd)) SKIFF_TRY(WriteKnob(dir, rsvd, std::to_string(l.limit), ef + ".limit"));
  }
  return Ok();
}

Status SetDevices(const std::string& dir, const std::vector<DeviceRule>& rules, std::string_view f) {
  Status st = ApplyDeviceFilter(dir, EmulateDeviceRules(rules));
  if (!st.ok()) return std::move(st).error().Wrap(F(f, "devices"));
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

Status SetUnified(const std::string& dir, const std::map<std::string, std::string>& u, std::string_view f) {
  for (const auto& [key, value] : u) {
    std::string ef = fmt::format("{}.unified[\"{}\"]", f, key);
    Status st = WriteKnob(dir, key, value, ef);
    if (st.ok()) continue;
    if (st.error().code() == Errc::kUnsupported) {
      std::string ctrl = key.substr(0, key.find('.'));
      auto avail = ReadKnob(dir, "cgroup.controllers");
      if (ctrl != "cgroup" && avail.ok()) {
        auto list = Split(*avail, ' ');
        if (std::find(list.begin(), list.end(), ctrl) == list.end())
          return Error(Errc::kUnsupported, fmt::format("{}: controller {} is not available in {}", ef, ctrl, dir));
      }
    }
    return st;
  }
  return Ok();
}

Status EnableControllers(const std::string& root, const std::string& dir, const std::vector<std::string>& controllers,
                         std::string_view f, bool strict) {
  if (controllers.empty() || dir == root) return Ok();
  // Ancestors from root down to dir's parent.
  std::vector<std::string> chain;
  for (std::string p = Dirname(dir); p.size() >= root.size(); p = Dirname(p)) {
    chain.push_back(p);
    if (p == root || p == "/") break;
  }
  std::reverse(chain.begin(), chain.end());
  for (const auto& a : chain) {
    // Best effort (strict=false) tolerates a level without the interface files (not a cgroupfs dir).
    if (!strict && !KnobExists(a, "cgroup.subtree_control")) continue;
    std::string enabled = SKIFF_TRY_CTX(ReadKnob(a, "cgroup.subtree_control"), f);
    auto on = Split(enabled, ' ');
    for (auto& w : on)
      if (!w.empty() && w[0] == '+') w.erase(0, 1);
    std::string available = SKIFF_TRY_CTX(ReadKnob(a, "cgroup.controllers"), f);
    auto avail = Split(available, ' ');
    std::vector<std::string> add;
    for (const auto& c : controllers) {
      if (std::find(on.begin(), on.end(), c) != on.end()) continue;
      if (std::find(avail.begin(), avail.end(), c) == avail.end()) {
        if (!strict) continue;
        return Error(Errc::kUnsupported, fmt::format("{}: controller {} is not available in {}", f, c, a));
      }
      add.push_back("+" + c);
    }
    // One write enables them all (the kernel takes a space-separated list).
    if (!add.empty())
      SKIFF_TRY(WriteKnob(a, "cgroup.subtree_control", Join(add, " "),
                          fmt::format("{}: enable controllers in {}", f, a)));
  }
  return Ok();
}

Status SetFrozen(const std::string& dir, bool frozen) {
  const std::string what = frozen ? "freeze" : "thaw";
  SKIFF_TRY(WriteKnob(dir, "cgroup.freeze", frozen ? "1" : "0", what));
  using namespace std::chrono;
  auto deadline = steady_clock::now() + seconds(10);
  auto delay = microseconds(100);
  for (;;) {
    auto events = SKIFF_TRY_CTX(ReadFlatKeyed(dir, "cgroup.events"), what);
    auto it = events.find("frozen");
    if (it == events.end()) return Ok();  // kernel without the key: cgroup.freeze is all there is
    if ((it->second == 1) == frozen) return Ok();
    if (steady_clock::now() > deadline) {
      if (frozen) (void)WriteKnob(dir, "cgroup.freeze", "0", "thaw");
      return Error(Errc::kUnavailable, fmt::format("{} {}: timed out waiting for cgroup.events", what, dir));
    }
    std::this_thread::sleep_for(delay);
    if (delay < milliseconds(10)) delay *= 2;
  }
}

Result<bool> IsFrozen(const std::string& dir) {
  auto v = ReadKnob(dir, "cgroup.freeze");
  if (!v.ok()) return std::move(v).error();
  return Result<bool>(*v == "1");
}

}  // namespace skiff::runtime::cgroups::v2

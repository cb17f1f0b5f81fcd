// Resources: the OCI "linux.resources" object as typed values. Every knob is optional; only set ones are
// written to cgroupfs (so the same struct serves `create` and `runc update`). Plain data, copied freely.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/json.h"

namespace skiff::runtime::cgroups {

// One devices-cgroup rule. type: 'a' (all), 'c', 'b'; major/minor -1 = wildcard ("*");
// access: subset of "rwm".
struct DeviceRule {
  bool allow = false;
  char type = 'a';
  int64_t major = -1;
  int64_t minor = -1;
  std::string access = "rwm";

  // v1 devices.allow/deny line form: "c 1:3 rwm", "a *:* rwm".
  std::string V1String() const;
  bool operator==(const DeviceRule&) const = default;
};

struct MemoryResources {
  std::optional<int64_t> limit, reservation, swap, kernel, kernel_tcp;  // bytes, -1 = unlimited
  std::optional<uint64_t> swappiness;                                   // 0..100
  std::optional<bool> disable_oom_killer, use_hierarchy, check_before_update;
  bool Empty() const;
};

struct CpuResources {
  std::optional<uint64_t> shares, period, realtime_period, burst;
  std::optional<int64_t> quota, realtime_runtime, idle;  // quota -1 = unlimited
  std::optional<std::string> cpus, mems;
  bool Empty() const;
};

struct WeightDevice {
  int64_t major = 0, minor = 0;
  std::optional<uint16_t> weight, leaf_weight;
};
struct ThrottleDevice {
  int64_t major = 0, minor = 0;
  uint64_t rate = 0;
};
struct BlockIOResources {
  std::optional<uint16_t> weight, leaf_weight;
  std::vector<WeightDevice> weight_device;
  std::vector<ThrottleDevice> throttle_read_bps, throttle_write_bps, throttle_read_iops, throttle_write_iops;
  bool Empty() const;
};

struct HugepageLimit {
  std::string page_size;  // "2MB", "1GB", "64KB"
  uint64_t limit = 0;
};

struct InterfacePriority {
  std::string name;
  uint32_t priority = 0;
};
struct NetworkResources {
  std::optional<uint32_t> class_id;
  std::vector<InterfacePriority> priorities;
  bool Empty() const { return !class_id && priorities.empty(); }
};

struct RdmaLimit {
  std::optional<uint32_t> hca_handles, hca_objects;
};

// All of OCI linux.resources that runc honours.
struct Resources {
  std::vector<DeviceRule> devices;  // empty = leave the device policy alone
  MemoryResources memory;
  CpuResources cpu;
  std::optional<int64_t> pids_limit;  // -1 = unlimited; 0 is a real limit
  BlockIOResources block_io;
  std::vector<HugepageLimit> hugepage_limits;
  NetworkResources network;
  std::map<std::string, RdmaLimit> rdma;
  std::map<std::string, std::string> unified;  // cgroup v2 file name -> content

  bool Empty() const;
};

// Parses OCI config.json "linux.resources" (may be null/absent -> empty). Errors are InvalidArgument and
// name the field: "linux.resources.memory.limit: expected integer".
Result<Resources> ParseResources(const Json& j, std::string_view field = "linux.resources");

// The device rules runc appends to every container's list (mknod anything; use /dev/null, zero, full,
// random, urandom, tty, ptmx, pts/*, net/tun). The runtime core adds these at create time.
std::vector<DeviceRule> DefaultAllowedDevices();

// "2MB" -> 2097152 (base 1024, units B/KB/MB/GB/TB/PB); InvalidArgument otherwise.
Result<uint64_t> ParsePageSize(std::string_view s);
// 2097152 -> "2MB": the name the kernel uses in hugetlb.<size>.* files.
std::string PageSizeName(uint64_t bytes);

}  // namespace skiff::runtime::cgroups

#include "runtime/cgroups/resources.h"

#include <fmt/format.h>

#include <limits>

#include "base/strings.h"

namespace skiff::runtime::cgroups {

std::string DeviceRule::V1String() const {
  if (type == 'a') return "a *:* " + access;
  auto num = [](int64_t v) { return v < 0 ? std::string("*") : std::to_string(v); };
  return fmt::format("{} {}:{} {}", type, num(major), num(minor), access);
}

bool MemoryResources::Empty() const {
  return !limit && !reservation && !swap && !kernel && !kernel_tcp && !swappiness && !disable_oom_killer &&
         !use_hierarchy && !check_before_update;
}

bool CpuResources::Empty() const {
  return !shares && !period && !realtime_period && !burst && !quota && !realtime_runtime && !idle && !cpus &&
         !mems;
}

bool BlockIOResources::Empty() const {
  return !weight && !leaf_weight && weight_device.empty() && throttle_read_bps.empty() &&
         throttle_write_bps.empty() && throttle_read_iops.empty() && throttle_write_iops.empty();
}

bool Resources::Empty() const {
  return devices.empty() && memory.Empty() && cpu.Empty() && !pids_limit && block_io.Empty() &&
         hugepage_limits.empty() && network.Empty() && rdma.empty() && unified.empty();
}

namespace {

Error Bad(const std::string& field, std::string_view what) {
  return Error(Errc::kInvalidArgument, field + ": " + std::string(what));
}

std::string Sub(std::string_view parent, std::string_view key) { return fmt::format("{}.{}", parent, key); }
std::string Idx(std::string_view parent, size_t i) { return fmt::format("{}[{}]", parent, i); }

// Reads j[key] when present and not null.
const Json* Member(const Json& j, std::string_view key) {
  auto it = j.find(std::string(key));
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<int64_t> AsInt(const Json& v, const std::string& field, int64_t lo = std::numeric_limits<int64_t>::min(),
                      int64_t hi = std::numeric_limits<int64_t>::max()) {
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(hi)) return Bad(field, fmt::format("{} is out of range (max {})", u, hi));
    return static_cast<int64_t>(u);
  }
  if (!v.is_number_integer()) return Bad(field, "expected integer");
  int64_t i = v.get<int64_t>();
  if (i < lo || i > hi) return Bad(field, fmt::format("{} is out of range ({}..{})", i, lo, hi));
  return i;
}

Result<uint64_t> AsUint(const Json& v, const std::string& field,
                        uint64_t hi = std::numeric_limits<uint64_t>::max()) {
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > hi) return Bad(field, fmt::format("{} is out of range (max {})", u, hi));
    return u;
  }
  if (v.is_number_integer()) return Bad(field, fmt::format("{} is negative; expected unsigned integer", v.get<int64_t>()));
  return Bad(field, "expected unsigned integer");
}

Status OptInt(const Json& obj, std::string_view key, const std::string& parent, std::optional<int64_t>* out) {
  if (const Json* v = Member(obj, key)) *out = SKIFF_TRY(AsInt(*v, Sub(parent, key)));
  return Ok();
}

Status OptUint(const Json& obj, std::string_view key, const std::string& parent, std::optional<uint64_t>* out) {
  if (const Json* v = Member(obj, key)) *out = SKIFF_TRY(AsUint(*v, Sub(parent, key)));
  return Ok();
}

template <class T>
Status OptSmall(const Json& obj, std::string_view key, const std::string& parent, std::optional<T>* out) {
  if (const Json* v = Member(obj, key))
    *out = static_cast<T>(SKIFF_TRY(AsUint(*v, Sub(parent, key), std::numeric_limits<T>::max())));
  return Ok();
}

Status OptBool(const Json& obj, std::string_view key, const std::string& parent, std::optional<bool>* out) {
  if (const Json* v = Member(obj, key)) {
    if (!v->is_boolean()) return Bad(Sub(parent, key), "expected boolean");
    *out = v->get<bool>();
  }
  return Ok();
}

Status OptString(const Json& obj, std::string_view key, const std::string& parent,
                 std::optional<std::string>* out) {
  if (const Json* v = Member(obj, key)) {
    if (!v->is_string()) return Bad(Sub(parent, key), "expected string");
    *out = v->get<std::string>();
  }
  return Ok();
}

Status ExpectObject(const Json& v, const std::string& field) {
  if (!v.is_object()) return Bad(field, "expected object");
  return Ok();
}

// Iterates a member that must be an array of objects (absent/null -> nothing).
template <class F>
Status ForEachObject(const Json& obj, std::string_view key, const std::string& parent, F&& f) {
  const Json* arr = Member(obj, key);
  if (!arr) return Ok();
  std::string field = Sub(parent, key);
  if (!arr->is_array()) return Bad(field, "expected array");
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string ef = Idx(field, i);
    SKIFF_TRY(ExpectObject((*arr)[i], ef));
    SKIFF_TRY(f((*arr)[i], ef));
  }
  return Ok();
}

Result<int64_t> RequiredInt(const Json& obj, std::string_view key, const std::string& parent) {
  const Json* v = Member(obj, key);
  if (!v) return Bad(Sub(parent, key), "required");
  return AsInt(*v, Sub(parent, key));
}

Status ParseDevices(const Json& j, const std::string& f, Resources* r) {
  return ForEachObject(j, "devices", f, [&](const Json& d, const std::string& ef) -> Status {
    DeviceRule rule;
    const Json* allow = Member(d, "allow");
    if (!allow) return Bad(Sub(ef, "allow"), "required");
    if (!allow->is_boolean()) return Bad(Sub(ef, "allow"), "expected boolean");
    rule.allow = allow->get<bool>();
    std::optional<std::string> type, access;
    SKIFF_TRY(OptString(d, "type", ef, &type));
    if (type) {
      if (*type != "a" && *type != "c" && *type != "b")
        return Bad(Sub(ef, "type"), fmt::format("\"{}\" is not one of a, c, b", *type));
      rule.type = (*type)[0];
    }
    std::optional<int64_t> major, minor;
    SKIFF_TRY(OptInt(d, "major", ef, &major));
    SKIFF_TRY(OptInt(d, "minor", ef, &minor));
    if (major && *major < -1) return Bad(Sub(ef, "major"), "must be >= 0 (or -1 for all)");
    if (minor && *minor < -1) return Bad(Sub(ef, "minor"), "must be >= 0 (or -1 for all)");
    if (major && *major > 0xffffffffLL) return Bad(Sub(ef, "major"), "out of range");
    if (minor && *minor > 0xffffffffLL) return Bad(Sub(ef, "minor"), "out of range");
    rule.major = major.value_or(-1);
    rule.minor = minor.value_or(-1);
    SKIFF_TRY(OptString(d, "access", ef, &access));
    if (access) {
      std::string norm;
      for (char c : std::string("rwm")) {
        if (access->find(c) != std::string::npos) norm += c;
      }
      for (char c : *access)
        if (c != 'r' && c != 'w' && c != 'm')
          return Bad(Sub(ef, "access"), fmt::format("\"{}\": only r, w and m are allowed", *access));
      rule.access = norm.empty() ? "rwm" : norm;
    }
    r->devices.push_back(rule);
    return Ok();
  });
}

Status ParseMemory(const Json& m, const std::string& f, MemoryResources* out) {
  SKIFF_TRY(ExpectObject(m, f));
  SKIFF_TRY(OptInt(m, "limit", f, &out->limit));
  SKIFF_TRY(OptInt(m, "reservation", f, &out->reservation));
  SKIFF_TRY(OptInt(m, "swap", f, &out->swap));
  SKIFF_TRY(OptInt(m, "kernel", f, &out->kernel));
  SKIFF_TRY(OptInt(m, "kernelTCP", f, &out->kernel_tcp));
  for (auto [key, v] : {std::pair{"limit", &out->limit}, {"reservation", &out->reservation},
                        {"swap", &out->swap}, {"kernel", &out->kernel}, {"kernelTCP", &out->kernel_tcp}}) {
    if (*v && **v < -1) return Bad(Sub(f, key), fmt::format("{} is invalid (bytes, or -1 for unlimited)", **v));
  }
  if (const Json* v = Member(m, "swappiness")) {
    // -1 (and its uint64 wrap-around) is Docker's "not set".
    if (v->is_number_integer() && !v->is_number_unsigned() && v->get<int64_t>() == -1) {
    } else {
      uint64_t s = SKIFF_TRY(AsUint(*v, Sub(f, "swappiness")));
      if (s != std::numeric_limits<uint64_t>::max()) {
        if (s > 100) return Bad(Sub(f, "swappiness"), fmt::format("{} is out of range (0..100)", s));
        out->swappiness = s;
      }
    }
  }
  SKIFF_TRY(OptBool(m, "disableOOMKiller", f, &out->disable_oom_killer));
  SKIFF_TRY(OptBool(m, "useHierarchy", f, &out->use_hierarchy));
  SKIFF_TRY(OptBool(m, "checkBeforeUpdate", f, &out->check_before_update));
  return Ok();
}

Status ParseCpu(const Json& c, const std::string& f, CpuResources* out) {
  SKIFF_TRY(ExpectObject(c, f));
  SKIFF_TRY(OptUint(c, "shares", f, &out->shares));
  SKIFF_TRY(OptInt(c, "quota", f, &out->quota));
  SKIFF_TRY(OptUint(c, "burst", f, &out->burst));
  SKIFF_TRY(OptUint(c, "period", f, &out->period));
  SKIFF_TRY(OptInt(c, "realtimeRuntime", f, &out->realtime_runtime));
  SKIFF_TRY(OptUint(c, "realtimePeriod", f, &out->realtime_period));
  SKIFF_TRY(OptString(c, "cpus", f, &out->cpus));
  SKIFF_TRY(OptString(c, "mems", f, &out->mems));
  SKIFF_TRY(OptInt(c, "idle", f, &out->idle));
  if (out->quota && *out->quota < -1 ) return Bad(Sub(f, "quota"), "must be positive (or -1 for unlimited)");
  if (out->quota && *out->quota > 0 && out->burst && *out->burst > static_cast<uint64_t>(*out->quota))
    return Bad(Sub(f, "burst"), "must not be larger than quota");
  if (out->idle && *out->idle != 0 && *out->idle != 1) return Bad(Sub(f, "idle"), "must be 0 or 1");
  return Ok();
}

Status ParseBlockIO(const Json& b, const std::string& f, BlockIOResources* out) {
  SKIFF_TRY(ExpectObject(b, f));
  SKIFF_TRY(OptSmall<uint16_t>(b, "weight", f, &out->weight));
  SKIFF_TRY(OptSmall<uint16_t>(b, "leafWeight", f, &out->leaf_weight));
  SKIFF_TRY(ForEachObject(b, "weightDevice", f, [&](const Json& d, const std::string& ef) -> Status {
    WeightDevice w;
    w.major = SKIFF_TRY(RequiredInt(d, "major", ef));
    w.minor = SKIFF_TRY(RequiredInt(d, "minor", ef));
    SKIFF_TRY(OptSmall<uint16_t>(d, "weight", ef, &w.weight));
    SKIFF_TRY(OptSmall<uint16_t>(d, "leafWeight", ef, &w.leaf_weight));
    if (!w.weight && !w.leaf_weight) return Bad(ef, "one of weight or leafWeight is required");
    out->weight_device.push_back(w);
    return Ok();
  }));
  auto throttle = [&](std::string_view key, std::vector<ThrottleDevice>* list) {
    return ForEachObject(b, key, f, [&](const Json& d, const std::string& ef) -> Status {
      ThrottleDevice t;
      t.major = SKIFF_TRY(RequiredInt(d, "major", ef));
      t.minor = SKIFF_TRY(RequiredInt(d, "minor", ef));
      const Json* rate = Member(d, "rate");
      if (!rate) return Bad(Sub(ef, "rate"), "required");
      t.rate = SKIFF_TRY(AsUint(*rate, Sub(ef, "rate")));
      list->push_back(t);
      return Ok();
    });
  };
  SKIFF_TRY(throttle("throttleReadBpsDevice", &out->throttle_read_bps));
  SKIFF_TRY(throttle("throttleWriteBpsDevice", &out->throttle_write_bps));
  SKIFF_TRY(throttle("throttleReadIOPSDevice", &out->throttle_read_iops));
  SKIFF_TRY(throttle("throttleWriteIOPSDevice", &out->throttle_write_iops));
  return Ok();
}

}  // namespace

Result<uint64_t> ParsePageSize(std::string_view s) {
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"KB", 1ULL << 10}, {"MB", 1ULL << 20}, {"GB", 1ULL << 30}, {"TB", 1ULL << 40}, {"PB", 1ULL << 50},
      {"B", 1}};
  for (auto [unit, mult] : kUnits) {
    if (s.size() > unit.size() && s.substr(s.size() - unit.size()) == unit) {
      auto n = ParseUint(s.substr(0, s.size() - unit.size()));
      if (!n || *n == 0) break;
      return *n * mult;
    }
  }
  return Error(Errc::kInvalidArgument, fmt::format("\"{}\" is not a page size like 2MB or 1GB", s));
}

std::string PageSizeName(uint64_t bytes) {
  static constexpr std::string_view kUnits[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  size_t u = 0;
  while (u + 1 < std::size(kUnits) && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++u;
  }
  return std::to_string(bytes) + std::string(kUnits[u]);
}

Result<Resources> ParseResources(const Json& j, std::string_view field_sv) {
  Resources r;
  std::string f(field_sv);
  if (j.is_null()) return r;
  SKIFF_TRY(ExpectObject(j, f));
  SKIFF_TRY(ParseDevices(j, f, &r));
  if (const Json* m = Member(j, "memory")) SKIFF_TRY(ParseMemory(*m, Sub(f, "memory"), &r.memory));
  if (const Json* c = Member(j, "cpu")) SKIFF_TRY(ParseCpu(*c, Sub(f, "cpu"), &r.cpu));
  if (const Json* p = Member(j, "pids")) {
    std::string pf = Sub(f, "pids");
    SKIFF_TRY(ExpectObject(*p, pf));
    SKIFF_TRY(OptInt(*p, "limit", pf, &r.pids_limit));
    if (r.pids_limit && *r.pids_limit < -1) return Bad(Sub(pf, "limit"), "must be >= 0 (or -1 for unlimited)");
  }
  if (const Json* b = Member(j, "blockIO")) SKIFF_TRY(ParseBlockIO(*b, Sub(f, "blockIO"), &r.block_io));
  SKIFF_TRY(ForEachObject(j, "hugepageLimits", f, [&](const Json& h, const std::string& ef) -> Status {
    HugepageLimit l;
    std::optional<std::string> size;
    SKIFF_TRY(OptString(h, "pageSize", ef, &size));
    if (!size) return Bad(Sub(ef, "pageSize"), "required");
    auto bytes = ParsePageSize(*size);
    if (!bytes) return std::move(bytes).error().Wrap(Sub(ef, "pageSize"));
    l.page_size = PageSizeName(*bytes);
    const Json* limit = Member(h, "limit");
    if (!limit) return Bad(Sub(ef, "limit"), "required");
    l.limit = SKIFF_TRY(AsUint(*limit, Sub(ef, "limit")));
    r.hugepage_limits.push_back(l);
    return Ok();
  }));
  if (const Json* n = Member(j, "network")) {
    std::string nf = Sub(f, "network");
    SKIFF_TRY(ExpectObject(*n, nf));
    SKIFF_TRY(OptSmall<uint32_t>(*n, "classID", nf, &r.network.class_id));
    SKIFF_TRY(ForEachObject(*n, "priorities", nf, [&](const Json& p, const std::string& ef) -> Status {
      InterfacePriority ip;
      std::optional<std::string> name;
      SKIFF_TRY(OptString(p, "name", ef, &name));
      if (!name || name->empty()) return Bad(Sub(ef, "name"), "required");
      ip.name = *name;
      std::optional<uint32_t> prio;
      SKIFF_TRY(OptSmall<uint32_t>(p, "priority", ef, &prio));
      if (!prio) return Bad(Sub(ef, "priority"), "required");
      ip.priority = *prio;
      r.network.priorities.push_back(ip);
      return Ok();
    }));
  }
  if (const Json* rd = Member(j, "rdma")) {
    std::string rf = Sub(f, "rdma");
    SKIFF_TRY(ExpectObject(*rd, rf));
    for (auto it = rd->begin(); it != rd->end(); ++it) {
      std::string ef = Sub(rf, it.key());
      SKIFF_TRY(ExpectObject(it.value(), ef));
      RdmaLimit l;
      SKIFF_TRY(OptSmall<uint32_t>(it.value(), "hcaHandles", ef, &l.hca_handles));
      SKIFF_TRY(OptSmall<uint32_t>(it.value(), "hcaObjects", ef, &l.hca_objects));
      if (!l.hca_handles && !l.hca_objects) return Bad(ef, "one of hcaHandles or hcaObjects is required");
      if (it.key().empty() || it.key().find_first_of(" \n") != std::string::npos)
        return Bad(ef, "invalid device name");
      r.rdma[it.key()] = l;
    }
  }
  if (const Json* u = Member(j, "unified")) {
    std::string uf = Sub(f, "unified");
    SKIFF_TRY(ExpectObject(*u, uf));
    for (auto it = u->begin(); it != u->end(); ++it) {
      std::string ef = fmt::format("{}[\"{}\"]", uf, it.key());
      if (!it.value().is_string()) return Bad(ef, "expected string");
      const std::string& key = it.key();
      if (key.empty() || key.find('/') != std::string::npos || key[0] == '.' ||
          key.find('.') == std::string::npos)
        return Bad(ef, "not a cgroup file name (want <controller>.<knob>)");
      r.unified[key] = it.value().get<std::string>();
    }
  }
  return r;
}

std::vector<DeviceRule> DefaultAllowedDevices() {
  auto c = [](int64_t major, int64_t minor, std::string access = "rwm") {
    return DeviceRule{true, 'c', major, minor, std::move(access)};
  };
  return {
      c(-1, -1, "m"),                         // mknod any char device
      DeviceRule{true, 'b', -1, -1, "m"},     // mknod any block device
      c(1, 3),   c(1, 8),  c(1, 7),  c(5, 0),  // null, random, full, tty
      c(1, 5),   c(1, 9),                      // zero, urandom
      c(136, -1), c(5, 2),                     // pts/*, ptmx
      c(10, 200),                              // net/tun
  };
}

}  // namespace skiff::runtime::cgroups

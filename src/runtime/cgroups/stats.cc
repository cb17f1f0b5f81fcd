// Manager::Stats: the `runc events --stats` "data" object, read from whichever hierarchy holds each
// controller (v1 file names or v2 ones), with runc's JSON field names and omitempty behaviour.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "base/file.h"
#include "base/strings.h"
#include "runtime/cgroups/knobs.h"
#include "runtime/cgroups/manager.h"

namespace skiff::runtime::cgroups {
namespace {

// Go's `omitempty` for numbers: zero values are left out.
void PutNonZero(Json& j, const char* key, uint64_t v) {
  if (v != 0) j[key] = v;
}

uint64_t UintOr0(const std::string& dir, std::string_view file) { return ReadUintKnob(dir, file).value_or(0); }

std::vector<uint64_t> UintList(const std::string& dir, std::string_view file) {
  std::vector<uint64_t> out;
  auto text = ReadKnob(dir, file);
  if (!text.ok()) return out;
  for (const auto& w : Split(*text, ' '))
    if (auto v = ParseUint(Trim(w))) out.push_back(*v);
  return out;
}

Json CpuV1(const std::string* cpu_dir, const std::string* acct_dir) {
  Json usage = {{"kernel", 0}, {"user", 0}};
  Json throttling = Json::object();
  if (acct_dir) {
    PutNonZero(usage, "total", UintOr0(*acct_dir, "cpuacct.usage"));
    if (auto per = UintList(*acct_dir, "cpuacct.usage_percpu"); !per.empty()) usage["percpu"] = per;
    // cpuacct.usage_all: "cpu user system" rows in ns.
    if (auto all = ReadKnob(*acct_dir, "cpuacct.usage_all"); all.ok()) {
      std::vector<uint64_t> user, sys;
      for (const auto& line : Split(*all, '\n')) {
        auto w = Split(Trim(line), ' ');
        if (w.size() != 3 || !ParseUint(w[0])) continue;
        user.push_back(ParseUint(w[1]).value_or(0));
        sys.push_back(ParseUint(w[2]).value_or(0));
      }
      if (!sys.empty()) usage["percpu_kernel"] = sys;
      if (!user.empty()) usage["percpu_user"] = user;
    }
    // cpuacct.stat is in USER_HZ ticks.
    if (auto st = ReadFlatKeyed(*acct_dir, "cpuacct.stat"); st.ok()) {
      uint64_t hz = static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
      if (hz == 0) hz = 100;
      usage["user"] = (*st)["user"] * (1000000000ULL / hz);
      usage["kernel"] = (*st)["system"] * (1000000000ULL / hz);
    }
  }
  if (cpu_dir) {
    if (auto st = ReadFlatKeyed(*cpu_dir, "cpu.stat"); st.ok()) {
      PutNonZero(throttling, "periods", (*st)["nr_periods"]);
      PutNonZero(throttling, "throttledPeriods", (*st)["nr_throttled"]);
      PutNonZero(throttling, "throttledTime", (*st)["throttled_time"]);
    }
  }
  return {{"usage", usage}, {"throttling", throttling}};
}

Json CpuV2(const std::string& dir) {
  Json usage = {{"kernel", 0}, {"user", 0}};
  Json throttling = Json::object();
  if (auto st = ReadFlatKeyed(dir, "cpu.stat"); st.ok()) {
    auto& s = *st;
    PutNonZero(usage, "total", s["usage_usec"] * 1000);
    usage["user"] = s["user_usec"] * 1000;
    usage["kernel"] = s["system_usec"] * 1000;
    PutNonZero(throttling, "periods", s["nr_periods"]);
    PutNonZero(throttling, "throttledPeriods", s["nr_throttled"]);
    PutNonZero(throttling, "throttledTime", s["throttled_usec"] * 1000);
  }
  return {{"usage", usage}, {"throttling", throttling}};
}

Json MemEntry(uint64_t limit, uint64_t usage, uint64_t max, uint64_t failcnt) {
  Json e = {{"limit", limit}, {"failcnt", failcnt}};
  PutNonZero(e, "usage", usage);
  PutNonZero(e, "max", max);
  return e;
}

Json MemoryV1(const std::string& dir) {
  Json j = Json::object();
  auto entry = [&](const std::string& prefix) {
    return MemEntry(UintOr0(dir, prefix + ".limit_in_bytes"), UintOr0(dir, prefix + ".usage_in_bytes"),
                    UintOr0(dir, prefix + ".max_usage_in_bytes"), UintOr0(dir, prefix + ".failcnt"));
  };
  j["usage"] = entry("memory");
  j["swap"] = entry("memory.memsw");
  j["kernel"] = entry("memory.kmem");
  j["kernelTCP"] = entry("memory.kmem.tcp");
  if (auto raw = ReadFlatKeyed(dir, "memory.stat"); raw.ok() && !raw->empty()) {
    PutNonZero(j, "cache", (*raw)["cache"]);
    j["raw"] = *raw;
  }
  return j;
}

Json MemoryV2(const std::string& dir) {
  Json j = Json::object();
  uint64_t usage = UintOr0(dir, "memory.current"), limit = UintOr0(dir, "memory.max");
  uint64_t failcnt = 0;
  if (auto ev = ReadFlatKeyed(dir, "memory.events"); ev.ok()) failcnt = (*ev)["max"];
  j["usage"] = MemEntry(limit, usage, UintOr0(dir, "memory.peak"), failcnt);
  // v1 reported swap as memory+swap; runc keeps that on v2.
  uint64_t swap_usage = UintOr0(dir, "memory.swap.current") + usage;
  uint64_t swap_limit = UintOr0(dir, "memory.swap.max");
  if (swap_limit != UINT64_MAX) swap_limit += limit;
  j["swap"] = MemEntry(swap_limit, swap_usage, UintOr0(dir, "memory.swap.peak"), 0);
  j["kernel"] = MemEntry(0, 0, 0, 0);
  j["kernelTCP"] = MemEntry(0, 0, 0, 0);
  if (auto raw = ReadFlatKeyed(dir, "memory.stat"); raw.ok() && !raw->empty()) {
    PutNonZero(j, "cache", (*raw)["file"]);
    j["raw"] = *raw;
  }
  return j;
}

Json PidsStats(const std::string& dir) {
  Json j = Json::object();
  PutNonZero(j, "current", UintOr0(dir, "pids.current"));
  uint64_t max = UintOr0(dir, "pids.max");
  if (max != UINT64_MAX) PutNonZero(j, "limit", max);
  return j;
}

Json BlkioEntry(uint64_t major, uint64_t minor, const std::string& op, uint64_t value) {
  Json e = Json::object();
  PutNonZero(e, "major", major);
  PutNonZero(e, "minor", minor);
  if (!op.empty()) e["op"] = op;
  PutNonZero(e, "value", value);
  return e;
}

// v1 blkio "8:0 Read 4096" lines ("Total N" lines skipped).
Json BlkioV1File(const std::string& dir, const std::string& file) {
  Json list = Json::array();
  auto text = ReadKnob(dir, file);
  if (!text.ok()) return list;
  for (const auto& line : Split(*text, '\n')) {
    auto w = Split(Trim(line), ' ');
    if (w.size() != 3) continue;
    auto mm = Split(w[0], ':');
    if (mm.size() != 2) continue;
    list.push_back(BlkioEntry(ParseUint(mm[0]).value_or(0), ParseUint(mm[1]).value_or(0), w[1],
                              ParseUint(w[2]).value_or(0)));
  }
  return list;
}

Json BlkioV1(const std::string& dir) {
  Json j = Json::object();
  // CFQ files, else BFQ's, else the throttling layer's (always there).
  std::string prefix = "blkio.throttle.";
  if (KnobExists(dir, "blkio.io_service_bytes_recursive")) prefix = "blkio.";
  else if (KnobExists(dir, "blkio.bfq.io_service_bytes_recursive")) prefix = "blkio.bfq.";
  auto put = [&](const char* key, const std::string& file) {
    Json l = BlkioV1File(dir, file);
    if (!l.empty()) j[key] = l;
  };
  put("ioServiceBytesRecursive", prefix + "io_service_bytes_recursive");
  put("ioServicedRecursive", prefix + "io_serviced_recursive");
  if (prefix == "blkio.") {
    put("ioQueueRecursive", "blkio.io_queued_recursive");
    put("ioServiceTimeRecursive", "blkio.io_service_time_recursive");
    put("ioWaitTimeRecursive", "blkio.io_wait_time_recursive");
    put("ioMergedRecursive", "blkio.io_merged_recursive");
    put("ioTimeRecursive", "blkio.time_recursive");
    put("sectorsRecursive", "blkio.sectors_recursive");
  }
  return j;
}

// v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0".
Json IoV2(const std::string& dir) {
  Json bytes = Json::array(), ios = Json::array();
  if (auto text = ReadKnob(dir, "io.stat"); text.ok()) {
    for (const auto& line : Split(*text, '\n')) {
      auto w = Split(Trim(line), ' ');
      if (w.empty()) continue;
      auto mm = Split(w[0], ':');
      if (mm.size() != 2) continue;
      uint64_t major = ParseUint(mm[0]).value_or(0), minor = ParseUint(mm[1]).value_or(0);
      for (size_t i = 1; i < w.size(); ++i) {
        auto kv = Split(w[i], '=');
        if (kv.size() != 2) continue;
        uint64_t v = ParseUint(kv[1]).value_or(0);
        if (kv[0] == "rbytes") bytes.push_back(BlkioEntry(major, minor, "Read", v));
        if (kv[0] == "wbytes") bytes.push_back(BlkioEntry(major, minor, "Write", v));
        if (kv[0] == "rios") ios.push_back(BlkioEntry(major, minor, "Read", v));
        if (kv[0] == "wios") ios.push_back(BlkioEntry(major, minor, "Write", v));
      }
    }
  }
  Json j = Json::object();
  if (!bytes.empty()) j["ioServiceBytesRecursive"] = bytes;
  if (!ios.empty()) j["ioServicedRecursive"] = ios;
  return j;
}

// Page sizes come from the hierarchy's own files, so the kernel's naming is used as is.
Json Hugetlb(const std::string& dir, bool v2) {
  Json j = Json::object();
  const std::string usage_suffix = v2 ? ".current" : ".usage_in_bytes";
  for (const auto& name : ListDir(dir)) {
    if (name.rfind("hugetlb.", 0) != 0 || name.size() <= usage_suffix.size() ||
        name.compare(name.size() - usage_suffix.size(), usage_suffix.size(), usage_suffix) != 0)
      continue;
    std::string size = name.substr(8, name.size() - 8 - usage_suffix.size());
    if (size.find('.') != std::string::npos) continue;  // hugetlb.2MB.rsvd.current
    std::string base = "hugetlb." + size;
    Json e = Json::object();
    PutNonZero(e, "usage", UintOr0(dir, name));
    if (v2) {
      uint64_t failcnt = 0;
      if (auto ev = ReadFlatKeyed(dir, base + ".events"); ev.ok()) failcnt = (*ev)["max"];
      e["failcnt"] = failcnt;
    } else {
      PutNonZero(e, "max", UintOr0(dir, base + ".max_usage_in_bytes"));
      e["failcnt"] = UintOr0(dir, base + ".failcnt");
    }
    j[size] = e;
  }
  return j;
}

}  // namespace

Result<Json> Manager::Stats() const {
  if (!Exists()) return Error(Errc::kNotFound, "cgroup stats: the container's cgroup does not exist");
  Json data = Json::object();
  auto dir_of = [&](const Dir* d) -> const std::string* { return d ? &d->path : nullptr; };

  const Dir* cpu = Find("cpu", "cpu");
  const Dir* acct = Find("cpuacct", "");
  if (cpu && cpu->hierarchy.v2) {
    data["cpu"] = CpuV2(cpu->path);
  } else if (!cpu && !acct && V2Dir()) {
    data["cpu"] = CpuV2(V2Dir()->path);  // cpu.stat usage fields are core on v2
  } else {
    data["cpu"] = CpuV1(dir_of(cpu), dir_of(acct));
  }
  if (const Dir* m = Find("memory", "memory")) {
    data["memory"] = m->hierarchy.v2 ? MemoryV2(m->path) : MemoryV1(m->path);
  } else {
    data["memory"] = Json::object();
  }
  if (const Dir* p = Find("pids", "pids")) data["pids"] = PidsStats(p->path);
  else data["pids"] = Json::object();
  if (const Dir* b = Find("blkio", "io")) data["blkio"] = b->hierarchy.v2 ? IoV2(b->path) : BlkioV1(b->path);
  else data["blkio"] = Json::object();
  if (const Dir* h = Find("hugetlb", "hugetlb")) data["hugetlb"] = Hugetlb(h->path, h->hierarchy.v2);
  else data["hugetlb"] = Json::object();
  return data;
}

}  // namespace skiff::runtime::cgroups

#include "daemon/profiles/defaults.h"

#include <algorithm>

#include <fmt/format.h>

#include "sys/caps.h"

namespace skiff::daemon::profiles {
namespace {

constexpr const char* kAll = "ALL";

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return s;
}

// "sys_admin" / "CAP_SYS_ADMIN" -> "CAP_SYS_ADMIN"; "all" -> "ALL". `what` is CapAdd or CapDrop.
Result<std::vector<std::string>> Normalize(const std::vector<std::string>& caps, const char* what) {
  std::vector<std::string> out;
  for (const auto& c : caps) {
    std::string n = Upper(c);
    if (n != kAll) {
      if (!n.starts_with("CAP_")) n = "CAP_" + n;
      if (!sys::CapFromName(n).ok()) {
        return Error(Errc::kInvalidArgument, fmt::format("invalid {}: unknown capability: \"{}\"", what, n));
      }
    }
    out.push_back(std::move(n));
  }
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

void AddUnique(std::vector<std::string>& v, const std::string& s) {
  if (s != kAll && !Has(v, s)) v.push_back(s);
}

}  // namespace

std::vector<std::string> DefaultCapabilities() {
  return {"CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",  "CAP_FOWNER",           "CAP_MKNOD",
          "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",  "CAP_SETFCAP",          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"};
}

std::vector<std::string> AllCapabilities() {
  static const std::vector<std::string> all = [] {
    uint64_t held = sys::AllCapsMask();
    if (auto cur = sys::CurrentCapSets(); cur.ok()) held &= cur->bounding;
    std::vector<std::string> out;
    for (int c = 0; c <= std::min(sys::LastCap(), sys::kMaxKnownCap); ++c) {
      if (held & sys::CapBit(c)) out.push_back(sys::CapName(c));
    }
    return out;
  }();
  return all;
}

Result<std::vector<std::string>> MergeCapabilities(const std::vector<std::string>& base,
                                                   const std::vector<std::string>& add,
                                                   const std::vector<std::string>& drop, bool privileged) {
  std::vector<std::string> adds = SKIFF_TRY(Normalize(add, "CapAdd"));
  std::vector<std::string> drops = SKIFF_TRY(Normalize(drop, "CapDrop"));
  std::vector<std::string> out;
  if (privileged) return AllCapabilities();
  if (Has(adds, kAll)) {
    for (const auto& c : AllCapabilities()) {
      if (!Has(drops, c)) AddUnique(out, c);
    }
    return out;
  }
  if (!Has(drops, kAll)) {
    for (const auto& c : base) {
      if (!Has(drops, c)) AddUnique(out, c);
    }
  }
  for (const auto& c : adds) AddUnique(out, c);
  return out;
}

std::vector<std::string> DefaultMaskedPaths() {
  return {"/proc/asound",       "/proc/acpi",        "/proc/kcore",       "/proc/keys",
          "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
          "/proc/scsi",         "/sys/firmware"};
}

std::vector<std::string> DefaultReadonlyPaths() {
  return {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
}

}  // namespace skiff::daemon::profiles

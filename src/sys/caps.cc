#include "sys/caps.h"

#include <sys/capability.h>
#include <sys/prctl.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"

namespace skiff::sys {
namespace {

constexpr std::array<std::string_view, kMaxKnownCap + 1> kCapNames = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

struct CapTFree {
  void operator()(cap_t c) const { cap_free(c); }
};
using CapPtr = std::unique_ptr<std::remove_pointer_t<cap_t>, CapTFree>;

int ReadLastCap() {
  auto text = ReadFile("/proc/sys/kernel/cap_last_cap");
  if (text.ok()) {
    auto v = ParseInt(Trim(*text));
    if (v && *v >= 0 && *v < 64) return static_cast<int>(*v);
  }
  // No procfs: probe the bounding set; PR_CAPBSET_READ fails with EINVAL past the last capability.
  int last = -1;
  for (int c = 0; c < 64; ++c) {
    if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0) break;
    last = c;
  }
  return last >= 0 ? last : kMaxKnownCap;
}

// Parses one array of capability names into a mask. Names above last_cap go to `ignored`.
Result<uint64_t> ParseCapList(const Json& list, int last_cap, const std::string& field,
                              std::vector<std::string>& ignored) {
  if (list.is_null()) return uint64_t{0};
  if (!list.is_array()) return Error(Errc::kInvalidArgument, field + ": expected array of strings");
  uint64_t mask = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& item = list[i];
    std::string item_field = field + "[" + std::to_string(i) + "]";
    if (!item.is_string()) return Error(Errc::kInvalidArgument, item_field + ": expected string");
    const auto& name = item.get_ref<const std::string&>();
    int cap = SKIFF_TRY_CTX(CapFromName(name), item_field);
    if (cap > last_cap) {
      bool seen = false;
      for (const auto& n : ignored) seen |= (n == name);
      if (!seen) ignored.push_back(name);
      continue;
    }
    mask |= CapBit(cap);
  }
  return mask;
}

}  // namespace

Result<int> CapFromName(std::string_view name) {
  for (size_t i = 0; i < kCapNames.size(); ++i) {
    if (kCapNames[i] == name) return static_cast<int>(i);
  }
  return Error(Errc::kInvalidArgument, fmt::format("unknown capability \"{}\"", name));
}

std::string CapName(int cap) {
  if (cap >= 0 && cap <= kMaxKnownCap) return std::string(kCapNames[cap]);
  return "cap_" + std::to_string(cap);
}

int LastCap() {
  static const int last = ReadLastCap();
  return last;
}

uint64_t AllCapsMask() {
  int last = LastCap();
  return last >= 63 ? ~uint64_t{0} : (uint64_t{1} << (last + 1)) - 1;
}

std::string CapMaskNames(uint64_t mask) {
  std::vector<std::string> names;
  for (int c = 0; c < 64; ++c) {
    if (mask & CapBit(c)) names.push_back(CapName(c));
  }
  return Join(names, ",");
}

Result<CapSets> ParseCapabilitiesForLastCap(const Json& caps, int last_cap, std::string_view field) {
  CapSets sets;
  if (caps.is_null()) return sets;
  std::string f(field);
  if (!caps.is_object()) return Error(Errc::kInvalidArgument, f + ": expected object");
  std::vector<std::string> ignored;
  struct Member {
    const char* key;
    uint64_t* mask;
  };
  const Member members[] = {{"bounding", &sets.bounding},
                            {"effective", &sets.effective},
                            {"inheritable", &sets.inheritable},
                            {"permitted", &sets.permitted},
                            {"ambient", &sets.ambient}};
  for (const auto& m : members) {
    auto it = caps.find(m.key);
    if (it == caps.end()) continue;
    *m.mask = SKIFF_TRY(ParseCapList(*it, last_cap, f + "." + m.key, ignored));
  }
  if (!ignored.empty()) {
    log::Warn("{}: ignoring unknown or unavailable capabilities (kernel's last is {}): {}", f,
              CapName(last_cap), Join(ignored, ", "));
  }
  return sets;
}

Result<CapSets> ParseCapabilities(const Json& caps, std::string_view field) {
  return ParseCapabilitiesForLastCap(caps, LastCap(), field);
}

Status DropBoundingSet(const CapSets& sets) {
  int last = LastCap();
  for (int c = 0; c <= last; ++c) {
    if (sets.bounding & CapBit(c)) continue;
    int present = cap_get_bound(static_cast<cap_value_t>(c));
    if (present < 0) {
      if (errno == EINVAL) continue;  // the kernel does not know this capability
      return Error::Sys("read bounding capability " + CapName(c));
    }
    if (present == 0) continue;
    if (cap_drop_bound(static_cast<cap_value_t>(c)) != 0 && errno != EINVAL) {
      return Error::Sys("drop " + CapName(c) + " from the bounding set");
    }
  }
  return Ok();
}

Status ApplyCapSets(const CapSets& requested) {
  // The spec: capabilities that cannot be granted are logged as a warning, not fatal (e.g. a runtime that
  // itself runs without CAP_SYS_RESOURCE). capset(2) can only keep what is permitted now; inheritable may
  // also come from the bounding set when CAP_SETPCAP is effective.
  CapSets current = SKIFF_TRY(CurrentCapSets());
  CapSets sets = requested;
  uint64_t inheritable_ok = current.permitted | current.inheritable;
  if (current.effective & CapBit(CAP_SETPCAP)) inheritable_ok |= current.bounding;
  sets.permitted &= current.permitted;
  sets.effective &= current.permitted;
  sets.inheritable &= inheritable_ok;
  uint64_t lost = (requested.permitted & ~sets.permitted) | (requested.effective & ~sets.effective) |
                  (requested.inheritable & ~sets.inheritable);
  if (lost != 0) log::Warn("capabilities cannot be granted (not held by the runtime): {}", CapMaskNames(lost));
  CapPtr caps(cap_init());
  if (!caps) return Error::Sys("cap_init");
  int last = LastCap();
  struct Flag {
    cap_flag_t flag;
    uint64_t mask;
  };
  const Flag flags[] = {{CAP_EFFECTIVE, sets.effective},
                        {CAP_PERMITTED, sets.permitted},
                        {CAP_INHERITABLE, sets.inheritable}};
  for (const auto& f : flags) {
    for (int c = 0; c <= last && c < 64; ++c) {
      if (!(f.mask & CapBit(c))) continue;
      cap_value_t v = c;
      if (cap_set_flag(caps.get(), f.flag, 1, &v, CAP_SET) != 0) {
        return Error::Sys("cap_set_flag " + CapName(c));
      }
    }
  }
  if (cap_set_proc(caps.get()) != 0) {
    return Error::Sys(fmt::format("capset (effective={}, permitted={}, inheritable={})",
                                  CapMaskNames(sets.effective), CapMaskNames(sets.permitted),
                                  CapMaskNames(sets.inheritable)));
  }
  if (cap_reset_ambient() != 0) {
    // Kernels without ambient capabilities (< 4.3) report EINVAL; then there is nothing to clear.
    if (errno != EINVAL) return Error::Sys("clear the ambient capability set");
    if (sets.ambient != 0) log::Warn("ambient capabilities are not supported by this kernel; ignoring them");
    return Ok();
  }
  for (int c = 0; c <= last && c < 64; ++c) {
    if (!(sets.ambient & CapBit(c))) continue;
    if (cap_set_ambient(static_cast<cap_value_t>(c), CAP_SET) != 0) {
      log::Debug("can't raise ambient capability {}: {}", CapName(c), std::strerror(errno));
    }
  }
  return Ok();
}

Result<CapSets> CurrentCapSets() {
  CapSets sets;
  CapPtr caps(cap_get_proc());
  if (!caps) return Error::Sys("cap_get_proc");
  int last = LastCap();
  for (int c = 0; c <= last && c < 64; ++c) {
    cap_flag_value_t v = CAP_CLEAR;
    if (cap_get_flag(caps.get(), c, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET) sets.effective |= CapBit(c);
    if (cap_get_flag(caps.get(), c, CAP_PERMITTED, &v) == 0 && v == CAP_SET) sets.permitted |= CapBit(c);
    if (cap_get_flag(caps.get(), c, CAP_INHERITABLE, &v) == 0 && v == CAP_SET) {
      sets.inheritable |= CapBit(c);
    }
    if (cap_get_bound(static_cast<cap_value_t>(c)) == 1) sets.bounding |= CapBit(c);
    if (cap_get_ambient(static_cast<cap_value_t>(c)) == 1) sets.ambient |= CapBit(c);
  }
  return sets;
}

}  // namespace skiff::sys

// Docker-format seccomp profile -> OCI linux.seccomp, resolving includes/excludes for one container.
#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "daemon/profiles/seccomp.h"
#include "sys/seccomp.h"

namespace skiff::daemon::profiles {
namespace {

constexpr unsigned kMaxArgs = 6;

Error Invalid(std::string_view field, std::string_view msg) {
  return Error(Errc::kInvalidArgument, fmt::format("seccomp profile: {}: {}", field, msg));
}

bool IsUnsigned(const Json& j) {
  return j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0);
}

bool Absent(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null();
}

// A member that must be an array of strings when present; absent or null -> empty.
Result<std::vector<std::string>> Strings(const Json& obj, const char* key, const std::string& field) {
  std::vector<std::string> out;
  if (Absent(obj, key)) return out;
  const Json& a = obj.at(key);
  std::string f = field.empty() ? key : field + "." + key;
  if (!a.is_array()) return Invalid(f, "expected array of strings");
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string()) return Invalid(fmt::format("{}[{}]", f, i), "expected string");
    out.push_back(a[i].get<std::string>());
  }
  return out;
}

Result<std::string> String(const Json& obj, const char* key, const std::string& field) {
  if (Absent(obj, key)) return std::string();
  const Json& v = obj.at(key);
  if (!v.is_string()) return Invalid(field.empty() ? key : field + "." + key, "expected string");
  return v.get<std::string>();
}

Status CheckAction(const Json& obj, const char* key, const std::string& field, bool required) {
  std::string f = field.empty() ? key : field + "." + key;
  if (Absent(obj, key)) return required ? Status(Invalid(f, "required")) : Ok();
  const Json& v = obj.at(key);
  if (!v.is_string()) return Invalid(f, "expected string");
  auto a = sys::SeccompActionFromName(v.get_ref<const std::string&>());
  if (!a.ok()) return Invalid(f, a.error().message());
  return Ok();
}

Status CheckErrno(const Json& obj, const char* key, const std::string& field) {
  if (Absent(obj, key)) return Ok();
  if (!IsUnsigned(obj.at(key))) return Invalid(field.empty() ? key : field + "." + key, "expected unsigned integer");
  return Ok();
}

Status CheckArch(const std::string& name, const std::string& field) {
  auto a = sys::SeccompArchFromName(name);
  if (!a.ok()) return Error(a.error().code(), fmt::format("seccomp profile: {}: {}", field, a.error().message()));
  return Ok();
}

struct KernelVersion {
  int major = 0, minor = 0;
  bool set = false;
};

// "<kernel>.<major>" as Docker reads minKernel ("4.8"; anything after the two numbers is ignored).
Result<KernelVersion> ParseMinKernel(const Json& obj, const std::string& field) {
  KernelVersion k;
  if (Absent(obj, "minKernel")) return k;
  const Json& v = obj.at("minKernel");
  std::string f = field + ".minKernel";
  if (!v.is_string()) return Invalid(f, "expected string \"<kernel>.<major>\"");
  const std::string& s = v.get_ref<const std::string&>();
  if (std::sscanf(s.c_str(), "%d.%d", &k.major, &k.minor) != 2 || k.major < 0 || k.minor < 0) {
    return Invalid(f, fmt::format("invalid kernel version: \"{}\", expected \"<kernel>.<major>\"", s));
  }
  if (k.major == 0 && k.minor == 0) {
    return Invalid(f, fmt::format("invalid kernel version: \"{}\", expected \"<kernel>.<major>\": version cannot "
                                  "be 0.0",
                                  s));
  }
  k.set = true;
  return k;
}

// includes / excludes of one rule.
struct Filter {
  std::vector<std::string> caps, arches;
  KernelVersion min_kernel;
};

Result<Filter> ParseFilter(const Json& rule, const char* key, const std::string& field) {
  Filter flt;
  if (Absent(rule, key)) return flt;
  const Json& o = rule.at(key);
  std::string f = field + "." + key;
  if (!o.is_object()) return Invalid(f, "expected object");
  flt.caps = SKIFF_TRY(Strings(o, "caps", f));
  flt.arches = SKIFF_TRY(Strings(o, "arches", f));
  flt.min_kernel = SKIFF_TRY(ParseMinKernel(o, f));
  return flt;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Docker's arch names are Go's ("amd64"); seccomp names of the native arch are accepted too.
bool ArchMatches(const std::vector<std::string>& arches, const SeccompHost& host) {
  return Contains(arches, host.go_arch) || Contains(arches, host.scmp_arch);
}

bool KernelAtLeast(const SeccompHost& host, const KernelVersion& k) {
  return host.kernel_major > k.major || (host.kernel_major == k.major && host.kernel_minor >= k.minor);
}

// Whether a rule applies to this container on this host (moby's order of checks).
bool Applies(const Filter& inc, const Filter& exc, const std::vector<std::string>& caps, const SeccompHost& host) {
  if (!exc.arches.empty() && ArchMatches(exc.arches, host)) return false;
  if (!inc.arches.empty() && !ArchMatches(inc.arches, host)) return false;
  for (const auto& c : exc.caps) {
    if (Contains(caps, c)) return false;
  }
  for (const auto& c : inc.caps) {
    if (!Contains(caps, c)) return false;  // every listed capability is needed
  }
  if (exc.min_kernel.set && KernelAtLeast(host, exc.min_kernel)) return false;
  if (inc.min_kernel.set && !KernelAtLeast(host, inc.min_kernel)) return false;
  return true;
}

Result<Json> ConvertArgs(const Json& rule, const std::string& field) {
  Json out = Json::array();
  if (Absent(rule, "args")) return out;
  const Json& args = rule.at("args");
  if (!args.is_array()) return Invalid(field + ".args", "expected array");
  for (size_t i = 0; i < args.size(); ++i) {
    const Json& a = args[i];
    std::string f = fmt::format("{}.args[{}]", field, i);
    if (!a.is_object()) return Invalid(f, "expected object");
    if (Absent(a, "index") || !IsUnsigned(a.at("index"))) return Invalid(f + ".index", "expected unsigned integer");
    if (a.at("index").get<uint64_t>() >= kMaxArgs) {
      return Invalid(f + ".index", fmt::format("{} out of range (a syscall has {} arguments)",
                                               a.at("index").get<uint64_t>(), kMaxArgs));
    }
    Json arg = {{"index", a.at("index")}};
    for (const char* k : {"value", "valueTwo"}) {
      if (Absent(a, k)) {
        arg[k] = 0;
      } else if (!IsUnsigned(a.at(k))) {
        return Invalid(f + "." + k, "expected unsigned 64-bit integer");
      } else {
        arg[k] = a.at(k).get<uint64_t>();
      }
    }
    if (Absent(a, "op") || !a.at("op").is_string()) return Invalid(f + ".op", "expected string");
    auto op = sys::SeccompOpFromName(a.at("op").get_ref<const std::string&>());
    if (!op.ok()) return Invalid(f + ".op", op.error().message());
    arg["op"] = a.at("op");
    out.push_back(std::move(arg));
  }
  return out;
}

// Validates syscalls[i] and, when it applies, returns its OCI form (null when it does not).
Result<Json> ConvertRule(const Json& rule, const std::string& f, const std::vector<std::string>& caps,
                         const SeccompHost& host) {
  if (!rule.is_object()) return Invalid(f, "expected object");
  std::string name = SKIFF_TRY(String(rule, "name", f));
  std::vector<std::string> names = SKIFF_TRY(Strings(rule, "names", f));
  if (!name.empty()) {
    if (!names.empty()) {
      return Error(Errc::kInvalidArgument, "'name' and 'names' were specified in the seccomp profile, use either "
                                           "'name' or 'names' (" + f + ")");
    }
    names.push_back(name);
  }
  if (names.empty()) return Invalid(f + ".names", "must name at least one syscall");
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) return Invalid(fmt::format("{}.names[{}]", f, i), "empty syscall name");
  }
  SKIFF_TRY(CheckAction(rule, "action", f, true));
  SKIFF_TRY(CheckErrno(rule, "errnoRet", f));
  SKIFF_TRY(String(rule, "comment", f));
  Json args = SKIFF_TRY(ConvertArgs(rule, f));
  Filter inc = SKIFF_TRY(ParseFilter(rule, "includes", f));
  Filter exc = SKIFF_TRY(ParseFilter(rule, "excludes", f));
  if (!Applies(inc, exc, caps, host)) return Json();
  Json out = {{"names", names}, {"action", rule.at("action")}};
  if (!Absent(rule, "errnoRet")) out["errnoRet"] = rule.at("errnoRet");
  if (!args.empty()) out["args"] = std::move(args);
  return out;
}

// architectures, or the archMap entry for this host (its architecture and sub-architectures).
Result<Json> Architectures(const Json& p, const SeccompHost& host) {
  std::vector<std::string> arches = SKIFF_TRY(Strings(p, "architectures", ""));
  for (size_t i = 0; i < arches.size(); ++i) SKIFF_TRY(CheckArch(arches[i], fmt::format("architectures[{}]", i)));
  if (Absent(p, "archMap")) return Json(arches);
  const Json& map = p.at("archMap");
  if (!map.is_array()) return Invalid("archMap", "expected array");
  if (!arches.empty() && !map.empty()) {
    return Error(Errc::kInvalidArgument, "'architectures' and 'archMap' were specified in the seccomp profile, "
                                         "use either 'architectures' or 'archMap'");
  }
  Json out = Json::array();
  for (size_t i = 0; i < map.size(); ++i) {
    std::string f = fmt::format("archMap[{}]", i);
    if (!map[i].is_object()) return Invalid(f, "expected object");
    std::string arch = SKIFF_TRY(String(map[i], "architecture", f));
    if (arch.empty()) return Invalid(f + ".architecture", "required");
    SKIFF_TRY(CheckArch(arch, f + ".architecture"));
    std::vector<std::string> subs = SKIFF_TRY(Strings(map[i], "subArchitectures", f));
    for (size_t j = 0; j < subs.size(); ++j) {
      SKIFF_TRY(CheckArch(subs[j], fmt::format("{}.subArchitectures[{}]", f, j)));
    }
    if (arch != host.scmp_arch) continue;
    out.push_back(arch);
    for (auto& s : subs) out.push_back(s);
  }
  return out;
}

}  // namespace

SeccompHost CurrentSeccompHost() {
  SeccompHost h;
#if defined(__x86_64__)
  h.go_arch = "amd64", h.scmp_arch = "SCMP_ARCH_X86_64";
#elif defined(__aarch64__)
  h.go_arch = "arm64", h.scmp_arch = "SCMP_ARCH_AARCH64";
#elif defined(__i386__)
  h.go_arch = "386", h.scmp_arch = "SCMP_ARCH_X86";
#elif defined(__arm__)
  h.go_arch = "arm", h.scmp_arch = "SCMP_ARCH_ARM";
#elif defined(__s390x__)
  h.go_arch = "s390x", h.scmp_arch = "SCMP_ARCH_S390X";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  h.go_arch = "ppc64le", h.scmp_arch = "SCMP_ARCH_PPC64LE";
#elif defined(__riscv) && __riscv_xlen == 64
  h.go_arch = "riscv64", h.scmp_arch = "SCMP_ARCH_RISCV64";
#else
#error "CurrentSeccompHost: unknown architecture"
#endif
  struct utsname u {};
  if (uname(&u) == 0) std::sscanf(u.release, "%d.%d", &h.kernel_major, &h.kernel_minor);
  return h;
}

Result<Json> SeccompFromDockerProfile(const Json& profile, const std::vector<std::string>& caps) {
  return SeccompFromDockerProfile(profile, caps, CurrentSeccompHost());
}

Result<Json> SeccompFromDockerProfile(const Json& p, const std::vector<std::string>& caps,
                                      const SeccompHost& host) {
  if (!p.is_object()) return Error(Errc::kInvalidArgument, "seccomp profile: expected a JSON object");
  Json out = Json::object();
  bool has_calls = !Absent(p, "syscalls") && p.at("syscalls").is_array() && !p.at("syscalls").empty();
  SKIFF_TRY(CheckAction(p, "defaultAction", "", has_calls));
  if (!Absent(p, "defaultAction")) out["defaultAction"] = p.at("defaultAction");
  SKIFF_TRY(CheckErrno(p, "defaultErrnoRet", ""));
  if (!Absent(p, "defaultErrnoRet")) out["defaultErrnoRet"] = p.at("defaultErrnoRet");
  Json arches = SKIFF_TRY(Architectures(p, host));
  if (!arches.empty()) out["architectures"] = std::move(arches);
  std::vector<std::string> flags = SKIFF_TRY(Strings(p, "flags", ""));
  if (!flags.empty()) out["flags"] = flags;
  for (const char* k : {"listenerPath", "listenerMetadata"}) {
    std::string v = SKIFF_TRY(String(p, k, ""));
    if (!v.empty()) out[k] = v;
  }
  if (Absent(p, "syscalls")) return out;
  const Json& calls = p.at("syscalls");
  if (!calls.is_array()) return Invalid("syscalls", "expected array");
  Json rules = Json::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    Json r = SKIFF_TRY(ConvertRule(calls[i], fmt::format("syscalls[{}]", i), caps, host));
    if (!r.is_null()) rules.push_back(std::move(r));
  }
  out["syscalls"] = std::move(rules);
  return out;
}

}  // namespace skiff::daemon::profiles

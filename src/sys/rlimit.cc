#include "sys/rlimit.h"

#include <sys/resource.h>

#include <array>
#include <utility>

#include <fmt/format.h>

namespace skiff::sys {
namespace {

constexpr std::array<std::pair<std::string_view, int>, 16> kRlimits = {{
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
}};

Result<uint64_t> GetU64(const Json& obj, const char* key, const std::string& field) {
  auto it = obj.find(key);
  std::string f = field + "." + key;
  if (it == obj.end() || it->is_null()) return Error(Errc::kInvalidArgument, f + ": required");
  // Text JSON parses non-negative literals as unsigned; JSON built in code may hold them as signed.
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
    return Error(Errc::kInvalidArgument, f + ": expected unsigned 64-bit integer");
  }
  return it->get<uint64_t>();
}

}  // namespace

Result<int> RlimitFromName(std::string_view name) {
  for (const auto& [n, r] : kRlimits) {
    if (n == name) return r;
  }
  return Error(Errc::kInvalidArgument, fmt::format("unknown rlimit type \"{}\"", name));
}

std::string RlimitName(int resource) {
  for (const auto& [n, r] : kRlimits) {
    if (r == resource) return std::string(n);
  }
  return "rlimit " + std::to_string(resource);
}

Result<std::vector<Rlimit>> ParseRlimits(const Json& j, std::string_view field) {
  std::vector<Rlimit> out;
  if (j.is_null()) return out;
  std::string f(field);
  if (!j.is_array()) return Error(Errc::kInvalidArgument, f + ": expected array");
  for (size_t i = 0; i < j.size(); ++i) {
    const Json& e = j[i];
    std::string ef = f + "[" + std::to_string(i) + "]";
    if (!e.is_object()) return Error(Errc::kInvalidArgument, ef + ": expected object");
    auto t = e.find("type");
    if (t == e.end() || t->is_null()) return Error(Errc::kInvalidArgument, ef + ".type: required");
    if (!t->is_string()) return Error(Errc::kInvalidArgument, ef + ".type: expected string");
    int resource = SKIFF_TRY_CTX(RlimitFromName(t->get_ref<const std::string&>()), ef + ".type");
    Rlimit r{resource, 0, 0};
    r.soft = SKIFF_TRY(GetU64(e, "soft", ef));
    r.hard = SKIFF_TRY(GetU64(e, "hard", ef));
    if (r.soft > r.hard) {
      return Error(Errc::kInvalidArgument,
                   fmt::format("{}: {} soft limit {} exceeds hard limit {}", ef, RlimitName(resource), r.soft,
                               r.hard));
    }
    for (const auto& prev : out) {
      if (prev.resource == resource) {
        return Error(Errc::kInvalidArgument,
                     fmt::format("{}.type: duplicate rlimit type \"{}\"", ef, RlimitName(resource)));
      }
    }
    out.push_back(r);
  }
  return out;
}

Status ApplyRlimitsTo(pid_t pid, const std::vector<Rlimit>& limits) {
  for (const auto& l : limits) {
    struct rlimit rl;
    rl.rlim_cur = static_cast<rlim_t>(l.soft);
    rl.rlim_max = static_cast<rlim_t>(l.hard);
    if (prlimit(pid, static_cast<__rlimit_resource>(l.resource), &rl, nullptr) != 0) {
      return Error::Sys(fmt::format("set {} (soft {}, hard {})", RlimitName(l.resource), l.soft, l.hard));
    }
  }
  return Ok();
}

Status ApplyRlimits(const std::vector<Rlimit>& limits) { return ApplyRlimitsTo(0, limits); }

}  // namespace skiff::sys

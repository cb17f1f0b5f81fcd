// POSIX resource limits for the OCI runtime (process.rlimits).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/json.h"

namespace skiff::sys {

// One limit: resource is an RLIMIT_* number; soft/hard as in struct rlimit (~0 = RLIM_INFINITY).
struct Rlimit {
  int resource;
  uint64_t soft, hard;
  bool operator==(const Rlimit&) const = default;
};

// "RLIMIT_NOFILE" -> RLIMIT_NOFILE; unknown names are InvalidArgument.
Result<int> RlimitFromName(std::string_view name);
// RLIMIT_NOFILE -> "RLIMIT_NOFILE"; unknown numbers -> "rlimit <n>".
std::string RlimitName(int resource);

// Parses process.rlimits (absent/null -> empty). Errors name the entry: an unknown type, a missing or
// non-uint64 soft/hard, soft above hard, or a type listed twice (the spec requires an error).
Result<std::vector<Rlimit>> ParseRlimits(const Json& j, std::string_view field = "process.rlimits");
// Applies each limit to the calling process (setrlimit); an error names the type.
Status ApplyRlimits(const std::vector<Rlimit>& limits);
// Applies each limit to process `pid` with prlimit(2) (0 = the calling process); an error names the type.
Status ApplyRlimitsTo(pid_t pid, const std::vector<Rlimit>& limits);

}  // namespace skiff::sys

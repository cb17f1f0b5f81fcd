// Container names and IDs: random 64-hex IDs, Docker-style random names ("adjective_surname"), and
// Docker's rule for user-given names. Pure functions; the random source is process-wide and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace skiff::daemon {

// 32 random bytes as 64 lowercase hex characters (never all-digit, as Docker avoids IDs that look like
// numbers: a 12-char prefix of only digits would parse as an integer in some tools).
std::string NewId();
// "adjective_surname"; retry > 0 appends a digit (Docker's collision fallback: "name1" ... "name9").
std::string RandomName(int retry = 0);
// Docker's name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ with an optional leading '/'. Returns the name without
// the slash, or InvalidArgument `Invalid container name (x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`.
Result<std::string> ValidateName(std::string_view name);

}  // namespace skiff::daemon

// --log-opt parsing for the json-file driver, with Docker's validation rules and messages.
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>

#include "base/strings.h"
#include "daemon/logs/json_file.h"

namespace skiff::daemon::logs {

namespace {

// go-units FromHumanSize: `(?i)^(\d+(\.\d+)*) ?([kmgtp])?i?b?$`, decimal multipliers (k = 1000).
std::optional<int64_t> FromHumanSize(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    return i > start;
  };
  if (!digits()) return std::nullopt;
  size_t dots = 0;
  while (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return std::nullopt;
    ++dots;
  }
  if (dots > 1) return std::nullopt;  // matched by the pattern, then refused by ParseFloat
  std::string_view number = s.substr(0, i);
  if (i < s.size() && s[i] == ' ') ++i;
  double mul = 1;
  if (i < s.size()) {
    switch (std::tolower(static_cast<unsigned char>(s[i]))) {
      case 'k': mul = 1e3; ++i; break;
      case 'm': mul = 1e6; ++i; break;
      case 'g': mul = 1e9; ++i; break;
      case 't': mul = 1e12; ++i; break;
      case 'p': mul = 1e15; ++i; break;
      default: break;
    }
  }
  if (i < s.size() && std::tolower(static_cast<unsigned char>(s[i])) == 'i') ++i;
  if (i < s.size() && std::tolower(static_cast<unsigned char>(s[i])) == 'b') ++i;
  if (i != s.size()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
  if (ec != std::errc() || p != number.data() + number.size()) return std::nullopt;
  v *= mul;
  if (!(v < 9.2e18)) return std::nullopt;
  return static_cast<int64_t>(v);
}

// Go's strconv.ParseBool.
std::optional<bool> ParseGoBool(std::string_view s) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"})
    if (s == t) return true;
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"})
    if (s == f) return false;
  return std::nullopt;
}

}  // namespace

Result<JsonFileConfig> ParseJsonFileOptions(const std::string& path,
                                            const std::map<std::string, std::string>& opts) {
  static constexpr std::string_view kKnown[] = {"max-file", "max-size", "compress", "labels",
                                                "labels-regex", "env", "env-regex", "tag"};
  for (const auto& [key, value] : opts) {
    bool known = false;
    for (auto k : kKnown) known = known || key == k;
    if (!known)
      return Error(Errc::kInvalidArgument, fmt::format("unknown log opt '{}' for json-file log driver", key));
  }
  JsonFileConfig cfg;
  cfg.path = path;
  if (auto it = opts.find("max-size"); it != opts.end()) {
    auto size = FromHumanSize(it->second);
    if (!size) return Error(Errc::kInvalidArgument, fmt::format("invalid size: '{}'", it->second));
    if (*size <= 0) return Error(Errc::kInvalidArgument, "max-size must be a positive number");
    cfg.max_size = static_cast<uint64_t>(*size);
  }
  if (auto it = opts.find("max-file"); it != opts.end()) {
    std::string_view v = it->second;
    if (v.starts_with('+')) v.remove_prefix(1);  // Go's Atoi takes a sign
    auto n = ParseInt(v);
    if (!n || *n > INT32_MAX || *n < INT32_MIN)
      return Error(Errc::kInvalidArgument, fmt::format("invalid max-file '{}': not an integer", it->second));
    if (*n < 1) return Error(Errc::kInvalidArgument, "max-file cannot be less than 1");
    cfg.max_file = static_cast<int>(*n);
  }
  if (auto it = opts.find("compress"); it != opts.end()) {
    auto b = ParseGoBool(it->second);
    if (!b) return Error(Errc::kInvalidArgument, fmt::format("invalid compress '{}': not a boolean", it->second));
    if (*b)
      return Error(Errc::kUnsupported,
                   "compress is not supported: skiff's json-file log driver keeps rotated files uncompressed");
  }
  return cfg;
}

}  // namespace skiff::daemon::logs

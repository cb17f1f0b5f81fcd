#include "runtime/cgroups/knobs.h"

#include <fmt/format.h>

#include "base/file.h"
#include "base/strings.h"

namespace skiff::runtime::cgroups {

Status WriteKnob(const std::string& dir, std::string_view file, std::string_view value, std::string_view field) {
  std::string path = JoinPath(dir, file);
  Status st = WriteFileString(path, value);
  if (st.ok()) return st;
  int err = st.error().sys_errno();
  if (err == ENOENT && IsDirectory(dir))
    return Error(Errc::kUnsupported, fmt::format("{}: not supported on this host (no {})", field, path), err);
  Error e = Error::FromErrno(err, fmt::format("{}: write \"{}\" to {}", field, Trim(value), path));
  return e;
}

bool KnobExists(const std::string& dir, std::string_view file) { return PathExists(JoinPath(dir, file)); }

Result<std::string> ReadKnob(const std::string& dir, std::string_view file) {
  std::string s = SKIFF_TRY(ReadFile(JoinPath(dir, file)));
  return std::string(Trim(s));
}

Result<uint64_t> ReadUintKnob(const std::string& dir, std::string_view file) {
  std::string s = SKIFF_TRY(ReadKnob(dir, file));
  if (s == "max") return UINT64_MAX;
  if (auto v = ParseUint(s)) return *v;
  if (auto i = ParseInt(s); i && *i == -1) return UINT64_MAX;
  return Error(Errc::kDataLoss, fmt::format("{}: \"{}\" is not a number", JoinPath(dir, file), s));
}

std::map<std::string, uint64_t> ParseFlatKeyed(std::string_view text) {
  std::map<std::string, uint64_t> out;
  for (const auto& line : Split(text, '\n')) {
    auto parts = Split(Trim(line), ' ');
    if (parts.size() != 2) continue;
    if (auto v = ParseUint(parts[1])) out[parts[0]] = *v;
    else if (parts[1] == "max") out[parts[0]] = UINT64_MAX;
  }
  return out;
}

Result<std::map<std::string, uint64_t>> ReadFlatKeyed(const std::string& dir, std::string_view file) {
  std::string s = SKIFF_TRY(ReadFile(JoinPath(dir, file)));
  return ParseFlatKeyed(s);
}

}  // namespace skiff::runtime::cgroups

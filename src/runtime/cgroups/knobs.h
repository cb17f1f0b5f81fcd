// Reading and writing cgroupfs control files ("knobs"). Stateless helpers used by the v1/v2 writers,
// the freezer and stats code. Write errors name the OCI field that asked for the value.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/error.h"

namespace skiff::runtime::cgroups {

// Writes value to dir/file in one write(2). A missing file means the kernel (or this hierarchy) lacks the
// knob: Unsupported "<field>: not supported on this host (no <path>)". Other failures:
// "<field>: write \"<value>\" to <path>: <strerror>".
Status WriteKnob(const std::string& dir, std::string_view file, std::string_view value, std::string_view field);
bool KnobExists(const std::string& dir, std::string_view file);
// Contents with surrounding whitespace trimmed.
Result<std::string> ReadKnob(const std::string& dir, std::string_view file);
// A single unsigned number; "max" (v2) and v1's "unlimited" sentinel come back as UINT64_MAX.
Result<uint64_t> ReadUintKnob(const std::string& dir, std::string_view file);
// "key value" lines (memory.stat, cpu.stat, cgroup.events, ...).
std::map<std::string, uint64_t> ParseFlatKeyed(std::string_view text);
Result<std::map<std::string, uint64_t>> ReadFlatKeyed(const std::string& dir, std::string_view file);

}  // namespace skiff::runtime::cgroups

// Go time conversions the CLI needs: docker's timetypes.GetTimestamp (the --since/--until syntax: Go
// durations relative to now, RFC 3339 and shorter dates in the local zone or with an offset, Unix seconds),
// RFC 3339 parsing of daemon timestamps and the fixed-width nanosecond format docker prints event times in.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "base/error.h"

namespace skiff::cli {

// Returns what docker sends as the since/until query value: "<unix>" for durations, "<unix>.<9 digits>" for
// dates, unix timestamps passed through.
Result<std::string> GetTimestamp(std::string_view value, std::time_t now);
// "2026-12-01T07:25:06.000311359Z" (any offset, optional fraction) -> nanoseconds since the epoch.
Result<int64_t> ParseRfc3339Nano(std::string_view s);
// Go's Format("2006-01-02T15:04:05.000000000Z07:00") in the local zone.
std::string FormatRfc3339NanoFixed(int64_t unix_nanos);

}  // namespace skiff::cli

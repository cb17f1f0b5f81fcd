// docker/go-units for both the CLI and the daemon: human-readable sizes ("1.23MB", "5.2kB", "3.5GiB"),
// size parsing ("10m", "1.5GB", the --memory syntax) and Docker's relative durations ("About a minute").
// Pure functions; results are values.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace skiff::units {

inline constexpr int64_t kKB = 1000, kMB = 1000 * kKB, kGB = 1000 * kMB, kTB = 1000 * kGB, kPB = 1000 * kTB;
inline constexpr int64_t kKiB = 1024, kMiB = 1024 * kKiB, kGiB = 1024 * kMiB, kTiB = 1024 * kGiB,
                         kPiB = 1024 * kTiB;

std::string HumanSize(double bytes);                             // HumanSizeWithPrecision(bytes, 4)
std::string HumanSizeWithPrecision(double bytes, int precision); // "%.*g%s" decimal: B kB MB GB TB PB EB ZB YB
std::string BytesSize(double bytes);                             // binary: "%.4g%s" B KiB MiB GiB ...
// go-units' CustomSize: divides size by base until below it, then Sprintf(format, size, unit). `format`
// takes a Go/printf float verb then a %s: "%.4g%s", "%.*g%s" is not accepted (use HumanSizeWithPrecision).
std::string CustomSize(const char* format, double size, double base, const std::vector<std::string>& units);
// Go's %.<precision>g of a float64 (shortest-form rules identical to Go's strconv 'g' with precision).
std::string FormatG(double v, int precision);

Result<int64_t> FromHumanSize(std::string_view s);   // "10m" "1.5GB" -> bytes, decimal
Result<int64_t> RAMInBytes(std::string_view s);      // "6m" "1g" "512k" -> binary (what --memory uses)
std::string HumanDuration(std::chrono::nanoseconds d); // "Less than a second", "1 second", "3 seconds",
   // "About a minute", "5 minutes", "About an hour", "3 hours", "2 days", "3 weeks", "4 months", "2 years"
   // — exactly go-units' thresholds.

}  // namespace skiff::units

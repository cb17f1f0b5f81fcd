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
// go-units' CustomSize: divides size by base until below it, then Go's Sprintf(format, size, unit). `format`
// holds Go verbs for a float then a string ("%.4g%s", "%.2f %s", "%7.3f%s"); `*` widths are not taken.
std::string CustomSize(const char* format, double size, double base, const std::vector<std::string>& units);
// Go's strconv.FormatFloat(v, fmt, prec, 64) for fmt 'e', 'E', 'f', 'g', 'G' (prec < 0: the shortest
// representation that reads back exactly), digit for digit: "1e+06", "1.5", "100", "NaN", "+Inf".
std::string FormatFloat(double v, char fmt, int prec);
// Go's fmt flags and width/precision for one verb (fmt's fmtFlags).
struct FmtFlags {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  bool wid_present = false, prec_present = false;
  int wid = 0, prec = 0;
};
// Go's fmt of a float64 operand (fmt.Sprintf("%<flags>v", f)) for verbs v g G e E f F: sign, '#', zero and
// width padding as Go does. Returns "" for other verbs (the caller reports Go's %!verb(float64=...)).
std::string FormatFloatVerb(double v, char verb, const FmtFlags& flags);
// Go's %.<precision>g of a float64 (= FormatFloat(v, 'g', precision); negative precision: shortest).
std::string FormatG(double v, int precision);

// Go's strconv.ParseFloat(s, 64): decimal or hexadecimal literals, '_' separators, inf/nan. Errors are Go's
// ("strconv.ParseFloat: parsing \"x\": invalid syntax"; overflow: "value out of range").
Result<double> ParseFloat(std::string_view s);
// Go's strconv.ParseUint(s, 0, 64) / ParseInt(s, 0, 64): the base from the prefix (0x, 0o, 0b, a leading 0
// is octal), '_' separators; false on bad syntax or overflow.
bool ParseUintBase0(std::string_view s, uint64_t* out);
bool ParseIntBase0(std::string_view s, int64_t* out);

Result<int64_t> FromHumanSize(std::string_view s);   // "10m" "1.5GB" -> bytes, decimal
Result<int64_t> RAMInBytes(std::string_view s);      // "6m" "1g" "512k" -> binary (what --memory uses)
std::string HumanDuration(std::chrono::nanoseconds d); // "Less than a second", "1 second", "3 seconds",
   // "About a minute", "5 minutes", "About an hour", "3 hours", "2 days", "3 weeks", "4 months", "2 years"
   // — exactly go-units' thresholds.

// Go's time.ParseDuration -> nanoseconds ("1m30s", "1.5h", "300ms", "-2s", "0"), with Go's messages.
Result<int64_t> ParseGoDuration(std::string_view s);
// Go's time.Duration.String() ("1m30s", "0s", "1.5s", "300ms").
std::string FormatGoDuration(int64_t ns);

}  // namespace skiff::units

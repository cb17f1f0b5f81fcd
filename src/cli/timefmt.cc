#include "cli/timefmt.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include <fmt/format.h>

#include "cli/opts.h"

namespace skiff::cli {
namespace {

std::string ZoneSuffix(long off) {
  if (off == 0) return "Z";
  return fmt::format("{}{:02d}:{:02d}", off < 0 ? '-' : '+', std::abs(off) / 3600, (std::abs(off) % 3600) / 60);
}

// Days since 1970-01-01 for a civil date (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

long LocalOffset(std::time_t at) {
  std::tm tm{};
  localtime_r(&at, &tm);
  return tm.tm_gmtoff;
}

}  // namespace

Result<int64_t> ParseRfc3339Nano(std::string_view s) {
  static const std::regex re(
      R"(^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2}))?(?::(\d{2}))?(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:\d{2})?$)");
  std::cmatch m;
  if (!std::regex_match(s.data(), s.data() + s.size(), m, re)) {
    return Error(Errc::kInvalidArgument, fmt::format("parsing time \"{}\": cannot parse", s));
  }
  auto num = [&](int i) -> int64_t { return m[i].matched ? std::stoll(m[i].str()) : 0; };
  int64_t days = DaysFromCivil(num(1), static_cast<unsigned>(num(2)), static_cast<unsigned>(num(3)));
  int64_t secs = days * 86400 + num(4) * 3600 + num(5) * 60 + num(6);
  int64_t nanos = 0;
  if (m[7].matched) {
    std::string frac = m[7].str();
    frac.resize(9, '0');
    nanos = std::stoll(frac);
  }
  if (m[8].matched) {
    std::string z = m[8].str();
    if (z != "Z" && z != "z") {
      int sign = z[0] == '-' ? -1 : 1;
      secs -= sign * (std::stoll(z.substr(1, 2)) * 3600 + std::stoll(z.substr(4, 2)) * 60);
    }
  } else {
    secs -= LocalOffset(static_cast<std::time_t>(secs));
  }
  return secs * 1000000000LL + nanos;
}

Result<std::string> GetTimestamp(std::string_view value, std::time_t now) {
  if (value != "0") {
    auto d = ParseGoDuration(value);
    if (d.ok()) {
      int64_t ref_ns = static_cast<int64_t>(now) * 1000000000LL - *d;
      int64_t secs = ref_ns >= 0 ? ref_ns / 1000000000LL : -((-ref_ns + 999999999) / 1000000000LL);
      return std::to_string(secs);
    }
  }
  auto t = ParseRfc3339Nano(value);
  if (t.ok()) {
    int64_t ns = *t;
    int64_t secs = ns >= 0 ? ns / 1000000000LL : -((-ns + 999999999) / 1000000000LL);
    return fmt::format("{}.{:09d}", secs, ns - secs * 1000000000LL);
  }
  if (value.find('-') != std::string_view::npos) {
    return Error(Errc::kInvalidArgument, fmt::format("parsing time \"{}\": cannot parse", value));
  }
  // A unix timestamp: seconds[.nanoseconds].
  static const std::regex unix_re(R"(^\d+(\.\d{1,9})?$)");
  std::string v(value);
  if (!std::regex_match(v, unix_re)) {
    return Error(Errc::kInvalidArgument, fmt::format("failed to parse value as time or duration: \"{}\"", value));
  }
  return v;
}

std::string FormatRfc3339NanoFixed(int64_t unix_nanos) {
  int64_t secs = unix_nanos >= 0 ? unix_nanos / 1000000000LL : -((-unix_nanos + 999999999) / 1000000000LL);
  int64_t nanos = unix_nanos - secs * 1000000000LL;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:09d}{}", buf, nanos, ZoneSuffix(tm.tm_gmtoff));
}

}  // namespace skiff::cli

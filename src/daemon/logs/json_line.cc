#include "daemon/logs/json_line.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>

#include "base/json.h"
#include "base/strings.h"

namespace skiff::daemon::logs {

namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

// Length of the valid UTF-8 sequence at s[i] (2..4), or 0 when the bytes there are not one (Go's
// utf8.DecodeRune rules: no overlong forms, no surrogates, nothing above U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto at = [&](size_t k) -> unsigned { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
  auto cont = [](unsigned b, unsigned lo = 0x80, unsigned hi = 0xBF) { return b >= lo && b <= hi; };
  unsigned b0 = at(0);
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(at(1)) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
    return cont(at(1), lo, hi) && cont(at(2)) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    unsigned lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return cont(at(1), lo, hi) && cont(at(2)) && cont(at(3)) ? 4 : 0;
  }
  return 0;
}

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::string_view StreamName(Stream s) { return s == Stream::kStdout ? "stdout" : "stderr"; }

namespace internal {

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t start = 0;
  auto flush = [&](size_t i) { out.append(s.data() + start, i - start); };
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (b >= 0x20 && b != '\\' && b != '"' && b != '<' && b != '>' && b != '&') {
        ++i;
        continue;
      }
      flush(i);
      switch (b) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default:
          out += "\\u00";
          out += kHex[b >> 4];
          out += kHex[b & 0xF];
      }
      start = ++i;
      continue;
    }
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) {
      flush(i);
      out += "\\ufffd";
      start = ++i;
      continue;
    }
    // U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR: E2 80 A8 / E2 80 A9.
    if (n == 3 && b == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8) {
      flush(i);
      out += "\\u202";
      out += kHex[static_cast<unsigned char>(s[i + 2]) & 0xF];
      i += n;
      start = i;
      continue;
    }
    i += n;
  }
  flush(s.size());
  out += '"';
}

void AppendRfc3339Nano(std::string& out, int64_t unix_ns) {
  using namespace std::chrono;
  int64_t secs = unix_ns / kNsPerSec, frac = unix_ns % kNsPerSec;
  if (frac < 0) {
    frac += kNsPerSec;
    --secs;
  }
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  year_month_day ymd{sys_days{std::chrono::days{days}}};
  fmt::format_to(std::back_inserter(out), "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}", static_cast<int>(ymd.year()),
                 static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), rem / 3600, rem / 60 % 60,
                 rem % 60);
  if (frac != 0) {
    char digits[10];
    fmt::format_to_n(digits, 9, "{:09d}", frac);
    size_t n = 9;
    while (digits[n - 1] == '0') --n;
    out += '.';
    out.append(digits, n);
  }
  out += 'Z';
}

std::optional<int64_t> ParseRfc3339(std::string_view s) {
  using namespace std::chrono;
  int y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, h) || s[13] != ':' ||
      !Digits(s, 14, 2, mi) || s[16] != ':' || !Digits(s, 17, 2, sec))
    return std::nullopt;
  if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  size_t pos = 19;
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start < 9) frac = frac * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (size_t k = pos - start; k < 9; ++k) frac *= 10;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  int64_t days = sys_days{ymd}.time_since_epoch().count();
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset;
  return secs * kNsPerSec + frac;
}

bool DecodeJsonLine(std::string_view line, LogMessage& out) {
  Json j = Json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  auto stream = j.find("stream");
  auto time = j.find("time");
  if (stream == j.end() || !stream->is_string() || time == j.end() || !time->is_string()) return false;
  const auto& name = stream->get_ref<const std::string&>();
  if (name == "stdout") {
    out.stream = Stream::kStdout;
  } else if (name == "stderr") {
    out.stream = Stream::kStderr;
  } else {
    return false;
  }
  auto ns = ParseRfc3339(time->get_ref<const std::string&>());
  if (!ns) return false;
  out.time_ns = *ns;
  out.line.clear();
  if (auto log = j.find("log"); log != j.end()) {
    if (!log->is_string()) return false;
    out.line = std::move(log->get_ref<std::string&>());
  }
  return true;
}

}  // namespace internal

std::string FormatRfc3339Nano(int64_t unix_ns) {
  std::string out;
  internal::AppendRfc3339Nano(out, unix_ns);
  return out;
}

std::string FormatJsonLine(Stream s, std::string_view msg, std::chrono::system_clock::time_point t) {
  std::string out;
  out.reserve(msg.size() + msg.size() / 8 + 80);
  out += '{';
  if (!msg.empty()) {
    out += "\"log\":";
    internal::AppendJsonString(out, msg);
    out += ',';
  }
  out += "\"stream\":\"";
  out += StreamName(s);
  out += "\",\"time\":\"";
  internal::AppendRfc3339Nano(out,
                              std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
  out += "\"}\n";
  return out;
}

Result<int64_t> ParseApiTimestamp(std::string_view v) {
  if (v.empty()) return int64_t{0};
  auto bad = [&] {
    return Error(Errc::kInvalidArgument,
                 fmt::format("invalid timestamp '{}': expected unix seconds with an optional fraction "
                             "(1700000000.123456789) or RFC 3339",
                             v));
  };
  if (v.find_first_of("T:t") != std::string_view::npos) {
    auto ns = internal::ParseRfc3339(v);
    if (!ns) return bad();
    return *ns;
  }
  // Docker's timetypes.ParseTimestamps: "<seconds>[.<fraction>]", the fraction scaled to nanoseconds.
  auto dot = v.find('.');
  auto secs = ParseInt(v.substr(0, dot));
  if (!secs || *secs > INT64_MAX / kNsPerSec - 1 || *secs < INT64_MIN / kNsPerSec + 1) return bad();
  int64_t frac = 0;
  if (dot != std::string_view::npos) {
    std::string_view f = v.substr(dot + 1);
    if (f.empty() || f.find_first_not_of("0123456789") != std::string_view::npos) return bad();
    for (size_t i = 0; i < 9; ++i) frac = frac * 10 + (i < f.size() ? f[i] - '0' : 0);
  }
  return *secs * kNsPerSec + frac;  // as Go's time.Unix(s, n): the fraction always adds
}

}  // namespace skiff::daemon::logs

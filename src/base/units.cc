#include "base/units.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace skiff::units {
namespace {

// A decimal view of a float's magnitude, as Go's strconv keeps it: value = 0.d[0]d[1]... * 10^dp, no
// trailing zeros in d; zero has no digits and dp 0.
struct Decimal {
  std::string d;
  int dp = 0;
  bool neg = false;
};

void TrimZeros(Decimal& dec) {
  while (!dec.d.empty() && dec.d.back() == '0') dec.d.pop_back();
  if (dec.d.empty()) dec.dp = 0;
}

// Parses to_chars' scientific output ("-1.2345e+04") into a Decimal.
Decimal FromScientific(std::string_view s, bool neg) {
  Decimal dec;
  dec.neg = neg;
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  size_t e = s.find('e');
  for (char c : s.substr(0, e)) {
    if (c != '.') dec.d.push_back(c);
  }
  int exp = 0;
  if (e != std::string_view::npos) {
    std::string_view x = s.substr(e + 1);
    if (!x.empty() && x.front() == '+') x.remove_prefix(1);
    std::from_chars(x.data(), x.data() + x.size(), exp);
  }
  dec.dp = exp + 1;
  TrimZeros(dec);
  return dec;
}

// Shortest digits that read back as v (Go's Ryu shortest; C++'s to_chars gives the same digits).
Decimal ShortestDigits(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  return FromScientific(std::string_view(buf, r.ptr - buf), std::signbit(v));
}

// Exactly `digits` significant digits, correctly rounded (ties to even, as Go's decimal rounding).
Decimal SignificantDigits(double v, int digits) {
  std::string buf(static_cast<size_t>(digits) + 32, '\0');
  auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::scientific, digits - 1);
  return FromScientific(std::string_view(buf.data(), r.ptr - buf.data()), std::signbit(v));
}

// Digits rounded at `prec` places after the decimal point.
Decimal FixedDigits(double v, int prec) {
  std::string buf(static_cast<size_t>(prec) + 340, '\0');
  auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, prec);
  std::string_view s(buf.data(), r.ptr - buf.data());
  Decimal dec;
  dec.neg = std::signbit(v);
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  size_t dot = s.find('.');
  dec.dp = static_cast<int>(dot == std::string_view::npos ? s.size() : dot);
  for (char c : s) {
    if (c != '.') dec.d.push_back(c);
  }
  size_t lead = 0;
  while (lead < dec.d.size() && dec.d[lead] == '0') ++lead;
  dec.d.erase(0, lead);
  dec.dp -= static_cast<int>(lead);
  TrimZeros(dec);
  return dec;
}

// %e: d.ddde±dd with prec digits after the point.
std::string FmtE(const Decimal& dec, int prec, char fmt) {
  std::string out;
  if (dec.neg) out.push_back('-');
  out.push_back(dec.d.empty() ? '0' : dec.d[0]);
  if (prec > 0) {
    out.push_back('.');
    int i = 1;
    int m = std::min(static_cast<int>(dec.d.size()), prec + 1);
    if (i < m) {
      out.append(dec.d, i, m - i);
      i = m;
    }
    for (; i <= prec; ++i) out.push_back('0');
  }
  out.push_back(fmt);
  int exp = dec.dp - 1;
  if (dec.d.empty()) exp = 0;
  char sign = '+';
  if (exp < 0) {
    sign = '-';
    exp = -exp;
  }
  out.push_back(sign);
  if (exp < 10) {
    out.push_back('0');
    out.push_back(static_cast<char>('0' + exp));
  } else {
    out += std::to_string(exp);
  }
  return out;
}

// %f: ddd.ddd with prec digits after the point.
std::string FmtF(const Decimal& dec, int prec) {
  std::string out;
  if (dec.neg) out.push_back('-');
  int nd = static_cast<int>(dec.d.size());
  if (dec.dp > 0) {
    int m = std::min(nd, dec.dp);
    out.append(dec.d, 0, m);
    for (; m < dec.dp; ++m) out.push_back('0');
  } else {
    out.push_back('0');
  }
  if (prec > 0) {
    out.push_back('.');
    for (int i = 1; i <= prec; ++i) {
      int j = dec.dp + i - 1;
      out.push_back(j >= 0 && j < nd ? dec.d[j] : '0');
    }
  }
  return out;
}

std::string FormatDecimal(const Decimal& dec, bool shortest, int prec, char fmt) {
  int nd = static_cast<int>(dec.d.size());
  switch (fmt) {
    case 'e': case 'E': return FmtE(dec, prec, fmt);
    case 'f': return FmtF(dec, prec);
    case 'g': case 'G': {
      int eprec = prec;
      if (eprec > nd && nd >= dec.dp) eprec = nd;
      // %e is used if the exponent from the conversion is less than -4 or greater than or equal to the
      // precision; the shortest form decides with precision 6.
      if (shortest) eprec = 6;
      int exp = dec.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > nd) prec = nd;
        return FmtE(dec, prec - 1, static_cast<char>(fmt + 'e' - 'g'));
      }
      if (prec > dec.dp) prec = nd;
      return FmtF(dec, std::max(prec - dec.dp, 0));
    }
    default: return std::string("%") + fmt;
  }
}

// Go's strconv.Quote for error messages: printable text kept, escapes for the rest.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\t': out += "\\t"; continue;
      case '\r': out += "\\r"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f || c >= 0x80) {
      if (c >= 0x80) {
        // Keep whole valid multi-byte sequences.
        int len = c >= 0xf0 && c < 0xf8 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
        bool ok = len > 0 && i + len <= s.size();
        for (int k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
        if (ok) {
          out.append(s.substr(i, len));
          i += len - 1;
          continue;
        }
      }
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
      continue;
    }
    out.push_back(static_cast<char>(c));
  }
  return out + "\"";
}

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

void Pad(std::string& out, const FmtFlags& f, std::string_view s, bool zero_ok) {
  int width = f.wid_present ? f.wid - static_cast<int>(RuneCount(s)) : 0;
  char pad = f.zero && zero_ok ? '0' : ' ';
  if (width > 0 && !f.minus) out.append(width, pad);
  out += s;
  if (width > 0 && f.minus) out.append(width, ' ');
}

void PrintString(std::string& out, const FmtFlags& f, const std::string& s, char verb) {
  switch (verb) {
    case 'v': case 's': {
      std::string_view t = s;
      if (f.prec_present) {
        int n = f.prec;
        size_t i = 0;
        for (; i < t.size(); ++i) {
          if ((static_cast<unsigned char>(t[i]) & 0xc0) == 0x80) continue;
          if (n-- == 0) break;
        }
        t = t.substr(0, i);
      }
      Pad(out, f, t, true);
      return;
    }
    case 'q': Pad(out, f, Quote(s), true); return;
    default:
      out += "%!";
      out.push_back(verb);
      out += "(string=" + s + ")";
  }
}

std::string SprintfFloatString(std::string_view format, double v, const std::string& s) {
  std::string out;
  int arg = 0;  // 0: the float, 1: the string, 2: none left
  size_t i = 0, end = format.size();
  while (i < end) {
    size_t start = i;
    while (i < end && format[i] != '%') ++i;
    out.append(format.substr(start, i - start));
    if (i >= end) break;
    ++i;
    FmtFlags f;
    for (; i < end; ++i) {
      char c = format[i];
      if (c == '#') f.sharp = true;
      else if (c == '0') f.zero = !f.minus;
      else if (c == '+') f.plus = true;
      else if (c == '-') { f.minus = true; f.zero = false; }
      else if (c == ' ') f.space = true;
      else break;
    }
    while (i < end && format[i] >= '0' && format[i] <= '9') {
      f.wid = f.wid * 10 + (format[i++] - '0');
      f.wid_present = true;
    }
    if (i + 1 < end && format[i] == '.') {
      ++i;
      f.prec_present = true;
      while (i < end && format[i] >= '0' && format[i] <= '9') f.prec = f.prec * 10 + (format[i++] - '0');
    }
    if (i >= end) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = format[i++];
    if (verb == '%') {
      out.push_back('%');
      continue;
    }
    if (f.sharp && verb == 'v') f.sharp = false;
    if (arg == 0) {
      std::string num = FormatFloatVerb(v, verb, f);
      if (num.empty()) num = std::string("%!") + verb + "(float64=" + FormatFloat(v, 'g', -1) + ")";
      out += num;
    }
    else if (arg == 1) PrintString(out, f, s, verb);
    else { out += "%!"; out.push_back(verb); out += "(MISSING)"; }
    ++arg;
  }
  if (arg < 2) {
    out += "%!(EXTRA ";
    if (arg == 0) out += "float64=" + FormatFloat(v, 'g', -1) + ", ";
    out += "string=" + s + ")";
  }
  return out;
}

const std::vector<std::string> kDecimalAbbrs = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
const std::vector<std::string> kBinaryAbbrs = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};

std::pair<double, const std::string*> SizeAndUnit(double size, double base, const std::vector<std::string>& units) {
  size_t i = 0;
  size_t limit = units.empty() ? 0 : units.size() - 1;
  while (size >= base && i < limit) {
    size /= base;
    ++i;
  }
  static const std::string kEmpty;
  return {size, units.empty() ? &kEmpty : &units[i]};
}

// Go's underscoreOK: '_' only between digits, or between a base prefix and a digit.
bool UnderscoreOK(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);
    if (p == 'b' || p == 'o' || p == 'x') {
      i = 2;
      saw = '0';
      hex = p == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    char lc = static_cast<char>(c | 0x20);
    if ((c >= '0' && c <= '9') || (hex && lc >= 'a' && lc <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

std::string SyntaxError(std::string_view s) {
  return "strconv.ParseFloat: parsing " + Quote(s) + ": invalid syntax";
}

}  // namespace

// Go's strconv.ParseFloat(s, 64): decimal or hexadecimal (with a p exponent) literals, '_' separators,
// inf/infinity/nan; overflow is an error, underflow is not.
Result<double> ParseFloat(std::string_view s) {
  std::string_view body = s;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  std::string lower;
  for (char c : body) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  if (lower == "inf" || lower == "infinity") return neg ? -HUGE_VAL : HUGE_VAL;
  if (lower == "nan" && body.size() == s.size()) return std::numeric_limits<double>::quiet_NaN();

  bool hex = lower.size() >= 2 && lower[0] == '0' && lower[1] == 'x';
  size_t i = hex ? 2 : 0;
  bool digits = false, point = false, underscores = false;
  std::string clean = hex ? "0x" : "";
  for (; i < lower.size(); ++i) {
    char c = lower[i];
    if (c == '_') {
      underscores = true;
      continue;
    }
    if (c == '.') {
      if (point) break;
      point = true;
    } else if ((c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f')) {
      digits = true;
    } else {
      break;
    }
    clean.push_back(c);
  }
  if (!digits) return Error(Errc::kInvalidArgument, SyntaxError(s));
  char expc = hex ? 'p' : 'e';
  if (i < lower.size() && lower[i] == expc) {
    clean.push_back(expc);
    ++i;
    if (i < lower.size() && (lower[i] == '+' || lower[i] == '-')) clean.push_back(lower[i++]);
    bool expdigits = false;
    for (; i < lower.size(); ++i) {
      char c = lower[i];
      if (c == '_') {
        underscores = true;
        continue;
      }
      if (c < '0' || c > '9') break;
      expdigits = true;
      clean.push_back(c);
    }
    if (!expdigits) return Error(Errc::kInvalidArgument, SyntaxError(s));
  } else if (hex) {
    return Error(Errc::kInvalidArgument, SyntaxError(s));  // hexadecimal mantissa requires a 'p' exponent
  }
  if (i != lower.size()) return Error(Errc::kInvalidArgument, SyntaxError(s));
  if (underscores && !UnderscoreOK(body)) return Error(Errc::kInvalidArgument, SyntaxError(s));
  errno = 0;
  char* endp = nullptr;
  double v = std::strtod(clean.c_str(), &endp);
  if (std::isinf(v)) {
    return Error(Errc::kInvalidArgument, "strconv.ParseFloat: parsing " + Quote(s) + ": value out of range");
  }
  return neg ? -v : v;
}

bool ParseUintBase0(std::string_view s0, uint64_t* out) {
  std::string_view s = s0;
  if (s.empty()) return false;
  uint64_t base = 10;
  if (s[0] == '0') {
    char p = s.size() >= 3 ? static_cast<char>(s[1] | 0x20) : 0;
    base = p == 'b' ? 2 : p == 'o' ? 8 : p == 'x' ? 16 : 8;
    s.remove_prefix(p == 'b' || p == 'o' || p == 'x' ? 2 : 1);
  }
  uint64_t n = 0;
  bool underscores = false;
  for (char c : s) {
    if (c == '_') {
      underscores = true;
      continue;
    }
    char lc = static_cast<char>(c | 0x20);
    uint64_t d = c >= '0' && c <= '9' ? static_cast<uint64_t>(c - '0')
                 : lc >= 'a' && lc <= 'f' ? static_cast<uint64_t>(lc - 'a' + 10) : 99;
    if (d >= base) return false;
    if (n > (UINT64_MAX - d) / base) return false;  // out of range
    n = n * base + d;
  }
  if (underscores && !UnderscoreOK(s0)) return false;
  *out = n;
  return true;
}

bool ParseIntBase0(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  bool neg = s[0] == '-';
  if (s[0] == '+' || s[0] == '-') s.remove_prefix(1);
  uint64_t u;
  if (!ParseUintBase0(s, &u)) return false;
  if (u > static_cast<uint64_t>(INT64_MAX) + (neg ? 1 : 0)) return false;
  *out = neg ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u);
  return true;
}

namespace {

// Go's int64(f) on amd64: out-of-range values (and NaN) become the minimum int64.
int64_t GoInt64(double f) {
  if (std::isnan(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(f);
}

// go-units v0.4.0 (what docker 20.10 links): the size must match ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$.
Result<int64_t> ParseSize(std::string_view s, bool binary) {
  auto invalid = [&] { return Error(Errc::kInvalidArgument, "invalid size: '" + std::string(s) + "'"); };
  auto digits = [&](size_t i) {
    size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    return j;
  };
  size_t i = digits(0);
  if (i == 0) return invalid();
  while (i + 1 < s.size() && s[i] == '.' && digits(i + 1) > i + 1) i = digits(i + 1);
  std::string_view num = s.substr(0, i);
  if (i < s.size() && s[i] == ' ') ++i;
  int power = 0;
  if (i < s.size()) {
    static const char kUnits[] = "kmgtp";
    char c = static_cast<char>(s[i] | 0x20);
    if (const char* u = std::char_traits<char>::find(kUnits, 5, c); u != nullptr && s[i] != ' ') {
      power = static_cast<int>(u - kUnits) + 1;
      ++i;
    }
  }
  if (i < s.size() && (s[i] == 'i' || s[i] == 'I')) ++i;
  if (i < s.size() && (s[i] == 'b' || s[i] == 'B')) ++i;
  if (i != s.size()) return invalid();
  double size = SKIFF_TRY(ParseFloat(num));
  if (power > 0) size *= std::pow(binary ? 1024.0 : 1000.0, power);
  return GoInt64(size);
}

}  // namespace

std::string FormatFloat(double v, char fmt, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  Decimal dec;
  bool shortest = prec < 0;
  if (shortest) {
    dec = ShortestDigits(v);
    int nd = static_cast<int>(dec.d.size());
    switch (fmt) {
      case 'e': case 'E': prec = std::max(nd - 1, 0); break;
      case 'f': prec = std::max(nd - dec.dp, 0); break;
      case 'g': case 'G': prec = nd; break;
      default: break;
    }
  } else if (fmt == 'f') {
    dec = FixedDigits(v, prec);
  } else {
    int digits = prec;
    if (fmt == 'e' || fmt == 'E') {
      digits = prec + 1;
    } else if (fmt == 'g' || fmt == 'G') {
      if (prec == 0) prec = 1;
      digits = prec;
    } else {
      digits = 1;
    }
    dec = SignificantDigits(v, digits);
  }
  return FormatDecimal(dec, shortest, prec, fmt);
}

std::string FormatFloatVerb(double v, char verb, const FmtFlags& f) {
  std::string out;
  int prec = -1;
  char fmt = verb;
  switch (verb) {
    case 'v': fmt = 'g'; break;
    case 'g': case 'G': break;
    case 'e': case 'E': case 'f': prec = 6; break;
    case 'F': fmt = 'f'; prec = 6; break;
    default: return "";
  }
  if (f.prec_present) prec = f.prec;
  std::string num = FormatFloat(v, fmt, prec);
  if (num[0] != '-' && num[0] != '+') num.insert(num.begin(), '+');
  if (f.space && num[0] == '+' && !f.plus) num[0] = ' ';
  if (num[1] == 'I' || num[1] == 'N') {
    if (num[1] == 'N' && !f.space && !f.plus) num.erase(0, 1);
    Pad(out, f, num, false);
    return out;
  }
  if (f.sharp) {
    // '#': keep the decimal point and, for %g, trailing zeros up to the precision.
    int digits = (fmt == 'g' || fmt == 'G') ? (prec == -1 ? 6 : prec) : 0;
    std::string tail;
    bool has_point = false, nonzero = false;
    for (size_t i = 1; i < num.size(); ++i) {
      char c = num[i];
      if (c == '.') {
        has_point = true;
      } else if (c == 'e' || c == 'E') {
        tail = num.substr(i);
        num.resize(i);
        break;
      } else {
        if (c != '0') nonzero = true;
        if (nonzero) --digits;
      }
    }
    if (!has_point) {
      if (num.size() == 2 && num[1] == '0') --digits;
      num.push_back('.');
    }
    for (; digits > 0; --digits) num.push_back('0');
    num += tail;
  }
  if (f.plus || num[0] != '+') {
    if (f.zero && !f.minus && f.wid_present && f.wid > static_cast<int>(num.size())) {
      out.push_back(num[0]);
      out.append(f.wid - num.size(), '0');
      out.append(num, 1);
      return out;
    }
    Pad(out, f, num, false);
    return out;
  }
  Pad(out, f, std::string_view(num).substr(1), true);
  return out;
}

std::string FormatG(double v, int precision) { return FormatFloat(v, 'g', precision < 0 ? -1 : precision); }

std::string CustomSize(const char* format, double size, double base, const std::vector<std::string>& units) {
  auto [value, unit] = SizeAndUnit(size, base, units);
  return SprintfFloatString(format, value, *unit);
}

std::string HumanSizeWithPrecision(double bytes, int precision) {
  auto [value, unit] = SizeAndUnit(bytes, 1000.0, kDecimalAbbrs);
  // Go's "%.*g" with a negative precision prints %!(BADPREC) and the shortest form.
  if (precision < 0) return "%!(BADPREC)" + FormatFloat(value, 'g', -1) + *unit;
  FmtFlags f;
  f.prec_present = true;
  f.prec = precision;
  return FormatFloatVerb(value, 'g', f) + *unit;
}

std::string HumanSize(double bytes) { return HumanSizeWithPrecision(bytes, 4); }

std::string BytesSize(double bytes) { return CustomSize("%.4g%s", bytes, 1024.0, kBinaryAbbrs); }

Result<int64_t> FromHumanSize(std::string_view s) { return ParseSize(s, false); }

Result<int64_t> RAMInBytes(std::string_view s) { return ParseSize(s, true); }

std::string HumanDuration(std::chrono::nanoseconds d) {
  // Go's Duration.Seconds/Minutes/Hours: whole units plus the remainder as a fraction.
  int64_t ns = d.count();
  auto in = [ns](int64_t unit) {
    return static_cast<double>(ns / unit) + static_cast<double>(ns % unit) / static_cast<double>(unit);
  };
  constexpr int64_t kSecond = 1000000000, kMinute = 60 * kSecond, kHour = 60 * kMinute;
  int64_t seconds = static_cast<int64_t>(in(kSecond));
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return std::to_string(seconds) + " seconds";
  int64_t minutes = static_cast<int64_t>(in(kMinute));
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return std::to_string(minutes) + " minutes";
  int64_t hours = static_cast<int64_t>(in(kHour) + 0.5);
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < 24 * 7 * 2) return std::to_string(hours / 24) + " days";
  if (hours < 24 * 30 * 2) return std::to_string(hours / 24 / 7) + " weeks";
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24 / 30) + " months";
  return std::to_string(static_cast<int64_t>(in(kHour)) / 24 / 365) + " years";
}

Result<int64_t> ParseGoDuration(std::string_view orig) {
  std::string_view s = orig;
  auto bad = [&] { return Error(Errc::kInvalidArgument, "time: invalid duration \"" + std::string(orig) + "\""); };
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return bad();
  long double total = 0;
  while (!s.empty()) {
    if (!(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '.')) return bad();
    size_t i = 0;
    std::string num;
    bool pre = false, post = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) num += s[i++], pre = true;
    if (i < s.size() && s[i] == '.') {
      num += s[i++];
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) num += s[i++], post = true;
    }
    if (!pre && !post) return bad();
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !std::isdigit(static_cast<unsigned char>(s[u]))) ++u;
    if (u == 0) return Error(Errc::kInvalidArgument, "time: missing unit in duration \"" + std::string(orig) + "\"");
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    long double mult;
    if (unit == "ns") mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") mult = 1e3;
    else if (unit == "ms") mult = 1e6;
    else if (unit == "s") mult = 1e9;
    else if (unit == "m") mult = 60e9;
    else if (unit == "h") mult = 3600e9;
    else return Error(Errc::kInvalidArgument, "time: unknown unit \"" + std::string(unit) + "\" in duration \"" + std::string(orig) + "\"");
    total += std::strtold(num.c_str(), nullptr) * mult;
    if (total > 9.223372036854775807e18L) return bad();
  }
  auto v = static_cast<int64_t>(total);
  return neg ? -v : v;
}

std::string FormatGoDuration(int64_t ns) {
  if (ns == 0) return "0s";
  bool neg = ns < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  auto frac = [](uint64_t v, int digits) {
    // v / 10^digits with trailing zeros trimmed
    std::string s = std::to_string(v);
    if (static_cast<int>(s.size()) <= digits) s = std::string(digits - s.size() + 1, '0') + s;
    std::string ip = s.substr(0, s.size() - digits), fp = s.substr(s.size() - digits);
    while (!fp.empty() && fp.back() == '0') fp.pop_back();
    return fp.empty() ? ip : ip + "." + fp;
  };
  std::string out;
  if (u < 1000000000ULL) {
    if (u < 1000) out = std::to_string(u) + "ns";
    else if (u < 1000000) out = frac(u, 3) + "\xC2\xB5s";
    else out = frac(u, 6) + "ms";
  } else {
    uint64_t h = u / 3600000000000ULL;
    uint64_t rem = u % 3600000000000ULL;
    uint64_t m = rem / 60000000000ULL;
    uint64_t sns = rem % 60000000000ULL;
    if (h) out += std::to_string(h) + "h";
    if (h || m) out += std::to_string(m) + "m";
    out += frac(sns, 9) + "s";
  }
  return neg ? "-" + out : out;
}

}  // namespace skiff::units

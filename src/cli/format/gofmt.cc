#include "cli/format/gofmt.h"

#include <cmath>

#include "base/units.h"

namespace skiff::cli::format {
namespace {

constexpr char kLower[] = "0123456789abcdefx";
constexpr char kUpper[] = "0123456789ABCDEFX";
constexpr uint32_t kRuneError = 0xFFFD;
constexpr uint32_t kMaxRune = 0x10FFFF;

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    uint32_t r;
    i += DecodeRune(s, i, &r);
  }
  return n;
}

bool ValidRune(uint32_t r) { return r <= kMaxRune && !(r >= 0xD800 && r <= 0xDFFF); }

void AppendHex(std::string& out, uint32_t v, int digits) {
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out.push_back(kLower[(v >> shift) & 0xF]);
}

void AppendEscapedRune(std::string& out, uint32_t r, char quote, bool ascii_only) {
  if (r == static_cast<uint32_t>(quote) || r == '\\') {
    out.push_back('\\');
    out.push_back(static_cast<char>(r));
    return;
  }
  if (ascii_only ? (r < 0x80 && GoIsPrint(r)) : GoIsPrint(r)) {
    AppendRune(out, r);
    return;
  }
  switch (r) {
    case '\a': out += "\\a"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\v': out += "\\v"; return;
    default: break;
  }
  if (r < ' ' || r == 0x7f) {
    out += "\\x";
    AppendHex(out, r, 2);
    return;
  }
  if (!ValidRune(r)) r = kRuneError;
  if (r < 0x10000) {
    out += "\\u";
    AppendHex(out, r, 4);
  } else {
    out += "\\U";
    AppendHex(out, r, 8);
  }
}

bool CanBackquote(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t r;
    size_t w = DecodeRune(s, i, &r);
    i += w;
    if (w > 1) {
      if (r == 0xFEFF) return false;
      continue;
    }
    if (r == kRuneError) return false;
    if ((r < ' ' && r != '\t') || r == '`' || r == 0x7F) return false;
  }
  return true;
}

// One fmt operand printer: Go's pp and fmt types for the value model.
struct Flags : units::FmtFlags {
  bool plus_v = false, sharp_v = false;
};

class Printer {
 public:
  std::string buf;
  Flags f;

  void ClearFlags() { f = Flags(); }

  void WritePadding(int n) {
    if (n > 0) buf.append(static_cast<size_t>(n), f.zero ? '0' : ' ');
  }

  void Pad(std::string_view s) {
    if (!f.wid_present || f.wid == 0) {
      buf += s;
      return;
    }
    int width = f.wid - static_cast<int>(RuneCount(s));
    if (!f.minus) {
      WritePadding(width);
      buf += s;
    } else {
      buf += s;
      WritePadding(width);
    }
  }

  void FmtBoolean(bool v) { Pad(v ? "true" : "false"); }

  void FmtUnicode(uint64_t u) {
    std::string digits;
    int prec = 4;
    if (f.prec_present && f.prec > 4) prec = f.prec;
    uint64_t x = u;
    do {
      digits.insert(digits.begin(), kUpper[x & 0xF]);
      x >>= 4;
    } while (x != 0);
    while (static_cast<int>(digits.size()) < prec) digits.insert(digits.begin(), '0');
    std::string s = "U+" + digits;
    if (f.sharp && u <= kMaxRune && GoIsPrint(static_cast<uint32_t>(u))) {
      s += " '";
      AppendRune(s, static_cast<uint32_t>(u));
      s += "'";
    }
    bool old_zero = f.zero;
    f.zero = false;
    Pad(s);
    f.zero = old_zero;
  }

  void FmtInteger(uint64_t u, int base, bool is_signed, char verb, const char* digits) {
    bool negative = is_signed && static_cast<int64_t>(u) < 0;
    if (negative) u = -u;
    int prec = 0;
    if (f.prec_present) {
      prec = f.prec;
      if (prec == 0 && u == 0) {
        bool old_zero = f.zero;
        f.zero = false;
        WritePadding(f.wid);
        f.zero = old_zero;
        return;
      }
    } else if (f.zero && f.wid_present) {
      prec = f.wid;
      if (negative || f.plus || f.space) --prec;  // leave room for sign
    }
    std::string s;
    do {
      s.insert(s.begin(), digits[u % static_cast<uint64_t>(base)]);
      u /= static_cast<uint64_t>(base);
    } while (u != 0);
    while (static_cast<int>(s.size()) < prec) s.insert(s.begin(), '0');
    if (f.sharp) {
      if (base == 2) s.insert(0, "0b");
      else if (base == 8 && s[0] != '0') s.insert(s.begin(), '0');
      else if (base == 16) s.insert(0, std::string("0") + digits[16]);
    }
    if (verb == 'O') s.insert(0, "0o");
    if (negative) s.insert(s.begin(), '-');
    else if (f.plus) s.insert(s.begin(), '+');
    else if (f.space) s.insert(s.begin(), ' ');
    bool old_zero = f.zero;
    f.zero = false;
    Pad(s);
    f.zero = old_zero;
  }

  void Fmt0x64(uint64_t v, bool leading0x) {
    bool sharp = f.sharp;
    f.sharp = leading0x;
    FmtInteger(v, 16, false, 'v', kLower);
    f.sharp = sharp;
  }

  void FmtC(uint64_t c) {
    uint32_t r = c > kMaxRune ? kRuneError : static_cast<uint32_t>(c);
    std::string s;
    AppendRune(s, r);
    Pad(s);
  }

  void FmtQc(uint64_t c) {
    uint32_t r = c > kMaxRune ? kRuneError : static_cast<uint32_t>(c);
    Pad(GoQuoteRune(r, f.plus));
  }

  std::string TruncateString(std::string_view s) const {
    if (f.prec_present) {
      int n = f.prec;
      for (size_t i = 0; i < s.size();) {
        if (--n < 0) return std::string(s.substr(0, i));
        uint32_t r;
        i += DecodeRune(s, i, &r);
      }
    }
    return std::string(s);
  }

  void FmtS(std::string_view s) { Pad(TruncateString(s)); }

  void FmtSx(std::string_view s, const char* digits) {
    int length = static_cast<int>(s.size());
    if (f.prec_present && f.prec < length) length = f.prec;
    int width = 2 * length;
    if (width > 0) {
      if (f.space) {
        if (f.sharp) width *= 2;
        width += length - 1;
      } else if (f.sharp) {
        width += 2;
      }
    } else {
      if (f.wid_present) WritePadding(f.wid);
      return;
    }
    if (f.wid_present && f.wid > width && !f.minus) WritePadding(f.wid - width);
    if (f.sharp) {
      buf.push_back('0');
      buf.push_back(digits[16]);
    }
    for (int i = 0; i < length; ++i) {
      if (f.space && i > 0) {
        buf.push_back(' ');
        if (f.sharp) {
          buf.push_back('0');
          buf.push_back(digits[16]);
        }
      }
      unsigned char c = static_cast<unsigned char>(s[i]);
      buf.push_back(digits[c >> 4]);
      buf.push_back(digits[c & 0xF]);
    }
    if (f.wid_present && f.wid > width && f.minus) WritePadding(f.wid - width);
  }

  void FmtQ(std::string_view s) {
    std::string t = TruncateString(s);
    if (f.sharp && CanBackquote(t)) {
      Pad("`" + t + "`");
      return;
    }
    Pad(GoQuote(t, f.plus));
  }

  void BadVerb(char32_t verb, const Value& arg) {
    buf += "%!";
    AppendRune(buf, verb);
    buf.push_back('(');
    if (!arg.valid() || arg.kind() == Kind::kNil) {
      buf += "<nil>";
    } else {
      buf += arg.ConcreteTypeName();
      buf.push_back('=');
      PrintArg(arg, 'v');
    }
    buf.push_back(')');
  }

  void FmtBool(const Value& v, char32_t verb) {
    if (verb == 't' || verb == 'v') FmtBoolean(v.AsBool());
    else BadVerb(verb, v);
  }

  void FmtInt(const Value& v, uint64_t u, bool is_signed, char32_t verb) {
    switch (verb) {
      case 'v':
        if (f.sharp_v && !is_signed) Fmt0x64(u, true);
        else FmtInteger(u, 10, is_signed, 'v', kLower);
        return;
      case 'd': FmtInteger(u, 10, is_signed, 'd', kLower); return;
      case 'b': FmtInteger(u, 2, is_signed, 'b', kLower); return;
      case 'o': case 'O': FmtInteger(u, 8, is_signed, static_cast<char>(verb), kLower); return;
      case 'x': FmtInteger(u, 16, is_signed, 'x', kLower); return;
      case 'X': FmtInteger(u, 16, is_signed, 'X', kUpper); return;
      case 'c': FmtC(u); return;
      case 'q': FmtQc(u); return;
      case 'U': FmtUnicode(u); return;
      default: BadVerb(verb, v);
    }
  }

  void FmtFloat(const Value& v, char32_t verb) {
    std::string s = verb < 0x80 ? units::FormatFloatVerb(v.AsFloat(), static_cast<char>(verb), f) : "";
    if (s.empty()) BadVerb(verb, v);
    else buf += s;
  }

  void FmtString(const Value& v, char32_t verb) {
    const std::string& s = v.AsString();
    switch (verb) {
      case 'v':
        if (f.sharp_v) FmtQ(s);
        else FmtS(s);
        return;
      case 's': FmtS(s); return;
      case 'x': FmtSx(s, kLower); return;
      case 'X': FmtSx(s, kUpper); return;
      case 'q': FmtQ(s); return;
      default: BadVerb(verb, v);
    }
  }

  // Scalars; false for slices and maps.
  bool PrintScalar(const Value& v, char32_t verb) {
    switch (v.kind()) {
      case Kind::kBool: FmtBool(v, verb); return true;
      case Kind::kInt: FmtInt(v, static_cast<uint64_t>(v.AsInt()), true, verb); return true;
      case Kind::kUint8: case Kind::kUint64: FmtInt(v, v.AsUint(), false, verb); return true;
      case Kind::kFloat: FmtFloat(v, verb); return true;
      case Kind::kString: FmtString(v, verb); return true;
      default: return false;
    }
  }

  void PrintArg(const Value& arg, char32_t verb) {
    if (!arg.valid() || arg.kind() == Kind::kNil) {
      if (verb == 'T' || verb == 'v') Pad("<nil>");
      else BadVerb(verb, Value());
      return;
    }
    Value v = arg.Unwrapped();
    if (verb == 'T') {
      FmtS(v.ConcreteTypeName());
      return;
    }
    if (verb == 'p') {
      if (v.IsSlice() || v.IsMap()) {
        Fmt0x64(reinterpret_cast<uintptr_t>(&v.json()), !f.sharp);
      } else {
        BadVerb(verb, v);
      }
      return;
    }
    if (!PrintScalar(v, verb)) PrintValue(v, verb, 0);
  }

  void PrintValue(const Value& v, char32_t verb, int depth) {
    if (!v.valid()) {
      if (depth == 0) buf += "<invalid reflect.Value>";
      else if (verb == 'v') buf += "<nil>";
      else BadVerb(verb, Value());
      return;
    }
    if (v.kind() == Kind::kNil) {
      buf += f.sharp_v ? "interface {}(nil)" : "<nil>";
      return;
    }
    if (v.is_interface()) {
      PrintValue(v.Unwrapped(), verb, depth + 1);
      return;
    }
    if (PrintScalar(v, verb)) return;
    if (v.IsMap()) {
      if (f.sharp_v) buf += v.ConcreteTypeName() + "{";
      else buf += "map[";
      bool first = true;
      for (const auto& [key, _] : v.json().items()) {
        if (!first) buf += f.sharp_v ? ", " : " ";
        first = false;
        PrintValue(Value::String(key), verb, depth + 1);
        buf.push_back(':');
        PrintValue(v.MapIndex(key), verb, depth + 1);
      }
      buf.push_back(f.sharp_v ? '}' : ']');
      return;
    }
    // Slices.
    if (f.sharp_v) {
      buf += v.ConcreteTypeName();
      buf.push_back('{');
    } else {
      buf.push_back('[');
    }
    for (size_t i = 0; i < v.Len(); ++i) {
      if (i > 0) buf += f.sharp_v ? ", " : " ";
      PrintValue(v.Index(i), verb, depth + 1);
    }
    buf.push_back(f.sharp_v ? '}' : ']');
  }
};

bool IsInt(const Value& v, int* out) {
  Value u = v.Unwrapped();
  int64_t n;
  if (u.kind() == Kind::kInt) {
    n = u.AsInt();
  } else if (u.kind() == Kind::kUint8 || u.kind() == Kind::kUint64) {
    if (u.AsUint() > static_cast<uint64_t>(INT64_MAX)) return false;
    n = static_cast<int64_t>(u.AsUint());
  } else {
    return false;
  }
  if (n > 1000000 || n < -1000000) return false;  // Go's tooLarge
  *out = static_cast<int>(n);
  return true;
}

// Go's intFromArg.
bool IntFromArg(const std::vector<Value>& a, size_t* arg_num, int* num) {
  *num = 0;
  if (*arg_num >= a.size()) return false;
  bool ok = IsInt(a[*arg_num], num);
  if (!ok) *num = 0;
  ++*arg_num;
  return ok;
}

// Go's parsenum: digits at format[*i..end); false if none (or too large).
bool ParseNum(std::string_view format, size_t* i, size_t end, int* num) {
  *num = 0;
  bool is_num = false;
  while (*i < end && format[*i] >= '0' && format[*i] <= '9') {
    if (*num > 1000000) {  // tooLarge: Go gives up and skips to the end
      *num = 0;
      *i = end;
      return false;
    }
    *num = *num * 10 + (format[*i] - '0');
    is_num = true;
    ++*i;
  }
  return is_num;
}

}  // namespace

size_t DecodeRune(std::string_view s, size_t i, uint32_t* rune) {
  unsigned char c0 = static_cast<unsigned char>(s[i]);
  if (c0 < 0x80) {
    *rune = c0;
    return 1;
  }
  size_t n = s.size() - i;
  auto cont = [&](size_t k) { return k < n && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80; };
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i + k])); };
  *rune = kRuneError;
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    if (!cont(1)) return 1;
    *rune = ((c0 & 0x1Fu) << 6) | (byte(1) & 0x3F);
    return 2;
  }
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 1;
    uint32_t b1 = byte(1);
    if ((c0 == 0xE0 && b1 < 0xA0) || (c0 == 0xED && b1 > 0x9F)) return 1;  // overlong, surrogate
    *rune = ((c0 & 0x0Fu) << 12) | ((b1 & 0x3F) << 6) | (byte(2) & 0x3F);
    return 3;
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 1;
    uint32_t b1 = byte(1);
    if ((c0 == 0xF0 && b1 < 0x90) || (c0 == 0xF4 && b1 > 0x8F)) return 1;
    *rune = ((c0 & 0x07u) << 18) | ((b1 & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) | (byte(3) & 0x3F);
    return 4;
  }
  return 1;
}

void AppendRune(std::string& out, uint32_t r) {
  if (!ValidRune(r)) r = kRuneError;
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (r >> 6)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

bool GoIsPrint(uint32_t r) {
  if (r < 0x20) return false;
  if (r < 0x7F) return true;
  if (r < 0xA0 || r == 0xA0 || r == 0xAD) return false;
  if (r > kMaxRune) return false;
  struct Range { uint32_t lo, hi; };
  static constexpr Range kNotPrint[] = {
      {0x0600, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD}, {0x070F, 0x070F}, {0x08E2, 0x08E2},
      {0x1680, 0x1680}, {0x180E, 0x180E}, {0x2000, 0x200F}, {0x2028, 0x202F}, {0x205F, 0x206F},
      {0x3000, 0x3000}, {0xD800, 0xF8FF}, {0xFDD0, 0xFDEF}, {0xFEFF, 0xFEFF}, {0xFFF0, 0xFFFB},
      {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x13438}, {0x1BCA0, 0x1BCA3},
      {0x1D173, 0x1D17A}, {0xE0000, 0xE00FF}, {0xF0000, 0x10FFFF},
  };
  for (const Range& x : kNotPrint) {
    if (r >= x.lo && r <= x.hi) return false;
  }
  return (r & 0xFFFE) != 0xFFFE;  // U+xFFFE and U+xFFFF are noncharacters in every plane
}

std::string GoQuote(std::string_view s, bool ascii_only) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    uint32_t r;
    size_t w = DecodeRune(s, i, &r);
    if (w == 1 && r == kRuneError) {
      out += "\\x";
      AppendHex(out, static_cast<unsigned char>(s[i]), 2);
    } else {
      AppendEscapedRune(out, r, '"', ascii_only);
    }
    i += w;
  }
  out.push_back('"');
  return out;
}

std::string GoQuoteRune(uint32_t r, bool ascii_only) {
  if (!ValidRune(r)) r = kRuneError;
  std::string out = "'";
  AppendEscapedRune(out, r, '\'', ascii_only);
  out.push_back('\'');
  return out;
}

std::string GoSprint(const std::vector<Value>& args) {
  Printer p;
  bool prev_string = false;
  for (size_t i = 0; i < args.size(); ++i) {
    bool is_string = args[i].Unwrapped().kind() == Kind::kString;
    if (i > 0 && !is_string && !prev_string) p.buf.push_back(' ');
    p.PrintArg(args[i], 'v');
    prev_string = is_string;
  }
  return p.buf;
}

std::string GoSprintln(const std::vector<Value>& args) {
  Printer p;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) p.buf.push_back(' ');
    p.PrintArg(args[i], 'v');
  }
  p.buf.push_back('\n');
  return p.buf;
}

std::string GoSprintf(std::string_view format, const std::vector<Value>& a) {
  Printer p;
  size_t end = format.size();
  size_t arg_num = 0;
  bool after_index = false;
  bool reordered = false;
  bool good_arg_num = true;

  // Go's argNumber: an explicit [n] index at format[*i].
  auto arg_number = [&](size_t* i) -> bool {
    if (*i >= end || format[*i] != '[') return false;
    reordered = true;
    // parseArgNumber
    size_t rest = end - *i;
    if (rest < 3) {
      *i += 1;
      good_arg_num = false;
      return false;
    }
    for (size_t k = 1; k < rest; ++k) {
      if (format[*i + k] == ']') {
        size_t j = *i + 1;
        int width = 0;
        bool ok = ParseNum(format, &j, *i + k, &width);
        if (!ok || j != *i + k) {
          *i += k + 1;
          good_arg_num = false;
          return false;
        }
        int index = width - 1;
        *i += k + 1;
        if (index >= 0 && static_cast<size_t>(index) < a.size()) {
          arg_num = static_cast<size_t>(index);
          return true;
        }
        good_arg_num = false;
        return true;
      }
    }
    *i += 1;
    good_arg_num = false;
    return false;
  };

  for (size_t i = 0; i < end;) {
    good_arg_num = true;
    size_t lasti = i;
    while (i < end && format[i] != '%') ++i;
    if (i > lasti) p.buf.append(format.substr(lasti, i - lasti));
    if (i >= end) break;
    ++i;  // skip %
    p.ClearFlags();
    bool simple_done = false;
    for (; i < end; ++i) {
      char c = format[i];
      if (c == '#') {
        p.f.sharp = true;
      } else if (c == '0') {
        p.f.zero = !p.f.minus;
      } else if (c == '+') {
        p.f.plus = true;
      } else if (c == '-') {
        p.f.minus = true;
        p.f.zero = false;
      } else if (c == ' ') {
        p.f.space = true;
      } else {
        if (c >= 'a' && c <= 'z' && arg_num < a.size()) {
          if (c == 'v') {
            p.f.sharp_v = p.f.sharp;
            p.f.sharp = false;
            p.f.plus_v = p.f.plus;
            p.f.plus = false;
          }
          p.PrintArg(a[arg_num], static_cast<unsigned char>(c));
          ++arg_num;
          ++i;
          simple_done = true;
        }
        break;
      }
    }
    if (simple_done) continue;

    after_index = arg_number(&i);
    if (i < end && format[i] == '*') {
      ++i;
      p.f.wid_present = IntFromArg(a, &arg_num, &p.f.wid);
      if (!p.f.wid_present) p.buf += "%!(BADWIDTH)";
      if (p.f.wid < 0) {
        p.f.wid = -p.f.wid;
        p.f.minus = true;
        p.f.zero = false;
      }
      after_index = false;
    } else {
      p.f.wid_present = ParseNum(format, &i, end, &p.f.wid);
      if (after_index && p.f.wid_present) good_arg_num = false;
    }
    if (i + 1 < end && format[i] == '.') {
      ++i;
      if (after_index) good_arg_num = false;
      after_index = arg_number(&i);
      if (i < end && format[i] == '*') {
        ++i;
        p.f.prec_present = IntFromArg(a, &arg_num, &p.f.prec);
        if (p.f.prec < 0) {
          p.f.prec = 0;
          p.f.prec_present = false;
        }
        if (!p.f.prec_present) p.buf += "%!(BADPREC)";
        after_index = false;
      } else {
        p.f.prec_present = ParseNum(format, &i, end, &p.f.prec);
        if (!p.f.prec_present) {
          p.f.prec = 0;
          p.f.prec_present = true;
        }
      }
    }
    if (!after_index) after_index = arg_number(&i);
    if (i >= end) {
      p.buf += "%!(NOVERB)";
      break;
    }
    uint32_t verb = static_cast<unsigned char>(format[i]);
    size_t size = 1;
    if (verb >= 0x80) size = DecodeRune(format, i, &verb);
    i += size;
    if (verb == '%') {
      p.buf.push_back('%');
    } else if (!good_arg_num) {
      p.buf += "%!";
      AppendRune(p.buf, verb);
      p.buf += "(BADINDEX)";
    } else if (arg_num >= a.size()) {
      p.buf += "%!";
      AppendRune(p.buf, verb);
      p.buf += "(MISSING)";
    } else {
      if (verb == 'v') {
        p.f.sharp_v = p.f.sharp;
        p.f.sharp = false;
        p.f.plus_v = p.f.plus;
        p.f.plus = false;
      }
      p.PrintArg(a[arg_num], verb);
      ++arg_num;
    }
  }
  if (!reordered && arg_num < a.size()) {
    p.ClearFlags();
    p.buf += "%!(EXTRA ";
    for (size_t k = arg_num; k < a.size(); ++k) {
      if (k > arg_num) p.buf += ", ";
      const Value& arg = a[k];
      if (!arg.valid() || arg.kind() == Kind::kNil) {
        p.buf += "<nil>";
      } else {
        p.buf += arg.Unwrapped().ConcreteTypeName();
        p.buf.push_back('=');
        p.PrintArg(arg, 'v');
      }
    }
    p.buf.push_back(')');
  }
  return p.buf;
}

namespace {

void JsonString(std::string& out, std::string_view s, bool escape_html) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      bool safe = b >= 0x20 && b != '"' && b != '\\' && !(escape_html && (b == '<' || b == '>' || b == '&'));
      if (safe) {
        out.push_back(static_cast<char>(b));
      } else {
        out.push_back('\\');
        switch (b) {
          case '\\': case '"': out.push_back(static_cast<char>(b)); break;
          case '\n': out.push_back('n'); break;
          case '\r': out.push_back('r'); break;
          case '\t': out.push_back('t'); break;
          default:
            out += "u00";
            out.push_back(kLower[b >> 4]);
            out.push_back(kLower[b & 0xF]);
        }
      }
      ++i;
      continue;
    }
    uint32_t r;
    size_t w = DecodeRune(s, i, &r);
    if (w == 1 && r == kRuneError) {
      out += "\\ufffd";
    } else if (r == 0x2028 || r == 0x2029) {
      out += "\\u202";
      out.push_back(kLower[r & 0xF]);
    } else {
      out.append(s.substr(i, w));
    }
    i += w;
  }
  out.push_back('"');
}

void JsonValue(std::string& out, const Json& j, bool escape_html) {
  switch (j.type()) {
    case Json::value_t::null: out += "null"; return;
    case Json::value_t::boolean: out += j.get<bool>() ? "true" : "false"; return;
    case Json::value_t::number_integer: out += std::to_string(j.get<int64_t>()); return;
    case Json::value_t::number_unsigned: out += std::to_string(j.get<uint64_t>()); return;
    case Json::value_t::number_float: {
      double f = j.get<double>();
      if (!std::isfinite(f)) {
        out += "null";
        return;
      }
      double abs = std::fabs(f);
      char fmt = 'f';
      if (abs != 0 && (abs < 1e-6 || abs >= 1e21)) fmt = 'e';
      std::string b = units::FormatFloat(f, fmt, -1);
      size_t n = b.size();
      if (fmt == 'e' && n >= 4 && b[n - 4] == 'e' && b[n - 3] == '-' && b[n - 2] == '0') {
        b[n - 2] = b[n - 1];
        b.pop_back();
      }
      out += b;
      return;
    }
    case Json::value_t::string: JsonString(out, j.get_ref<const std::string&>(), escape_html); return;
    case Json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const Json& e : j) {
        if (!first) out.push_back(',');
        first = false;
        JsonValue(out, e, escape_html);
      }
      out.push_back(']');
      return;
    }
    case Json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, v] : j.items()) {
        if (!first) out.push_back(',');
        first = false;
        JsonString(out, k, escape_html);
        out.push_back(':');
        JsonValue(out, v, escape_html);
      }
      out.push_back('}');
      return;
    }
    default: out += "null"; return;
  }
}

}  // namespace

std::string GoJsonEncode(const Json& j, bool escape_html) {
  std::string out;
  JsonValue(out, j, escape_html);
  return out;
}

}  // namespace skiff::cli::format

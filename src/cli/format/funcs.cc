#include "cli/format/funcs.h"

#include <fmt/format.h>

#include <cwctype>
#include <locale>
#include <map>

#include "cli/format/gofmt.h"

namespace skiff::cli::format {
namespace {

Error Fail(std::string msg) { return Error(Errc::kInvalidArgument, std::move(msg)); }

// Go's indirectInterface: the content of an interface; a nil interface is invalid.
Value Content(const Value& v) { return v.Unwrapped(); }

// ---- comparisons (Go's eq, lt) ----

enum class BasicKind { kInvalid, kBool, kInt, kFloat, kString, kUint };

BasicKind BasicKindOf(const Value& v) {
  switch (v.kind()) {
    case Kind::kBool: return BasicKind::kBool;
    case Kind::kInt: return BasicKind::kInt;
    case Kind::kUint8: case Kind::kUint64: return BasicKind::kUint;
    case Kind::kFloat: return BasicKind::kFloat;
    case Kind::kString: return BasicKind::kString;
    default: return BasicKind::kInvalid;
  }
}

const char kBadComparisonType[] = "invalid type for comparison";
const char kBadComparison[] = "incompatible types for comparison";

Result<bool> Eq(const Value& a1, const std::vector<Value>& rest) {
  Value arg1 = Content(a1);
  if (rest.empty()) return Fail("missing argument for comparison");
  BasicKind k1 = BasicKindOf(arg1);
  for (const Value& raw : rest) {
    Value arg = Content(raw);
    BasicKind k2 = BasicKindOf(arg);
    bool truth = false;
    if (k1 != k2) {
      if (k1 == BasicKind::kInt && k2 == BasicKind::kUint) {
        truth = arg1.AsInt() >= 0 && static_cast<uint64_t>(arg1.AsInt()) == arg.AsUint();
      } else if (k1 == BasicKind::kUint && k2 == BasicKind::kInt) {
        truth = arg.AsInt() >= 0 && arg1.AsUint() == static_cast<uint64_t>(arg.AsInt());
      } else if (arg1.valid() && arg.valid()) {
        return Fail(kBadComparison);
      }
    } else {
      switch (k1) {
        case BasicKind::kBool: truth = arg1.AsBool() == arg.AsBool(); break;
        case BasicKind::kFloat: truth = arg1.AsFloat() == arg.AsFloat(); break;
        case BasicKind::kInt: truth = arg1.AsInt() == arg.AsInt(); break;
        case BasicKind::kString: truth = arg1.AsString() == arg.AsString(); break;
        case BasicKind::kUint: truth = arg1.AsUint() == arg.AsUint(); break;
        case BasicKind::kInvalid: {
          // Neither is a basic kind: invalid values, or slices and maps (never nil, never comparable here).
          auto reflect_kind = [](Kind k) {
            return k == Kind::kStrings ? Kind::kSlice : k == Kind::kStringMap ? Kind::kMap : k;
          };
          if (arg1.valid() && arg.valid() && reflect_kind(arg1.kind()) != reflect_kind(arg.kind())) {
            return Fail(GoSprintf("non-comparable types %s: %v, %s: %v",
                                  {arg1, Value::String(arg1.TypeName()), Value::String(arg.TypeName()), arg}));
          }
          if (arg1.valid() && arg.valid()) {
            return Fail(GoSprintf("non-comparable type %s: %v", {arg, Value::String(arg.TypeName())}));
          }
          truth = arg1.valid() == arg.valid();
          break;
        }
      }
    }
    if (truth) return true;
  }
  return false;
}

Result<bool> Lt(const Value& a1, const Value& a2) {
  Value arg1 = Content(a1), arg2 = Content(a2);
  BasicKind k1 = BasicKindOf(arg1);
  if (k1 == BasicKind::kInvalid) return Fail(kBadComparisonType);
  BasicKind k2 = BasicKindOf(arg2);
  if (k2 == BasicKind::kInvalid) return Fail(kBadComparisonType);
  if (k1 != k2) {
    if (k1 == BasicKind::kInt && k2 == BasicKind::kUint) {
      return arg1.AsInt() < 0 || static_cast<uint64_t>(arg1.AsInt()) < arg2.AsUint();
    }
    if (k1 == BasicKind::kUint && k2 == BasicKind::kInt) {
      return arg2.AsInt() >= 0 && arg1.AsUint() < static_cast<uint64_t>(arg2.AsInt());
    }
    return Fail(kBadComparison);
  }
  switch (k1) {
    case BasicKind::kBool: return Fail(kBadComparisonType);
    case BasicKind::kFloat: return arg1.AsFloat() < arg2.AsFloat();
    case BasicKind::kInt: return arg1.AsInt() < arg2.AsInt();
    case BasicKind::kString: return arg1.AsString() < arg2.AsString();
    case BasicKind::kUint: return arg1.AsUint() < arg2.AsUint();
    default: return Fail(kBadComparisonType);
  }
}

Result<bool> Le(const Value& a1, const Value& a2) {
  bool less = SKIFF_TRY(Lt(a1, a2));
  if (less) return true;
  return Eq(a1, {a2});
}

// ---- index, slice, len ----

// Go's indexArg: an integer index within [0, cap].
Result<int64_t> IndexArg(const Value& index, size_t cap) {
  int64_t x;
  if (index.is_interface()) return Fail("cannot index slice/array with type interface {}");
  switch (index.kind()) {
    case Kind::kInt: x = index.AsInt(); break;
    case Kind::kUint8: case Kind::kUint64: x = static_cast<int64_t>(index.AsUint()); break;
    case Kind::kInvalid: return Fail("cannot index slice/array with nil");
    default: return Fail("cannot index slice/array with type " + index.TypeName());
  }
  if (x < 0 || static_cast<uint64_t>(x) > cap) return Fail(fmt::format("index out of range: {}", x));
  return x;
}

bool IsSliceKind(Kind k) { return k == Kind::kSlice || k == Kind::kStrings; }

Result<Value> Index(std::vector<Value>& args) {
  Value item = Content(args[0]);
  if (!item.valid()) return Fail("index of untyped nil");
  for (size_t i = 1; i < args.size(); ++i) {
    Value index = Content(args[i]);
    if (item.kind() == Kind::kNil) return Fail("index of nil pointer");
    item = item.Unwrapped();
    if (IsSliceKind(item.kind()) || item.kind() == Kind::kString) {
      int64_t x = SKIFF_TRY(IndexArg(index, item.Len()));
      if (static_cast<size_t>(x) == item.Len()) {
        return Fail(item.kind() == Kind::kString ? "reflect: string index out of range" : "reflect: slice index out of range");
      }
      item = item.Index(static_cast<size_t>(x));
    } else if (item.IsMap()) {
      if (!index.valid()) return Fail("value is nil; should be of type string");
      if (index.kind() != Kind::kString) return Fail("value has type " + index.TypeName() + "; should be string");
      Value x = item.MapIndex(index.AsString());
      // Absent: the element type's zero value.
      item = x.valid() ? x : item.kind() == Kind::kStringMap ? Value::String("") : Value::Nil();
    } else {
      return Fail("can't index item of type " + item.TypeName());
    }
  }
  return item;
}

Result<Value> Slice(std::vector<Value>& args) {
  Value item = Content(args[0]);
  if (!item.valid()) return Fail("slice of untyped nil");
  size_t n = args.size() - 1;
  if (n > 3) return Fail(fmt::format("too many slice indexes: {}", n));
  size_t cap;
  if (item.kind() == Kind::kString) {
    if (n == 3) return Fail("cannot 3-index slice a string");
    cap = item.Len();
  } else if (IsSliceKind(item.kind())) {
    cap = item.Len();
  } else {
    return Fail("can't slice item of type " + item.TypeName());
  }
  int64_t idx[3] = {0, static_cast<int64_t>(item.Len()), 0};
  for (size_t i = 0; i < n; ++i) idx[i] = SKIFF_TRY(IndexArg(args[i + 1], cap));
  if (idx[0] > idx[1]) return Fail(fmt::format("invalid slice index: {} > {}", idx[0], idx[1]));
  if (n == 3 && idx[1] > idx[2]) return Fail(fmt::format("invalid slice index: {} > {}", idx[1], idx[2]));
  return item.Slice(static_cast<size_t>(idx[0]), static_cast<size_t>(idx[1]));
}

Result<Value> Len(std::vector<Value>& args) {
  const Value& v = args[0];
  if (v.kind() == Kind::kNil) return Fail("len of nil pointer");
  if (!v.valid()) return Fail("reflect: call of reflect.Value.Type on zero Value");
  Value item = v.Unwrapped();
  switch (item.kind()) {
    case Kind::kString: case Kind::kSlice: case Kind::kStrings: case Kind::kMap: case Kind::kStringMap:
      return Value::Int(static_cast<int64_t>(item.Len()));
    default: return Fail("len of type " + item.TypeName());
  }
}

// ---- escapers ----

// Go's evalArgs: a lone string as is; otherwise Sprint, with nil shown as "<no value>".
std::string EvalArgs(const std::vector<Value>& args) {
  if (args.size() == 1 && args[0].kind() == Kind::kString) return args[0].AsString();
  std::vector<Value> printable;
  for (const Value& a : args) printable.push_back(a.valid() && a.kind() != Kind::kNil ? a : Value::String("<no value>"));
  return GoSprint(printable);
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\0': out += "\uFFFD"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string JsEscape(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '\\': out += "\\\\"; continue;
        case '\'': out += "\\'"; continue;
        case '"': out += "\\\""; continue;
        case '<': out += "\\u003C"; continue;
        case '>': out += "\\u003E"; continue;
        case '&': out += "\\u0026"; continue;
        case '=': out += "\\u003D"; continue;
        default: break;
      }
      if (c < ' ') {
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
      } else {
        out.push_back(static_cast<char>(c));
      }
      continue;
    }
    uint32_t r;
    size_t w = DecodeRune(s, i, &r);
    if (GoIsPrint(r)) out.append(s.substr(i, w));
    else out += fmt::format("\\u{:04X}", r);
    i += w - 1;
  }
  return out;
}

std::string UrlQueryEscape(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// ---- strings ----

// Unicode case mapping through the C.UTF-8 locale (ASCII only when it is missing).
uint32_t MapCase(uint32_t r, bool upper) {
  if (r < 0x80) {
    if (upper && r >= 'a' && r <= 'z') return r - 32;
    if (!upper && r >= 'A' && r <= 'Z') return r + 32;
    return r;
  }
  static const std::ctype<wchar_t>* facet = []() -> const std::ctype<wchar_t>* {
    try {
      static const std::locale loc("C.UTF-8");
      return &std::use_facet<std::ctype<wchar_t>>(loc);
    } catch (...) {
      return nullptr;
    }
  }();
  if (facet == nullptr) return r;
  return static_cast<uint32_t>(upper ? facet->toupper(static_cast<wchar_t>(r)) : facet->tolower(static_cast<wchar_t>(r)));
}

std::string MapString(std::string_view s, bool upper) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    uint32_t r;
    size_t w = DecodeRune(s, i, &r);
    AppendRune(out, MapCase(r, upper));
    i += w;
  }
  return out;
}

bool IsSeparator(uint32_t r) {
  if (r <= 0x7F) {
    return !((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_');
  }
  if (MapCase(r, true) != r || MapCase(r, false) != r) return false;  // a cased letter
  return r == 0x85 || r == 0xA0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 || r == 0x2029 ||
         r == 0x202F || r == 0x205F || r == 0x3000;
}

std::string Title(std::string_view s) {
  std::string out;
  uint32_t prev = ' ';
  for (size_t i = 0; i < s.size();) {
    uint32_t r;
    size_t w = DecodeRune(s, i, &r);
    AppendRune(out, IsSeparator(prev) ? MapCase(r, true) : r);
    prev = r;
    i += w;
  }
  return out;
}

std::vector<std::string> Split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  if (sep.empty()) {
    for (size_t i = 0; i < s.size();) {
      uint32_t r;
      size_t w = DecodeRune(s, i, &r);
      out.push_back(s.substr(i, w));
      i += w;
    }
    return out;
  }
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    if (pos == std::string::npos) break;
    out.push_back(s.substr(start, pos - start));
    start = pos + sep.size();
  }
  out.push_back(s.substr(start));
  return out;
}

// ---- tables ----

using P = Param;

Func Make(std::vector<Param> params, bool variadic, std::function<Result<Value>(std::vector<Value>&)> call) {
  Func f;
  f.params = std::move(params);
  f.variadic = variadic;
  f.call = std::move(call);
  return f;
}

std::map<std::string, Func, std::less<>> BuildBuiltins() {
  std::map<std::string, Func, std::less<>> m;
  auto lazy = [](std::vector<Value>&) -> Result<Value> { return Fail("unreachable"); };
  m["and"] = Make({P::kReflect, P::kReflect}, true, lazy);
  m["or"] = Make({P::kReflect, P::kReflect}, true, lazy);
  m["call"] = Make({P::kReflect, P::kReflect}, true, [](std::vector<Value>& a) -> Result<Value> {
    Value fn = Content(a[0]);
    if (!fn.valid()) return Fail("call of nil");
    return Fail("non-function of type " + fn.TypeName());
  });
  m["html"] = Make({P::kAny}, true, [](std::vector<Value>& a) -> Result<Value> { return Value::String(HtmlEscape(EvalArgs(a))); });
  m["js"] = Make({P::kAny}, true, [](std::vector<Value>& a) -> Result<Value> { return Value::String(JsEscape(EvalArgs(a))); });
  m["urlquery"] = Make({P::kAny}, true, [](std::vector<Value>& a) -> Result<Value> {
    return Value::String(UrlQueryEscape(EvalArgs(a)));
  });
  m["index"] = Make({P::kReflect, P::kReflect}, true, Index);
  m["slice"] = Make({P::kReflect, P::kReflect}, true, Slice);
  m["len"] = Make({P::kReflect}, false, Len);
  m["not"] = Make({P::kReflect}, false, [](std::vector<Value>& a) -> Result<Value> { return Value::Bool(!Truth(a[0])); });
  m["print"] = Make({P::kAny}, true, [](std::vector<Value>& a) -> Result<Value> { return Value::String(GoSprint(a)); });
  m["println"] = Make({P::kAny}, true, [](std::vector<Value>& a) -> Result<Value> { return Value::String(GoSprintln(a)); });
  m["printf"] = Make({P::kString, P::kAny}, true, [](std::vector<Value>& a) -> Result<Value> {
    std::vector<Value> rest(a.begin() + 1, a.end());
    return Value::String(GoSprintf(a[0].AsString(), rest));
  });
  m["eq"] = Make({P::kReflect, P::kReflect}, true, [](std::vector<Value>& a) -> Result<Value> {
    std::vector<Value> rest(a.begin() + 1, a.end());
    return Value::Bool(SKIFF_TRY(Eq(a[0], rest)));
  });
  m["ne"] = Make({P::kReflect, P::kReflect}, false, [](std::vector<Value>& a) -> Result<Value> {
    return Value::Bool(!SKIFF_TRY(Eq(a[0], {a[1]})));
  });
  m["lt"] = Make({P::kReflect, P::kReflect}, false, [](std::vector<Value>& a) -> Result<Value> {
    return Value::Bool(SKIFF_TRY(Lt(a[0], a[1])));
  });
  m["le"] = Make({P::kReflect, P::kReflect}, false, [](std::vector<Value>& a) -> Result<Value> {
    return Value::Bool(SKIFF_TRY(Le(a[0], a[1])));
  });
  m["gt"] = Make({P::kReflect, P::kReflect}, false, [](std::vector<Value>& a) -> Result<Value> {
    return Value::Bool(!SKIFF_TRY(Le(a[0], a[1])));
  });
  m["ge"] = Make({P::kReflect, P::kReflect}, false, [](std::vector<Value>& a) -> Result<Value> {
    return Value::Bool(!SKIFF_TRY(Lt(a[0], a[1])));
  });
  for (auto& [name, f] : m) f.builtin = true;
  return m;
}

std::map<std::string, Func, std::less<>> BuildDocker() {
  std::map<std::string, Func, std::less<>> m;
  m["json"] = Make({P::kAny}, false, [](std::vector<Value>& a) -> Result<Value> {
    return Value::String(GoJsonEncode(a[0].ToJson(), false));
  });
  m["split"] = Make({P::kString, P::kString}, false, [](std::vector<Value>& a) -> Result<Value> {
    return Value::Strings(Split(a[0].AsString(), a[1].AsString()));
  });
  m["join"] = Make({P::kStrings, P::kString}, false, [](std::vector<Value>& a) -> Result<Value> {
    std::string out;
    if (a[0].valid()) {
      for (size_t i = 0; i < a[0].Len(); ++i) {
        if (i > 0) out += a[1].AsString();
        out += a[0].Index(i).AsString();
      }
    }
    return Value::String(std::move(out));
  });
  m["title"] = Make({P::kString}, false, [](std::vector<Value>& a) -> Result<Value> { return Value::String(Title(a[0].AsString())); });
  m["lower"] = Make({P::kString}, false, [](std::vector<Value>& a) -> Result<Value> {
    return Value::String(MapString(a[0].AsString(), false));
  });
  m["upper"] = Make({P::kString}, false, [](std::vector<Value>& a) -> Result<Value> {
    return Value::String(MapString(a[0].AsString(), true));
  });
  m["pad"] = Make({P::kString, P::kInt, P::kInt}, false, [](std::vector<Value>& a) -> Result<Value> {
    const std::string& s = a[0].AsString();
    if (s.empty()) return Value::String("");
    int64_t prefix = a[1].AsInt(), suffix = a[2].AsInt();
    if (prefix < 0 || suffix < 0) return Fail("strings: negative Repeat count");
    return Value::String(std::string(static_cast<size_t>(prefix), ' ') + s + std::string(static_cast<size_t>(suffix), ' '));
  });
  m["truncate"] = Make({P::kString, P::kInt}, false, [](std::vector<Value>& a) -> Result<Value> {
    const std::string& s = a[0].AsString();
    int64_t n = a[1].AsInt();
    if (static_cast<int64_t>(s.size()) < n) return Value::String(s);
    if (n < 0) return Fail(fmt::format("runtime error: slice bounds out of range [:{}]", n));
    return Value::String(s.substr(0, static_cast<size_t>(n)));
  });
  return m;
}

std::map<std::string, Func, std::less<>> BuildHeader() {
  std::map<std::string, Func, std::less<>> m = BuildDocker();
  auto identity = [](std::vector<Value>& a) -> Result<Value> { return a[0]; };
  m["json"] = Make({P::kString}, false, identity);
  m["split"] = Make({P::kString, P::kString}, false, identity);
  m["join"] = Make({P::kString, P::kString}, false, identity);
  m["title"] = Make({P::kString}, false, identity);
  m["lower"] = Make({P::kString}, false, identity);
  m["upper"] = Make({P::kString}, false, identity);
  m["truncate"] = Make({P::kString, P::kInt}, false, identity);
  return m;
}

}  // namespace

std::string ParamTypeName(Param p) {
  switch (p) {
    case Param::kAny: return "interface {}";
    case Param::kReflect: return "reflect.Value";
    case Param::kString: return "string";
    case Param::kInt: return "int";
    case Param::kStrings: return "[]string";
  }
  return "?";
}

bool Truth(const Value& raw) {
  Value v = raw.Unwrapped();
  switch (v.kind()) {
    case Kind::kInvalid: case Kind::kNil: return false;
    case Kind::kBool: return v.AsBool();
    case Kind::kInt: return v.AsInt() != 0;
    case Kind::kUint8: case Kind::kUint64: return v.AsUint() != 0;
    case Kind::kFloat: return v.AsFloat() != 0;
    case Kind::kString: case Kind::kSlice: case Kind::kStrings: case Kind::kMap: case Kind::kStringMap:
      return v.Len() > 0;
  }
  return false;
}

const Func* LookupBuiltin(std::string_view name) {
  static const auto* table = new std::map<std::string, Func, std::less<>>(BuildBuiltins());
  auto it = table->find(name);
  return it == table->end() ? nullptr : &it->second;
}

const Func* LookupDocker(std::string_view name, bool header) {
  static const auto* docker = new std::map<std::string, Func, std::less<>>(BuildDocker());
  static const auto* head = new std::map<std::string, Func, std::less<>>(BuildHeader());
  const auto* table = header ? head : docker;
  auto it = table->find(name);
  return it == table->end() ? nullptr : &it->second;
}

}  // namespace skiff::cli::format

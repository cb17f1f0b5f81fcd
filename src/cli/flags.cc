#include "cli/flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <deque>

#include <fmt/format.h>

#include "base/strings.h"

namespace skiff::cli {
namespace {

// Go's %q for the strings pflag quotes in its errors.
std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

// pflag's wrapN: splits s at the last space within i runes, going `slop` over when that ends the text.
std::pair<std::string, std::string> WrapN(size_t i, size_t slop, const std::string& s) {
  if (i + slop > s.size()) return {s, ""};
  auto w = s.find_last_of(" \t\n", i - 1 < s.size() ? i - 1 : s.size() - 1);
  if (w == std::string::npos || w == 0) return {s, ""};
  auto nl = s.substr(0, i).rfind('\n');
  if (nl != std::string::npos && nl > 0 && nl < w) return {s.substr(0, nl), s.substr(nl + 1)};
  return {s.substr(0, w), s.substr(w + 1)};
}

std::string ReplaceNewlines(const std::string& s, const std::string& with) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += with;
    else out += c;
  }
  return out;
}

// pflag's wrap: text for a column starting at i on a line of width w.
std::string Wrap(size_t i, size_t w, std::string s) {
  std::string r;
  long avail = static_cast<long>(w) - static_cast<long>(i);
  if (avail < 24) {
    i = 16;
    avail = static_cast<long>(w) - 16;
    r += "\n" + std::string(i, ' ');
  }
  if (avail < 24) return ReplaceNewlines(s, r);
  const size_t slop = 5;
  size_t width = static_cast<size_t>(avail) - slop;
  std::string indent = "\n" + std::string(i, ' ');
  auto [l, rest] = WrapN(width, slop, s);
  r += ReplaceNewlines(l, indent);
  while (!rest.empty()) {
    auto [t, more] = WrapN(width, slop, rest);
    r += indent + ReplaceNewlines(t, indent);
    rest = more;
  }
  return r;
}

// Every value handed to CLI11 starts with this byte, so an empty value ("--entrypoint=") stays a value and is
// never taken for a missing one (CLI11 would then consume the next argument).
constexpr char kValueMark = '\x01';

}  // namespace

std::optional<bool> ParseGoBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") return false;
  return std::nullopt;
}

void FlagSet::Add(std::string_view names, std::string type, std::string help, std::string default_text,
                  Setter set, bool is_bool) {
  Def d;
  auto comma = names.find(',');
  if (comma != std::string_view::npos) {
    d.shorthand = names[0];
    d.name = std::string(names.substr(comma + 1));
  } else {
    d.name = std::string(names);
  }
  d.type = std::move(type);
  d.help = std::move(help);
  d.default_text = std::move(default_text);
  d.set = std::move(set);
  d.is_bool = is_bool;
  defs_.push_back(std::move(d));
}

void FlagSet::Bool(bool* dst, std::string_view names, std::string help, bool def) {
  *dst = def;
  Add(names, "", std::move(help), def ? "true" : "", [dst](const std::string& v) -> Status {
        auto b = ParseGoBool(v);
        if (!b) return Error(Errc::kInvalidArgument, "strconv.ParseBool: parsing " + GoQuote(v) + ": invalid syntax");
        *dst = *b;
        return Ok();
      }, true);
}

void FlagSet::String(std::string* dst, std::string_view names, std::string help, std::string def, std::string type) {
  *dst = def;
  Add(names, std::move(type), std::move(help), def.empty() ? "" : GoQuote(def), [dst](const std::string& v) -> Status {
    *dst = v;
    return Ok();
  });
}

void FlagSet::List(std::vector<std::string>* dst, std::string_view names, std::string help, std::string type,
                   std::function<Result<std::string>(const std::string&)> validate) {
  Add(names, std::move(type), std::move(help), "", [dst, validate](const std::string& v) -> Status {
    if (validate) {
      dst->push_back(SKIFF_TRY(validate(v)));
    } else {
      dst->push_back(v);
    }
    return Ok();
  });
}

void FlagSet::Int(int64_t* dst, std::string_view names, std::string help, int64_t def, std::string type) {
  *dst = def;
  Add(names, std::move(type), std::move(help), def ? fmt::format("{}", def) : "", [dst](const std::string& v) -> Status {
    auto n = ParseInt(v);
    if (!n) {
      bool digits = !v.empty() && std::all_of(v.begin() + (v[0] == '-' || v[0] == '+'), v.end(), ::isdigit) &&
                    v.size() > static_cast<size_t>(v[0] == '-' || v[0] == '+');
      return Error(Errc::kInvalidArgument, "strconv.ParseInt: parsing " + GoQuote(v) +
                                               (digits ? ": value out of range" : ": invalid syntax"));
    }
    *dst = *n;
    return Ok();
  });
}

void FlagSet::Uint(uint64_t* dst, std::string_view names, std::string help, uint64_t def, std::string type) {
  *dst = def;
  Add(names, std::move(type), std::move(help), def ? fmt::format("{}", def) : "", [dst](const std::string& v) -> Status {
    auto n = ParseUint(v);
    if (!n) {
      bool digits = !v.empty() && std::all_of(v.begin(), v.end(), ::isdigit);
      return Error(Errc::kInvalidArgument, "strconv.ParseUint: parsing " + GoQuote(v) +
                                               (digits ? ": value out of range" : ": invalid syntax"));
    }
    *dst = *n;
    return Ok();
  });
}

void FlagSet::Filter(std::vector<std::pair<std::string, std::string>>* dst, std::string_view names, std::string help) {
  Add(names, "filter", std::move(help), "", [dst](const std::string& v) -> Status {
    auto eq = v.find('=');
    if (eq == std::string::npos) return Error(Errc::kInvalidArgument, "bad format of filter (expected name=value)");
    std::string key = ToLower(Trim(v.substr(0, eq)));
    std::string value = std::string(Trim(v.substr(eq + 1)));
    dst->emplace_back(std::move(key), std::move(value));
    return Ok();
  });
}

void FlagSet::Hidden(std::string_view names, bool is_bool) {
  Add(names, is_bool ? "" : "string", "", "", [](const std::string&) { return Ok(); }, is_bool);
  defs_.back().hidden = true;
}

void FlagSet::Hide(std::string_view long_name) {
  for (auto& d : defs_) {
    if (d.name == long_name) d.hidden = true;
  }
}

const FlagSet::Def* FlagSet::FindLong(std::string_view name) const {
  for (const auto& d : defs_) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const FlagSet::Def* FlagSet::FindShort(char c) const {
  for (const auto& d : defs_) {
    if (d.shorthand == c) return &d;
  }
  return nullptr;
}

bool FlagSet::HasShorthand(char c) const { return FindShort(c) != nullptr; }

bool FlagSet::Changed(std::string_view long_name) const {
  const Def* d = FindLong(long_name);
  return d && d->changed > 0;
}

std::string FlagSet::Display(const Def& d) const {
  if (d.shorthand) return fmt::format("-{}, --{}", d.shorthand, d.name);
  return "--" + d.name;
}

Result<FlagSet::ParseResult> FlagSet::Parse(const std::vector<std::string>& argv, bool interspersed) {
  ParseResult result;
  // 1. pflag tokenizing into --name=value tokens (CLI11 then only sees unambiguous long options).
  std::vector<std::string> normalized;
  std::vector<std::string> positionals;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& s = argv[i];
    if (s.size() < 2 || s[0] != '-') {
      if (!interspersed) {
        positionals.insert(positionals.end(), argv.begin() + static_cast<long>(i), argv.end());
        break;
      }
      positionals.push_back(s);
      continue;
    }
    if (s == "--") {
      positionals.insert(positionals.end(), argv.begin() + static_cast<long>(i) + 1, argv.end());
      break;
    }
    if (s[1] == '-') {
      std::string name = s.substr(2);
      if (name.empty() || name[0] == '-' || name[0] == '=') {
        return Error(Errc::kInvalidArgument, "bad flag syntax: " + s);
      }
      std::optional<std::string> value;
      auto eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const Def* d = FindLong(name);
      if (name == "help" && (!d || d->is_bool)) {
        result.help = true;
        return result;
      }
      if (!d) {
        if (name == "help") {
          result.help = true;
          return result;
        }
        return Error(Errc::kInvalidArgument, "unknown flag: --" + name);
      }
      if (!value) {
        if (d->is_bool) {
          value = "true";
        } else if (i + 1 < argv.size()) {
          value = argv[++i];
        } else {
          return Error(Errc::kInvalidArgument, "flag needs an argument: --" + name);
        }
      }
      normalized.push_back("--" + name + "=" + kValueMark + *value);
      continue;
    }
    std::string shorts = s.substr(1);
    while (!shorts.empty()) {
      char c = shorts[0];
      const Def* d = FindShort(c);
      if (!d) {
        if (c == 'h') {
          result.help = true;
          return result;
        }
        return Error(Errc::kInvalidArgument, fmt::format("unknown shorthand flag: '{}' in -{}", c, s.substr(1)));
      }
      std::string value;
      if (shorts.size() > 2 && shorts[1] == '=') {
        value = shorts.substr(2);
        shorts.clear();
      } else if (d->is_bool) {
        value = "true";
        shorts = shorts.substr(1);
      } else if (shorts.size() > 1) {
        value = shorts.substr(1);
        shorts.clear();
      } else if (i + 1 < argv.size()) {
        value = argv[++i];
        shorts.clear();
      } else {
        return Error(Errc::kInvalidArgument, fmt::format("flag needs an argument: '{}' in -{}", c, s.substr(1)));
      }
      normalized.push_back("--" + d->name + "=" + kValueMark + value);
    }
  }

  // 2. CLI11 collects the values of each flag in order.
  CLI::App app;
  app.set_help_flag();
  app.allow_extras(false);
  std::deque<std::vector<std::string>> values;
  for (const auto& d : defs_) {
    auto& v = values.emplace_back();
    app.add_option("--" + d.name, v)->take_all()->allow_extra_args(false)->expected(1);
  }
  try {
    std::vector<std::string> rev(normalized.rbegin(), normalized.rend());
    app.parse(rev);
  } catch (const CLI::ParseError& e) {
    return Error(Errc::kInvalidArgument, std::string("flag parsing: ") + e.what());
  }

  // 3. Apply through the setters.
  for (size_t k = 0; k < defs_.size(); ++k) {
    Def& d = defs_[k];
    for (const auto& marked : values[k]) {
      std::string v = marked.substr(1);
      d.changed++;
      Status st = d.set(v);
      if (!st.ok()) {
        return Error(Errc::kInvalidArgument,
                     fmt::format("invalid argument {} for {} flag: {}", GoQuote(v), GoQuote(Display(d)),
                                 st.error().message()));
      }
    }
  }
  result.args = std::move(positionals);
  return result;
}

std::string FlagSet::Usage() const {
  std::vector<const Def*> sorted;
  for (const auto& d : defs_) {
    if (!d.hidden) sorted.push_back(&d);
  }
  std::sort(sorted.begin(), sorted.end(), [](const Def* a, const Def* b) { return a->name < b->name; });
  std::vector<std::pair<std::string, std::string>> lines;
  size_t maxlen = 0;
  for (const Def* d : sorted) {
    std::string line = d->shorthand ? fmt::format("  -{}, --{}", d->shorthand, d->name) : "      --" + d->name;
    if (!d->type.empty()) line += " " + d->type;
    maxlen = std::max(maxlen, line.size() + 1);
    std::string text = d->help;
    if (!d->default_text.empty()) text += " (default " + d->default_text + ")";
    lines.emplace_back(std::move(line), std::move(text));
  }
  std::string out;
  for (const auto& [line, text] : lines) {
    out += line + " " + std::string(maxlen - line.size(), ' ') + " " + Wrap(maxlen + 2, 79, text) + "\n";
  }
  return out;
}

}  // namespace skiff::cli

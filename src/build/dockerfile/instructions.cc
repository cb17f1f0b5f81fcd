// Split lines -> typed instructions, with each instruction's flags and argument checks as Docker's
// frontend makes them (buildkit frontend/dockerfile/instructions/parse.go and bflag.go).
#include <fmt/format.h>

#include <map>

#include "base/strings.h"
#include "base/units.h"
#include "build/dockerfile/lex.h"
#include "build/dockerfile/mount.h"
#include "build/dockerfile/node.h"

namespace skiff::build::dockerfile::internal {

namespace {

Error Invalid(std::string msg) { return Error(Errc::kInvalidArgument, std::move(msg)); }

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// An instruction's builder flags: declared, then parsed from the line's "--name[=value]" words.
class Flags {
 public:
  explicit Flags(const std::vector<std::string>& args) : args_(args) {}
  Flags& Bool(const std::string& name) { return Add(name, kBool); }
  Flags& String(const std::string& name) { return Add(name, kString); }
  Flags& Strings(const std::string& name) { return Add(name, kStrings); }

  Status Parse() {
    for (const std::string& a : args_) {
      if (a == "--") return Ok();
      if (a.rfind("--", 0) != 0) return Invalid("arg should start with -- : " + a);
      size_t eq = a.find('=');
      bool has_value = eq != std::string::npos;
      std::string flag_name = a.substr(0, eq);
      std::string value = has_value ? a.substr(eq + 1) : "";
      auto it = defs_.find(flag_name.substr(2));
      if (it == defs_.end()) return Invalid("unknown flag: " + flag_name);
      Def& d = it->second;
      if (d.used && d.type != kStrings) return Invalid("duplicate flag specified: " + flag_name);
      d.used = true;
      switch (d.type) {
        case kBool: {
          if (has_value && value.empty()) return Invalid("missing a value on flag: " + flag_name);
          std::string v = Lower(value);
          if (v == "true" || v.empty()) {
            d.value = "true";
          } else if (v == "false") {
            d.value = "false";
          } else {
            return Invalid(fmt::format("expecting boolean value for flag {}, not: {}", flag_name, value));
          }
          break;
        }
        case kString:
          if (!has_value) return Invalid("missing a value on flag: " + flag_name);
          d.value = value;
          break;
        case kStrings:
          if (!has_value) return Invalid("missing a value on flag: " + flag_name);
          d.values.push_back(value);
          break;
      }
    }
    return Ok();
  }

  bool Used(const std::string& name) const { return defs_.at(name).used; }
  const std::string& Value(const std::string& name) const { return defs_.at(name).value; }
  bool True(const std::string& name) const { return defs_.at(name).value == "true"; }
  const std::vector<std::string>& Values(const std::string& name) const { return defs_.at(name).values; }

 private:
  enum Type { kBool, kString, kStrings };
  struct Def {
    Type type;
    bool used = false;
    std::string value;
    std::vector<std::string> values;
  };
  Flags& Add(const std::string& name, Type t) {
    defs_[name] = Def{t};
    return *this;
  }
  const std::vector<std::string>& args_;
  std::map<std::string, Def> defs_;
};

// Flags of an instruction that takes none: any flag is unknown.
Status NoFlags(const Node& n) { return Flags(n.flags).Parse(); }

CommandLine CommandOf(const Node& n, const std::vector<std::string>& args) {
  CommandLine c;
  c.shell_form = !n.json;
  if (args.empty()) return c;
  if (n.json) {
    c.args = args;
  } else {
    std::string joined;
    for (size_t i = 0; i < args.size(); ++i) joined += (i ? " " : "") + args[i];
    c.args.push_back(std::move(joined));
  }
  return c;
}

Result<std::vector<KeyValue>> Kvps(const Node& n, const char* what) {
  if (n.pairs.empty()) return Invalid(fmt::format("{} requires at least one argument", what));
  for (const KeyValue& kv : n.pairs) {
    if (kv.key.empty()) return Invalid(fmt::format("{} names can not be blank", what));
  }
  return n.pairs;
}

Result<InstructionBody> MakeFrom(const Node& n) {
  From f;
  const auto& a = n.args;
  if (a.size() == 3 && Lower(a[1]) == "as") {
    f.stage_name = Lower(a[2]);
    bool ok = !f.stage_name.empty() && f.stage_name[0] >= 'a' && f.stage_name[0] <= 'z';
    for (char c : f.stage_name) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
    }
    if (!ok) {
      return Invalid(fmt::format(
          "invalid name for build stage: {}, name can't start with a number or contain symbols", GoQuote(a[2])));
    }
  } else if (a.size() != 1) {
    return Invalid("FROM requires either one or three arguments");
  }
  Flags fl(n.flags);
  fl.String("platform");
  SKIFF_TRY(fl.Parse());
  f.image = a[0];
  f.platform = fl.Value("platform");
  return InstructionBody(std::move(f));
}

Result<InstructionBody> MakeRun(const Node& n, const std::vector<Heredoc>& docs) {
  Flags fl(n.flags);
  fl.Strings("mount").String("network").String("security");
  SKIFF_TRY(fl.Parse());
  Run r;
  r.cmd = CommandOf(n, n.args);
  r.heredocs = docs;
  for (const std::string& m : fl.Values("mount")) r.mounts.push_back(SKIFF_TRY(ParseRunMount(m)));
  if (fl.Used("network")) {
    const std::string& v = fl.Value("network");
    if (v != "default" && v != "none" && v != "host") return Invalid("invalid network mode " + GoQuote(v));
    r.network = v;
  }
  if (fl.Used("security")) {
    const std::string& v = fl.Value("security");
    if (v != "insecure" && v != "sandbox") return Invalid(fmt::format("security {} is not valid", GoQuote(v)));
    r.security = v;
  }
  return InstructionBody(std::move(r));
}

Result<InstructionBody> MakeCopy(const Node& n, const std::vector<Heredoc>& docs, bool add) {
  const char* what = add ? "ADD" : "COPY";
  if (n.args.size() < 2) {
    return Invalid(fmt::format(
        "{} requires at least two arguments, but only one was provided. Destination could not be determined", what));
  }
  Flags fl(n.flags);
  fl.String("chown").String("chmod").Bool("link").Strings("exclude");
  if (add) {
    fl.Bool("keep-git-dir").String("checksum").Bool("unpack");
  } else {
    fl.String("from").Bool("parents");
  }
  SKIFF_TRY(fl.Parse());
  Copy c;
  c.add = add;
  c.json_form = n.json;
  c.dest = n.args.back();
  if (ParseHeredocWord(c.dest)) return Invalid(fmt::format("{} cannot accept a heredoc as a destination", what));
  for (size_t i = 0; i + 1 < n.args.size(); ++i) {
    const std::string& src = n.args[i];
    c.sources.push_back(src);
    if (auto h = ParseHeredocWord(src)) {
      Heredoc doc{h->name, "", h->expand, h->chomp};
      for (const Heredoc& d : docs) {
        if (d.name == h->name) {
          doc.content = d.content;
          break;
        }
      }
      c.heredocs.push_back(std::move(doc));
    }
  }
  c.chown = fl.Value("chown");
  c.chmod = fl.Value("chmod");
  c.link = fl.True("link");
  c.excludes = fl.Values("exclude");
  if (add) {
    c.keep_git_dir = fl.True("keep-git-dir");
    c.checksum = fl.Value("checksum");
    if (fl.Used("unpack")) c.unpack = fl.True("unpack");
  } else {
    c.from = fl.Value("from");
    c.parents = fl.True("parents");
  }
  return InstructionBody(std::move(c));
}

Status CheckInterval(const Flags& fl, const std::string& name) {
  const std::string& v = fl.Value(name);
  if (v.empty()) return Ok();
  int64_t ns = SKIFF_TRY(units::ParseGoDuration(v));
  if (ns != 0 && ns < 1000000) return Invalid(fmt::format("Interval {} cannot be less than 1ms", GoQuote(name)));
  return Ok();
}

Result<InstructionBody> MakeHealthcheck(const Node& n) {
  if (n.args.empty()) return Invalid("HEALTHCHECK requires at least one argument");
  Healthcheck h;
  std::string typ = Upper(n.args[0]);
  std::vector<std::string> args(n.args.begin() + 1, n.args.end());
  if (typ == "NONE") {
    if (!args.empty()) return Invalid("HEALTHCHECK NONE takes no arguments");
    h.none = true;
    return InstructionBody(std::move(h));
  }
  Flags fl(n.flags);
  fl.String("interval").String("timeout").String("start-period").String("start-interval").String("retries");
  SKIFF_TRY(fl.Parse());
  if (typ != "CMD") return Invalid(fmt::format("Unknown type {} in HEALTHCHECK (try CMD)", GoQuote(typ)));
  h.cmd = CommandOf(n, args);
  if (h.cmd.args.empty()) return Invalid("Missing command after HEALTHCHECK CMD");
  for (const char* name : {"interval", "timeout", "start-period", "start-interval"}) {
    SKIFF_TRY(CheckInterval(fl, name));
  }
  h.interval = fl.Value("interval");
  h.timeout = fl.Value("timeout");
  h.start_period = fl.Value("start-period");
  h.start_interval = fl.Value("start-interval");
  h.retries = fl.Value("retries");
  if (!h.retries.empty()) {
    const std::string& r = h.retries;
    size_t i = (r[0] == '-' || r[0] == '+') ? 1 : 0;
    bool digits = i < r.size();
    for (size_t k = i; k < r.size(); ++k) digits = digits && r[k] >= '0' && r[k] <= '9';
    if (!digits) return Invalid(fmt::format("strconv.ParseInt: parsing {}: invalid syntax", GoQuote(r)));
    auto v = ParseInt(r[0] == '+' ? r.substr(1) : r);
    if (!v || *v > 2147483647 || *v < -2147483648LL) {
      return Invalid(fmt::format("strconv.ParseInt: parsing {}: value out of range", GoQuote(r)));
    }
    if (*v < 0) return Invalid(fmt::format("--retries cannot be negative ({})", *v));
  }
  return InstructionBody(std::move(h));
}

Result<InstructionBody> MakeOnBuild(const Node& n, const std::vector<std::string>& raw,
                                    const std::vector<Heredoc>& docs) {
  if (n.args.empty()) return Invalid("ONBUILD requires at least one argument");
  SKIFF_TRY(NoFlags(n));
  std::string trigger = Upper(TrimSpace(n.args[0]));
  if (trigger == "ONBUILD") return Invalid("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger == "MAINTAINER" || trigger == "FROM") {
    return Invalid(fmt::format("{} isn't allowed as an ONBUILD trigger", trigger));
  }
  // The line without its leading "ONBUILD" and the blanks after it.
  std::string_view s = n.line;
  while (!s.empty() && IsSpaceRune(static_cast<unsigned char>(s[0]))) s.remove_prefix(1);
  if (s.size() >= 7 && Upper(s.substr(0, 7)) == "ONBUILD") s.remove_prefix(7);
  while (!s.empty() && IsSpaceRune(static_cast<unsigned char>(s[0]))) s.remove_prefix(1);
  OnBuild o;
  o.expression = std::string(s);
  for (size_t i = 0; i < docs.size(); ++i) o.expression += "\n" + raw[i] + docs[i].name;
  return InstructionBody(std::move(o));
}

}  // namespace

Result<InstructionBody> MakeBody(const Node& n, const std::vector<Heredoc>& docs, const std::vector<std::string>& raw) {
  const std::string& c = n.lower;
  const auto& a = n.args;
  if (c == "from") return MakeFrom(n);
  if (c == "run") return MakeRun(n, docs);
  if (c == "copy" || c == "add") return MakeCopy(n, docs, c == "add");
  if (c == "healthcheck") return MakeHealthcheck(n);
  if (c == "onbuild") return MakeOnBuild(n, raw, docs);
  if (c == "cmd" || c == "entrypoint") {
    SKIFF_TRY(NoFlags(n));
    if (c == "cmd") return InstructionBody(Cmd{CommandOf(n, a)});
    return InstructionBody(Entrypoint{CommandOf(n, a)});
  }
  if (c == "env" || c == "label") {
    SKIFF_TRY(NoFlags(n));
    auto pairs = SKIFF_TRY(Kvps(n, c == "env" ? "ENV" : "LABEL"));
    if (c == "env") return InstructionBody(Env{std::move(pairs)});
    return InstructionBody(Label{std::move(pairs)});
  }
  if (c == "maintainer" || c == "workdir" || c == "user" || c == "stopsignal") {
    std::string what = Upper(c);
    if (a.size() != 1) return Invalid(what + " requires exactly one argument");
    if (c != "stopsignal") SKIFF_TRY(NoFlags(n));  // Docker never looks at STOPSIGNAL's flags
    if (c == "maintainer") return InstructionBody(Maintainer{a[0]});
    if (c == "workdir") return InstructionBody(Workdir{a[0]});
    if (c == "user") return InstructionBody(User{a[0]});
    return InstructionBody(StopSignal{a[0]});
  }
  if (c == "expose") {
    if (a.empty()) return Invalid("EXPOSE requires at least one argument");
    SKIFF_TRY(NoFlags(n));
    return InstructionBody(Expose{a});
  }
  if (c == "volume") {
    if (a.empty()) return Invalid("VOLUME requires at least one argument");
    SKIFF_TRY(NoFlags(n));
    Volume v;
    for (const std::string& p : a) {
      std::string_view t = TrimSpace(p);
      if (t.empty()) return Invalid("VOLUME specified can not be an empty string");
      v.paths.emplace_back(t);
    }
    return InstructionBody(std::move(v));
  }
  if (c == "arg") {  // Docker never looks at ARG's flags
    if (a.empty()) return Invalid("ARG requires at least one argument");
    Arg arg;
    for (const std::string& w : a) {
      size_t eq = w.find('=');
      if (eq == 0) return Invalid("ARG names can not be blank");
      ArgDecl d{w.substr(0, eq), std::nullopt};
      if (eq != std::string::npos) d.value = w.substr(eq + 1);
      arg.args.push_back(std::move(d));
    }
    return InstructionBody(std::move(arg));
  }
  if (c == "shell") {
    SKIFF_TRY(NoFlags(n));
    if (a.empty()) return Invalid("SHELL requires at least one argument");
    if (!n.json) return Invalid("SHELL requires the arguments to be in JSON form");
    return InstructionBody(Shell{a});
  }
  return Invalid("unknown instruction: " + Upper(n.keyword));
}

}  // namespace skiff::build::dockerfile::internal

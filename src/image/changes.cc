#include "image/changes.h"

#include <cctype>
#include <set>

#include "base/file.h"
#include "base/json.h"
#include "base/strings.h"
#include "base/units.h"

namespace skiff::image {
namespace {

Error Bad(std::string msg) { return Error(Errc::kInvalidArgument, std::move(msg)); }

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

struct Instruction {
  std::string cmd;   // lower case, as Docker's parser reports it
  std::string rest;  // the arguments, trimmed
};

// The changes joined with newlines, as a Dockerfile: comment and blank lines skipped, a line ending in a
// backslash continued on the next one.
std::vector<Instruction> ParseInstructions(const std::vector<std::string>& changes) {
  std::vector<Instruction> out;
  auto emit = [&](std::string_view line) {
    line = Trim(line);
    if (line.empty()) return;
    size_t sp = 0;
    while (sp < line.size() && !IsSpace(line[sp])) ++sp;
    out.push_back({ToLower(line.substr(0, sp)), std::string(Trim(line.substr(sp)))});
  };
  std::string cur;
  bool continued = false;
  for (const auto& change : changes) {
    for (auto line : Split(change, '\n')) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::string_view t = Trim(line);
      if (t.empty() || t.front() == '#') continue;  // also inside a continuation, as Docker
      std::string_view l = continued ? std::string_view(line) : t;
      std::string_view r = l;
      while (!r.empty() && IsSpace(r.back())) r.remove_suffix(1);
      if (!r.empty() && r.back() == '\\') {
        cur.append(r.substr(0, r.size() - 1));
        continued = true;
        continue;
      }
      cur.append(l);
      emit(cur);
      cur.clear();
      continued = false;
    }
  }
  if (continued) emit(cur);
  return out;
}

// Docker's parseWords: split at white space outside quotes; quotes and escapes stay in the words.
std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!quote && IsSpace(c)) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
    if (c == '\\' && quote != '\'' && i + 1 < s.size()) {
      cur += s[++i];
    } else if (quote && c == quote) {
      quote = 0;
    } else if (!quote && (c == '"' || c == '\'')) {
      quote = c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::vector<std::string> Fields(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && !IsSpace(s[j])) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Docker's shell lexer on one word: quotes removed, backslash escapes, $NAME and ${NAME}, ${NAME:-word},
// ${NAME:+word} from env (unset: empty). No splitting.
class Expander {
 public:
  explicit Expander(const std::optional<std::vector<std::string>>& env) : env_(env) {}

  std::string operator()(std::string_view w) const {
    std::string out;
    size_t i = 0;
    while (i < w.size()) {
      char c = w[i];
      if (c == '\'') {
        for (++i; i < w.size() && w[i] != '\''; ++i) out += w[i];
        ++i;
      } else if (c == '"') {
        for (++i; i < w.size() && w[i] != '"';) {
          if (w[i] == '\\' && i + 1 < w.size() && (w[i + 1] == '"' || w[i + 1] == '$' || w[i + 1] == '\\')) {
            out += w[i + 1];
            i += 2;
          } else if (w[i] == '$') {
            out += Variable(w, i);
          } else {
            out += w[i++];
          }
        }
        ++i;
      } else if (c == '\\') {
        if (i + 1 < w.size()) out += w[i + 1];
        i += 2;
      } else if (c == '$') {
        out += Variable(w, i);
      } else {
        out += c;
        ++i;
      }
    }
    return out;
  }

 private:
  static bool NameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

  std::optional<std::string> Get(std::string_view name) const {
    if (env_)
      for (const auto& e : *env_) {
        size_t eq = e.find('=');
        if (eq != std::string::npos && std::string_view(e).substr(0, eq) == name) return e.substr(eq + 1);
      }
    return std::nullopt;
  }

  // At w[i] == '$'; advances i past the reference.
  std::string Variable(std::string_view w, size_t& i) const {
    ++i;
    if (i < w.size() && w[i] == '{') {
      size_t end = w.find('}', i);
      if (end == std::string_view::npos) end = w.size();
      std::string_view body = w.substr(i + 1, end - i - 1);
      i = end + 1;
      size_t n = 0;
      while (n < body.size() && NameChar(body[n])) ++n;
      auto v = Get(body.substr(0, n));
      std::string_view mod = body.substr(n);
      if (mod.starts_with(":-")) return v && !v->empty() ? *v : (*this)(mod.substr(2));
      if (mod.starts_with(":+")) return v && !v->empty() ? (*this)(mod.substr(2)) : "";
      return v.value_or("");
    }
    size_t n = i;
    while (n < w.size() && NameChar(w[n])) ++n;
    if (n == i) return "$";
    auto v = Get(w.substr(i, n - i));
    i = n;
    return v.value_or("");
  }

  const std::optional<std::vector<std::string>>& env_;
};

// Docker's parseNameVal (ENV, LABEL): KEY=VALUE words, or the legacy "KEY VALUE..." form.
Result<std::vector<std::pair<std::string, std::string>>> NameValues(std::string_view rest, const std::string& what) {
  std::vector<std::pair<std::string, std::string>> out;
  auto words = Words(rest);
  if (words.empty()) return Bad(what + " requires at least one argument");
  if (words[0].find('=') == std::string::npos) {
    size_t sp = 0;
    while (sp < rest.size() && !IsSpace(rest[sp])) ++sp;
    std::string_view value = Trim(rest.substr(sp));
    if (value.empty()) return Bad(what + " must have two arguments");
    out.emplace_back(std::string(rest.substr(0, sp)), std::string(value));
    return out;
  }
  for (const auto& w : words) {
    size_t eq = w.find('=');
    if (eq == std::string::npos)
      return Bad("Syntax error - can't find = in \"" + w + "\". Must be of the form: name=value");
    if (eq == 0) return Bad(what + " names can not be blank");
    out.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  return out;
}

// Docker's parseMaybeJSON: a JSON array of strings, else (not JSON) the shell form.
struct CommandLine {
  bool json = false;
  std::vector<std::string> args;  // shell form: the text, or nothing when empty
};
Result<CommandLine> MaybeJson(std::string_view rest) {
  CommandLine out;
  if (!rest.empty() && rest.front() == '[') {
    auto j = ParseJson(rest, "");
    if (j.ok() && j->is_array()) {
      for (const auto& v : *j) {
        if (!v.is_string()) return Bad("when using JSON array syntax, arrays must be comprised of strings only");
        out.args.push_back(v.get<std::string>());
      }
      out.json = true;
      return out;
    }
  }
  if (!rest.empty()) out.args.emplace_back(rest);
  return out;
}


Status Healthcheck(std::string_view rest, RunConfig& c) {
  if (rest.empty()) return Bad("HEALTHCHECK requires at least one argument");
  static const std::map<std::string, std::string> kFlags = {
      {"interval", "Interval"}, {"timeout", "Timeout"}, {"start-period", "StartPeriod"}, {"retries", "Retries"}};
  std::map<std::string, std::string> flags;
  while (rest.starts_with("--")) {
    size_t sp = 0;
    while (sp < rest.size() && !IsSpace(rest[sp])) ++sp;
    std::string word(rest.substr(2, sp - 2));
    rest = Trim(rest.substr(sp));
    size_t eq = word.find('=');
    std::string name = word.substr(0, eq);
    if (!kFlags.count(name)) return Bad("Unknown flag: " + name);
    flags[name] = eq == std::string::npos ? "" : word.substr(eq + 1);
  }
  if (rest.empty()) return Bad("HEALTHCHECK requires at least one argument");
  size_t sp = 0;
  while (sp < rest.size() && !IsSpace(rest[sp])) ++sp;
  std::string type = Upper(rest.substr(0, sp));
  std::string_view args = Trim(rest.substr(sp));
  Json hc = Json::object();
  if (type == "NONE") {
    if (!args.empty()) return Bad("HEALTHCHECK NONE takes no arguments");
    c.healthcheck = Json{{"Test", {"NONE"}}};
    return Ok();
  }
  if (type != "CMD") return Bad("Unknown type \"" + type + "\" in HEALTHCHECK (try CMD)");
  if (args.empty()) return Bad("Missing command after HEALTHCHECK CMD");
  CommandLine cl = SKIFF_TRY(MaybeJson(args));
  Json test = Json::array({cl.json ? "CMD" : "CMD-SHELL"});
  for (const auto& a : cl.args) test.push_back(a);
  hc["Test"] = test;
  for (const auto& [name, value] : flags) {
    if (value.empty()) continue;
    if (name == "retries") {
      auto n = ParseInt(value);
      if (!n) return Bad("strconv.ParseInt: parsing \"" + value + "\": invalid syntax");
      if (*n < 1) return Bad("--retries must be at least 1 (not " + std::to_string(*n) + ")");
      hc["Retries"] = *n;
      continue;
    }
    int64_t ns = SKIFF_TRY(units::ParseGoDuration(value));
    if (ns == 0) continue;
    if (ns < 0) return Bad("Interval \"" + name + "\" cannot be negative");
    if (ns < 1000000) return Bad("Interval \"" + name + "\" cannot be less than 1ms");
    hc[kFlags.at(name)] = ns;
  }
  c.healthcheck = hc;
  return Ok();
}

// Docker's nat.ParsePortSpec for EXPOSE: port or range, optional /proto.
Status Expose(const std::string& spec, std::vector<std::string>& ports) {
  std::string port = spec, proto = "tcp";
  if (size_t slash = spec.find('/'); slash != std::string::npos) {
    port = spec.substr(0, slash);
    if (slash + 1 < spec.size()) proto = ToLower(spec.substr(slash + 1));
  }
  if (proto != "tcp" && proto != "udp" && proto != "sctp") return Bad("Invalid proto: " + proto);
  auto range = SplitN(port, '-', 2);
  auto lo = ParseUint(range[0]);
  auto hi = range.size() == 2 ? ParseUint(range[1]) : lo;
  if (port.empty() || !lo || !hi || *lo > 65535 || *hi > 65535) return Bad("Invalid containerPort: " + port);
  if (*hi < *lo) return Bad("Invalid range specified for the Port: " + port);
  for (uint64_t p = *lo; p <= *hi; ++p) {
    std::string key = std::to_string(p) + "/" + proto;
    if (std::find(ports.begin(), ports.end(), key) == ports.end()) ports.push_back(key);
  }
  return Ok();
}

// cmd_set: a CMD came earlier in these changes (an ENTRYPOINT without one clears Cmd, as Docker's builder).
Status Apply(const Instruction& in, RunConfig& c, bool& cmd_set) {
  const std::string& cmd = in.cmd;
  std::string_view rest = in.rest;
  Expander expand(c.env);
  if (cmd == "env" || cmd == "label") {
    // Every value is expanded with the Env from before this instruction, as Docker does.
    std::vector<std::pair<std::string, std::string>> kv;
    for (const auto& [k, v] : SKIFF_TRY(NameValues(rest, Upper(cmd)))) kv.emplace_back(expand(k), expand(v));
    if (cmd == "label") {
      auto labels = c.labels.value_or(std::map<std::string, std::string>{});
      for (const auto& [k, v] : kv) labels[k] = v;
      c.labels = labels;
      return Ok();
    }
    auto env = c.env.value_or(std::vector<std::string>{});
    for (const auto& [k, v] : kv) {
      bool replaced = false;
      for (auto& e : env)
        if (e.substr(0, e.find('=')) == k) e = k + "=" + v, replaced = true;
      if (!replaced) env.push_back(k + "=" + v);
    }
    c.env = env;
  } else if (cmd == "cmd" || cmd == "entrypoint") {
    CommandLine cl = SKIFF_TRY(MaybeJson(rest));
    std::vector<std::string> shell = c.shell.value_or(std::vector<std::string>{"/bin/sh", "-c"});
    if (cmd == "cmd") {
      if (!cl.json) cl.args.insert(cl.args.begin(), shell.begin(), shell.end());
      c.cmd = cl.args;
      cmd_set = true;
      return Ok();
    }
    if (cl.json || !cl.args.empty()) {
      if (!cl.json) cl.args.insert(cl.args.begin(), shell.begin(), shell.end());
      c.entrypoint = cl.args;
    } else {
      c.entrypoint.reset();  // an empty ENTRYPOINT: null
    }
    if (!cmd_set) c.cmd.reset();
  } else if (cmd == "expose") {
    auto words = Fields(rest);
    if (words.empty()) return Bad("EXPOSE requires at least one argument");
    auto ports = c.exposed_ports.value_or(std::vector<std::string>{});
    for (const auto& w : words) SKIFF_TRY(Expose(expand(w), ports));
    c.exposed_ports = ports;
  } else if (cmd == "volume") {
    std::vector<std::string> add;
    CommandLine cl = SKIFF_TRY(MaybeJson(rest));
    add = cl.json ? cl.args : Fields(rest);
    if (add.empty()) return Bad("VOLUME requires at least one argument");
    auto vols = c.volumes.value_or(std::vector<std::string>{});
    for (const auto& raw : add) {
      std::string v = cl.json ? raw : expand(raw);
      if (Trim(v).empty()) return Bad("VOLUME specified can not be an empty string");
      if (std::find(vols.begin(), vols.end(), v) == vols.end()) vols.push_back(v);
    }
    c.volumes = vols;
  } else if (cmd == "workdir") {
    if (rest.empty()) return Bad("WORKDIR requires exactly one argument");
    std::string w = expand(rest);
    c.working_dir = CleanPath(w.front() == '/' ? w : "/" + c.working_dir.value_or("") + "/" + w);
  } else if (cmd == "user") {
    if (rest.empty()) return Bad("USER requires exactly one argument");
    c.user = expand(rest);
  } else if (cmd == "onbuild") {
    if (rest.empty()) return Bad("ONBUILD requires at least one argument");
    size_t sp = 0;
    while (sp < rest.size() && !IsSpace(rest[sp])) ++sp;
    std::string trigger = Upper(rest.substr(0, sp));
    if (trigger == "ONBUILD") return Bad("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if (trigger == "FROM" || trigger == "MAINTAINER") return Bad(trigger + " isn't allowed as an ONBUILD trigger");
    auto ob = c.on_build.value_or(std::vector<std::string>{});
    ob.emplace_back(rest);
    c.on_build = ob;
  } else if (cmd == "healthcheck") {
    return Healthcheck(rest, c);
  }
  return Ok();
}

}  // namespace

namespace {
Status ApplyAll(const std::vector<std::string>& changes, RunConfig& c, bool clear_cmd) {
  if (changes.empty()) return Ok();
  auto instructions = ParseInstructions(changes);
  if (instructions.empty()) return Bad("file with no instructions");
  static const std::set<std::string> kValid = {"cmd",   "entrypoint", "env",  "expose",  "healthcheck",
                                               "label", "onbuild",    "user", "volume",  "workdir"};
  for (const auto& in : instructions)
    if (!kValid.count(in.cmd)) return Bad(in.cmd + " is not a valid change command");
  RunConfig out = c;  // nothing changes unless every instruction applies
  bool cmd_set = !clear_cmd;
  for (const auto& in : instructions) SKIFF_TRY(Apply(in, out, cmd_set));
  c = std::move(out);
  return Ok();
}
}  // namespace

Status ApplyChanges(const std::vector<std::string>& changes, RunConfig& c) { return ApplyAll(changes, c, true); }

Status ApplyChange(const std::string& instruction, RunConfig& c) { return ApplyAll({instruction}, c, false); }

}  // namespace skiff::image

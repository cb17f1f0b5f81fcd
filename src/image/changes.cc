#include "image/changes.h"

#include <cctype>

#include "base/file.h"
#include "base/json.h"
#include "base/strings.h"

namespace skiff::image {
namespace {

std::string Upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

// Splits shell-like words, honouring double/single quotes and backslash escapes.
std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool in = false;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < s.size()) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      in = true;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      in = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in) out.push_back(cur);
      cur.clear();
      in = false;
    } else {
      cur += c;
      in = true;
    }
  }
  if (in) out.push_back(cur);
  return out;
}

// JSON array form if it parses as an array of strings, else shell form wrapped in /bin/sh -c.
std::vector<std::string> CommandForm(std::string_view args) {
  if (!args.empty() && args.front() == '[') {
    auto j = ParseJson(args, "");
    if (j.ok() && j->is_array()) {
      std::vector<std::string> out;
      bool ok = true;
      for (const auto& v : *j) {
        if (!v.is_string()) ok = false;
        else out.push_back(v.get<std::string>());
      }
      if (ok) return out;
    }
  }
  return {"/bin/sh", "-c", std::string(args)};
}

// KEY=VALUE pairs, or the legacy "KEY VALUE" form.
Result<std::vector<std::pair<std::string, std::string>>> Pairs(std::string_view args, const char* what) {
  std::vector<std::pair<std::string, std::string>> out;
  auto words = Words(args);
  if (words.empty()) return Error(Errc::kInvalidArgument, std::string(what) + " requires at least one argument");
  if (words[0].find('=') == std::string::npos) {
    std::string a(Trim(args));
    size_t sp = a.find_first_of(" \t");
    if (sp == std::string::npos) return Error(Errc::kInvalidArgument, std::string(what) + " must have two arguments");
    auto rest = Words(a.substr(sp + 1));
    out.emplace_back(a.substr(0, sp), Join(rest, " "));
    return out;
  }
  for (const auto& w : words) {
    size_t eq = w.find('=');
    if (eq == std::string::npos || eq == 0)
      return Error(Errc::kInvalidArgument, std::string(what) + ": \"" + w + "\" is not KEY=VALUE");
    out.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  return out;
}

}  // namespace

Status ApplyChange(const std::string& instruction, RunConfig& c) {
  std::string_view s = Trim(instruction);
  size_t sp = s.find_first_of(" \t");
  std::string cmd = ToLower(s.substr(0, sp));
  std::string_view args = sp == std::string_view::npos ? std::string_view() : Trim(s.substr(sp));
  auto ctx = "change \"" + std::string(s) + "\"";
  if (cmd == "cmd") {
    c.cmd = CommandForm(args);
  } else if (cmd == "entrypoint") {
    c.entrypoint = CommandForm(args);
  } else if (cmd == "env") {
    auto pairs = SKIFF_TRY_CTX(Pairs(args, "ENV"), ctx);
    std::vector<std::string> env = c.env.value_or(std::vector<std::string>{});
    for (const auto& [k, v] : pairs) {
      std::string kv = k + "=" + v;
      bool replaced = false;
      for (auto& e : env)
        if (e.substr(0, e.find('=')) == k) e = kv, replaced = true;
      if (!replaced) env.push_back(kv);
    }
    c.env = env;
  } else if (cmd == "label") {
    auto pairs = SKIFF_TRY_CTX(Pairs(args, "LABEL"), ctx);
    auto labels = c.labels.value_or(std::map<std::string, std::string>{});
    for (const auto& [k, v] : pairs) labels[k] = v;
    c.labels = labels;
  } else if (cmd == "expose") {
    auto ports = c.exposed_ports.value_or(std::vector<std::string>{});
    for (auto p : Words(args)) {
      if (p.find('/') == std::string::npos) p += "/tcp";
      auto num = Split(p, '/')[0];
      if (!ParseUint(Split(num, '-')[0])) return Error(Errc::kInvalidArgument, ctx + ": invalid port " + p);
      if (std::find(ports.begin(), ports.end(), p) == ports.end()) ports.push_back(p);
    }
    c.exposed_ports = ports;
  } else if (cmd == "volume") {
    auto vols = c.volumes.value_or(std::vector<std::string>{});
    std::vector<std::string> add = !args.empty() && args.front() == '[' ? CommandForm(args) : Words(args);
    if (add.size() == 3 && add[0] == "/bin/sh") add = Words(args);
    for (const auto& v : add)
      if (std::find(vols.begin(), vols.end(), v) == vols.end()) vols.push_back(v);
    c.volumes = vols;
  } else if (cmd == "workdir") {
    if (args.empty()) return Error(Errc::kInvalidArgument, ctx + ": WORKDIR requires an argument");
    std::string w(args);
    if (w.front() != '/') w = JoinPath(c.working_dir.value_or("/"), w);
    c.working_dir = w;
  } else if (cmd == "user") {
    if (args.empty()) return Error(Errc::kInvalidArgument, ctx + ": USER requires an argument");
    c.user = std::string(args);
  } else if (cmd == "stopsignal") {
    if (args.empty()) return Error(Errc::kInvalidArgument, ctx + ": STOPSIGNAL requires an argument");
    c.stop_signal = std::string(args);
  } else if (cmd == "onbuild") {
    auto ob = c.on_build.value_or(std::vector<std::string>{});
    ob.emplace_back(args);
    c.on_build = ob;
  } else if (cmd == "healthcheck") {
    auto words = Words(args);
    if (words.size() == 1 && ToLower(words[0]) == "none") {
      c.healthcheck = Json{{"Test", {"NONE"}}};
    } else {
      Json hc = Json::object();
      size_t i = 0;
      for (; i < words.size() && words[i].starts_with("--"); ++i) {
        auto kv = SplitN(words[i].substr(2), '=', 2);
        if (kv.size() != 2) return Error(Errc::kInvalidArgument, ctx + ": bad flag " + words[i]);
        static const std::map<std::string, std::string> keys = {
            {"interval", "Interval"}, {"timeout", "Timeout"}, {"start-period", "StartPeriod"}, {"retries", "Retries"}};
        auto k = keys.find(kv[0]);
        if (k == keys.end()) return Error(Errc::kInvalidArgument, ctx + ": unknown flag --" + kv[0]);
        if (kv[0] == "retries") {
          auto n = ParseInt(kv[1]);
          if (!n) return Error(Errc::kInvalidArgument, ctx + ": bad --retries");
          hc[k->second] = *n;
        } else {
          // Go durations: 30s, 1m, 1m30s, 500ms -> nanoseconds.
          int64_t ns = 0, cur = 0;
          std::string v = kv[1];
          for (size_t p = 0; p < v.size(); ++p) {
            if (std::isdigit(static_cast<unsigned char>(v[p]))) {
              cur = cur * 10 + (v[p] - '0');
              continue;
            }
            int64_t mul = v.compare(p, 2, "ms") == 0 ? (++p, 1000000LL) : v[p] == 's' ? 1000000000LL
                          : v[p] == 'm' ? 60000000000LL : v[p] == 'h' ? 3600000000000LL : 0;
            if (!mul) return Error(Errc::kInvalidArgument, ctx + ": bad duration " + v);
            ns += cur * mul;
            cur = 0;
          }
          if (cur) return Error(Errc::kInvalidArgument, ctx + ": duration needs a unit: " + v);
          hc[k->second] = ns;
        }
      }
      if (i >= words.size() || ToLower(words[i]) != "cmd")
        return Error(Errc::kInvalidArgument, ctx + ": HEALTHCHECK needs CMD or NONE");
      size_t pos = ToLower(args).find("cmd");
      std::string_view rest = Trim(args.substr(pos + 3));
      auto form = CommandForm(rest);
      Json test = Json::array();
      if (form.size() == 3 && form[0] == "/bin/sh" && form[1] == "-c" && (rest.empty() || rest.front() != '[')) {
        test = {"CMD-SHELL", std::string(rest)};
      } else {
        test.push_back("CMD");
        for (const auto& f : form) test.push_back(f);
      }
      hc["Test"] = test;
      c.healthcheck = hc;
    }
  } else {
    return Error(Errc::kInvalidArgument, cmd.empty() ? "empty change" : ctx + ": " + Upper(cmd) + " is not a valid change command");
  }
  return Ok();
}

}  // namespace skiff::image

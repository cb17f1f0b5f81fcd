// StageRunner: FROM, the config-only instructions, the cache probe and the step commit. RUN is in
// stage_run.cc, COPY/ADD/WORKDIR in stage_copy.cc.
#include "build/stage.h"

#include <time.h>

#include <algorithm>

#include "base/log.h"
#include "base/strings.h"
#include "base/units.h"
#include "build/dockerfile/expand.h"
#include "build/dockerfile/parser.h"

namespace skiff::build {

namespace df = dockerfile;

namespace {

constexpr char kDefaultPath[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::vector<std::string> Strings(const Json& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& v : j)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

Json ToArray(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

// Sets KEY=value in a Docker Env list (replacing an existing KEY in place, as Docker).
void SetEnv(Json& env, const std::string& key, const std::string& value) {
  if (!env.is_array()) env = Json::array();
  for (auto& e : env) {
    if (!e.is_string()) continue;
    std::string s = e.get<std::string>();
    if (s.substr(0, s.find('=')) == key) {
      e = key + "=" + value;
      return;
    }
  }
  env.push_back(key + "=" + value);
}

bool HasEnv(const Json& env, const std::string& key) {
  if (!env.is_array()) return false;
  for (const auto& e : env)
    if (e.is_string() && e.get<std::string>().substr(0, e.get<std::string>().find('=')) == key) return true;
  return false;
}

// nat.ParsePortSpecs for EXPOSE: "80", "80/udp", "8000-8002/tcp".
Result<std::vector<std::string>> ExposedPorts(const std::string& spec) {
  std::string port = spec, proto = "tcp";
  if (auto slash = spec.find('/'); slash != std::string::npos) {
    port = spec.substr(0, slash);
    proto = ToLower(spec.substr(slash + 1));
  }
  if (proto != "tcp" && proto != "udp" && proto != "sctp") return Error(Errc::kInvalidArgument, "invalid proto: " + proto);
  auto num = [](const std::string& s) -> std::optional<int> {
    if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), ::isdigit)) return std::nullopt;
    int v = std::stoi(s);
    return v <= 65535 ? std::optional<int>(v) : std::nullopt;
  };
  int lo, hi;
  if (auto dash = port.find('-'); dash != std::string::npos) {
    auto a = num(port.substr(0, dash)), b = num(port.substr(dash + 1));
    if (!a || !b) return Error(Errc::kInvalidArgument, "invalid containerPort: " + port);
    if (*b < *a) return Error(Errc::kInvalidArgument, "invalid range specified for container port: " + port);
    lo = *a;
    hi = *b;
  } else {
    auto a = num(port);
    if (!a) return Error(Errc::kInvalidArgument, "invalid containerPort: " + port);
    lo = hi = *a;
  }
  std::vector<std::string> out;
  for (int p = lo; p <= hi; ++p) out.push_back(std::to_string(p) + "/" + proto);
  return out;
}

bool ValidSignal(const std::string& s) {
  if (s.empty()) return false;
  if (std::all_of(s.begin(), s.end(), ::isdigit)) return std::stoi(s) > 0 && std::stoi(s) < 65;
  std::string n = ToUpper(s);
  if (n.starts_with("SIG")) n = n.substr(3);
  static const char* kNames[] = {"ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO",
                                 "IOT", "KILL", "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP",
                                 "SYS", "TERM", "TRAP", "TSTP", "TTIN", "TTOU", "UNUSED", "URG", "USR1", "USR2",
                                 "VTALRM", "WINCH", "XCPU", "XFSZ"};
  for (const char* k : kNames)
    if (n == k) return true;
  return n.starts_with("RTMIN") || n.starts_with("RTMAX");
}

// Go's %q of a rune for the HEALTHCHECK history text's Retries ('\x03').
std::string GoRune(int64_t v) {
  if (v >= 0x20 && v < 0x7f && v != '\'' && v != '\\') return std::string("'") + static_cast<char>(v) + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "'\\x%02x'", static_cast<int>(v & 0xff));
  return buf;
}

}  // namespace

// --- BuildContext ---

void BuildContext::Finish(int stage, Result<Digest> r) {
  std::lock_guard l(mu);
  if (!r.ok()) failed = true;
  results.emplace(stage, std::move(r));
  cv.notify_all();
}

Result<Digest> BuildContext::Await(int stage) {
  std::unique_lock l(mu);
  cv.wait(l, [&] { return results.count(stage) || failed || stop.stop_requested(); });
  if (auto it = results.find(stage); it != results.end()) {
    if (it->second.ok()) return *it->second;
    return Error(Errc::kCancelled, "stage " + std::to_string(stage) + " failed");
  }
  return Error(Errc::kCancelled, "build cancelled");
}

int BuildContext::FindStage(const std::string& name_or_index, int before) const {
  std::string want = ToLower(name_or_index);
  for (int i = 0; i < before && i < static_cast<int>(df.stages.size()); ++i)
    if (!df.stages[i].from_body().stage_name.empty() && df.stages[i].from_body().stage_name == want) return i;
  if (!want.empty() && std::all_of(want.begin(), want.end(), ::isdigit) && want.size() < 6) {
    int i = std::stoi(want);
    if (i < before) return i;
  }
  return -1;
}

// --- helpers of the runner ---

std::string StageRunner::Where(const df::Instruction& ins) const {
  return bc_.df.path + ":" + std::to_string(ins.line);
}

Error StageRunner::StepError(const df::Instruction& ins, const std::string& what) const {
  return Error(Errc::kInvalidArgument, Where(ins) + ": " + what);
}

Json StageRunner::Skiff(int step_no, const char* event) const {
  return Json{{"step", step_no}, {"total", bc_.total_steps}, {"stage", stage_label_}, {"event", event}};
}

void StageRunner::StepStart(int step_no, const df::Instruction& ins, const std::string& miss) {
  Json s = Skiff(step_no, "start");
  s["text"] = ins.original;
  if (!miss.empty()) s["miss"] = miss;
  bc_.out.StageStream(index_, "Step " + std::to_string(step_no) + "/" + std::to_string(bc_.total_steps) + " : " + ins.original + "\n", s);
}

void StageRunner::StepDone(int step_no, int64_t started_ns, bool cached) {
  Json s = Skiff(step_no, cached ? "cached" : "done");
  s["ms"] = (MonoNs() - started_ns) / 1000000.0;
  if (cached) bc_.out.StageStream(index_, " ---> Using cache\n");
  bc_.out.StageStream(index_, " ---> " + ShortId(image_) + "\n", s);
}

std::vector<std::string> StageRunner::Shell() const {
  auto sh = Strings(config_.value("Shell", Json(nullptr)));
  return sh.empty() ? std::vector<std::string>{"/bin/sh", "-c"} : sh;
}

std::vector<std::string> StageRunner::RunArgs() const {
  // BuildArgs.FilterAllowed(Env): declared args (and builtin ones given with --build-arg) that have a
  // value and are not set by ENV.
  std::vector<std::string> out;
  const Json env = config_.value("Env", Json(nullptr));
  auto value_of = [&](const std::string& k, const std::optional<std::string>& dflt) -> std::optional<std::string> {
    if (auto it = bc_.req.build_args.find(k); it != bc_.req.build_args.end() && it->second) return it->second;
    if (dflt) return dflt;
    if (auto it = bc_.meta_args.find(k); it != bc_.meta_args.end() && it->second) return it->second;
    return std::nullopt;
  };
  std::map<std::string, std::string> all;
  for (const auto& [k, dflt] : args_)
    if (auto v = value_of(k, dflt)) all[k] = *v;
  for (const auto& [k, v] : bc_.req.build_args)
    if (IsBuiltinArg(k) && v && !args_.count(k)) all[k] = *v;
  for (const auto& [k, v] : all)
    if (!HasEnv(env, k)) out.push_back(k + "=" + v);
  return out;
}

std::vector<std::string> StageRunner::ExpandEnv() const {
  std::vector<std::string> env = Strings(config_.value("Env", Json(nullptr)));
  for (auto& kv : RunArgs()) env.push_back(kv);
  // Env wins over args: RunArgs already leaves out the names ENV sets.
  return env;
}

Result<std::string> StageRunner::Expand(const std::string& word, std::set<std::string>* used) const {
  df::ExpandOptions o;
  o.escape = bc_.df.directives.escape;
  o.used = used;
  return df::ExpandWord(word, df::LookupIn(ExpandEnv()), o);
}

Result<std::vector<std::string>> StageRunner::ExpandList(const std::vector<std::string>& words,
                                                        std::set<std::string>* used) const {
  std::vector<std::string> out;
  for (const auto& w : words) out.push_back(SKIFF_TRY(Expand(w, used)));
  return out;
}

std::string StageRunner::ArgsKey(const std::set<std::string>& used) const {
  std::string out;
  std::map<std::string, std::string> vals;
  for (auto& kv : RunArgs()) vals[kv.substr(0, kv.find('='))] = kv;
  for (const auto& name : used)
    if (auto it = vals.find(name); it != vals.end()) out += it->second + "\n";
  return out;
}

// --- cache and commit ---

Result<bool> StageRunner::Probe(const StepKey& key, const std::string& keyword, std::string* miss) {
  if (bc_.req.no_cache) {
    *miss = "--no-cache";
    return false;
  }
  if (auto hit = bc_.builder.cache().Lookup(key)) {
    auto id = Digest::Parse(*hit);
    if (id.ok()) {
      auto cfg = bc_.builder.images().Config(*id);
      if (cfg.ok()) {
        image_ = *id;
        config_ = FullConfig(cfg->json.value("config", Json::object()));
        return true;
      }
    }
    (void)bc_.builder.cache().Forget(key.Key());
  }
  *miss = bc_.builder.cache().MissReason(key, keyword);
  return false;
}

Status StageRunner::CommitStep(const StepKey& key, const std::string& created_by, const Json& container_config,
                               const std::string& container_id, const std::string& upper_dir, bool no_layer,
                               int step_no, int64_t started_ns, const std::function<void()>& before_done) {
  image::CommitOptions o;
  o.container_id = container_id;
  o.upper_dir = upper_dir;
  o.no_layer = no_layer;
  o.take_upper = !no_layer;  // every step's snapshot is discarded after its commit
  o.parent = image_;
  Json cfg = config_;
  cfg["Image"] = image_.empty() ? "" : image_.str();
  o.config_json = cfg;
  o.container_config = FullConfig(container_config);
  o.created_by = created_by;
  o.author = maintainer_;
  size_t layers_before = image_.empty() ? 0 : bc_.builder.images().ImageLayers(image_).value_or({}).size();
  int64_t t_commit = MonoNs();
  Digest id = SKIFF_TRY(bc_.builder.images().Commit(o));
  log::Debug("build: step {} commit {} ms", step_no, (MonoNs() - t_commit) / 1000000);
  int64_t size = 0;
  if (auto layers = bc_.builder.images().ImageLayers(id); layers.ok() && layers->size() > layers_before)
    size = static_cast<int64_t>(layers->back().size);
  image_ = id;
  config_ = cfg;
  SKIFF_TRY(bc_.builder.cache().Record(key, id.str(), key.text, size));
  if (before_done) before_done();
  StepDone(step_no, started_ns, false);
  return Ok();
}

// --- FROM ---

Status StageRunner::From(const df::Instruction& ins) {
  const df::From& f = std::get<df::From>(ins.body);
  int64_t t0 = MonoNs();
  StepStart(steps_.front(), ins, "");
  // FROM expands with the global ARGs only.
  std::vector<std::string> meta;
  for (const auto& [k, v] : bc_.meta_args)
    if (v) meta.push_back(k + "=" + *v);
  df::ExpandOptions eo;
  eo.escape = bc_.df.directives.escape;
  std::string name = SKIFF_TRY_CTX(df::ExpandWord(f.image, df::LookupIn(meta), eo), Where(ins));
  if (name.empty()) return StepError(ins, "base name (" + f.image + ") should not be blank");
  if (!f.platform.empty()) {
    std::string p = SKIFF_TRY_CTX(df::ExpandWord(f.platform, df::LookupIn(meta), eo), Where(ins));
    if (p != "linux" && p != "linux/amd64" && p != "linux/amd64/v1" && p != "amd64")
      return StepError(ins, "FROM --platform=" + p + ": this builder builds linux/amd64 images only");
  }
  Json base_config = Json::object();
  if (int s = bc_.FindStage(name, index_); s >= 0) {
    image_ = SKIFF_TRY(bc_.Await(s));
  } else if (ToLower(name) == "scratch") {
    image_ = Digest();
  } else {
    auto id = bc_.builder.images().Resolve(name);
    if (bc_.req.pull || (!id.ok() && id.error().code() == Errc::kNotFound)) {
      auto pulled = bc_.builder.worker().Pull(name, bc_.req.registry_auths,
                                              [&](std::string_view line) { bc_.out.StageStream(index_, std::string(line)); });
      if (!pulled.ok()) return StepError(ins, pulled.error().message());
      id = *pulled;
    }
    if (!id.ok()) return StepError(ins, id.error().message());
    image_ = *id;
  }
  if (!image_.empty()) {
    auto cfg = SKIFF_TRY_CTX(bc_.builder.images().Config(image_), Where(ins));
    base_config = cfg.json.value("config", Json::object());
    if (cfg.os.size()) os_ = cfg.os;
    if (cfg.architecture.size()) arch_ = cfg.architecture;
    if (!base_config.is_object()) base_config = Json::object();
  }
  config_ = FullConfig(base_config);
  if (!HasEnv(config_["Env"], "PATH")) {
    if (!config_["Env"].is_array()) config_["Env"] = Json::array();
    config_["Env"].push_back(kDefaultPath);
  }
  triggers_ = Strings(config_["OnBuild"]);
  config_["OnBuild"] = nullptr;
  bc_.out.StageStream(index_, " ---> " + ShortId(image_) + "\n", [&] {
    Json s = Skiff(steps_.front(), "done");
    s["ms"] = (MonoNs() - t0) / 1000000.0;
    return s;
  }());
  return Ok();
}

Status StageRunner::Triggers() {
  if (triggers_.empty()) return Ok();
  bc_.out.StageStream(index_, "# Executing " + std::to_string(triggers_.size()) + " build trigger" + (triggers_.size() > 1 ? "s" : "") + "\n");
  auto trig = std::move(triggers_);
  triggers_.clear();
  const df::Instruction& from = bc_.df.stages[index_].from;
  for (const auto& t : trig) {
    auto ins = df::ParseInstruction(t, bc_.df.directives.escape, bc_.df.path, from.line, true);
    if (!ins.ok()) return Error(Errc::kInvalidArgument, Where(from) + ": ONBUILD trigger \"" + t + "\": " + ins.error().message());
    SKIFF_TRY(Dispatch(*ins, steps_.front(), true));
  }
  return Ok();
}

// --- the stage ---

Result<Digest> StageRunner::Run() {
  const df::Stage& st = bc_.df.stages[index_];
  stage_label_ = st.from_body().stage_name.empty() ? std::to_string(index_) : st.from_body().stage_name;
  SKIFF_TRY(From(st.from));
  SKIFF_TRY(Triggers());
  for (size_t i = 0; i < st.instructions.size(); ++i) {
    if (bc_.stop.stop_requested() || !bc_.out.alive()) return Error(Errc::kCancelled, "build cancelled");
    int64_t t0 = MonoNs();
    if (Status s = Dispatch(st.instructions[i], steps_[i + 1], false); !s.ok()) {
      if (s.error().code() != Errc::kCancelled) {
        Json f = Skiff(steps_[i + 1], "error");
        f["ms"] = (MonoNs() - t0) / 1000000.0;
        bc_.out.SetFailure(f, 0);
      }
      return s.error();
    }
  }
  for (size_t k = 0; k < extra_labels_.size(); ++k)
    SKIFF_TRY(Dispatch(extra_labels_[k], steps_[st.instructions.size() + 1 + k], false));
  // A stage that only has FROM is its base image (legacy: "the image of the stage").
  return image_;
}

Status StageRunner::Dispatch(const df::Instruction& ins, int step_no, bool trigger) {
  (void)trigger;
  if (std::holds_alternative<df::Run>(ins.body)) return DispatchRun(ins, step_no);
  if (std::holds_alternative<df::Copy>(ins.body)) return DispatchCopy(ins, step_no);
  if (std::holds_alternative<df::Workdir>(ins.body)) return DispatchWorkdir(ins, step_no);
  if (std::holds_alternative<df::From>(ins.body)) return StepError(ins, "FROM is not allowed here");
  return DispatchMeta(ins, step_no);
}

Status StageRunner::DispatchMeta(const df::Instruction& ins, int step_no) {
  int64_t t0 = MonoNs();
  std::set<std::string> used;
  std::string comment;  // the history text after "#(nop) "
  std::string note;     // printed after the Step line
  Json next = config_;
  auto fail = [&](const Error& e) { return StepError(ins, e.message()); };
#define EXPAND(var, word)                      \
  std::string var;                             \
  {                                            \
    auto r_ = Expand(word, &used);             \
    if (!r_.ok()) return fail(r_.error());     \
    var = std::move(*r_);                      \
  }
  if (auto* e = std::get_if<df::Env>(&ins.body)) {
    comment = "ENV";
    for (const auto& kv : e->pairs) {
      EXPAND(k, kv.key);
      EXPAND(v, kv.value);
      if (k.empty()) return StepError(ins, "ENV names can not be blank");
      SetEnv(next["Env"], k, v);
      comment += " " + k + "=" + v;
    }
  } else if (auto* l = std::get_if<df::Label>(&ins.body)) {
    comment = "LABEL";
    if (!next["Labels"].is_object()) next["Labels"] = Json::object();
    for (const auto& kv : l->pairs) {
      EXPAND(k, kv.key);
      EXPAND(v, kv.value);
      if (k.empty()) return StepError(ins, "LABEL names can not be blank");
      next["Labels"][k] = v;
      comment += " " + k + "=" + v;
    }
  } else if (auto* m = std::get_if<df::Maintainer>(&ins.body)) {
    EXPAND(v, m->name);
    maintainer_ = v;
    comment = "MAINTAINER " + v;
  } else if (auto* x = std::get_if<df::Expose>(&ins.body)) {
    std::vector<std::string> words;
    if (!next["ExposedPorts"].is_object()) next["ExposedPorts"] = Json::object();
    // dockerd 20.10 sorts the words as written, then substitutes (the history text's order).
    std::vector<std::string> raw = x->ports;
    std::sort(raw.begin(), raw.end());
    for (const auto& w : raw) {
      EXPAND(p, w);
      for (auto& one : Split(p, ' ')) {
        if (one.empty()) continue;
        words.push_back(one);
        auto ports = ExposedPorts(one);
        if (!ports.ok()) return fail(ports.error());
        for (auto& port : *ports) next["ExposedPorts"][port] = Json::object();
      }
    }
    comment = "EXPOSE " + Join(words, " ");
  } else if (auto* c = std::get_if<df::Cmd>(&ins.body)) {
    std::vector<std::string> cmd = c->cmd.args;
    if (c->cmd.shell_form) {
      cmd = Shell();
      cmd.push_back(c->cmd.args.empty() ? "" : c->cmd.args[0]);
    }
    next["Cmd"] = ToArray(cmd);
    cmd_set_ = true;
    comment = "CMD " + GoQuote(cmd);
  } else if (auto* ep = std::get_if<df::Entrypoint>(&ins.body)) {
    std::vector<std::string> cmd = ep->cmd.args;
    if (ep->cmd.shell_form) {
      cmd = Shell();
      cmd.push_back(ep->cmd.args.empty() ? "" : ep->cmd.args[0]);
    }
    next["Entrypoint"] = cmd.empty() ? Json(nullptr) : ToArray(cmd);
    if (!cmd_set_) next["Cmd"] = nullptr;
    comment = "ENTRYPOINT " + GoQuote(cmd);
  } else if (auto* u = std::get_if<df::User>(&ins.body)) {
    EXPAND(v, u->user);
    next["User"] = v;
    comment = "USER " + v;
  } else if (auto* vol = std::get_if<df::Volume>(&ins.body)) {
    std::vector<std::string> paths;
    if (!next["Volumes"].is_object()) next["Volumes"] = Json::object();
    for (const auto& w : vol->paths) {
      EXPAND(p, w);
      if (Trim(p).empty()) return StepError(ins, "VOLUME specified can not be an empty string");
      paths.push_back(p);
      next["Volumes"][p] = Json::object();
    }
    comment = "VOLUME " + GoList(paths);
  } else if (auto* sig = std::get_if<df::StopSignal>(&ins.body)) {
    EXPAND(v, sig->signal);
    if (!ValidSignal(v)) return StepError(ins, "Invalid signal: " + v);
    next["StopSignal"] = v;
    comment = "STOPSIGNAL " + v;
  } else if (auto* hc = std::get_if<df::Healthcheck>(&ins.body)) {
    Json h = Json::object();
    std::vector<std::string> test;
    int64_t interval = 0, timeout = 0, start = 0, retries = 0;
    if (hc->none) {
      test = {"NONE"};
    } else {
      test.push_back(hc->cmd.shell_form ? "CMD-SHELL" : "CMD");
      for (const auto& a : hc->cmd.args) test.push_back(a);
      auto dur = [&](const std::string& v, const char* flag, int64_t& dst) -> Status {
        if (v.empty()) return Ok();
        auto d = units::ParseGoDuration(v);
        if (!d.ok()) return StepError(ins, d.error().message());
        if (*d != 0 && *d < 1000000) return StepError(ins, std::string("Interval \"") + flag + "\" cannot be less than 1ms");
        dst = *d;
        return Ok();
      };
      SKIFF_TRY(dur(hc->interval, "interval", interval));
      SKIFF_TRY(dur(hc->timeout, "timeout", timeout));
      SKIFF_TRY(dur(hc->start_period, "start-period", start));
      if (!hc->retries.empty()) {
        char* end = nullptr;
        long long r = std::strtoll(hc->retries.c_str(), &end, 10);
        if (!end || *end) return StepError(ins, "strconv.ParseInt: parsing \"" + hc->retries + "\": invalid syntax");
        if (r < 1) return StepError(ins, "--retries must be at least 1 (not " + hc->retries + ")");
        retries = r;
      }
    }
    comment = "HEALTHCHECK &{" + GoQuote(test) + " \"" + units::FormatGoDuration(interval) + "\" \"" +
              units::FormatGoDuration(timeout) + "\" \"" + units::FormatGoDuration(start) + "\" " + GoRune(retries) + "}";
    // Docker's commit merges a new healthcheck with the parent's: zero fields take the old values.
    const Json old = config_.value("Healthcheck", Json(nullptr));
    if (old.is_object()) {
      auto keep = [&](const char* k, int64_t& v) {
        if (v == 0 && old.contains(k) && old[k].is_number_integer()) v = old[k].get<int64_t>();
      };
      keep("Interval", interval);
      keep("Timeout", timeout);
      keep("StartPeriod", start);
      keep("Retries", retries);
      auto old_test = Strings(old.value("Test", Json(nullptr)));
      if (!old_test.empty() && old_test[0] != "NONE")
        note = "Note: overriding previous HEALTHCHECK: " + GoList(old_test) + "\n";
    }
    h["Test"] = ToArray(test);
    if (interval) h["Interval"] = interval;
    if (timeout) h["Timeout"] = timeout;
    if (start) h["StartPeriod"] = start;
    if (retries) h["Retries"] = retries;
    next["Healthcheck"] = h;
  } else if (auto* sh = std::get_if<df::Shell>(&ins.body)) {
    if (sh->args.empty()) return StepError(ins, "SHELL requires at least one argument");
    next["Shell"] = ToArray(sh->args);
    comment = "SHELL " + GoList(sh->args);
  } else if (auto* a = std::get_if<df::Arg>(&ins.body)) {
    comment = "ARG";
    for (const auto& d : a->args) {
      EXPAND(k, d.key);
      std::optional<std::string> v;
      if (d.value) {
        EXPAND(val, *d.value);
        v = val;
      }
      comment += " " + k + (v ? "=" + *v : "");
      args_[k] = v;
      std::lock_guard lk(bc_.mu);
      bc_.consumed_args.insert(k);
    }
  } else if (auto* ob = std::get_if<df::OnBuild>(&ins.body)) {
    std::string expr = std::string(Trim(ob->expression));
    if (!next["OnBuild"].is_array()) next["OnBuild"] = Json::array();
    next["OnBuild"].push_back(expr);
    comment = "ONBUILD " + expr;
  } else {
    return StepError(ins, "unsupported instruction " + ins.keyword);
  }
#undef EXPAND
  // The #(nop) text uses the shell of the changed config (SHELL's own step shows the new shell).
  std::vector<std::string> shell = Strings(next.value("Shell", Json(nullptr)));
  if (shell.empty()) shell = {"/bin/sh", "-c"};
  std::vector<std::string> cc_cmd = shell;
  cc_cmd.push_back("#(nop) ");
  cc_cmd.push_back(comment);
  std::string created_by = Join(cc_cmd, " ");
  StepKey key{image_.empty() ? "" : image_.str(), comment, ArgsKey(used), "", ins.original};
  // The config change is part of the key through the text; the previous config through the parent.
  std::string miss;
  bool hit = SKIFF_TRY(Probe(key, ins.keyword, &miss));
  if (!hit) config_ = next;
  StepStart(step_no, ins, hit ? "" : miss);
  if (!note.empty()) bc_.out.StageStream(index_, note);
  if (hit) {
    StepDone(step_no, t0, true);
    return Ok();
  }
  Json cc = config_;
  cc["Cmd"] = ToArray(cc_cmd);
  cc["Image"] = image_.empty() ? "" : image_.str();
  return CommitStep(key, created_by, cc, "", "", true, step_no, t0, {});
}

}  // namespace skiff::build

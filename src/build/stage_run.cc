// StageRunner: RUN. The command (shell form through the stage's SHELL, heredocs as the shell's own),
// the build args it sees (BuildArgs.FilterAllowed + prependEnvOnCmd, as Docker's legacy builder), RUN
// --mount (bind, cache, tmpfs, secret) and --network, the step container through the Worker, and the
// commit of its upper dir without the mount points the step's mounts made.
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"
#include "build/dockerfile/expand.h"
#include "build/dockerfile/mount.h"
#include "build/stage.h"

namespace skiff::build {

namespace df = dockerfile;

namespace {

// The shell text of a RUN with heredocs: alone, a heredoc is the script; after a command, the shell
// reads it as its own heredoc.
std::string WithHeredocs(const std::string& text, const std::vector<df::Heredoc>& docs) {
  if (docs.empty()) return text;
  std::string t(Trim(text));
  if (docs.size() == 1 && t.starts_with("<<")) {
    std::string word = t.substr(2);
    if (word.starts_with("-")) word = word.substr(1);
    if (!word.empty() && (word[0] == '"' || word[0] == '\'')) word = word.substr(1, word.size() - 2);
    if (word == docs[0].name) return docs[0].content;
  }
  std::string out = text;
  for (const auto& d : docs) out += "\n" + d.content + d.name;
  return out;
}

// Removes what a mount made in the upper dir: `rel` and its parents, while they are empty and were not
// in the image.
void RemoveMountPoint(const std::string& upper, std::string rel, const std::function<bool(const std::string&)>& in_image) {
  while (!rel.empty() && rel != "/") {
    std::string p = upper + rel;
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0 || in_image(rel)) return;
    if (S_ISDIR(st.st_mode)) {
      if (::rmdir(p.c_str()) != 0) return;
    } else if (S_ISREG(st.st_mode) && st.st_size == 0) {
      if (::unlink(p.c_str()) != 0) return;
    } else {
      return;
    }
    rel = Dirname(rel);
  }
}

}  // namespace

Status StageRunner::DispatchRun(const df::Instruction& ins, int step_no) {
  int64_t t0 = MonoNs();
  const df::Run& r = std::get<df::Run>(ins.body);
  if (image_.empty()) return StepError(ins, "RUN on a scratch stage: there is no shell or command to run");
  std::vector<std::string> cmd;
  if (r.cmd.shell_form) {
    cmd = Shell();
    cmd.push_back(WithHeredocs(r.cmd.args.empty() ? "" : r.cmd.args[0], r.heredocs));
  } else {
    cmd = r.cmd.args;
    if (cmd.empty()) return StepError(ins, "RUN requires at least one argument");
  }
  std::vector<std::string> run_args = RunArgs();
  std::vector<std::string> save_cmd = cmd;
  {
    std::vector<std::string> shown;
    for (const auto& kv : run_args) {
      std::string k = kv.substr(0, kv.find('='));
      if (!IsBuiltinArg(k) || args_.count(k)) shown.push_back(kv);
    }
    std::sort(shown.begin(), shown.end());
    if (!shown.empty()) {
      save_cmd = {"|" + std::to_string(shown.size())};
      save_cmd.insert(save_cmd.end(), shown.begin(), shown.end());
      save_cmd.insert(save_cmd.end(), cmd.begin(), cmd.end());
    }
  }
  std::string created_by = Join(save_cmd, " ");

  // Mounts.
  std::string network = r.network.empty() ? bc_.req.network_mode : r.network;
  if (network == "default") network = "";
  if (!network.empty() && network != "none" && network != "host")
    return StepError(ins, "unsupported network mode " + network + " (default, none or host)");
  std::set<std::string> used;
  Json mounts = Json::array();
  std::vector<std::string> targets;
  std::string key_extra, sources_digest;
  std::vector<std::unique_ptr<TempDir>> temps;
  df::WordExpander expander = [&](std::string_view w) -> Result<std::string> { return Expand(std::string(w), &used); };
  for (const auto& raw : r.mounts) {
    auto parsed = df::ParseRunMount(raw.raw, &expander);
    if (!parsed.ok()) return StepError(ins, "RUN --mount=" + raw.raw + ": " + parsed.error().message());
    const df::RunMount& m = *parsed;
    std::string target = m.target;
    std::string type = m.type.empty() ? "bind" : m.type;
    if (type == "secret" && target.empty()) target = "/run/secrets/" + (m.id.empty() ? m.source : m.id);
    if (target.empty()) return StepError(ins, "RUN --mount: mount type " + type + " needs a target");
    if (!target.starts_with("/")) target = CleanPath(JoinPath(config_.value("WorkingDir", "/"), target));
    targets.push_back(target);
    bool ro = m.readonly.value_or(type == "bind");
    key_extra += " --mount=type=" + type + ",target=" + target;
    if (type == "bind") {
      std::string from = m.from;
      std::string src = m.source;
      std::string root = from.empty() ? bc_.context_dir : SKIFF_TRY(MountFrom(ins, from));
      std::string path = CleanPath(JoinPath(root, CleanPath("/" + src)));
      if (!PathExists(path)) return StepError(ins, "RUN --mount: source " + (src.empty() ? "." : src) + " not found");
      if (from.empty()) {
        copy::CopyRequest hr;
        hr.src_root = bc_.context_dir;
        hr.ignore = bc_.ignore;
        hr.sources = {src.empty() ? "." : src};
        hr.dest = "/";
        auto d = copy::HashSources(hr, &bc_.builder.hashes());
        if (!d.ok()) return StepError(ins, "RUN --mount: " + d.error().message());
        sources_digest += d->key.str();
      }
      if (!ro) {
        // Writes to a rw bind are thrown away: the step gets a copy.
        auto t = std::make_unique<TempDir>(SKIFF_TRY(TempDir::Create(bc_.builder.root() + "/tmp", "bindrw-")));
        std::string cp = t->path() + "/data";
        std::string sh = "cp -a '" + path + "' '" + cp + "'";
        if (std::system(sh.c_str()) != 0) return StepError(ins, "RUN --mount: copying " + src + " failed");
        path = cp;
        temps.push_back(std::move(t));
      }
      key_extra += ",source=" + src + (from.empty() ? "" : ",from=" + from) + (ro ? "" : ",rw");
      mounts.push_back({{"Type", "bind"}, {"Source", path}, {"Target", target}, {"ReadOnly", ro}});
    } else if (type == "cache") {
      std::string id = m.id.empty() ? target : m.id;
      std::string dir = bc_.builder.root() + "/cache-mounts/" + Sha256Of(id).hex();
      if (!IsDirectory(dir)) {
        SKIFF_TRY(MkdirAll(dir, 0755));
        if (!m.mode.empty()) (void)::chmod(dir.c_str(), static_cast<mode_t>(std::strtol(m.mode.c_str(), nullptr, 8)));
        if (!m.uid.empty() || !m.gid.empty())
          (void)::chown(dir.c_str(), m.uid.empty() ? 0 : std::atoi(m.uid.c_str()), m.gid.empty() ? 0 : std::atoi(m.gid.c_str()));
      }
      key_extra += ",id=" + id;
      mounts.push_back({{"Type", "bind"}, {"Source", dir}, {"Target", target}, {"ReadOnly", m.readonly.value_or(false)}});
    } else if (type == "tmpfs") {
      Json tm = {{"Type", "tmpfs"}, {"Target", target}};
      if (!m.size.empty()) {
        auto n = ParseInt(m.size);
        if (n) tm["TmpfsOptions"] = {{"SizeBytes", *n}};
      }
      mounts.push_back(tm);
    } else if (type == "secret") {
      std::string id = m.id.empty() ? Basename(target) : m.id;
      auto it = bc_.req.secrets.find(id);
      if (it == bc_.req.secrets.end()) {
        if (m.required.value_or(false)) return StepError(ins, "RUN --mount=type=secret: secret " + id + " not provided");
        targets.pop_back();
        continue;
      }
      auto t = std::make_unique<TempDir>(SKIFF_TRY(TempDir::Create(bc_.builder.root() + "/tmp", "secret-")));
      std::string file = t->path() + "/secret";
      SKIFF_TRY(WriteFileAtomic(file, it->second, m.mode.empty() ? 0400 : static_cast<mode_t>(std::strtol(m.mode.c_str(), nullptr, 8)), false));
      if (!m.uid.empty() || !m.gid.empty())
        (void)::chown(file.c_str(), m.uid.empty() ? 0 : std::atoi(m.uid.c_str()), m.gid.empty() ? 0 : std::atoi(m.gid.c_str()));
      key_extra += ",id=" + id;  // the content is not part of the key (as BuildKit)
      mounts.push_back({{"Type", "bind"}, {"Source", file}, {"Target", target}, {"ReadOnly", true}});
      temps.push_back(std::move(t));
    } else {
      return StepError(ins, "RUN --mount: unsupported mount type " + type);
    }
  }
  if (!network.empty()) key_extra += " --network=" + network;

  std::string args_key;
  {
    std::vector<std::string> sorted = run_args;
    std::sort(sorted.begin(), sorted.end());
    args_key = Join(sorted, "\n");
    std::string more = ArgsKey(used);
    if (!more.empty()) args_key += "\n" + more;
  }
  StepKey key{image_.str(), "RUN " + created_by + key_extra, args_key, sources_digest, ins.original};
  std::string miss;
  bool hit = SKIFF_TRY(Probe(key, "RUN", &miss));
  StepStart(step_no, ins, hit ? "" : miss);
  if (hit) {
    StepDone(step_no, t0, true);
    return Ok();
  }

  RunStep step;
  Json cfg = config_;
  cfg["Cmd"] = Json(cmd);
  Json env = cfg["Env"].is_array() ? cfg["Env"] : Json::array();
  for (const auto& kv : run_args) env.push_back(kv);
  cfg["Env"] = env;
  cfg["Entrypoint"] = Json::array({""});
  cfg["Image"] = image_.str();
  cfg["Healthcheck"] = {{"Test", {"NONE"}}};
  cfg["AttachStdout"] = true;
  cfg["AttachStderr"] = true;
  step.config = cfg;
  step.host_config = Json::object();
  if (!network.empty()) step.host_config["NetworkMode"] = network;
  if (!mounts.empty()) step.host_config["Mounts"] = mounts;
  if (!bc_.req.extra_hosts.empty()) step.host_config["ExtraHosts"] = Json(bc_.req.extra_hosts);

  std::string short_id;
  auto outcome = bc_.builder.worker().Run(
      step,
      [&](const std::string& id) {
        short_id = id.substr(0, 12);
        bc_.out.StageStream(index_, " ---> Running in " + short_id + "\n", Skiff(step_no, "output"));
      },
      [&](std::string_view text) { bc_.out.StageStream(index_, std::string(text), Skiff(step_no, "output")); }, bc_.stop);
  if (!outcome.ok()) return StepError(ins, outcome.error().message());
  std::string cid = outcome->container_id;
  struct Remover {
    Worker& w;
    std::string id;
    ~Remover() {
      if (!id.empty()) w.Remove(id);
    }
  } remover{bc_.builder.worker(), cid};
  if (outcome->exit_code != 0) {
    Json f = Skiff(step_no, "error");
    f["ms"] = (MonoNs() - t0) / 1000000.0;
    bc_.out.SetFailure(f, outcome->exit_code);
  }
  if (outcome->exit_code != 0)
    return StepError(ins, "The command '" + Join(cmd, " ") + "' returned a non-zero code: " + std::to_string(outcome->exit_code));
  for (const auto& t : targets) RemoveMountPoint(outcome->upper_dir, t, [&](const std::string& p) { return InLayers(p); });

  Json cc = config_;
  cc["Cmd"] = Json(save_cmd);
  cc["Entrypoint"] = nullptr;
  cc["Image"] = image_.str();
  return CommitStep(key, created_by, cc, cid, outcome->upper_dir, false, step_no, t0, [&] {
    bc_.out.StageStream(index_, "Removing intermediate container " + short_id + "\n", Skiff(step_no, "output"));
    bc_.builder.worker().Remove(cid);
    remover.id.clear();
  });
}

}  // namespace skiff::build

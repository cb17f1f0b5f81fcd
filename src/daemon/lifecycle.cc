// Container lifecycle: start (spec, shim), stop/kill/restart/pause, waiting, and what happens when a
// container's process exits (state, events, restart policy, --rm).
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "base/file.h"
#include "base/log.h"
#include "base/scope.h"
#include "base/strings.h"
#include "daemon/daemon.h"
#include "daemon/live.h"
#include "daemon/logs/json_file.h"
#include "daemon/settings.h"
#include "daemon/shim/shim.h"
#include "daemon/spec.h"
#include "daemon/userinfo.h"
#include "sys/process.h"
#include "sys/resolve.h"

namespace skiff::daemon {
namespace {

std::string HostHostname() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

// /etc/resolv.conf for a container: the host's, without loopback name servers for a container with its
// own network namespace (they would point at the container itself), Google's servers when none is left,
// and --dns/--dns-search/--dns-option replacing their parts (as Docker).
std::string ResolvConf(const Json& hc, bool host_net) {
  std::string host = ReadFile("/etc/resolv.conf").value_or("");
  std::vector<std::string> ns, search, options, other;
  for (auto& line : Split(host, '\n')) {
    std::string_view l = Trim(line);
    auto words = Split(std::string(l), ' ');
    if (l.starts_with("nameserver")) {
      std::string addr = words.size() > 1 ? words.back() : "";
      if (!host_net && (addr.starts_with("127.") || addr == "::1")) continue;
      ns.push_back(addr);
    } else if (l.starts_with("search")) {
      search.assign(words.begin() + 1, words.end());
    } else if (l.starts_with("options")) {
      options.assign(words.begin() + 1, words.end());
    } else if (!l.empty()) {
      other.emplace_back(l);
    }
  }
  auto given = [&](const char* k) { return Strings(hc.value(k, Json(nullptr))); };
  if (!given("Dns").empty()) ns = given("Dns");
  if (!given("DnsSearch").empty()) search = given("DnsSearch");
  if (!given("DnsOptions").empty()) options = given("DnsOptions");
  if (ns.empty() && !host_net) ns = {"8.8.8.8", "8.8.4.4"};
  std::string out;
  for (auto& o : other) out += o + "\n";
  if (!search.empty()) out += "search " + Join(search, " ") + "\n";
  for (auto& n : ns) out += "nameserver " + n + "\n";
  if (!options.empty()) out += "options " + Join(options, " ") + "\n";
  return out;
}

std::string Hosts(const ContainerRecord& c, bool host_net) {
  std::string out;
  if (host_net) {
    out = ReadFile("/etc/hosts").value_or("");
  } else {
    out = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
          "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
  }
  for (auto& e : Strings(c.host_config.value("ExtraHosts", Json(nullptr)))) {
    size_t sep = e.find(':');
    if (sep == std::string::npos) continue;
    out += e.substr(sep + 1) + "\t" + e.substr(0, sep) + "\n";
  }
  return out;
}

int StopSignal(const ContainerRecord& c) {
  std::string s = c.config.value("StopSignal", "");
  if (s.empty()) return SIGTERM;
  auto n = sys::ParseSignal(s);
  return n.ok() ? *n : SIGTERM;
}

// Docker's restart manager: should a container that exited with `code` after running `ran_ns` restart,
// and after how long (100 ms doubling up to a minute; back to 100 ms after 10 s of running).
bool ShouldRestart(const ContainerRecord& r, int code) {
  std::string p = r.restart_policy();
  if (p == "always") return true;
  if (p == "unless-stopped") return !r.manually_stopped;
  if (p == "on-failure") return code != 0 && (r.max_retries() == 0 || r.restart_count < r.max_retries());
  return false;
}

}  // namespace

// --- start ---

Result<bool> Daemon::Start(const std::string& ref) {
  auto c = SKIFF_TRY(Find(ref));
  std::lock_guard op(c->op_mu);
  {
    std::lock_guard l(c->mu);
    if (c->removed || c->rec.state.status == ContainerStatus::kRemoving) {
      return Error(Errc::kConflict, "container is marked for removal and cannot be started");
    }
    if (c->rec.running()) return false;
    if (c->rec.state.status == ContainerStatus::kRestarting) return false;
  }
  Status s = DoStart(c);
  if (!s.ok()) {
    // A --rm container that cannot start goes, as in Docker.
    bool rm;
    {
      std::lock_guard l(c->mu);
      rm = c->rec.auto_remove();
    }
    if (rm) (void)DoRemove(c, true);
    return s.error();
  }
  return true;
}

Status Daemon::HoldVolumes(Live& c, const ContainerRecord& rec) {
  std::vector<std::string> held;
  for (auto& m : rec.mounts) {
    if (m.type != "volume" || m.name.empty()) continue;
    if (Status s = volumes_->Use(m.name); !s.ok()) {
      for (auto& h : held) volumes_->Release(h);
      return s;
    }
    held.push_back(m.name);
  }
  std::lock_guard l(c.mu);
  c.held_volumes = std::move(held);
  return Ok();
}

void Daemon::ReleaseVolumes(Live& c) {
  std::vector<std::string> held;
  {
    std::lock_guard l(c.mu);
    held.swap(c.held_volumes);
  }
  for (auto& h : held) volumes_->Release(h);
}

Status Daemon::DoStart(const std::shared_ptr<Live>& c) {
  ContainerRecord rec;
  {
    std::lock_guard l(c->mu);
    rec = c->rec;
  }
  const std::string& id = rec.id;
  std::string net = rec.host_config.value("NetworkMode", "default");
  bool host_net = net == "host";
  auto fail = [&](Error e, int code) -> Error {
    std::lock_guard l(c->mu);
    c->rec.state.error = e.message();
    c->rec.state.exit_code = code;
    if (c->rec.state.status == ContainerStatus::kRestarting) c->rec.state.status = ContainerStatus::kExited;
    (void)Persist(*c);
    c->cv.notify_all();
    return e;
  };

  std::string rootfs = SKIFF_TRY(images_->MountContainerSnapshot(id));
  bool mounted = true;
  ScopeExit unmount([&] {
    if (mounted) (void)images_->UnmountContainerSnapshot(id);
  });

  if (Status s = HoldVolumes(*c, rec); !s.ok()) return fail(s.error(), 128);
  ScopeExit release([&] {
    if (mounted) ReleaseVolumes(*c);
  });

  // Files Docker bind-mounts into every container.
  std::string data = DataDir(id);
  SKIFF_TRY(MkdirAll(data, 0710));
  std::string hostname = host_net || rec.host_config.value("UTSMode", "") == "host" ? HostHostname()
                                                                                    : rec.config.value("Hostname", "");
  SKIFF_TRY(WriteFileAtomic(rec.hostname_path, hostname + "\n", 0644, false));
  SKIFF_TRY(WriteFileAtomic(rec.hosts_path, Hosts(rec, host_net), 0644, false));
  SKIFF_TRY(WriteFileAtomic(rec.resolv_conf_path, ResolvConf(rec.host_config, host_net), 0644, false));

  // The working directory exists before the process starts (Docker creates it, owned by root).
  UniqueFd root_fd(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) return fail(Error::Sys("open rootfs " + rootfs), 128);
  std::string wd = rec.config.value("WorkingDir", "");
  if (!wd.empty()) {
    auto r = sys::CreateInRoot(root_fd.get(), wd, true, 0755);
    if (!r.ok()) return fail(r.error().Wrap("create working directory " + wd), 128);
  }
  // New volumes get the image's content at their mount point (Docker's copy-up on first use).
  for (auto& m : rec.mounts) {
    if (m.type != "volume" || m.mode.find("nocopy") != std::string::npos) continue;
    if (!ListDir(m.source).empty()) continue;
    auto src = sys::OpenInRoot(root_fd.get(), m.destination, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!src.ok()) {
      (void)sys::CreateInRoot(root_fd.get(), m.destination, true, 0755);
      continue;
    }
    std::string from = sys::FdPath(src->get());
    if (!ListDir(from).empty()) {
      if (Status s = CopyTree(from, m.source); !s.ok()) log::Warn("copy image data into volume {}: {}", m.name, s.error().message());
      // The volume's root takes the image directory's mode and owner, as in Docker.
      struct stat st;
      if (::fstat(src->get(), &st) == 0) {
        (void)::chmod(m.source.c_str(), st.st_mode & 07777);
        (void)::chown(m.source.c_str(), st.st_uid, st.st_gid);
      }
    }
  }

  auto user = ResolveUser(rootfs, rec.config.value("User", ""), Strings(rec.host_config.value("GroupAdd", Json(nullptr))));
  if (!user.ok()) return fail(Error(Errc::kInvalidArgument, user.error().message()), 128);

  SpecContext ctx;
  ctx.rootfs = rootfs;
  ctx.cgroup_parent = opts_.cgroup_parent;
  ctx.init_path = opts_.init_path;
  ctx.runtime_path = opts_.runtime;
  ctx.cgroup_v2 = cgroup_v2_;
  ctx.user = *user;
  // Namespaces shared with the host or another container.
  auto share = [&](const char* field, const std::string& type, const char* proc_name) -> Status {
    std::string mode = rec.host_config.value(field, "");
    if (mode == "host") {
      ctx.ns_paths[type] = "host";
    } else if (mode.starts_with("container:")) {
      auto other = Find(mode.substr(10));
      if (!other.ok()) return Error(Errc::kNotFound, "joining " + type + " namespace: " + other.error().message());
      int pid;
      {
        std::lock_guard l((*other)->mu);
        if (!(*other)->rec.running()) {
          return Error(Errc::kConflict, "cannot join " + type + " namespace of a non running container: container " +
                                            (*other)->rec.id + " is " + std::string(StatusName((*other)->rec.state.status)));
        }
        pid = (*other)->rec.state.pid;
      }
      ctx.ns_paths[type] = "/proc/" + std::to_string(pid) + "/ns/" + proc_name;
      if (type == "ipc") ctx.ns_paths["ipc-shm"] = "/proc/" + std::to_string(pid) + "/root/dev/shm";
    }
    return Ok();
  };
  if (Status s = share("NetworkMode", "network", "net"); !s.ok()) return fail(s.error(), 128);
  if (Status s = share("IpcMode", "ipc", "ipc"); !s.ok()) return fail(s.error(), 128);
  if (Status s = share("PidMode", "pid", "pid"); !s.ok()) return fail(s.error(), 128);
  if (Status s = share("UTSMode", "uts", "uts"); !s.ok()) return fail(s.error(), 128);

  auto spec = BuildSpec(rec, ctx);
  if (!spec.ok()) return fail(spec.error(), 128);

  // A fresh state directory for this run (the previous run's exit.json and sockets go).
  std::string dir = ContainerDir(id);
  if (shim::LiveShimPid(dir) != 0) return fail(Error(Errc::kConflict, "container " + id + " still has a running shim"), 128);
  (void)RemoveAll(dir);
  SKIFF_TRY(MkdirAll(dir, 0711));
  SKIFF_TRY(WriteFileAtomic(dir + "/config.json", DumpJson(*spec), 0600, false));
  (void)runtime_->Delete(id, true);  // runtime state left by a run that ended without its shim

  shim::ShimConfig cfg;
  cfg.id = id;
  cfg.runtime = opts_.runtime;
  cfg.runtime_root = RuntimeRoot();
  cfg.bundle = dir;
  cfg.tty = rec.tty();
  cfg.open_stdin = rec.config.value("OpenStdin", false);
  cfg.stdin_once = rec.config.value("StdinOnce", false);
  const Json& lc = rec.host_config["LogConfig"];
  cfg.log_driver = lc.value("Type", "json-file");
  if (cfg.log_driver == "json-file") {
    std::map<std::string, std::string> lo;
    Json lconf = lc.value("Config", Json::object());
    for (auto& [k, v] : lconf.items()) lo[k] = v.is_string() ? v.get<std::string>() : v.dump();
    auto parsed = logs::ParseJsonFileOptions(rec.log_path, lo);
    if (!parsed.ok()) return fail(parsed.error(), 128);
    cfg.log = *parsed;
  }
  auto spawned = shim::Spawn(opts_.runtime, dir, cfg);  // `skiff-runtime shim DIR`
  if (!spawned.ok()) {
    std::string msg = spawned.error().message();
    int code = 128;
    if (msg.find("executable file not found") != std::string::npos || msg.find("no such file or directory") != std::string::npos ||
        msg.find("No such file or directory") != std::string::npos) {
      code = 127;
    } else if (msg.find("permission denied") != std::string::npos || msg.find("Permission denied") != std::string::npos) {
      code = 126;
    }
    return fail(Error(Errc::kInvalidArgument, "OCI runtime create failed: " + msg + ": unknown"), code);
  }

  shim::Client client(dir);
  // Attach streams that waited for this start.
  std::vector<PendingAttach> pending;
  {
    std::lock_guard l(c->mu);
    pending.swap(c->pending);
  }
  for (auto& p : pending) {
    shim::AttachOptions ao;
    ao.stdin = p.params.stdin;
    ao.stdout = p.params.stdout;
    ao.stderr = p.params.stderr;
    ao.multiplex = !rec.tty();
    ao.detach_keys = p.params.detach_keys;
    if (Status s = client.Attach(p.conn.get(), p.preamble, ao); !s.ok()) {
      log::Warn("container {}: attach: {}", id.substr(0, 12), s.error().message());
    }
  }
  if (Status s = client.Start(); !s.ok()) {
    (void)KillProcess(id, SIGKILL, true);
    return fail(Error(Errc::kInternal, "start container: " + s.error().message()), 128);
  }
  mounted = false;  // stays mounted while the container runs
  uint64_t gen;
  bool health;
  {
    std::lock_guard l(c->mu);
    ContainerRecord& r = c->rec;
    r.state.status = ContainerStatus::kRunning;
    r.state.pid = spawned->init_pid;
    r.state.started_at = FormatTimeNs(NowNs());
    r.state.exit_code = 0;
    r.state.error.clear();
    r.state.oom_killed = false;
    r.has_been_started = true;
    r.manually_stopped = false;
    health = r.config.contains("Healthcheck") && r.config["Healthcheck"].is_object() &&
             !Strings(r.config["Healthcheck"].value("Test", Json(nullptr))).empty() &&
             Strings(r.config["Healthcheck"]["Test"])[0] != "NONE";
    if (health) r.state.health = Health{"starting", 0, {}};
    else r.state.health.reset();
    c->exit_on_next = false;
    c->restart_canceled = false;
    gen = ++c->run_gen;
    (void)Persist(*c);
    c->cv.notify_all();
  }
  // Attach requests that arrived while this start was under way.
  {
    std::lock_guard l(c->mu);
    pending.clear();
    pending.swap(c->pending);
  }
  for (auto& p : pending) {
    shim::AttachOptions ao;
    ao.stdin = p.params.stdin;
    ao.stdout = p.params.stdout;
    ao.stderr = p.params.stderr;
    ao.multiplex = !rec.tty();
    ao.detach_keys = p.params.detach_keys;
    (void)client.Attach(p.conn.get(), p.preamble, ao);
  }
  Background([this, c, gen](std::stop_token stop) { Monitor(c, gen, stop); });
  if (health) Background([this, c, gen](std::stop_token stop) { HealthLoop(c, gen, stop); });
  if (net == "none" || net == "host") {
    events_.Publish({"network", "connect", BuiltinNetworkId(net), {{"container", id}, {"name", net}, {"type", net == "host" ? "host" : "null"}}});
  }
  Emit(rec, "start");
  return Ok();
}

// --- exits ---

void Daemon::Monitor(std::shared_ptr<Live> c, uint64_t gen, std::stop_token stop) {
  std::string id;
  {
    std::lock_guard l(c->mu);
    id = c->rec.id;
  }
  shim::Client client(ContainerDir(id));
  for (;;) {
    auto r = client.Wait("", stop);
    if (stop.stop_requested()) return;  // daemon shutdown: the container keeps running
    if (r.ok()) {
      OnExit(c, gen, r->exit_code, r->finished_at, r->oom_killed);
      return;
    }
    if (r.error().code() == Errc::kCancelled) return;
    // The shim is gone without an exit record: the container is lost with it.
    if (shim::LiveShimPid(ContainerDir(id)) == 0) {
      // Killed without writing an exit record: what is left of the container goes with it.
      log::Warn("container {}: shim is gone: {}", id.substr(0, 12), r.error().message());
      auto e = shim::CleanupDeadShim(ContainerDir(id));
      if (e.ok()) OnExit(c, gen, e->exit_code, e->finished_at, e->oom_killed);
      else OnExit(c, gen, 255, FormatTimeNs(NowNs()), false);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

void Daemon::OnExit(const std::shared_ptr<Live>& c, uint64_t gen, int code, const std::string& finished, bool oom) {
  bool restart = false, remove = false;
  int64_t delay = 0;
  ContainerRecord rec;
  std::string id;
  {
    std::lock_guard l(c->mu);
    if (c->run_gen != gen || c->removed) return;
    id = c->rec.id;
  }
  // The rootfs is unmounted before anyone can see the exit: a restart waiting for it mounts afresh.
  (void)images_->UnmountContainerSnapshot(id);
  ReleaseVolumes(*c);
  {
    std::lock_guard l(c->mu);
    ContainerRecord& r = c->rec;
    if (c->run_gen != gen || c->removed) return;
    if (!r.running() && r.state.status != ContainerStatus::kRestarting) return;
    int64_t ran = ParseTimeNs(finished) - ParseTimeNs(r.state.started_at);
    r.state.status = ContainerStatus::kExited;
    r.state.exit_code = code;
    r.state.finished_at = finished.empty() ? FormatTimeNs(NowNs()) : finished;
    r.state.pid = 0;
    r.state.oom_killed = oom;
    if (r.state.health) r.state.health->status = "unhealthy";
    ++c->exits;
    if (!c->exit_on_next && !shutting_down_ && ShouldRestart(r, code)) {
      restart = true;
      if (ran >= 10'000'000'000LL) c->restart_delay_ms = 0;
      c->restart_delay_ms = c->restart_delay_ms == 0 ? 100 : std::min<int64_t>(c->restart_delay_ms * 2, 60000);
      delay = c->restart_delay_ms;
      r.state.status = ContainerStatus::kRestarting;
      ++r.restart_count;
    } else {
      remove = r.auto_remove();
    }
    (void)Persist(*c);
    rec = r;
    c->cv.notify_all();
  }
  if (oom) Emit(rec, "oom");
  Emit(rec, "die", {{"exitCode", std::to_string(code)}});
  if (std::string net = rec.host_config.value("NetworkMode", ""); net == "none" || net == "host") {
    events_.Publish({"network", "disconnect", BuiltinNetworkId(net), {{"container", rec.id}, {"name", net}, {"type", net == "host" ? "host" : "null"}}});
  }
  if (restart) {
    Background([this, c, gen, delay](std::stop_token stop) {
      {
        std::unique_lock l(c->mu);
        c->cv.wait_for(l, stop, std::chrono::milliseconds(delay),
                       [&] { return c->restart_canceled || c->removed || c->run_gen != gen; });
        if (stop.stop_requested() || c->restart_canceled || c->removed || c->run_gen != gen) return;
      }
      std::lock_guard op(c->op_mu);
      {
        std::lock_guard l(c->mu);
        if (c->rec.state.status != ContainerStatus::kRestarting || c->run_gen != gen) return;
      }
      if (Status s = DoStart(c); !s.ok()) {
        log::Warn("container {}: restart: {}", c->rec.id.substr(0, 12), s.error().message());
        std::lock_guard l(c->mu);
        if (c->rec.state.status == ContainerStatus::kRestarting) c->rec.state.status = ContainerStatus::kExited;
        (void)Persist(*c);
        c->cv.notify_all();
      } else {
        std::lock_guard l(c->mu);
        Emit(c->rec, "restart");
      }
    });
  } else if (remove) {
    Background([this, c](std::stop_token) {
      std::lock_guard op(c->op_mu);
      {
        std::lock_guard l(c->mu);
        if (c->removed || c->rec.running()) return;
      }
      if (Status s = DoRemove(c, true); !s.ok()) log::Warn("auto-remove: {}", s.error().message());
    });
  }
}

// --- stop, kill, restart, pause ---

Status Daemon::DoStop(const std::shared_ptr<Live>& c, std::optional<int> timeout_in) {
  int timeout = 10;
  std::string id;
  int sig;
  uint64_t exits;
  bool paused;
  {
    std::lock_guard l(c->mu);
    ContainerRecord& r = c->rec;
    id = r.id;
    if (r.state.status == ContainerStatus::kRestarting) {
      c->restart_canceled = true;
      r.state.status = ContainerStatus::kExited;
      r.manually_stopped = true;
      (void)Persist(*c);
      c->cv.notify_all();
      return Ok();
    }
    if (!r.running()) return Ok();
    if (timeout_in) {
      timeout = *timeout_in;
    } else if (r.config.contains("StopTimeout") && r.config["StopTimeout"].is_number()) {
      timeout = r.config["StopTimeout"].get<int>();
    }
    sig = StopSignal(r);
    exits = c->exits;
    paused = r.state.status == ContainerStatus::kPaused;
    r.manually_stopped = true;
    c->exit_on_next = true;
    (void)Persist(*c);
  }
  auto exited = [&] { return c->exits != exits || c->removed; };
  if (timeout != 0) {
    (void)KillProcess(id, sig, false);
    if (paused) (void)runtime_->Resume(id);
    {
      std::lock_guard l(c->mu);
      Emit(c->rec, "kill", {{"signal", std::to_string(sig)}});
    }
    std::unique_lock l(c->mu);
    if (timeout < 0) {
      c->cv.wait(l, exited);
      return Ok();
    }
    if (c->cv.wait_for(l, std::chrono::seconds(timeout), exited)) return Ok();
  }
  (void)KillProcess(id, SIGKILL, true);
  if (paused) (void)runtime_->Resume(id);
  {
    std::lock_guard l(c->mu);
    Emit(c->rec, "kill", {{"signal", std::to_string(SIGKILL)}});
  }
  std::unique_lock l(c->mu);
  if (!c->cv.wait_for(l, std::chrono::seconds(30), exited)) {
    return Error(Errc::kInternal, "container " + id + " did not exit within 30 seconds of SIGKILL");
  }
  return Ok();
}

Result<bool> Daemon::Stop(const std::string& ref, std::optional<int> timeout) {
  auto c = SKIFF_TRY(Find(ref));
  std::lock_guard op(c->op_mu);
  {
    std::lock_guard l(c->mu);
    if (!c->rec.running() && c->rec.state.status != ContainerStatus::kRestarting) return false;
  }
  SKIFF_TRY(DoStop(c, timeout));
  std::lock_guard l(c->mu);
  Emit(c->rec, "stop");
  return true;
}

Status Daemon::Restart(const std::string& ref, std::optional<int> timeout) {
  auto c = SKIFF_TRY(Find(ref));
  std::lock_guard op(c->op_mu);
  bool was_running;
  {
    std::lock_guard l(c->mu);
    if (c->removed) return Error(Errc::kNotFound, "No such container: " + ref);
    was_running = c->rec.running() || c->rec.state.status == ContainerStatus::kRestarting;
  }
  if (was_running) {
    SKIFF_TRY(DoStop(c, timeout));
    std::lock_guard l(c->mu);
    Emit(c->rec, "stop");
  }
  SKIFF_TRY(DoStart(c));
  std::lock_guard l(c->mu);
  Emit(c->rec, "restart");
  return Ok();
}

Status Daemon::Kill(const std::string& ref, const std::string& signal) {
  auto found = Find(ref);
  if (!found.ok()) return Error(found.error().code(), "Cannot kill container: " + ref + ": " + found.error().message());
  auto c = *found;
  int sig = SIGKILL;
  if (!signal.empty()) {
    auto s = sys::ParseSignal(signal);
    if (!s.ok() || *s <= 0 || *s > 64) return Error(Errc::kInvalidArgument, "Invalid signal: " + signal);
    sig = *s;
  }
  std::string id;
  bool paused;
  {
    std::lock_guard l(c->mu);
    ContainerRecord& r = c->rec;
    id = r.id;
    if (r.state.status == ContainerStatus::kRestarting && (sig == SIGKILL || sig == StopSignal(r))) {
      c->restart_canceled = true;
      r.state.status = ContainerStatus::kExited;
      r.manually_stopped = true;
      (void)Persist(*c);
      c->cv.notify_all();
      Emit(r, "kill", {{"signal", std::to_string(sig)}});
      return Ok();
    }
    if (!r.running()) {
      return Error(Errc::kConflict, "Cannot kill container: " + ref + ": Container " + id + " is not running");
    }
    if (sig == SIGKILL || sig == StopSignal(r)) c->exit_on_next = true;
    r.manually_stopped = true;
    paused = r.state.status == ContainerStatus::kPaused;
    (void)Persist(*c);
  }
  uint64_t exits;
  {
    std::lock_guard l(c->mu);
    exits = c->exits;
  }
  SKIFF_TRY(KillProcess(id, sig, false));
  if (paused && sig == SIGKILL) (void)runtime_->Resume(id);
  {
    std::lock_guard l(c->mu);
    Emit(c->rec, "kill", {{"signal", std::to_string(sig)}});
  }
  if (sig != SIGKILL) return Ok();
  // Docker's kill of SIGKILL returns once the container is gone: wait 2 s, then kill every process of it
  // and wait again, so `kill x && rm x` or `kill x; start x` never race the exit.
  auto gone = [&] { return c->exits != exits || c->removed; };
  std::unique_lock l(c->mu);
  if (c->cv.wait_for(l, std::chrono::seconds(2), gone)) return Ok();
  l.unlock();
  (void)KillProcess(id, SIGKILL, true);
  l.lock();
  if (!c->cv.wait_for(l, std::chrono::seconds(30), gone)) {
    return Error(Errc::kInternal, "container " + id + " did not exit within 30 seconds of SIGKILL");
  }
  return Ok();
}

Status Daemon::Pause(const std::string& ref) { return SetPaused(ref, true); }
Status Daemon::Unpause(const std::string& ref) { return SetPaused(ref, false); }

Status Daemon::SetPaused(const std::string& ref, bool pause) {
  auto c = SKIFF_TRY(Find(ref));
  std::lock_guard op(c->op_mu);
  ContainerStatus from = pause ? ContainerStatus::kRunning : ContainerStatus::kPaused;
  ContainerStatus to = pause ? ContainerStatus::kPaused : ContainerStatus::kRunning;
  std::string id;
  {
    std::lock_guard l(c->mu);
    id = c->rec.id;
    if (pause && c->rec.state.status == ContainerStatus::kPaused) return Error(Errc::kConflict, "Container " + id + " is already paused");
    if (c->rec.state.status != from) {
      return Error(Errc::kConflict, "Container " + id + (pause ? " is not running" : " is not paused"));
    }
  }
  SKIFF_TRY(pause ? runtime_->Pause(id) : runtime_->Resume(id));
  std::lock_guard l(c->mu);
  if (c->rec.state.status == from) c->rec.state.status = to;
  (void)Persist(*c);
  c->cv.notify_all();
  Emit(c->rec, pause ? "pause" : "unpause");
  return Ok();
}

// --- wait ---

namespace {
class LiveWaiter : public Waiter {
 public:
  LiveWaiter(std::shared_ptr<Live> c, WaitCondition cond) : c_(std::move(c)), cond_(cond) {
    std::lock_guard l(c_->mu);
    exits_ = c_->exits;
    immediate_ = cond_ == WaitCondition::kNotRunning && !c_->rec.running() && c_->rec.state.status != ContainerStatus::kRestarting;
  }
  Result<WaitResult> Get(std::stop_token stop) override {
    std::unique_lock l(c_->mu);
    auto done = [&] {
      switch (cond_) {
        case WaitCondition::kNotRunning:
          return immediate_ || (c_->exits != exits_ && c_->rec.state.status != ContainerStatus::kRestarting) || c_->removed;
        case WaitCondition::kNextExit:
          return c_->exits != exits_ || c_->removed;
        case WaitCondition::kRemoved:
          return c_->removed;
      }
      return true;
    };
    if (!c_->cv.wait(l, stop, done)) return Error(Errc::kCancelled, "wait cancelled");
    WaitResult w;
    w.status_code = c_->rec.state.exit_code;
    return w;
  }

 private:
  std::shared_ptr<Live> c_;
  WaitCondition cond_;
  uint64_t exits_ = 0;
  bool immediate_ = false;
};
}  // namespace

Result<std::unique_ptr<Waiter>> Daemon::Wait(const std::string& ref, WaitCondition cond) {
  auto c = SKIFF_TRY(Find(ref));
  return std::unique_ptr<Waiter>(new LiveWaiter(c, cond));
}

}  // namespace skiff::daemon

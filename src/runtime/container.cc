#include "runtime/container.h"
#include "runtime/seccomp_cache.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/clock.h"
#include "base/file.h"
#include "base/log.h"
#include "base/scope.h"
#include "base/strings.h"
#include "runtime/cgroups/layout.h"
#include "runtime/cgroups/manager.h"
#include "runtime/hooks.h"
#include "runtime/linux/console.h"
#include "runtime/linux/exec.h"
#include "runtime/linux/launch.h"
#include "sys/process.h"
#include "sys/unix_socket.h"

namespace skiff::runtime {
namespace {

Result<Spec> LoadSpec(const Json& config, const std::string& bundle) { return ParseSpec(config, bundle); }

Result<cgroups::Manager> LoadCgroup(const ContainerState& st) { return cgroups::Manager::FromJson(st.cgroup); }

Status WritePidFile(const std::string& path, pid_t pid) {
  if (path.empty()) return Ok();
  return WriteFileAtomic(path, std::to_string(pid), 0644, false);
}

// Waits (polling; the process is usually not our child) until pid is gone or a zombie.
bool WaitGone(pid_t pid, uint64_t start_time, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 2) {
    if (!sys::ProcessAlive(pid, start_time)) return true;
    ::waitpid(pid, nullptr, WNOHANG);
    ::usleep(2000);
  }
  return !sys::ProcessAlive(pid, start_time);
}

// A private console socket for a foreground run/exec with a terminal and no --console-socket: we are
// the receiving end of the pty master and proxy it to our own stdio. Owns its temp dir and listener.
class LocalConsole {
 public:
  static Result<LocalConsole> Create() {
    TempDir dir = SKIFF_TRY(TempDir::Create("/tmp", "skiff-console-"));
    std::string path = dir.path() + "/console.sock";
    UniqueFd listener = SKIFF_TRY(sys::ListenUnix(path));
    return LocalConsole(std::move(dir), std::move(path), std::move(listener));
  }
  const std::string& path() const { return path_; }
  Result<UniqueFd> AcceptMaster() {
    UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) return Error::Sys("accept console");
    auto got = SKIFF_TRY(sys::RecvFd(conn.get()));
    return std::move(got.first);
  }

 private:
  LocalConsole(TempDir dir, std::string path, UniqueFd listener)
      : dir_(std::move(dir)), path_(std::move(path)), listener_(std::move(listener)) {}
  TempDir dir_;
  std::string path_;
  UniqueFd listener_;
};

Result<UniqueFd> ConnectConsole(const std::string& path) {
  if (path.empty()) return UniqueFd();
  return SKIFF_TRY_CTX(sys::ConnectUnix(path), "--console-socket");
}

}  // namespace

RunStatus Runtime::ComputeStatus(const ContainerState& st) const {
  if (!sys::ProcessAlive(st.pid, st.start_time)) return RunStatus::kStopped;
  if (PathExists(store_.FifoPath(st.id))) return RunStatus::kCreated;
  auto cg = LoadCgroup(st);
  if (cg.ok()) {
    auto frozen = cg->IsFrozen();
    if (frozen.ok() && *frozen) return RunStatus::kPaused;
  }
  return RunStatus::kRunning;
}

Result<ContainerState> Runtime::LoadExisting(const std::string& id) { return store_.Load(id); }

Result<Runtime::Bundle> Runtime::LoadBundle(const std::string& dir) {
  Bundle b;
  b.dir = dir.empty() ? "." : dir;
  char cwd[4096];
  if (b.dir[0] != '/' && ::getcwd(cwd, sizeof cwd)) b.dir = JoinPath(cwd, b.dir);
  b.dir = CleanPath(b.dir);
  b.config = SKIFF_TRY(ReadJsonFile(JoinPath(b.dir, "config.json")));
  b.spec = SKIFF_TRY_CTX(LoadSpec(b.config, b.dir), "config.json");
  return b;
}

Status Runtime::Create(const CreateOptions& o) { return CreateFrom(o, SKIFF_TRY(LoadBundle(o.bundle))); }

Status Runtime::CreateFrom(const CreateOptions& o, Bundle b) {
  const std::string& bundle = b.dir;
  const Json& config = b.config;
  Spec& spec = b.spec;
  if (!spec.has_process) return Error(Errc::kInvalidArgument, "config.json: process: required");
  if (spec.process.terminal && o.console_socket.empty())
    return Error(Errc::kInvalidArgument, "config.json: process.terminal is true: --console-socket is required");
  if (!spec.process.terminal && !o.console_socket.empty())
    return Error(Errc::kInvalidArgument, "--console-socket given but process.terminal is false");
  // Relative mount sources and hook paths are relative to the bundle, as in runc.
  if (::chdir(bundle.c_str()) != 0) return Error::Sys("chdir " + bundle);

  SKIFF_TRY(store_.CreateDir(o.id));
  ScopeExit remove_dir([&] { (void)store_.Remove(o.id); });
  std::string fifo = store_.FifoPath(o.id);
  if (::mkfifo(fifo.c_str(), 0622) != 0) return Error::Sys("mkfifo " + fifo);
  ::chmod(fifo.c_str(), 0622);

  // As runc: the spec's rules, then the defaults every container gets, then each configured device node.
  for (const auto& r : cgroups::DefaultAllowedDevices()) spec.resources.devices.push_back(r);
  for (const auto& d : spec.devices)
    if (d.type == 'c' || d.type == 'b' || d.type == 'u')
      spec.resources.devices.push_back({true, d.type == 'b' ? 'b' : 'c', d.major, d.minor, "rwm"});
  auto layout = SKIFF_TRY(cgroups::DetectLayout());
  auto cg = SKIFF_TRY(cgroups::Manager::ForPath(layout, spec.cgroups_path, o.id));
  SKIFF_TRY_CTX(cg.Create(spec.resources), "linux.resources");
  ScopeExit destroy_cg([&] { (void)cg.Destroy(); });
  UniqueFd console = SKIFF_TRY(ConnectConsole(o.console_socket));

  ContainerState st;
  st.id = o.id;
  st.bundle = bundle;
  st.rootfs = spec.root_path;
  st.created = NowRfc3339Nano();
  st.annotations = spec.annotations;
  st.cgroup = cg.ToJson();
  st.config = config;

  sys::SeccompProgram seccomp;
  if (sys::SeccompEnabled(spec.seccomp)) {
    const Json* sj = config.contains("linux") && config["linux"].contains("seccomp") ? &config["linux"]["seccomp"] : nullptr;
    seccomp = SKIFF_TRY(CachedSeccompProgram(spec.seccomp, sj ? *sj : Json(nullptr), store_.root() + "/.seccomp-cache"));
  }
  platform::InitOptions io;
  io.spec = &spec;
  io.seccomp_program = sys::SeccompEnabled(spec.seccomp) ? &seccomp : nullptr;
  io.cgroup = &cg;
  io.console_socket = console.get();
  io.fifo_path = fifo;
  io.no_pivot = o.no_pivot;
  io.preserve_fds = o.preserve_fds;
  io.state_json = [&](pid_t pid) {
    ContainerState s = st;
    s.pid = pid;
    // runc (and the runtime-tools suite) report "created" to the hooks that run during create.
    return DumpJson(OciState(s, RunStatus::kCreated));
  };
  io.parent_hooks = [&](pid_t pid) -> Status {
    if (spec.hooks.prestart.empty() && spec.hooks.create_runtime.empty()) return Ok();
    std::string state = io.state_json(pid);
    SKIFF_TRY(RunHooks(spec.hooks.prestart, "prestart", state));
    return RunHooks(spec.hooks.create_runtime, "createRuntime", state);
  };
  pid_t pid = SKIFF_TRY(platform::StartInit(io));
  st.pid = pid;
  st.start_time = sys::ProcessStartTime(pid).value_or(0);
  auto saved = store_.Save(st);
  if (saved.ok()) saved = WritePidFile(o.pid_file, pid);
  if (!saved.ok()) {
    ::kill(pid, SIGKILL);
    return saved;
  }
  remove_dir.Dismiss();
  destroy_cg.Dismiss();
  return Ok();
}

Status Runtime::Start(const std::string& id) {
  ContainerState st = SKIFF_TRY(LoadExisting(id));
  RunStatus status = ComputeStatus(st);
  if (status == RunStatus::kStopped) return Error(Errc::kConflict, "cannot start a container that has stopped");
  if (status != RunStatus::kCreated) return Error(Errc::kConflict, "cannot start an already running container");
  std::string fifo = store_.FifoPath(id);
  UniqueFd r = SKIFF_TRY(OpenFile(fifo, O_RDONLY | O_NONBLOCK));
  // The init opens the fifo for writing and writes one byte once it sees a reader.
  for (;;) {
    struct pollfd p {r.get(), POLLIN, 0};
    int n = ::poll(&p, 1, 50);
    if (n > 0 && (p.revents & POLLIN)) {
      char c;
      if (::read(r.get(), &c, 1) == 1) break;
    }
    if (!sys::ProcessAlive(st.pid, st.start_time))
      return Error(Errc::kConflict, "container init exited before start");
  }
  ::unlink(fifo.c_str());
  // Return once the user's program runs (the init has exec'd), not merely once it was released: callers
  // that signal right after `start` then reach the program rather than our init code.
  std::string exe_link = "/proc/" + std::to_string(st.pid) + "/exe";
  char self_exe[4096], init_exe[4096];
  ssize_t self_n = ::readlink("/proc/self/exe", self_exe, sizeof self_exe);
  for (int i = 0; self_n > 0 && i < 2000; ++i) {
    ssize_t n = ::readlink(exe_link.c_str(), init_exe, sizeof init_exe);
    if (n <= 0 || n != self_n || memcmp(init_exe, self_exe, static_cast<size_t>(n)) != 0) break;
    ::usleep(500);
  }
  Spec spec = SKIFF_TRY(LoadSpec(st.config, st.bundle));
  if (!spec.hooks.poststart.empty()) {
    auto hs = RunHooks(spec.hooks.poststart, "poststart", DumpJson(OciState(st, RunStatus::kRunning)));
    if (!hs.ok()) {
      (void)KillAndWait(st);
      return hs;
    }
  }
  return Ok();
}

Result<int> Runtime::Run(const CreateOptions& o, bool detach, bool keep) {
  CreateOptions co = o;
  Bundle bundle = SKIFF_TRY(LoadBundle(o.bundle));
  // Foreground with a terminal and no console socket: we are the other end of the pty.
  bool terminal = bundle.spec.has_process && bundle.spec.process.terminal;
  if (terminal && o.console_socket.empty() && detach)
    return Error(Errc::kInvalidArgument, "cannot allocate a tty for a detached container without --console-socket");
  if (!detach) ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  std::optional<LocalConsole> local;
  if (terminal && o.console_socket.empty()) {
    local.emplace(SKIFF_TRY(LocalConsole::Create()));
    co.console_socket = local->path();
  }
  SKIFF_TRY(CreateFrom(co, std::move(bundle)));
  UniqueFd master;
  if (local) master = SKIFF_TRY(local->AcceptMaster());
  auto started = Start(o.id);
  if (!started.ok()) {
    (void)Delete(o.id, true);
    return std::move(started).error();
  }
  if (detach) return 0;
  ContainerState st = SKIFF_TRY(LoadExisting(o.id));
  int code = platform::WaitAndProxy(st.pid, master ? master.get() : -1);
  if (!keep) SKIFF_TRY(Delete(o.id, true));
  return code;
}

Result<Json> Runtime::State(const std::string& id) {
  ContainerState st = SKIFF_TRY(LoadExisting(id));
  return OciState(st, ComputeStatus(st));
}

Status Runtime::Kill(const std::string& id, int sig, bool all) {
  ContainerState st = SKIFF_TRY(LoadExisting(id));
  RunStatus status = ComputeStatus(st);
  if (status == RunStatus::kStopped && !all) return Error(Errc::kConflict, "container not running");
  if (all) {
    auto cg = SKIFF_TRY(LoadCgroup(st));
    bool freeze = sig == SIGKILL && status != RunStatus::kPaused;
    if (freeze) (void)cg.Freeze();
    auto pids = SKIFF_TRY(cg.Pids());
    for (pid_t p : pids) ::kill(p, sig);
    if (freeze) (void)cg.Thaw();
    if (status == RunStatus::kPaused && sig == SIGKILL) (void)cg.Thaw();
    return Ok();
  }
  if (::kill(st.pid, sig) != 0) return Error::Sys("kill " + std::to_string(st.pid));
  return Ok();
}

Status Runtime::KillAndWait(const ContainerState& st) {
  auto cg = LoadCgroup(st);
  if (cg.ok()) {
    (void)cg->Freeze();
    if (auto pids = cg->Pids(); pids.ok())
      for (pid_t p : *pids) ::kill(p, SIGKILL);
    (void)cg->Thaw();
  }
  if (sys::ProcessAlive(st.pid, st.start_time)) ::kill(st.pid, SIGKILL);
  if (!WaitGone(st.pid, st.start_time, 10000))
    return Error(Errc::kInternal, "container init " + std::to_string(st.pid) + " did not die");
  // Other processes of the cgroup (no pid namespace): wait for them too.
  if (cg.ok()) {
    for (int i = 0; i < 500; ++i) {
      auto pids = cg->Pids();
      if (!pids.ok() || pids->empty()) break;
      for (pid_t p : *pids) ::kill(p, SIGKILL);
      ::usleep(2000);
    }
  }
  return Ok();
}

Status Runtime::Destroy(const ContainerState& st) {
  auto cg = LoadCgroup(st);
  if (cg.ok()) SKIFF_TRY(cg->Destroy());
  SKIFF_TRY(store_.Remove(st.id));
  auto spec = LoadSpec(st.config, st.bundle);
  if (spec.ok() && !spec->hooks.poststop.empty()) {
    auto hs = RunHooks(spec->hooks.poststop, "poststop", DumpJson(OciState(st, RunStatus::kStopped)));
    if (!hs.ok()) log::Warn("{}", hs.error().message());
  }
  return Ok();
}

Status Runtime::Delete(const std::string& id, bool force) {
  auto loaded = LoadExisting(id);
  if (!loaded.ok()) {
    if (loaded.error().code() == Errc::kNotFound && StateStore::ValidateId(id).ok()) {
      // A create that died before writing state.json leaves a bare directory behind.
      (void)RemoveAll(store_.Dir(id));
      if (force) return Ok();
    }
    return std::move(loaded).error();
  }
  ContainerState st = std::move(loaded).value();
  RunStatus status = ComputeStatus(st);
  if ((status == RunStatus::kRunning || status == RunStatus::kPaused) && !force)
    return Error(Errc::kConflict, "cannot delete container " + id + " that is not stopped: " +
                                      std::string(RunStatusName(status)));
  // A stopped container may still have processes in its cgroup (no pid namespace of its own): they go
  // too, as runc's delete does.
  if (status != RunStatus::kStopped) {
    SKIFF_TRY(KillAndWait(st));
  } else if (auto cg = LoadCgroup(st); cg.ok()) {
    if (auto pids = cg->Pids(); pids.ok() && !pids->empty()) SKIFF_TRY(KillAndWait(st));
  }
  return Destroy(st);
}

Status Runtime::Pause(const std::string& id) {
  ContainerState st = SKIFF_TRY(LoadExisting(id));
  RunStatus status = ComputeStatus(st);
  if (status != RunStatus::kRunning && status != RunStatus::kCreated)
    return Error(Errc::kConflict, "container not running");
  auto cg = SKIFF_TRY(LoadCgroup(st));
  return cg.Freeze();
}

Status Runtime::Resume(const std::string& id) {
  ContainerState st = SKIFF_TRY(LoadExisting(id));
  if (ComputeStatus(st) != RunStatus::kPaused) return Error(Errc::kConflict, "container not paused");
  auto cg = SKIFF_TRY(LoadCgroup(st));
  return cg.Thaw();
}

Result<std::vector<pid_t>> Runtime::Pids(const std::string& id) {
  ContainerState st = SKIFF_TRY(LoadExisting(id));
  auto cg = SKIFF_TRY(LoadCgroup(st));
  return cg.Pids();
}

Status Runtime::Update(const std::string& id, const Json& resources) {
  ContainerState st = SKIFF_TRY(LoadExisting(id));
  auto r = SKIFF_TRY(cgroups::ParseResources(resources, "resources"));
  auto cg = SKIFF_TRY(LoadCgroup(st));
  SKIFF_TRY(cg.Update(r));
  // Keep the saved config in step so later commands see the new limits.
  Json& lr = st.config["linux"]["resources"];
  if (!lr.is_object()) lr = Json::object();
  lr.merge_patch(resources);
  return store_.Save(st);
}

Result<Json> Runtime::Stats(const std::string& id) {
  ContainerState st = SKIFF_TRY(LoadExisting(id));
  auto cg = SKIFF_TRY(LoadCgroup(st));
  return cg.Stats();
}

Result<std::vector<Json>> Runtime::List() {
  std::vector<Json> out;
  for (const auto& id : store_.List()) {
    auto st = store_.Load(id);
    if (!st.ok()) continue;
    out.push_back(OciState(*st, ComputeStatus(*st)));
  }
  return out;
}

Result<int> Runtime::Exec(const ExecRequest& r) {
  ContainerState st = SKIFF_TRY(LoadExisting(r.id));
  RunStatus status = ComputeStatus(st);
  if (status == RunStatus::kStopped) return Error(Errc::kConflict, "cannot exec in a stopped container");
  if (status == RunStatus::kPaused && !r.ignore_paused)
    return Error(Errc::kConflict, "cannot exec in a paused container (use --ignore-paused to override)");
  Spec spec = SKIFF_TRY(LoadSpec(st.config, st.bundle));
  ProcessSpec p;
  if (r.process) {
    p = *r.process;
  } else {
    if (r.args.empty()) return Error(Errc::kInvalidArgument, "exec: a command is required");
    p = spec.process;
    p.args = r.args;
    p.terminal = r.tty;
    for (const auto& e : r.env) p.env.push_back(e);
    if (!r.cwd.empty()) p.cwd = r.cwd;
    if (!r.user.empty()) {
      auto parts = Split(r.user, ':');
      auto uid = ParseUint(parts[0]);
      if (!uid) return Error(Errc::kInvalidArgument, "--user: expected uid[:gid], got \"" + r.user + "\"");
      p.user.uid = static_cast<uint32_t>(*uid);
      p.user.gid = 0;
      if (parts.size() > 1) {
        auto gid = ParseUint(parts[1]);
        if (!gid) return Error(Errc::kInvalidArgument, "--user: expected uid[:gid], got \"" + r.user + "\"");
        p.user.gid = static_cast<uint32_t>(*gid);
      }
    }
    for (const auto& g : r.additional_gids) {
      auto v = ParseUint(g);
      if (!v) return Error(Errc::kInvalidArgument, "--additional-gids: bad gid \"" + g + "\"");
      p.user.additional_gids.push_back(static_cast<uint32_t>(*v));
    }
    if (r.no_new_privs) p.no_new_privileges = true;
    for (const auto& c : r.caps) {
      int cap = SKIFF_TRY_CTX(sys::CapFromName(c), "--cap");
      uint64_t bit = 1ULL << cap;
      p.caps.bounding |= bit;
      p.caps.effective |= bit;
      p.caps.permitted |= bit;
      p.caps.inheritable |= bit;
      p.caps.ambient |= bit;
    }
  }
  if (p.terminal && r.console_socket.empty() && r.detach)
    return Error(Errc::kInvalidArgument, "cannot allocate a tty for a detached exec without --console-socket");
  auto cg = SKIFF_TRY(LoadCgroup(st));
  std::optional<LocalConsole> local;
  std::string console_path = r.console_socket;
  if (p.terminal && console_path.empty()) {
    local.emplace(SKIFF_TRY(LocalConsole::Create()));
    console_path = local->path();
  }
  UniqueFd console;
  if (p.terminal) console = SKIFF_TRY(ConnectConsole(console_path));
  if (!r.detach) ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  platform::ExecOptions eo;
  eo.container = &spec;
  eo.init_pid = st.pid;
  eo.cgroup = &cg;
  eo.process = std::move(p);
  eo.console_socket = console.get();
  eo.preserve_fds = r.preserve_fds;
  pid_t pid = SKIFF_TRY(platform::StartExec(eo));
  SKIFF_TRY(WritePidFile(r.pid_file, pid));
  if (r.detach) return 0;
  UniqueFd master;
  if (local) master = SKIFF_TRY(local->AcceptMaster());
  console.reset();
  return platform::WaitAndProxy(pid, master ? master.get() : -1);
}

}  // namespace skiff::runtime

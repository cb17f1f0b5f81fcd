// Spawn: starting a shim fully detached from the (multi-threaded) daemon and waiting for its report.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/file.h"
#include "daemon/shim/protocol.h"
#include "daemon/shim/runtime_cmd.h"
#include "daemon/shim/shim.h"

extern char** environ;

namespace skiff::daemon::shim {
namespace {

std::string Absolute(const std::string& p) {
  if (!p.empty() && p[0] == '/') return CleanPath(p);
  char cwd[4096];
  if (!::getcwd(cwd, sizeof cwd)) return CleanPath(p);
  return CleanPath(JoinPath(cwd, p));
}

}  // namespace

Result<Spawned> Spawn(const std::string& self_exe, const std::string& dir_in, const ShimConfig& cfg_in) {
  const std::string dir = Absolute(dir_in);
  // The shim runs in "/": every path it gets is made absolute here, against the caller's directory.
  ShimConfig cfg = cfg_in;
  for (std::string* p : {&cfg.runtime, &cfg.runtime_root, &cfg.bundle, &cfg.log.path})
    if (!p->empty()) *p = Absolute(*p);
  if (!IsDirectory(dir)) return Error(Errc::kNotFound, fmt::format("shim: state directory {} does not exist", dir));
  if (pid_t live = LiveShimPid(dir))
    return Error(Errc::kConflict, fmt::format("shim: a shim (pid {}) already serves {}", live, dir));
  for (const char* stale : {proto::kSocket, proto::kPidFile, proto::kExitFile, proto::kInitPidFile})
    ::unlink(JoinPath(dir, stale).c_str());
  SKIFF_TRY(WriteFileAtomic(JoinPath(dir, proto::kConfigFile), DumpJson(cfg.ToJson(), 2) + "\n", 0600));

  // Everything the children need is prepared before fork: after it only async-signal-safe calls.
  const std::string exe = Absolute(self_exe);
  std::vector<std::string> args = {exe, "shim", dir};
  std::vector<std::string> env;
  const std::string ready_var = std::string(proto::kReadyFdEnv) + "=";
  for (char** e = environ; e && *e; ++e)
    if (std::strncmp(*e, ready_var.c_str(), ready_var.size()) != 0) env.emplace_back(*e);
  env.push_back(ready_var + "3");
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Error::Sys("shim: pipe2");
  UniqueFd ready_r(p[0]), ready_w(p[1]);
  pid_t child = ::fork();
  if (child < 0) return Error::Sys("shim: fork");
  if (child == 0) {
    // Intermediate child: its only job is to fork the shim and exit, so the shim is reparented away from
    // the daemon (to the host's init or subreaper) and the daemon never has to wait for it.
    pid_t shim = ::fork();
    if (shim != 0) _exit(shim < 0 ? 1 : 0);
    ::setsid();
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int hi = ::fcntl(ready_w.get(), F_DUPFD, 10);
    int null = ::open("/dev/null", O_RDWR);
    if (hi < 0 || null < 0) _exit(126);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    if (::dup2(hi, 3) < 0) _exit(126);
    ::close_range(4, ~0U, 0);
    if (::chdir("/") != 0) _exit(126);
    ::execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  ready_w.reset();
  int st = 0;
  while (::waitpid(child, &st, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return Error(Errc::kInternal, "shim: fork of the shim failed");

  // The shim writes one line, then closes the pipe (created) or exits (failed, after its cleanup): read to
  // EOF so that on failure no process is left when we return.
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(ready_r.get(), buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  size_t nl = text.find('\n');
  if (nl == std::string::npos)
    return Error(Errc::kInternal, fmt::format("shim: exited before reporting (exec {}: see {})", exe,
                                              JoinPath(dir, proto::kShimLog)));
  Json j = SKIFF_TRY(proto::ParseReply(std::string_view(text).substr(0, nl)));
  Spawned s;
  s.shim_pid = static_cast<pid_t>(j.value("shim_pid", 0));
  s.init_pid = static_cast<pid_t>(j.value("init_pid", 0));
  return s;
}

Result<ExitInfo> CleanupDeadShim(const std::string& dir) {
  if (pid_t live = LiveShimPid(dir))
    return Error(Errc::kConflict, fmt::format("shim: a shim (pid {}) still serves {}", live, dir));
  if (auto e = SKIFF_TRY(ReadExitFile(dir))) return *e;
  ShimConfig cfg = SKIFF_TRY(ShimConfig::FromJson(SKIFF_TRY(ReadJsonFile(JoinPath(dir, proto::kConfigFile)))));
  std::string log = JoinPath(dir, proto::kRuntimeLog);
  uint64_t offset = FileSize(log);
  auto argv = RuntimeArgv(cfg.runtime, cfg.runtime_root, log);
  argv.insert(argv.end(), {"delete", "--force", cfg.id});
  pid_t pid = SKIFF_TRY(StartChild(argv, ChildStdio{}));
  int st = SKIFF_TRY(WaitChild(pid));
  if (st != 0) {
    // "does not exist": the runtime state is gone already, which is what we want.
    std::string msg = LastRuntimeError(log, offset);
    if (msg.find("does not exist") == std::string::npos)
      return RuntimeFailure(log, offset, "runtime delete", st).Wrap("shim: clean up " + cfg.id);
  }
  ExitInfo e;
  e.exit_code = 137;
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
  e.finished_at = logs::FormatRfc3339Nano(ns.count());
  SKIFF_TRY(WriteFileAtomic(JoinPath(dir, proto::kExitFile), DumpJson(proto::ExitInfoToJson(e)) + "\n"));
  ::unlink(JoinPath(dir, proto::kSocket).c_str());
  ::unlink(JoinPath(dir, proto::kPidFile).c_str());
  return e;
}

}  // namespace skiff::daemon::shim

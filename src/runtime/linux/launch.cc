#include "runtime/linux/launch.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "base/log.h"
#include "base/scope.h"
#include "base/strings.h"
#include "runtime/hooks.h"
#include "runtime/linux/console.h"
#include "runtime/linux/process.h"
#include "runtime/linux/rootfs.h"
#include "sys/process.h"
#include "sys/resolve.h"
#include "sys/unix_socket.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace skiff::runtime::platform {
namespace {

void ResetSignals() {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int s = 1; s < NSIG; ++s) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    signal(s, SIG_DFL);
  }
}

Status Expect(int fd, std::string_view want) {
  std::string msg = SKIFF_TRY(sys::RecvMsg(fd));
  if (msg.starts_with(want)) return Ok();
  return Error(Errc::kCancelled, "parent aborted container setup");
}

std::string MappingText(const std::vector<IdMapping>& maps) {
  std::string out;
  for (const auto& m : maps)
    out += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size) + "\n";
  return out;
}

// Joins path namespaces (user first), unshares the new ones. Runs in stage 1.
Status EnterNamespaces(const Spec& spec, int sync_fd) {
  std::vector<std::pair<UniqueFd, int>> joins;
  for (const auto& ns : spec.namespaces) {
    if (ns.path.empty()) continue;
    UniqueFd fd = SKIFF_TRY_CTX(OpenFile(ns.path, O_RDONLY), "linux.namespaces (" + ns.type + ")");
    if (ns.type == "user") joins.insert(joins.begin(), {std::move(fd), ns.clone_flag});
    else joins.emplace_back(std::move(fd), ns.clone_flag);
  }
  for (auto& [fd, flag] : joins)
    if (::setns(fd.get(), flag) != 0) return Error::Sys("join namespace (flag " + std::to_string(flag) + ")");
  int flags = spec.NewNamespaceFlags();
  if (flags & CLONE_NEWUSER) {
    if (::unshare(CLONE_NEWUSER) != 0) return Error::Sys("unshare user namespace");
    SKIFF_TRY(sys::SendMsg(sync_fd, "idmap"));
    SKIFF_TRY(Expect(sync_fd, "ok"));
    if (::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0) return Error::Sys("become root in user namespace");
    flags &= ~CLONE_NEWUSER;
  }
  if (flags && ::unshare(flags) != 0) return Error::Sys("unshare namespaces");
  if (!spec.time_offsets.empty()) {
    std::string text;
    for (const auto& [clock, off] : spec.time_offsets)
      text += clock + " " + std::to_string(off.first) + " " + std::to_string(off.second) + "\n";
    SKIFF_TRY_CTX(WriteFileString("/proc/self/timens_offsets", text), "linux.timeOffsets");
  }
  return Ok();
}

Status ApplySysctl(const Spec& spec) {
  for (const auto& [k, v] : spec.sysctl) {
    std::string path = "/proc/sys/" + k;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    SKIFF_TRY_CTX(WriteFileString(path, v), "linux.sysctl." + k);
  }
  return Ok();
}

// Stage 2: the container init. Never returns.
[[noreturn]] void RunInit(const InitOptions& o, int sync_fd, int fifo_fd) {
  const Spec& spec = *o.spec;
  auto check = [&](Status st) {
    if (!st.ok()) ChildFail(sync_fd, st.error());
  };
  if (::setsid() < 0) ChildFail(sync_fd, Error::Sys("setsid"));
  // The fifo (held by O_PATH, opened by the parent) is reopened through /proc/self/fd: that works after
  // pivot_root and for a user-namespaced init that could not traverse the runtime's state directory.
  int fifo = fifo_fd;
  // /proc/self/fd of this process, held before the root changes: a container without a mount namespace
  // (a plain chroot) has no /proc of its own in which to reopen the fifo.
  UniqueFd self_fds;
  if (fifo >= 0) {
    auto d = OpenFile("/proc/self/fd", O_PATH | O_DIRECTORY);
    if (!d.ok()) ChildFail(sync_fd, d.error());
    self_fds = std::move(d).value();
  }
  // The listener path is on the host: connect before pivot_root.
  auto listener = ConnectSeccompListener(spec);
  if (!listener.ok()) ChildFail(sync_fd, listener.error());
  const NamespaceSpec* mnt = spec.FindNamespace("mount");
  bool in_userns = spec.FindNamespace("user") != nullptr;
  if (mnt) {
    RootfsContext ctx;
    if (o.cgroup) ctx.cgroup_dirs = o.cgroup->ContainerDirs();
    const NamespaceSpec* cg = spec.FindNamespace("cgroup");
    ctx.new_cgroupns = cg && cg->path.empty();
    ctx.in_userns = in_userns;
    check(PrepareRootfs(spec, ctx));
  }
  check(sys::SendMsg(sync_fd, "hooks"));
  auto reply = sys::RecvMsg(sync_fd);
  if (!reply.ok() || !reply->starts_with("ok")) ChildFail(sync_fd, Error(Errc::kCancelled, "setup aborted"));
  std::string state_json = reply->size() > 3 ? reply->substr(3) : "{}";
  check(RunHooks(spec.hooks.create_container, "createContainer", state_json));
  check(mnt ? EnterRootfs(spec, o.no_pivot) : ChrootOnly(spec));
  (void)MkdirAll(spec.process.cwd);
  if (spec.process.terminal) check(SetupConsole(o.console_socket, spec.process));
  if (!spec.hostname.empty() && ::sethostname(spec.hostname.data(), spec.hostname.size()) != 0)
    ChildFail(sync_fd, Error::Sys("hostname"));
  if (!spec.domainname.empty() && ::setdomainname(spec.domainname.data(), spec.domainname.size()) != 0)
    ChildFail(sync_fd, Error::Sys("domainname"));
  check(ApplySysctl(spec));
  if (mnt) check(FinalizeRootfs(spec));
  if (!spec.personality_domain.empty() &&
      ::personality(spec.personality_domain == "LINUX32" ? PER_LINUX32 : PER_LINUX) < 0)
    ChildFail(sync_fd, Error::Sys("linux.personality"));
  if (!spec.process.apparmor_profile.empty())
    log::Warn("process.apparmorProfile \"{}\" ignored: AppArmor is not supported", spec.process.apparmor_profile);
  if (!spec.process.selinux_label.empty())
    log::Warn("process.selinuxLabel ignored: SELinux is not supported");
  auto path = LookPath(spec.process);
  if (!path.ok()) ChildFail(sync_fd, path.error());
  check(sys::SendMsg(sync_fd, "ready"));

  FinalizeOptions fo;
  fo.process = &spec.process;
  fo.seccomp = &spec.seccomp;
  fo.seccomp_program = o.seccomp_program;
  fo.preserve_fds = o.preserve_fds;
  fo.in_userns = in_userns;
  fo.before_exec = [&]() -> Status {
    if (fifo >= 0) {
      // Blocks until `start` opens the fifo for reading.
      UniqueFd w(::openat(self_fds.get(), std::to_string(fifo).c_str(), O_WRONLY | O_CLOEXEC));
      if (!w) return Error::Sys("open exec fifo");
      SKIFF_TRY(WriteAll(w.get(), "0"));
    }
    return RunHooks(spec.hooks.start_container, "startContainer", state_json);
  };
  fo.on_seccomp_fd = [&](int fd) { return SendSeccompFd(listener->get(), fd, spec, state_json); };
  Error e = FinalizeAndExec(fo, *path);
  // After "ready" the parent may be gone: report on stderr too.
  dprintf(2, "skiff-runtime init: %s\n", e.message().c_str());
  ChildFail(sync_fd, e);
}

[[noreturn]] void RunStage1(const InitOptions& o, int sync_fd, int fifo_fd) {
  ResetSignals();
  if (o.cgroup) {
    if (auto st = o.cgroup->AddProcess(::getpid()); !st) ChildFail(sync_fd, st.error());
  }
  if (auto st = EnterNamespaces(*o.spec, sync_fd); !st) ChildFail(sync_fd, st.error());
  pid_t child = ::fork();
  if (child < 0) ChildFail(sync_fd, Error::Sys("fork init"));
  if (child == 0) RunInit(o, sync_fd, fifo_fd);
  (void)sys::SendMsg(sync_fd, "pid " + std::to_string(child));
  _exit(0);
}

}  // namespace

Result<UniqueFd> ConnectSeccompListener(const Spec& spec) {
  if (!spec.seccomp.enabled || !spec.seccomp.UsesNotify()) return UniqueFd();
  return SKIFF_TRY_CTX(sys::ConnectUnix(spec.seccomp.listener_path), "linux.seccomp.listenerPath");
}

Status SendSeccompFd(int sock, int seccomp_fd, const Spec& spec, const std::string& state_json) {
  if (sock < 0) return Ok();
  Json state = ParseJson(state_json, "state").value_or(Json::object());
  Json msg = {{"ociVersion", "1.0.2"},
              {"fds", {"seccompFd"}},
              {"pid", state.value("pid", 0)},
              {"metadata", spec.seccomp.listener_metadata},
              {"state", state}};
  SKIFF_TRY_CTX(sys::SendFd(sock, seccomp_fd, DumpJson(msg)), "linux.seccomp.listenerPath");
  return Ok();
}

void ChildFail(int sync_fd, const Error& e) {
  (void)sys::SendMsg(sync_fd, "error " + std::to_string(static_cast<int>(e.code())) + " " + e.message());
  _exit(1);
}

Result<std::string> RecvSync(int sync_fd) { return sys::RecvMsg(sync_fd); }

Error ParseChildError(const std::string& msg) {
  // "error <code> <message>"
  auto parts = SplitN(msg, ' ', 3);
  int code = parts.size() > 1 ? static_cast<int>(ParseInt(parts[1]).value_or(9)) : 9;
  return Error(static_cast<Errc>(code), parts.size() > 2 ? parts[2] : msg);
}

Result<pid_t> StartInit(const InitOptions& o) {
  auto [parent_sock, child_sock] = SKIFF_TRY(sys::SeqPacketPair());
  UniqueFd fifo;
  if (!o.fifo_path.empty()) fifo = SKIFF_TRY(OpenFile(o.fifo_path, O_PATH));
  pid_t stage1 = ::fork();
  if (stage1 < 0) return Error::Sys("fork");
  if (stage1 == 0) {
    parent_sock.reset();
    RunStage1(o, child_sock.get(), fifo.get());
  }
  child_sock.reset();
  fifo.reset();
  pid_t init = 0;
  bool stage1_reaped = false;
  auto reap_stage1 = [&] {
    if (!stage1_reaped) {
      while (::waitpid(stage1, nullptr, 0) < 0 && errno == EINTR) {}
      stage1_reaped = true;
    }
  };
  ScopeExit cleanup([&] {
    if (init > 0) {
      ::kill(init, SIGKILL);
      ::waitpid(init, nullptr, WNOHANG);
    } else {
      ::kill(stage1, SIGKILL);
    }
    reap_stage1();
  });
  bool hooks_pending = false;
  auto run_hooks = [&]() -> Status {
    hooks_pending = false;
    if (o.parent_hooks) {
      if (auto st = o.parent_hooks(init); !st) {
        (void)sys::SendMsg(parent_sock.get(), "abort");
        return std::move(st).error();
      }
    }
    return sys::SendMsg(parent_sock.get(), "ok " + (o.state_json ? o.state_json(init) : std::string("{}")));
  };
  for (;;) {
    std::string msg = SKIFF_TRY(sys::RecvMsg(parent_sock.get()));
    if (msg.empty()) {
      return Error(Errc::kInternal, "container init exited before it was ready");
    } else if (msg.starts_with("error ")) {
      return ParseChildError(msg);
    } else if (msg == "idmap") {
      const Spec& s = *o.spec;
      std::string base = "/proc/" + std::to_string(stage1);
      SKIFF_TRY_CTX(WriteFileString(base + "/uid_map", MappingText(s.uid_mappings)), "linux.uidMappings");
      SKIFF_TRY_CTX(WriteFileString(base + "/gid_map", MappingText(s.gid_mappings)), "linux.gidMappings");
      SKIFF_TRY(sys::SendMsg(parent_sock.get(), "ok"));
    } else if (msg.starts_with("pid ")) {
      init = static_cast<pid_t>(ParseInt(msg.substr(4)).value_or(0));
      reap_stage1();
      if (hooks_pending) SKIFF_TRY(run_hooks());
    } else if (msg == "hooks") {
      // Stage 1 reports the init's pid after forking it, so the init may ask for its hooks first: they
      // run (with the pid in their state) once the pid is known.
      if (init > 0) SKIFF_TRY(run_hooks());
      else hooks_pending = true;
    } else if (msg == "ready") {
      cleanup.Dismiss();
      return init;
    } else {
      return Error(Errc::kInternal, "unexpected message from container init: " + msg);
    }
  }
}

}  // namespace skiff::runtime::platform

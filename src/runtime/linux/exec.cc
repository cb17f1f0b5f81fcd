#include "runtime/linux/exec.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "base/scope.h"
#include "base/strings.h"
#include "runtime/linux/console.h"
#include "runtime/linux/launch.h"
#include "runtime/linux/process.h"
#include "sys/unix_socket.h"

namespace skiff::runtime::platform {
namespace {

const char* ProcNsName(const std::string& type) {
  if (type == "network") return "net";
  if (type == "mount") return "mnt";
  return type.c_str();
}

bool SameNamespace(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_ino == sb.st_ino &&
         sa.st_dev == sb.st_dev;
}

Status JoinContainer(const ExecOptions& o) {
  std::vector<std::pair<UniqueFd, int>> joins;
  bool user_first = false;
  for (const auto& ns : o.container->namespaces) {
    std::string path = "/proc/" + std::to_string(o.init_pid) + "/ns/" + ProcNsName(ns.type);
    if (SameNamespace(path, std::string("/proc/self/ns/") + ProcNsName(ns.type))) continue;
    UniqueFd fd = SKIFF_TRY(OpenFile(path, O_RDONLY));
    if (ns.type == "user") {
      joins.insert(joins.begin(), {std::move(fd), ns.clone_flag});
      user_first = true;
    } else {
      joins.emplace_back(std::move(fd), ns.clone_flag);
    }
  }
  (void)user_first;
  for (auto& [fd, flag] : joins)
    if (::setns(fd.get(), flag) != 0) return Error::Sys("join container namespace");
  // Without a mount namespace the container lives in a chroot: follow the init there.
  if (!o.container->FindNamespace("mount")) {
    std::string root = "/proc/" + std::to_string(o.init_pid) + "/root";
    if (::chroot(root.c_str()) != 0) return Error::Sys("chroot into container");
  }
  return Ok();
}

int listener_fd = -1;  // stage 1 -> stage 2 of exec only (set in the forked child)

[[noreturn]] void RunExecProcess(const ExecOptions& o, int sync_fd) {
  if (o.process.terminal) {
    if (::setsid() < 0) ChildFail(sync_fd, Error::Sys("setsid"));
    if (auto st = SetupConsole(o.console_socket, o.process, false); !st) ChildFail(sync_fd, st.error());
  }
  if (::chdir("/") != 0) ChildFail(sync_fd, Error::Sys("chdir /"));
  auto path = LookPath(o.process);
  if (!path.ok()) ChildFail(sync_fd, path.error());
  FinalizeOptions fo;
  fo.process = &o.process;
  fo.seccomp = &o.container->seccomp;
  fo.preserve_fds = o.preserve_fds;
  fo.in_userns = o.container->FindNamespace("user") != nullptr;
  std::string state = DumpJson(Json{{"ociVersion", "1.0.2-dev"}, {"pid", o.init_pid}, {"status", "running"}});
  fo.on_seccomp_fd = [&](int fd) { return SendSeccompFd(listener_fd, fd, *o.container, state); };
  ChildFail(sync_fd, FinalizeAndExec(fo, *path));
}

}  // namespace

Result<pid_t> StartExec(const ExecOptions& o) {
  auto [parent_sock, child_sock] = SKIFF_TRY(sys::SeqPacketPair());
  pid_t stage1 = ::fork();
  if (stage1 < 0) return Error::Sys("fork");
  if (stage1 == 0) {
    parent_sock.reset();
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    if (o.cgroup) {
      if (auto st = o.cgroup->AddProcess(::getpid()); !st) ChildFail(child_sock.get(), st.error());
    }
    auto listener = ConnectSeccompListener(*o.container);
    if (!listener.ok()) ChildFail(child_sock.get(), listener.error());
    listener_fd = listener->release();
    if (auto st = JoinContainer(o); !st) ChildFail(child_sock.get(), st.error());
    pid_t child = ::fork();
    if (child < 0) ChildFail(child_sock.get(), Error::Sys("fork"));
    if (child == 0) RunExecProcess(o, child_sock.get());
    (void)sys::SendMsg(child_sock.get(), "pid " + std::to_string(child));
    _exit(0);
  }
  child_sock.reset();
  pid_t pid = 0;
  ScopeExit cleanup([&] {
    if (pid > 0) ::kill(pid, SIGKILL);
    else ::kill(stage1, SIGKILL);
  });
  for (;;) {
    std::string msg = SKIFF_TRY(sys::RecvMsg(parent_sock.get()));
    if (msg.empty()) break;  // every copy of the child end closed: the process exec'd
    if (msg.starts_with("error ")) {
      while (::waitpid(stage1, nullptr, 0) < 0 && errno == EINTR) {}
      return ParseChildError(msg);
    }
    if (msg.starts_with("pid ")) {
      pid = static_cast<pid_t>(ParseInt(msg.substr(4)).value_or(0));
      while (::waitpid(stage1, nullptr, 0) < 0 && errno == EINTR) {}
    }
  }
  if (pid <= 0) return Error(Errc::kInternal, "exec: process exited before it started");
  cleanup.Dismiss();
  return pid;
}

}  // namespace skiff::runtime::platform

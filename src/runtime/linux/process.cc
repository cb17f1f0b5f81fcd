#include "runtime/linux/process.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/file.h"
#include "base/strings.h"

namespace skiff::runtime::platform {
namespace {

bool IsExecutableFile(const std::string& p, int* err) {
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) {
    *err = errno;
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *err = EISDIR;
    return false;
  }
  if (!(st.st_mode & 0111)) {
    *err = EACCES;
    return false;
  }
  return true;
}

}  // namespace

Result<std::string> LookPath(const ProcessSpec& process) {
  const std::string& name = process.args[0];
  int err = 0;
  if (name.find('/') != std::string::npos) {
    if (IsExecutableFile(name, &err)) return name;
    if (err == ENOENT) return Error(Errc::kNotFound, "exec: \"" + name + "\": stat " + name + ": no such file or directory");
    return Error(Errc::kPermissionDenied, "exec: \"" + name + "\": permission denied");
  }
  std::string path = process.Getenv("PATH").value_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  bool denied = false;
  for (auto& dir : Split(path, ':')) {
    std::string cand = JoinPath(dir.empty() ? "." : dir, name);
    if (IsExecutableFile(cand, &err)) return cand;
    if (err == EACCES) denied = true;
  }
  if (denied) return Error(Errc::kPermissionDenied, "exec: \"" + name + "\": permission denied");
  return Error(Errc::kNotFound, "exec: \"" + name + "\": executable file not found in $PATH");
}

Error FinalizeAndExec(const FinalizeOptions& o, const std::string& path) {
  const ProcessSpec& p = *o.process;
  auto fail = [](Status st, std::string_view what) { return std::move(st).error().Wrap(what); };
  if (auto st = sys::ApplyRlimits(p.rlimits); !st) return fail(std::move(st), "process.rlimits");
  if (p.oom_score_adj) {
    if (auto st = WriteFileString("/proc/self/oom_score_adj", std::to_string(*p.oom_score_adj)); !st)
      return fail(std::move(st), "process.oomScoreAdj");
  }
  // runc's wording, with Go's lower-case errno text.
  if (::chdir(p.cwd.c_str()) != 0) {
    int err = errno;
    return Error(Error::FromErrno(err, "").code(), "chdir to cwd (\"" + p.cwd + "\") set in config.json failed: " + GoErrnoText(err), err);
  }
  // The filter is built before waiting for `start` (it takes milliseconds), loaded after.
  bool seccomp = o.seccomp && sys::SeccompEnabled(*o.seccomp);
  const sys::SeccompProgram* program = o.seccomp_program;
  sys::SeccompProgram built;
  if (seccomp && !program) {
    auto b = sys::CompileSeccomp(*o.seccomp);
    if (!b.ok()) return std::move(b).error();
    built = std::move(*b);
    program = &built;
  }
  if (o.before_exec) {
    if (auto st = o.before_exec(); !st) return std::move(st).error();
  }
  auto load_seccomp = [&]() -> Status {
    UniqueFd fd = SKIFF_TRY(sys::LoadSeccompProgram(*program));
    if (fd.valid() && o.on_seccomp_fd) SKIFF_TRY(o.on_seccomp_fd(fd.get()));
    return Ok();
  };
  if (p.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Error::Sys("set no_new_privs");
  // Without no_new_privs the filter needs CAP_SYS_ADMIN: load it while we still have it.
  if (seccomp && !p.no_new_privileges) {
    if (auto st = load_seccomp(); !st) return std::move(st).error();
  }
  if (auto st = sys::DropBoundingSet(p.caps); !st) return fail(std::move(st), "process.capabilities.bounding");
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return Error::Sys("prctl keepcaps");
  std::vector<gid_t> groups(p.user.additional_gids.begin(), p.user.additional_gids.end());
  if (::setgroups(groups.size(), groups.data()) != 0 && !(o.in_userns && errno == EPERM))
    return Error::Sys("setgroups");
  if (::setresgid(p.user.gid, p.user.gid, p.user.gid) != 0) return Error::Sys("setgid " + std::to_string(p.user.gid));
  if (::setresuid(p.user.uid, p.user.uid, p.user.uid) != 0) return Error::Sys("setuid " + std::to_string(p.user.uid));
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return Error::Sys("prctl keepcaps");
  if (auto st = sys::ApplyCapSets(p.caps); !st) return fail(std::move(st), "process.capabilities");
  ::umask(p.user.umask.value_or(022));
  if (seccomp && p.no_new_privileges) {
    if (auto st = load_seccomp(); !st) return std::move(st).error();
  }
  ::syscall(SYS_close_range, 3 + o.preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
  std::vector<char*> argv, envp;
  for (auto& a : p.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : p.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(path.c_str(), argv.data(), envp.data());
  int e = errno;
  if (e == EACCES) return Error(Errc::kPermissionDenied, "exec: \"" + p.args[0] + "\": permission denied", e);
  return Error::FromErrno(e, "exec " + path);
}

}  // namespace skiff::runtime::platform

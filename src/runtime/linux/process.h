// The last steps before a container process becomes the user's program, shared by the container init and
// `exec`: rlimits, oom_score_adj, cwd, no_new_privs, seccomp, capabilities around the uid/gid switch, umask,
// closing inherited fds, execve. Runs in the (single-threaded) child that is about to exec.
#pragma once

#include <functional>
#include <string>

#include "base/error.h"
#include "runtime/spec.h"

namespace skiff::runtime::platform {

struct FinalizeOptions {
  const ProcessSpec* process = nullptr;
  const sys::SeccompProfile* seccomp = nullptr;  // may be null
  const sys::SeccompProgram* seccomp_program = nullptr;  // seccomp built ahead; null: built here
  int preserve_fds = 0;                           // fds 3..3+n-1 stay open
  bool in_userns = false;                         // setgroups may be denied
  // Called after everything that needs privileges and before exec (the init waits on its exec fifo here).
  std::function<Status()> before_exec;
  // Called with the seccomp notify fd when the profile uses SCMP_ACT_NOTIFY.
  std::function<Status(int)> on_seccomp_fd;
};

// Looks args[0] up in PATH from the process env (as exec.LookPath does). Errors carry Docker-recognised
// wording: `exec: "x": executable file not found in $PATH`, `... permission denied`.
Result<std::string> LookPath(const ProcessSpec& process);
// Applies everything in FinalizeOptions and execs. Returns only on failure.
Error FinalizeAndExec(const FinalizeOptions& opts, const std::string& path);

}  // namespace skiff::runtime::platform

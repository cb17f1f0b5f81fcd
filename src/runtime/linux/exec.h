// Starting an extra process inside a running container (`exec`): stage 1 joins the container's cgroup and
// namespaces (those of its init), stage 2 (needed to enter the pid namespace) sets up the terminal and
// finishes like the init: rlimits, user, capabilities, the container's seccomp filter, execve.
#pragma once

#include <sys/types.h>

#include "base/error.h"
#include "runtime/cgroups/manager.h"
#include "runtime/spec.h"

namespace skiff::runtime::platform {

struct ExecOptions {
  const Spec* container = nullptr;   // the container's config (namespaces, seccomp)
  pid_t init_pid = 0;
  cgroups::Manager* cgroup = nullptr;
  ProcessSpec process;
  int console_socket = -1;
  int preserve_fds = 0;
};

// Returns the new process's pid once it has exec'd (or the exec error).
Result<pid_t> StartExec(const ExecOptions& opts);

}  // namespace skiff::runtime::platform

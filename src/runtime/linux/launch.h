// Starting a container's init process. The runtime process forks stage 1, which joins the cgroup and the
// configured namespaces and unshares the new ones (asking the parent to write uid/gid maps), then forks
// stage 2, the init (pid 1 in a new pid namespace), and exits. The init builds the rootfs, pauses for the
// parent's prestart/createRuntime hooks, pivots, finishes setup, reports "ready" and then blocks on the exec
// fifo until `start`. Parent and children talk over a SOCK_SEQPACKET pair; an error in a child arrives as a
// message and the child is gone when StartInit returns it.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "base/error.h"
#include "base/fd.h"
#include "runtime/cgroups/manager.h"
#include "runtime/spec.h"

namespace skiff::runtime::platform {

struct InitOptions {
  const Spec* spec = nullptr;
  cgroups::Manager* cgroup = nullptr;
  int console_socket = -1;   // terminal: the pty master is sent here (not owned)
  std::string fifo_path;     // the init blocks opening it for write until `start` reads it
  bool no_pivot = false;
  int preserve_fds = 0;
  const sys::SeccompProgram* seccomp_program = nullptr;  // built ahead (not owned); null: built in the init
  // In the runtime namespace, once the container namespaces exist: prestart + createRuntime hooks.
  std::function<Status(pid_t)> parent_hooks;
  // The state JSON given to hooks that run inside the container (createContainer, startContainer).
  std::function<std::string(pid_t)> state_json;
};

// Returns the init's pid (in the caller's pid namespace) once it is ready. On failure the init is killed.
Result<pid_t> StartInit(const InitOptions& opts);

// Seccomp notify: connects to linux.seccomp.listenerPath (invalid fd when the profile has no NOTIFY rule),
// and sends a listener fd there with the container process state, as the OCI runtime spec describes.
Result<UniqueFd> ConnectSeccompListener(const Spec& spec);
Status SendSeccompFd(int sock, int seccomp_fd, const Spec& spec, const std::string& state_json);

// Child side of the sync protocol, shared with exec: report an error to the parent and exit.
[[noreturn]] void ChildFail(int sync_fd, const Error& e);
// Parent side: waits for "pid N" / "error ..." messages from a stage-1 child. Used by exec too.
Result<std::string> RecvSync(int sync_fd);
Error ParseChildError(const std::string& msg);

}  // namespace skiff::runtime::platform

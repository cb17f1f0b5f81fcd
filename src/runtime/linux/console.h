// Terminals for container processes. In the container: allocate a pty from the container's devpts, send
// the master over the console socket (runc's protocol), make the slave the controlling terminal and stdio.
// In the runtime (foreground `run -t`/`exec -t` without --console-socket): proxy between our own terminal
// and the received master until the process exits.
#pragma once

#include <sys/types.h>

#include "base/error.h"
#include "base/fd.h"
#include "runtime/spec.h"

namespace skiff::runtime::platform {

// Container side; the caller must already have called setsid(). Also bind-mounts the slave on /dev/console
// when `mount_console` is set (the init, not exec).
Status SetupConsole(int console_socket, const ProcessSpec& process, bool mount_console = true);

// Runtime side: waits for `pid` (a child of ours) to exit, forwarding signals to it and, when master is
// valid, copying our stdin to it and its output to our stdout with our terminal in raw mode.
// Returns the exit code as a shell reports it (128+signal when killed).
int WaitAndProxy(pid_t pid, int master);

}  // namespace skiff::runtime::platform

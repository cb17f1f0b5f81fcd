// Internal to the shim: running `skiff-runtime` commands as child processes of the shim, and reading the
// error a failed command left in its json --log. The child gets the given stdio (-1 = /dev/null), default
// signal dispositions, an empty signal mask and no other fds. The caller reaps it (waitpid).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/error.h"

namespace skiff::daemon::shim {

struct ChildStdio {
  int in = -1, out = -1, err = -1;
};

// Forks and execs argv[0] (an absolute path). Returns the child's pid.
Result<pid_t> StartChild(const std::vector<std::string>& argv, const ChildStdio& io);
// Waits for a specific child (retrying EINTR) and returns its raw wait status.
Result<int> WaitChild(pid_t pid);
// Shell-style exit code of a wait status: the status, or 128+signal.
int ExitCodeOf(int wait_status);

// The runtime's argv prefix: {runtime, --root, R, --log, F, --log-format, json}.
std::vector<std::string> RuntimeArgv(const std::string& runtime, const std::string& root, const std::string& log);

// The last "error" message in the json log at `path` after byte `offset` (the log's size before the command
// ran); "" when there is none.
std::string LastRuntimeError(const std::string& path, uint64_t offset);
// Current size of a file (0 when missing).
uint64_t FileSize(const std::string& path);

// The error of a failed runtime command: its logged message verbatim, else "<what>: exit status N".
Error RuntimeFailure(const std::string& log, uint64_t offset, const std::string& what, int wait_status);

}  // namespace skiff::daemon::shim

// Facts about processes from /proc, and signal names.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/error.h"

namespace skiff::sys {

// Field 22 of /proc/PID/stat (clock ticks since boot): with the pid it identifies a process across reuse.
Result<uint64_t> ProcessStartTime(pid_t pid);
// Process state letter from /proc/PID/stat ('R', 'S', 'Z', ...), or 0 if there is no such process.
char ProcessState(pid_t pid);
// True if pid exists, is not a zombie and (when start_time != 0) has that start time.
bool ProcessAlive(pid_t pid, uint64_t start_time = 0);
// "KILL", "SIGKILL", "9", "sigterm" -> number; InvalidArgument otherwise.
Result<int> ParseSignal(std::string_view s);
std::string SignalName(int sig);

}  // namespace skiff::sys

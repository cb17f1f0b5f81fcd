#include "sys/process.h"

#include <signal.h>
#include <string.h>

#include "base/file.h"
#include "base/strings.h"

namespace skiff::sys {
namespace {
// Returns the fields after "(comm)" of /proc/PID/stat; field 3 (state) is index 0.
Result<std::vector<std::string>> StatFields(pid_t pid) {
  std::string stat = SKIFF_TRY(ReadFile("/proc/" + std::to_string(pid) + "/stat"));
  auto pos = stat.rfind(')');
  if (pos == std::string::npos || pos + 2 > stat.size()) return Error(Errc::kInternal, "bad /proc stat");
  return Split(Trim(stat.substr(pos + 2)), ' ');
}

struct SigName {
  const char* name;
  int num;
};
const SigName kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},     {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL}, {"PWR", SIGPWR},       {"SYS", SIGSYS},
};
}  // namespace

Result<uint64_t> ProcessStartTime(pid_t pid) {
  auto f = SKIFF_TRY(StatFields(pid));
  if (f.size() < 20) return Error(Errc::kInternal, "bad /proc stat");
  auto v = ParseUint(f[19]);
  if (!v) return Error(Errc::kInternal, "bad start time in /proc stat");
  return *v;
}

char ProcessState(pid_t pid) {
  auto f = StatFields(pid);
  if (!f.ok() || f->empty() || f->front().empty()) return 0;
  return f->front()[0];
}

bool ProcessAlive(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return false;
  auto f = StatFields(pid);
  if (!f.ok() || f->size() < 20) return false;
  if ((*f)[0] == "Z" || (*f)[0] == "X") return false;
  if (start_time != 0 && ParseUint((*f)[19]) != start_time) return false;
  return true;
}

Result<int> ParseSignal(std::string_view s) {
  if (auto n = ParseInt(s)) {
    if (*n > 0 && *n < NSIG) return static_cast<int>(*n);
    return Error(Errc::kInvalidArgument, "invalid signal number " + std::string(s));
  }
  std::string up;
  for (char c : s) up += static_cast<char>(toupper(static_cast<unsigned char>(c)));
  if (up.starts_with("SIG")) up.erase(0, 3);
  for (const auto& e : kSignals)
    if (up == e.name) return e.num;
  if (up.starts_with("RTMIN") || up.starts_with("RTMAX")) {
    int base = up.starts_with("RTMIN") ? SIGRTMIN : SIGRTMAX;
    std::string rest = up.substr(5);
    int off = 0;
    if (!rest.empty()) {
      auto v = ParseInt(rest);
      if (!v) return Error(Errc::kInvalidArgument, "unknown signal \"" + std::string(s) + "\"");
      off = static_cast<int>(*v);
    }
    int sig = base + off;
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) return sig;
  }
  return Error(Errc::kInvalidArgument, "unknown signal \"" + std::string(s) + "\"");
}

std::string SignalName(int sig) {
  for (const auto& e : kSignals)
    if (e.num == sig) return std::string("SIG") + e.name;
  return std::to_string(sig);
}

}  // namespace skiff::sys

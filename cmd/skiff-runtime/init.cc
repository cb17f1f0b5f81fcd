// The container init behind `docker run --init`: skiff-runtime run as /sbin/docker-init (or as
// `skiff-runtime init [options] [--] cmd args...`). With tini's command line and defaults: it spawns the
// command as its only direct child, in a process group of its own that it makes the terminal's foreground
// group when stdin is a tty; it forwards every signal it receives to that child (to its process group with
// -g or TINI_KILL_PROCESS_GROUP); it reaps every process that gets re-parented to it; and it exits, as soon
// as the child has, with the child's exit status (128+signal when a signal killed it; -e CODE maps CODE to
// 0). It owns nothing but its child, which outlives it only if the caller's PID namespace lets it.
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <set>
#include <string>

#include "sys/process.h"

namespace skiff::init {
namespace {

constexpr const char* kVersion = "skiff-init version 0.1.0 (tini 0.19.0 compatible)";

// Output as tini's: FATAL and WARN on stderr, INFO/DEBUG/TRACE on stdout, each gated by the verbosity
// (default 1; FATAL is always printed).
enum Level { kFatal = 0, kWarn = 1, kInfo = 2, kDebug = 3, kTrace = 4 };
int g_verbosity = 1;

__attribute__((format(printf, 2, 3))) void Say(Level level, const char* fmt, ...) {
  if (level != kFatal && g_verbosity < level) return;
  static const char* const kTags[] = {"FATAL", "WARN ", "INFO ", "DEBUG", "TRACE"};
  FILE* out = level <= kWarn ? stderr : stdout;
  fprintf(out, "[%s tini (%d)] ", kTags[level], static_cast<int>(getpid()));
  va_list ap;
  va_start(ap, fmt);
  vfprintf(out, fmt, ap);
  va_end(ap);
  fputc('\n', out);
  fflush(out);
}

struct Options {
  bool subreaper = false;
  bool kill_group = false;
  bool warn_on_reap = false;
  int parent_death_signal = 0;
  std::set<int> success_codes;  // -e: child exit codes reported as 0
  char** command = nullptr;     // argv of the child, null-terminated
};

void Usage(const char* name, FILE* out) {
  fprintf(out,
          "%s\n"
          "Usage: %s [OPTIONS] PROGRAM -- [ARGS] | --version\n\n"
          "Runs PROGRAM as the only child of a minimal init: signals are passed on to it, orphaned\n"
          "processes are reaped, and the exit status is PROGRAM's.\n\n"
          "Options:\n"
          "  --version      print the version and exit\n"
          "  -h             print this help and exit\n"
          "  -s             become a child subreaper (when not running as PID 1)\n"
          "  -p SIGNAL      have SIGNAL sent to this init when its parent dies (e.g. -p SIGKILL)\n"
          "  -v             more output; up to -vvv\n"
          "  -w             warn about every orphan reaped\n"
          "  -g             pass signals to PROGRAM's whole process group\n"
          "  -e EXIT_CODE   report EXIT_CODE (0-255) from PROGRAM as 0; repeatable\n"
          "  -l             print the license and exit\n\n"
          "Environment:\n"
          "  TINI_SUBREAPER           set: as -s\n"
          "  TINI_VERBOSITY           verbosity level (default 1)\n"
          "  TINI_KILL_PROCESS_GROUP  set: as -g\n",
          kVersion, name);
}

// Parses tini's command line. Returns -1 to go on, else the exit code to return right away.
int ParseOptions(int argc, char** argv, Options& o) {
  const char* name = argc > 0 ? argv[0] : "docker-init";
  if (const char* slash = strrchr(name, '/')) name = slash + 1;
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("%s\n", kVersion);
    return 0;
  }
  if (const char* v = getenv("TINI_VERBOSITY")) g_verbosity = atoi(v);
  if (getenv("TINI_SUBREAPER")) o.subreaper = true;
  if (getenv("TINI_KILL_PROCESS_GROUP")) o.kill_group = true;
  optind = 1;
  // "+": options end at the first operand, so `docker-init sh -c x` needs no "--".
  for (int c; (c = getopt(argc, argv, "+hsp:vwge:l")) != -1;) {
    switch (c) {
      case 'h':
        Usage(name, stdout);
        return 0;
      case 's':
        o.subreaper = true;
        break;
      case 'p': {
        auto sig = sys::ParseSignal(optarg);
        if (!sig.ok()) {
          Say(kFatal, "Not a valid option for -p: %s", optarg);
          return 1;
        }
        o.parent_death_signal = *sig;
        break;
      }
      case 'v':
        ++g_verbosity;
        break;
      case 'w':
        o.warn_on_reap = true;
        break;
      case 'g':
        o.kill_group = true;
        break;
      case 'e': {
        char* end = nullptr;
        errno = 0;
        long code = strtol(optarg, &end, 10);
        if (errno != 0 || end == optarg || *end != '\0' || code < 0 || code > 255) {
          Say(kFatal, "Not a valid option for -e: %s", optarg);
          return 1;
        }
        o.success_codes.insert(static_cast<int>(code));
        break;
      }
      case 'l':
        printf("%s: part of Skiff; see the project's license.\n", kVersion);
        return 0;
      default:
        Usage(name, stderr);
        return 1;
    }
  }
  if (optind >= argc) {
    Usage(name, stderr);
    return 1;
  }
  o.command = argv + optind;
  return -1;
}

// Signals the init waits for (all but the synchronous ones, which must keep their default effect), and
// the mask and SIGTTIN/SIGTTOU dispositions to give back to the child.
struct SignalState {
  sigset_t wait_set;
  sigset_t child_mask;
  struct sigaction child_ttin, child_ttou;
};

int SetUpSignals(SignalState& s) {
  sigfillset(&s.wait_set);
  for (int sig : {SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS, SIGTTIN, SIGTTOU}) {
    sigdelset(&s.wait_set, sig);
  }
  if (sigprocmask(SIG_SETMASK, &s.wait_set, &s.child_mask) != 0) {
    Say(kFatal, "sigprocmask failed: %s", strerror(errno));
    return 1;
  }
  // Ignored so that neither the init nor (until it gives the tty to its own group) the child stops when
  // the child takes the terminal.
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  if (sigaction(SIGTTIN, &ign, &s.child_ttin) != 0 || sigaction(SIGTTOU, &ign, &s.child_ttou) != 0) {
    Say(kFatal, "sigaction failed: %s", strerror(errno));
    return 1;
  }
  return 0;
}

// In the child: own process group, the terminal's foreground group if stdin is one, original signal
// state, exec. Never returns.
[[noreturn]] void RunChild(const Options& o, const SignalState& s) {
  if (setpgid(0, 0) != 0) {
    Say(kFatal, "setpgid failed: %s", strerror(errno));
    _exit(1);
  }
  if (tcsetpgrp(STDIN_FILENO, getpgrp()) != 0) {
    if (errno == ENOTTY || errno == ENXIO || errno == EBADF) {
      Say(kDebug, "tcsetpgrp: stdin is not a terminal (fine)");
    } else {
      Say(kFatal, "tcsetpgrp failed: %s", strerror(errno));
      _exit(1);
    }
  }
  if (sigprocmask(SIG_SETMASK, &s.child_mask, nullptr) != 0 || sigaction(SIGTTIN, &s.child_ttin, nullptr) != 0 ||
      sigaction(SIGTTOU, &s.child_ttou, nullptr) != 0) {
    Say(kFatal, "restoring the signal state failed: %s", strerror(errno));
    _exit(1);
  }
  execvp(o.command[0], o.command);
  int err = errno;
  Say(kFatal, "exec %s failed: %s", o.command[0], strerror(err));
  // The shell's conventions: 127 command not found, 126 found but not executable.
  _exit(err == ENOENT ? 127 : err == EACCES ? 126 : 1);
}

// Reaps every exited process. Sets *exit_code once the main child is among them.
void Reap(const Options& o, pid_t child, int* exit_code) {
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid == 0) return;  // children left, none exited
    if (pid < 0) {
      if (errno == EINTR) continue;
      if (errno != ECHILD) Say(kWarn, "waitpid failed: %s", strerror(errno));
      return;
    }
    if (pid != child) {
      if (o.warn_on_reap) Say(kWarn, "Reaped zombie process with pid=%d", static_cast<int>(pid));
      Say(kDebug, "Reaped process %d", static_cast<int>(pid));
      continue;
    }
    if (WIFEXITED(status)) {
      *exit_code = WEXITSTATUS(status);
      Say(kInfo, "Main child exited normally (with status '%d')", *exit_code);
    } else if (WIFSIGNALED(status)) {
      *exit_code = 128 + WTERMSIG(status);
      Say(kInfo, "Main child exited with signal (with signal '%s')", strsignal(WTERMSIG(status)));
    } else {
      continue;  // stopped/continued: not an exit
    }
    if (o.success_codes.count(*exit_code)) {
      Say(kInfo, "Exit code %d is mapped to 0 (-e)", *exit_code);
      *exit_code = 0;
    }
  }
}

}  // namespace

int InitMain(int argc, char** argv) {
  Options o;
  if (int rc = ParseOptions(argc, argv, o); rc >= 0) return rc;
  SignalState s;
  if (SetUpSignals(s) != 0) return 1;
  if (o.subreaper) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
      Say(kFatal, "Failed to register as child subreaper: %s", strerror(errno));
      return 1;
    }
    Say(kTrace, "Registered as child subreaper");
  } else if (getpid() != 1) {
    Say(kWarn,
        "not running as PID 1 and not a child subreaper: orphaned processes will not be reparented to this "
        "init, so it cannot reap them. Use -s (or set TINI_SUBREAPER), or run it as PID 1.");
  }
  if (o.parent_death_signal != 0 && prctl(PR_SET_PDEATHSIG, o.parent_death_signal, 0, 0, 0) != 0) {
    Say(kFatal, "Failed to set up parent death signal: %s", strerror(errno));
    return 1;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t child = fork();
  if (child < 0) {
    Say(kFatal, "fork failed: %s", strerror(errno));
    return 1;
  }
  if (child == 0) RunChild(o, s);
  Say(kInfo, "Spawned child process '%s' with pid '%d'", o.command[0], static_cast<int>(child));

  int exit_code = -1;
  while (exit_code < 0) {
    siginfo_t info;
    struct timespec tick = {1, 0};  // wake up now and then to reap what a missed SIGCHLD left
    int sig = sigtimedwait(&s.wait_set, &info, &tick);
    if (sig < 0 && errno != EAGAIN && errno != EINTR) {
      Say(kFatal, "sigtimedwait failed: %s", strerror(errno));
      return 1;
    }
    if (sig > 0 && sig != SIGCHLD) {
      Say(kDebug, "Passing signal: '%s'", strsignal(sig));
      if (kill(o.kill_group ? -child : child, sig) != 0 && errno != ESRCH) {
        Say(kWarn, "kill(%d, %s) failed: %s", static_cast<int>(child), strsignal(sig), strerror(errno));
      }
    }
    Reap(o, child, &exit_code);
  }
  return exit_code;
}

}  // namespace skiff::init

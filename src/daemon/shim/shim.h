// The per-container shim (monitor process) and the daemon's client for it.
//
// skiffd runs every container under a shim: a small single-threaded process (`skiff-runtime shim DIR`) that is
// fully detached from the daemon (double fork, own session, stdio /dev/null) and survives it. The shim
// runs `skiff-runtime create/start/exec/delete`, is the container init's parent (child subreaper), and
// owns the container's stdio (pipes or pty master), its json-file log, the attached clients, the exec
// processes and the exit status. Everything it keeps lives in the container state directory DIR:
//   shim.json    ShimConfig, written by Spawn          shim.sock    control socket (0600), see docs/shim.md
//   shim.pid     "<pid>\n<start time>\n" of the shim   init.pid     the container init's pid
//   runtime.log  skiff-runtime's --log (json lines)    shim.log     the shim's own warnings (json lines)
//   exit.json    {"exit_code":N,"finished_at":"...","oom_killed":b}, written atomically when the init is gone
// Lifecycle: Spawn -> (created) -> Client::Start -> (running) -> init exits -> the shim drains the output,
// writes exit.json, runs `runtime delete --force`, answers Wait callers, closes clients and exits.
// The daemon may die and restart at any point; a new Client on the same DIR reconnects (State/Wait/Attach).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/json.h"
#include "daemon/logs/json_file.h"

namespace skiff::daemon::shim {

struct ShimConfig {
  std::string id;             // container id (64 hex)
  std::string runtime;        // path of skiff-runtime
  std::string runtime_root;   // --root for it
  std::string bundle;         // dir with config.json (usually DIR itself)
  bool tty = false;           // process.terminal: a pty via --console-socket
  bool open_stdin = false;    // -i: keep a stdin pipe (else /dev/null)
  bool stdin_once = false;    // close the container's stdin when the first attached client's stdin ends
  std::string log_driver = "json-file";  // or "none"
  logs::JsonFileConfig log;   // for json-file
  Json ToJson() const;
  static Result<ShimConfig> FromJson(const Json& j);
};

struct Spawned {
  pid_t shim_pid = 0;
  pid_t init_pid = 0;
};

// Writes DIR/shim.json, starts the shim and waits until it reports: created (init waiting on the exec fifo,
// shim listening on DIR/shim.sock) -> Spawned; or failed -> the runtime's error message verbatim (the shim
// has removed the runtime state and exited). Conflict when a live shim already serves DIR. Never leaves a
// process behind on failure. Safe to call from any thread of a multi-threaded daemon.
Result<Spawned> Spawn(const std::string& self_exe, const std::string& dir, const ShimConfig& cfg);

// The shim process (`<self_exe> shim DIR`); returns its exit status (0 after a normal container exit).
int ShimMain(const std::string& dir);

struct ExitInfo {
  int exit_code = 0;        // exit status, or 128+signal
  std::string finished_at;  // RFC 3339 with nanoseconds (Docker's trimmed form), UTC
  bool oom_killed = false;  // init only: the container's cgroup saw an OOM kill
};
struct ProcessState {
  pid_t pid = 0;            // host pid (0 while an exec is being started)
  bool running = false;     // started and not yet reaped (the init is "created", not running, before Start)
  std::optional<ExitInfo> exit;
};
struct ShimState {
  ProcessState init;
  std::map<std::string, ProcessState> execs;
};

struct AttachOptions {
  bool stdin = false, stdout = true, stderr = true;
  bool multiplex = true;    // Docker stdcopy framing (non-tty); raw when false (tty)
  std::string detach_keys;  // "" = default "ctrl-p,ctrl-q"; Docker's syntax ("ctrl-a,x", ...); tty only
};
struct ExecOptions {
  std::string exec_id;
  Json process;             // OCI process object (args, env, cwd, user, terminal, caps...)
  AttachOptions io;         // what the attached client gets
};
struct Captured {
  int exit_code = -1;
  std::string output;       // first 4096 bytes of stdout+stderr, in arrival order
  bool timed_out = false;
};

// Client: one connection to DIR/shim.sock per call. Thread-safe (no shared state). Methods fail with
// Errc::kUnavailable when the shim is gone (the container exited; read DIR/exit.json then) — except
// Wait("") which itself falls back to DIR/exit.json.
class Client {
 public:
  explicit Client(std::string dir);

  // runtime `start`: the user's program runs. Once (Conflict afterwards).
  Status Start();
  // Hands an already hijacked client connection (Docker attach stream; the HTTP 101 was sent by the daemon)
  // to the shim for the init process: it writes the container's output to it (stdcopy frames or raw) and
  // feeds its input to the container's stdin until the process ends (then it closes the connection after
  // the last output), the client detaches (tty: detach keys; the shim closes it) or disconnects.
  // `preamble` = bytes the client already sent (stdin data). The fd is dup'ed into the shim (SCM_RIGHTS);
  // the caller may close its copy when this returns. InvalidArgument for bad detach keys ("Invalid detach
  // keys (x) provided"), Conflict when the init has already finished.
  Status Attach(int conn_fd, std::string_view preamble, const AttachOptions& o);
  // Starts an exec process (runtime `exec --detach`, a child of the shim) and returns its host pid.
  // conn_fd < 0: detached (output discarded). On error (e.g. executable not found: the runtime's message)
  // the shim keeps no fd. AlreadyExists for a used exec_id, Conflict when the container is not running.
  Result<pid_t> Exec(const ExecOptions& o, int conn_fd, std::string_view preamble);
  // Runs an exec to completion collecting up to 4096 bytes of stdout+stderr (health checks); never a tty.
  // After `timeout` the process is SIGKILLed and timed_out is set.
  Result<Captured> ExecCapture(const ExecOptions& o, std::chrono::milliseconds timeout);
  // TIOCSWINSZ on the pty of the init (exec_id "") or of an exec; no-op for a process without a tty.
  Status Resize(const std::string& exec_id, unsigned height, unsigned width);
  // Closes the process's stdin (pipe: close; pty: sends the EOF character ^D) after pending input.
  Status CloseStdin(const std::string& exec_id);
  Result<ShimState> State();
  // Blocks until the process (init: exec_id "") has exited and its output is drained; for the init also
  // until exit.json is written and `runtime delete` is done. Returns its ExitInfo. Returns early with
  // kCancelled when `stop` is requested. For the init, a gone shim is answered from DIR/exit.json.
  Result<ExitInfo> Wait(const std::string& exec_id, std::stop_token stop = {});

 private:
  std::string dir_;
};

// DIR/exit.json: nullopt when absent (the init has not exited, or the shim died before writing it).
Result<std::optional<ExitInfo>> ReadExitFile(const std::string& dir);
// The shim's pid if DIR/shim.pid names a live shim process (pid and start time match), else 0.
pid_t LiveShimPid(const std::string& dir);
// For a shim that died without writing exit.json (SIGKILLed, host trouble): its container has lost its
// stdio and monitor, so — as containerd does with a lost shim — what is left of it is killed
// (`runtime delete --force`, settings from DIR/shim.json), exit.json is written with exit code 137 and
// returned. Returns the existing exit.json when there is one; Conflict while a live shim serves DIR.
Result<ExitInfo> CleanupDeadShim(const std::string& dir);

}  // namespace skiff::daemon::shim

// Internal to the shim library: the shim process's state machine (ShimMain runs one Server).
// A Server owns the event loop, the control socket DIR/shim.sock and its connections, the init process's
// stdio and log writer, the exec processes, and the bookkeeping of its children (it is a child subreaper).
// Lifecycle: Create() runs `runtime create` synchronously and reports to Spawn over the ready pipe; Run()
// serves requests until the init has exited and everything is flushed, then returns the exit status.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/fd.h"
#include "base/json.h"
#include "daemon/logs/json_file.h"
#include "daemon/shim/event_loop.h"
#include "daemon/shim/process_io.h"
#include "daemon/shim/runtime_cmd.h"
#include "daemon/shim/shim.h"

namespace skiff::daemon::shim {

class Server {
 public:
  Server(std::string dir, ShimConfig cfg);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Sets up the loop, the pid file and the control socket, and creates the container. On failure
  // everything is undone (runtime state deleted, socket and pid file removed).
  Result<Spawned> Create();
  // Serves until the init has exited and its clients are done. Returns the process exit status.
  int Run();

 private:
  struct Proc {
    std::string exec_id;  // "" for the init
    pid_t pid = 0;
    bool running = false;
    bool reaped = false;
    int wait_status = 0;
    std::string finished_at;
    std::optional<ExitInfo> exit;  // set once finished (drained; init: exit.json written, runtime deleted)
    std::unique_ptr<ProcessIo> io;
    std::vector<uint64_t> waiters;  // control connections waiting for `exit`
    // exec only
    bool tty = false;
    bool capture = false;
    std::string captured;
    bool timed_out = false;
    uint64_t timeout_timer = 0;
    uint64_t request_conn = 0;  // the exec/exec_capture request to answer
  };
  struct Conn {
    UniqueFd fd;
    uint64_t token = 0;
    std::string in;
    std::vector<UniqueFd> fds;
    bool dispatched = false;
    std::string out;
    bool closing = false;  // close once `out` is written
  };
  struct Request {
    Json header;
    std::string preamble;
    UniqueFd fd;
  };
  using Reply = std::function<void(const Result<Json>&)>;

  Status Setup();
  Status ListenControl();
  void CloseControl();
  Status StartInitIo(UniqueFd in_w, UniqueFd out_r, UniqueFd err_r, UniqueFd master);
  void LogOutput(logs::Stream s, std::string_view data, std::chrono::system_clock::time_point t);

  // Children.
  void OnSignal();
  void Reap();
  void OnChildExit(pid_t pid, std::function<void(int status)> cb);
  Result<pid_t> RunRuntime(const std::vector<std::string>& args, const ChildStdio& io);
  int RunRuntimeSync(const std::vector<std::string>& args);

  // Control connections.
  void OnAccept();
  void OnConn(uint64_t id, uint32_t ev);
  void Dispatch(uint64_t id, Request req);
  void Answer(uint64_t id, const Result<Json>& r);
  void FlushConn(uint64_t id);
  void DropConn(uint64_t id);

  // Requests.
  Result<Json> DoStart(uint64_t id);
  Result<Json> DoAttach(Request& req);
  Result<Json> DoExec(uint64_t id, Request& req, bool capture);
  Result<Json> DoResize(const Json& h);
  Result<Json> DoCloseStdin(const Json& h);
  Result<Json> DoState();
  Result<Json> DoWait(uint64_t id, const Json& h);
  Result<Proc*> FindProc(const std::string& exec_id);

  // Process lifecycle.
  struct PendingExec {  // an exec whose `runtime exec --detach` is running
    UniqueFd client;
    std::string preamble;
    AttachOptions io;
    std::string process_file, pid_file, console_path;
    UniqueFd console_listener, out_r, err_r, in_w;
    uint64_t log_offset = 0;
  };
  void ExecStarted(const std::string& exec_id, int status, const std::shared_ptr<PendingExec>& pe);
  void ExecFinished(const std::string& exec_id);
  void PruneExecs();
  void InitReaped(int status);
  void InitDrained();
  void InitDeleted();
  void AnswerWaiters(Proc& p);
  bool Done() const;

  std::string Path(const char* name) const;
  std::vector<std::string> RuntimeCmd(std::initializer_list<std::string> args) const;

  std::string dir_;
  ShimConfig cfg_;
  std::unique_ptr<EventLoop> loop_;
  UniqueFd signal_fd_;
  UniqueFd listener_;
  uint64_t listener_token_ = 0;
  std::map<uint64_t, std::unique_ptr<Conn>> conns_;
  uint64_t next_conn_ = 1;

  std::map<pid_t, std::function<void(int)>> children_;
  struct Orphan {
    int status;
    std::chrono::steady_clock::time_point at;
  };
  std::map<pid_t, Orphan> orphans_;  // reaped before anyone asked for them (an exec racing its pid file)

  std::unique_ptr<logs::JsonFileWriter> log_;
  logs::LineSplitter split_out_, split_err_;
  bool log_failed_ = false;

  Proc init_;
  ExitInfo init_exit_;  // from InitDrained until InitDeleted publishes it
  bool kill_all_on_exit_ = false;  // no own pid namespace: the init's exit does not end the others
  bool started_ = false;
  bool starting_ = false;
  bool finished_ = false;  // exit.json written, runtime state deleted, waiters answered
  std::chrono::steady_clock::time_point exit_deadline_{};
  std::map<std::string, Proc> execs_;
  std::vector<std::string> finished_execs_;  // oldest first, for pruning
  uint64_t exec_seq_ = 0;
};

}  // namespace skiff::daemon::shim

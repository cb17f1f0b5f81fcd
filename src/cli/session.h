// Pieces of an interactive container session shared by run, start -a, attach and exec: the exit waiter
// (POST /containers/{id}/wait, issued before start, body read at the end), the signal thread (docker's
// --sig-proxy forwarding through POST /containers/{id}/kill and SIGWINCH -> resize), TTY resizes, the
// hijacked attach stream run on its own thread, and docker's logrus-style error lines. Each class owns
// its connection or thread and releases it in its destructor.
#pragma once

#include <atomic>
#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "base/error.h"
#include "base/fd.h"
#include "cli/api_client.h"
#include "cli/command.h"
#include "cli/hijack.h"

namespace skiff::cli {

// An outstanding POST /containers/{id}/wait: Start() returns once the daemon answered the head (so the
// waiter is registered before the container starts); Finish() reads {"StatusCode":N,"Error":...}.
class ContainerWaiter {
 public:
  // condition: "next-exit", "removed" or "" (docker's default, not-running).
  static Result<ContainerWaiter> Start(const ApiClient& api, const std::string& id, const std::string& condition);
  // The exit code, or an Error with the daemon's wait error message.
  Result<int64_t> Finish();

 private:
  explicit ContainerWaiter(std::unique_ptr<HttpResponse> r) : resp_(std::move(r)) {}
  std::unique_ptr<HttpResponse> resp_;
};

// Blocks the given signals for the whole process (call before starting other threads) and handles them on
// a thread of its own until destroyed (then the previous mask is restored). The thread sleeps in poll on a
// signalfd and an eventfd, so destruction is immediate.
class SignalThread {
 public:
  SignalThread(const sigset_t& set, std::function<void(int)> handler);
  ~SignalThread();
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

 private:
  sigset_t set_;
  sigset_t old_;
  std::function<void(int)> handler_;
  UniqueFd sigfd_, wake_;
  std::thread thread_;
};

// The signals docker's notifyAllSignals + ForwardAllSignals pass on (all catchable ones but SIGCHLD, SIGPIPE,
// SIGURG and the synchronous faults).
sigset_t ForwardableSignals();
// "INT" for SIGINT, as docker's signal.SignalMap names them; "" when unknown.
std::string SignalName(int sig);

// POST /containers/{id}/resize (or /exec/{id}/resize) with the size of the local terminal on out_fd.
Status ResizeTty(const Cli& cli, const std::string& id, bool exec);
// Docker's initTtySize: resize now, retrying a few times shortly after when the first try fails.
void InitTtySize(const Cli& cli, const std::string& id, bool exec);

// A hijacked stream pumped on its own thread (run/start attach before start).
class BackgroundStream {
 public:
  BackgroundStream(HijackedConn conn, StreamOptions opts);
  ~BackgroundStream();
  // Waits for the stream to end.
  Result<StreamEnd> Join();
  // Ends the stream now (shuts the socket down) and waits.
  void Cancel();

 private:
  HijackedConn conn_;
  StreamOptions opts_;
  std::optional<Result<StreamEnd>> result_;
  std::thread thread_;
};

// logrus' line on stderr: `time="2026-01-02T03:04:05Z" level=error msg="..."` (colored "ERRO[0000] ..." on
// a terminal), as docker prints its background errors.
void LogrusError(const Cli& cli, std::string_view msg);

// The attach query of docker's ContainerAttach (stream=1 and the chosen streams, detachKeys when set).
Query AttachQuery(bool in, bool out, bool err, const std::string& detach_keys);

}  // namespace skiff::cli

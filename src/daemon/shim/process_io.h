// Internal to the shim: the stdio of one container process (the init or an exec) in the shim's event loop.
// Owns the process's output fds (stdout/stderr pipes, or the pty master), its stdin (pipe write end, or a
// dup of the pty master, also used for resize), and the attached client connections with their bounded
// output buffers. Output is read continuously and handed to the output callback (the log, a capture) and
// to each client; while a client has more than kClientBuffer queued, reading pauses (back-pressure) —
// except after the process has exited, when the rest is read regardless. Nothing here blocks.
// Lifecycle: construct, add outputs/stdin, attach clients any time until Drained(); ProcessExited() starts
// the bounded drain; once drained the owner calls CloseClients() and destroys it when NoClients().
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/fd.h"
#include "daemon/logs/json_file.h"
#include "daemon/shim/detach_keys.h"
#include "daemon/shim/event_loop.h"
#include "daemon/shim/shim.h"

namespace skiff::daemon::shim {

class ProcessIo {
 public:
  static constexpr size_t kClientBuffer = 1u << 20;  // per attached client
  static constexpr size_t kStdinBuffer = 1u << 20;   // input queued for the container
  using OutputFn = std::function<void(logs::Stream, std::string_view, std::chrono::system_clock::time_point)>;

  // tty: output is all Stream::kStdout and detach keys apply. close_stdin_on_eof: a client's stdin EOF
  // closes the container's stdin (Docker: !tty && (StdinOnce || exec)); otherwise it ends that client.
  ProcessIo(EventLoop& loop, bool tty, bool close_stdin_on_eof, OutputFn on_output, std::function<void()> on_drained);
  ~ProcessIo();
  ProcessIo(const ProcessIo&) = delete;
  ProcessIo& operator=(const ProcessIo&) = delete;

  Status AddOutput(UniqueFd fd, logs::Stream s);  // fd is made non-blocking
  // The container's stdin: a pipe write end, or (pty) a dup of the master. accepts_input=false keeps the
  // pty fd only for resize (a tty container without -i).
  Status SetStdin(UniqueFd fd, bool pty, bool accepts_input);

  // Takes over a client connection. `preamble` is stdin data the client sent already.
  Status Attach(UniqueFd conn, std::string_view preamble, const AttachOptions& o);
  // Closes the container's stdin once queued input is written (pty: writes the EOF character ^D).
  void CloseStdin();
  // TIOCSWINSZ on the pty; no-op without one.
  Status Resize(unsigned height, unsigned width);

  // The process is gone: read what is left until EOF or `grace` has passed (pipes held by strays), then
  // on_drained runs (at once when already drained).
  void ProcessExited(std::chrono::milliseconds grace);
  bool Drained() const { return outputs_.empty() && drained_reported_; }
  // Ends every client after its queued output (dropped after `grace`).
  void CloseClients(std::chrono::milliseconds grace);
  bool NoClients() const { return clients_.empty(); }

 private:
  struct Output {
    UniqueFd fd;
    logs::Stream stream;
    uint64_t token = 0;
  };
  struct Client {
    UniqueFd fd;
    AttachOptions o;
    bool wants_input = false;   // stdin requested and the process takes input
    bool reading = true;        // EOF not yet seen
    bool closing = false;       // no new output; closed when `out` is written
    std::optional<DetachMatcher> detach;
    std::string out;
    size_t out_off = 0;
    uint64_t token = 0;
    size_t Pending() const { return out.size() - out_off; }
  };

  void OnOutput(uint64_t key);
  void CloseOutput(uint64_t key);
  Status WatchOutput(uint64_t key);
  void Deliver(logs::Stream s, std::string_view data);
  void OnClient(uint64_t id, uint32_t ev);
  void ClientInput(Client& c, uint64_t id, std::string_view data);
  void ClientEof(Client& c, uint64_t id);
  void FlushClient(uint64_t id);
  void DropClient(uint64_t id);
  void UpdateClientEvents(Client& c);
  void QueueInput(std::string_view data);
  void FlushStdin();
  void CloseStdinNow();
  void UpdatePause();
  void MaybeDrained();

  EventLoop& loop_;
  bool tty_;
  bool close_stdin_on_eof_;
  OutputFn on_output_;
  std::function<void()> on_drained_;

  std::map<uint64_t, Output> outputs_;  // by a key of ours; token is 0 while paused (not watched)
  uint64_t next_output_key_ = 1;
  bool paused_ = false;
  bool exited_ = false;
  bool drained_reported_ = false;
  uint64_t drain_timer_ = 0;

  UniqueFd stdin_;
  bool stdin_pty_ = false;
  bool accepts_input_ = false;
  bool stdin_close_pending_ = false;
  std::string stdin_buf_;
  uint64_t stdin_token_ = 0;
  bool input_paused_ = false;

  std::map<uint64_t, std::unique_ptr<Client>> clients_;
  uint64_t next_client_ = 1;
  uint64_t close_timer_ = 0;
};

}  // namespace skiff::daemon::shim

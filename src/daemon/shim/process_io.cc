#include "daemon/shim/process_io.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/shim/protocol.h"

namespace skiff::daemon::shim {
namespace {

constexpr size_t kReadChunk = 32 * 1024;

Status SetNonBlocking(int fd) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return Error::Sys("fcntl O_NONBLOCK");
  return Ok();
}

}  // namespace

ProcessIo::ProcessIo(EventLoop& loop, bool tty, bool close_stdin_on_eof, OutputFn on_output,
                     std::function<void()> on_drained)
    : loop_(loop),
      tty_(tty),
      close_stdin_on_eof_(close_stdin_on_eof),
      on_output_(std::move(on_output)),
      on_drained_(std::move(on_drained)) {}

ProcessIo::~ProcessIo() {
  for (auto& [key, o] : outputs_) loop_.Remove(o.token);
  for (auto& [id, c] : clients_) loop_.Remove(c->token);
  loop_.Remove(stdin_token_);
  loop_.CancelTimer(drain_timer_);
  loop_.CancelTimer(close_timer_);
}

// ---- output ----

Status ProcessIo::AddOutput(UniqueFd fd, logs::Stream s) {
  SKIFF_TRY(SetNonBlocking(fd.get()));
  uint64_t key = next_output_key_++;
  outputs_[key] = Output{std::move(fd), s, 0};
  drained_reported_ = false;
  if (!paused_) SKIFF_TRY(WatchOutput(key));
  return Ok();
}

Status ProcessIo::WatchOutput(uint64_t key) {
  Output& o = outputs_.at(key);
  o.token = SKIFF_TRY(loop_.Add(o.fd.get(), EPOLLIN, [this, key](uint32_t) { OnOutput(key); }));
  return Ok();
}

void ProcessIo::OnOutput(uint64_t key) {
  auto it = outputs_.find(key);
  if (it == outputs_.end()) return;
  char buf[kReadChunk];
  ssize_t n = ::read(it->second.fd.get(), buf, sizeof buf);
  if (n > 0) {
    Deliver(it->second.stream, std::string_view(buf, static_cast<size_t>(n)));
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  // 0: EOF; EIO: the pty's slave side is closed; anything else ends the stream too.
  CloseOutput(key);
}

void ProcessIo::CloseOutput(uint64_t key) {
  auto it = outputs_.find(key);
  if (it == outputs_.end()) return;
  loop_.Remove(it->second.token);
  outputs_.erase(it);
  MaybeDrained();
}

void ProcessIo::Deliver(logs::Stream s, std::string_view data) {
  if (on_output_) on_output_(s, data, std::chrono::system_clock::now());
  std::vector<uint64_t> ids;
  for (auto& [id, c] : clients_) {
    if (c->closing) continue;
    if (!(s == logs::Stream::kStdout ? c->o.stdout : c->o.stderr)) continue;
    if (c->o.multiplex)
      c->out += proto::FrameHeader(s == logs::Stream::kStdout ? 1 : 2, static_cast<uint32_t>(data.size()));
    c->out.append(data);
    ids.push_back(id);
  }
  for (uint64_t id : ids) FlushClient(id);
  UpdatePause();
}

void ProcessIo::UpdatePause() {
  bool want = false;
  if (!exited_) {
    for (auto& [id, c] : clients_)
      if (!c->closing && c->Pending() > kClientBuffer) want = true;
  }
  if (want == paused_) return;
  paused_ = want;
  for (auto& [key, o] : outputs_) {
    if (paused_) {
      loop_.Remove(o.token);
      o.token = 0;
    } else if (o.token == 0) {
      if (auto st = WatchOutput(key); !st) log::Warn("shim: resume output: {}", st.error().message());
    }
  }
}

void ProcessIo::ProcessExited(std::chrono::milliseconds grace) {
  if (exited_) return;
  exited_ = true;
  UpdatePause();  // the rest is read regardless of slow clients
  if (outputs_.empty()) {
    MaybeDrained();
    return;
  }
  drain_timer_ = loop_.AddTimer(EventLoop::Clock::now() + grace, [this, grace] {
    drain_timer_ = 0;
    log::Warn("shim: output still open {} ms after the process exited (held by another process); closing it",
              grace.count());
    while (!outputs_.empty()) {
      // Read what is buffered right now, then close.
      uint64_t key = outputs_.begin()->first;
      for (int i = 0; i < 64 && outputs_.contains(key); ++i) {
        char buf[kReadChunk];
        ssize_t n = ::read(outputs_.at(key).fd.get(), buf, sizeof buf);
        if (n <= 0) break;
        Deliver(outputs_.at(key).stream, std::string_view(buf, static_cast<size_t>(n)));
      }
      CloseOutput(key);
    }
  });
}

void ProcessIo::MaybeDrained() {
  if (!exited_ || !outputs_.empty() || drained_reported_) return;
  drained_reported_ = true;
  loop_.CancelTimer(drain_timer_);
  drain_timer_ = 0;
  if (on_drained_) on_drained_();
}

// ---- stdin ----

Status ProcessIo::SetStdin(UniqueFd fd, bool pty, bool accepts_input) {
  SKIFF_TRY(SetNonBlocking(fd.get()));
  stdin_ = std::move(fd);
  stdin_pty_ = pty;
  accepts_input_ = accepts_input;
  return Ok();
}

void ProcessIo::QueueInput(std::string_view data) {
  if (!stdin_ || !accepts_input_ || (stdin_close_pending_ && !stdin_pty_)) return;
  stdin_buf_.append(data);
  FlushStdin();
}

void ProcessIo::FlushStdin() {
  while (!stdin_buf_.empty() && stdin_) {
    ssize_t n = ::write(stdin_.get(), stdin_buf_.data(), stdin_buf_.size());
    if (n > 0) {
      stdin_buf_.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    // EPIPE: the process closed its stdin (or exited); the input has nowhere to go.
    stdin_buf_.clear();
    if (!stdin_pty_) {
      CloseStdinNow();
      return;
    }
  }
  bool want_out = !stdin_buf_.empty() && stdin_;
  if (want_out && stdin_token_ == 0) {
    auto t = loop_.Add(stdin_.get(), EPOLLOUT, [this](uint32_t) { FlushStdin(); });
    if (t.ok()) stdin_token_ = *t;
  } else if (!want_out && stdin_token_ != 0) {
    loop_.Remove(stdin_token_);
    stdin_token_ = 0;
  }
  if (stdin_buf_.empty() && stdin_close_pending_ && !stdin_pty_) CloseStdinNow();
  // Back-pressure on the clients feeding stdin.
  bool pause = stdin_buf_.size() > kStdinBuffer;
  if (pause != input_paused_) {
    input_paused_ = pause;
    for (auto& [id, c] : clients_) UpdateClientEvents(*c);
  }
}

void ProcessIo::CloseStdin() {
  if (!stdin_ || !accepts_input_) return;
  if (stdin_pty_) {
    stdin_buf_ += '\x04';  // VEOF: the terminal's reader sees end of input; the pty stays open for output
    FlushStdin();
    return;
  }
  stdin_close_pending_ = true;
  FlushStdin();
}

void ProcessIo::CloseStdinNow() {
  loop_.Remove(stdin_token_);
  stdin_token_ = 0;
  stdin_.reset();
  stdin_buf_.clear();
  if (input_paused_) {
    input_paused_ = false;
    for (auto& [id, c] : clients_) UpdateClientEvents(*c);
  }
}

Status ProcessIo::Resize(unsigned height, unsigned width) {
  if (!stdin_pty_ || !stdin_) return Ok();
  struct winsize ws {};
  ws.ws_row = static_cast<unsigned short>(height);
  ws.ws_col = static_cast<unsigned short>(width);
  if (::ioctl(stdin_.get(), TIOCSWINSZ, &ws) != 0) return Error::Sys("resize tty");
  return Ok();
}

// ---- clients ----

Status ProcessIo::Attach(UniqueFd conn, std::string_view preamble, const AttachOptions& o) {
  auto c = std::make_unique<Client>();
  if (tty_) c->detach.emplace(SKIFF_TRY(ParseDetachKeys(o.detach_keys)));
  SKIFF_TRY(SetNonBlocking(conn.get()));
  c->fd = std::move(conn);
  c->o = o;
  c->wants_input = o.stdin && accepts_input_ && stdin_;
  uint64_t id = next_client_++;
  c->token = SKIFF_TRY(loop_.Add(c->fd.get(), EPOLLIN, [this, id](uint32_t ev) { OnClient(id, ev); }));
  Client& ref = *c;
  clients_[id] = std::move(c);
  if (!preamble.empty()) ClientInput(ref, id, preamble);
  return Ok();
}

void ProcessIo::UpdateClientEvents(Client& c) {
  uint32_t ev = 0;
  if (c.reading && !(c.wants_input && input_paused_)) ev |= EPOLLIN;
  if (c.Pending() > 0) ev |= EPOLLOUT;
  loop_.Modify(c.token, ev);
}

void ProcessIo::OnClient(uint64_t id, uint32_t ev) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  if (ev & EPOLLERR) {
    DropClient(id);
    return;
  }
  if (ev & EPOLLOUT) {
    FlushClient(id);
    if (!clients_.contains(id)) return;
  }
  if ((ev & (EPOLLIN | EPOLLHUP)) && c.reading) {
    char buf[kReadChunk];
    ssize_t n = ::read(c.fd.get(), buf, sizeof buf);
    if (n > 0) {
      if (c.wants_input) ClientInput(c, id, std::string_view(buf, static_cast<size_t>(n)));
      return;  // level-triggered: the rest (and a hang-up) comes on the next round
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n < 0) {
      DropClient(id);
      return;
    }
    ClientEof(c, id);
    if (!clients_.contains(id)) return;
  }
  // Both directions are shut (the peer is gone): nothing more can be written.
  if (ev & EPOLLHUP) DropClient(id);
}

void ProcessIo::ClientInput(Client& c, uint64_t id, std::string_view data) {
  if (!c.wants_input) return;
  if (c.detach) {
    std::string pass;
    bool detached = c.detach->Feed(data, pass);
    QueueInput(pass);
    if (detached) DropClient(id);
    return;
  }
  QueueInput(data);
}

void ProcessIo::ClientEof(Client& c, uint64_t id) {
  c.reading = false;
  UpdateClientEvents(c);
  if (!c.wants_input) return;  // a half-close of an output-only client: keep streaming
  if (close_stdin_on_eof_) {
    CloseStdin();
    return;
  }
  // Docker ends the attach when its stdin ends (tty, or a container without StdinOnce).
  c.closing = true;
  if (c.Pending() == 0) DropClient(id);
}

void ProcessIo::FlushClient(uint64_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  while (c.Pending() > 0) {
    ssize_t n = ::write(c.fd.get(), c.out.data() + c.out_off, c.Pending());
    if (n > 0) {
      c.out_off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    DropClient(id);  // EPIPE, ECONNRESET: the client is gone
    UpdatePause();
    return;
  }
  if (c.Pending() == 0) {
    c.out.clear();
    c.out_off = 0;
    if (c.closing) {
      DropClient(id);
      UpdatePause();
      return;
    }
  } else if (c.out_off > kClientBuffer) {
    c.out.erase(0, c.out_off);
    c.out_off = 0;
  }
  UpdateClientEvents(c);
  if (paused_) UpdatePause();
}

void ProcessIo::DropClient(uint64_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  loop_.Remove(it->second->token);
  clients_.erase(it);  // closes the connection
  if (paused_) UpdatePause();  // it may have been the slow one
}

void ProcessIo::CloseClients(std::chrono::milliseconds grace) {
  std::vector<uint64_t> ids;
  for (auto& [id, c] : clients_) ids.push_back(id);
  for (uint64_t id : ids) {
    Client& c = *clients_.at(id);
    c.closing = true;
    c.reading = false;
    if (c.Pending() == 0) DropClient(id);
    else UpdateClientEvents(c);
  }
  if (!clients_.empty() && close_timer_ == 0) {
    close_timer_ = loop_.AddTimer(EventLoop::Clock::now() + grace, [this] {
      close_timer_ = 0;
      if (!clients_.empty()) log::Warn("shim: dropping {} client(s) that did not read their output", clients_.size());
      while (!clients_.empty()) DropClient(clients_.begin()->first);
    });
  }
}

}  // namespace skiff::daemon::shim

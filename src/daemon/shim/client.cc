// Client: the daemon's side of the control protocol (docs/shim.md). One connection per call.
#include <errno.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stop_token>

#include "base/file.h"
#include "daemon/shim/protocol.h"
#include "daemon/shim/shim.h"
#include "sys/unix_socket.h"

namespace skiff::daemon::shim {
namespace {

Error Gone(const std::string& dir, std::string_view why) {
  return Error(Errc::kUnavailable, fmt::format("shim for {} is not running ({})", dir, why));
}

Result<UniqueFd> Connect(const std::string& dir) {
  auto fd = sys::ConnectUnix(JoinPath(dir, proto::kSocket));
  if (!fd.ok()) {
    int e = fd.error().sys_errno();
    if (e == 0) e = errno;
    if (e == ENOENT || e == ECONNREFUSED || e == ENOTDIR) return Gone(dir, std::strerror(e));
    return std::move(fd).error();
  }
  return fd;
}

// Sends all of data; the fd (if any) rides on the first byte.
Status SendRequest(int sock, std::string_view data, int fd) {
  size_t off = 0;
  if (fd >= 0 && !data.empty()) {
    SKIFF_TRY(sys::SendFd(sock, fd, std::string(data.substr(0, 1))));
    off = 1;
  }
  while (off < data.size()) {
    ssize_t n = ::send(sock, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Sys("shim: send request");
    }
    off += static_cast<size_t>(n);
  }
  return Ok();
}

// One request/reply exchange. With a stop token the reply wait can be cancelled (kCancelled).
Result<Json> Call(const std::string& dir, Json req, std::string_view preamble = {}, int fd = -1,
                  std::stop_token stop = {}) {
  UniqueFd sock = SKIFF_TRY(Connect(dir));
  req["preamble_len"] = preamble.size();
  std::string data = DumpJson(req) + "\n";
  data.append(preamble);
  if (auto st = SendRequest(sock.get(), data, fd); !st) {
    if (st.error().sys_errno() == EPIPE || st.error().sys_errno() == ECONNRESET) return Gone(dir, "connection lost");
    return st.error();
  }
  UniqueFd stop_fd;
  std::optional<std::stop_callback<std::function<void()>>> on_stop;
  if (stop.stop_possible()) {
    stop_fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!stop_fd) return Error::Sys("shim: eventfd");
    int efd = stop_fd.get();
    on_stop.emplace(stop, std::function<void()>([efd] {
                      uint64_t one = 1;
                      ssize_t r = ::write(efd, &one, sizeof one);
                      (void)r;
                    }));
  }
  std::string reply;
  for (;;) {
    struct pollfd pfd[2] = {{sock.get(), POLLIN, 0}, {stop_fd.get(), POLLIN, 0}};
    int r = ::poll(pfd, stop_fd ? 2 : 1, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Error::Sys("shim: poll");
    }
    if (stop_fd && (pfd[1].revents & POLLIN))
      return Error(Errc::kCancelled, fmt::format("shim: {} cancelled", req.value("op", "request")));
    if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    char buf[8192];
    ssize_t n = ::recv(sock.get(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == ECONNRESET) return Gone(dir, "connection lost");
      return Error::Sys("shim: receive reply");
    }
    if (n == 0) return Gone(dir, "it closed the connection");
    reply.append(buf, static_cast<size_t>(n));
    size_t nl = reply.find('\n');
    if (nl != std::string::npos) return proto::ParseReply(std::string_view(reply).substr(0, nl));
  }
}

Json ExecRequest(const char* op, const ExecOptions& o) {
  Json req = proto::AttachOptionsToJson(o.io);
  req["op"] = op;
  req["exec_id"] = o.exec_id;
  req["process"] = o.process;
  return req;
}

}  // namespace

Client::Client(std::string dir) : dir_(std::move(dir)) {}

Status Client::Start() {
  SKIFF_TRY(Call(dir_, Json{{"op", "start"}}));
  return Ok();
}

Status Client::Attach(int conn_fd, std::string_view preamble, const AttachOptions& o) {
  if (conn_fd < 0) return Error(Errc::kInvalidArgument, "attach: no connection");
  Json req = proto::AttachOptionsToJson(o);
  req["op"] = "attach";
  SKIFF_TRY(Call(dir_, req, preamble, conn_fd));
  return Ok();
}

Result<pid_t> Client::Exec(const ExecOptions& o, int conn_fd, std::string_view preamble) {
  Json r = SKIFF_TRY(Call(dir_, ExecRequest("exec", o), conn_fd >= 0 ? preamble : std::string_view(), conn_fd));
  return static_cast<pid_t>(r.value("pid", 0));
}

Result<Captured> Client::ExecCapture(const ExecOptions& o, std::chrono::milliseconds timeout) {
  Json req = ExecRequest("exec_capture", o);
  req["timeout_ms"] = timeout.count();
  Json r = SKIFF_TRY(Call(dir_, req));
  Captured c;
  c.exit_code = r.value("exit_code", -1);
  c.output = r.value("output", "");
  c.timed_out = r.value("timed_out", false);
  return c;
}

Status Client::Resize(const std::string& exec_id, unsigned height, unsigned width) {
  SKIFF_TRY(Call(dir_, Json{{"op", "resize"}, {"exec_id", exec_id}, {"height", height}, {"width", width}}));
  return Ok();
}

Status Client::CloseStdin(const std::string& exec_id) {
  SKIFF_TRY(Call(dir_, Json{{"op", "close_stdin"}, {"exec_id", exec_id}}));
  return Ok();
}

Result<ShimState> Client::State() {
  Json r = SKIFF_TRY(Call(dir_, Json{{"op", "state"}}));
  ShimState s;
  s.init = SKIFF_TRY(proto::ProcessStateFromJson(r.value("init", Json())));
  if (auto it = r.find("execs"); it != r.end() && it->is_object())
    for (auto& [id, p] : it->items()) s.execs[id] = SKIFF_TRY(proto::ProcessStateFromJson(p));
  return s;
}

Result<ExitInfo> Client::Wait(const std::string& exec_id, std::stop_token stop) {
  auto r = Call(dir_, Json{{"op", "wait"}, {"exec_id", exec_id}}, {}, -1, stop);
  if (!r.ok()) {
    if (r.error().code() == Errc::kUnavailable && exec_id.empty()) {
      auto e = SKIFF_TRY(ReadExitFile(dir_));
      if (e) return *e;
    }
    return std::move(r).error();
  }
  return proto::ExitInfoFromJson(r->value("exit", Json()));
}

}  // namespace skiff::daemon::shim

#include "cli/hijack.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <thread>

#include "base/file.h"
#include "cli/stdcopy.h"
#include "cli/terminal.h"

namespace skiff::cli {
namespace {

void Signal(int efd) {
  uint64_t one = 1;
  (void)!::write(efd, &one, sizeof(one));
}

// Waits for fd readable or the event fd; true when fd is readable (or hung up).
bool WaitReadable(int fd, int efd) {
  while (true) {
    pollfd p[2] = {{fd, POLLIN, 0}, {efd, POLLIN, 0}};
    int n = ::poll(p, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (p[1].revents) return false;
    if (p[0].revents) return true;
  }
}

Status SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Sys("write to container");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

}  // namespace

Result<StreamEnd> StreamHijacked(HijackedConn& conn, const StreamOptions& o) {
  UniqueFd stop(::eventfd(0, EFD_CLOEXEC));   // main -> input thread: stop
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC));   // input thread -> main: detached
  if (!stop || !wake) return Error::Sys("eventfd");
  std::atomic<bool> detached{false};
  std::optional<RawMode> raw;
  if (o.raw && o.in_fd >= 0) {
    auto r = RawMode::Enable(o.in_fd);
    if (r.ok()) raw.emplace(std::move(r).value());
  }
  int sock = conn.fd.get();

  std::thread input;
  if (o.in_fd >= 0) {
    input = std::thread([&, in = o.in_fd] {
      EscapeFilter filter(o.detach_keys);
      char buf[32 * 1024];
      while (WaitReadable(in, stop.get())) {
        ssize_t n = ::read(in, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) {
          ::shutdown(sock, SHUT_WR);
          return;
        }
        bool hit = false;
        std::string fwd = filter.Filter(std::string_view(buf, static_cast<size_t>(n)), &hit);
        if (!fwd.empty() && !SendAll(sock, fwd).ok()) return;
        if (hit) {
          detached = true;
          Signal(wake.get());
          return;
        }
      }
    });
  }

  auto write_to = [&](int fd, std::string_view d) -> Status {
    if (fd < 0) return Ok();
    return WriteAll(fd, d);
  };
  StdcopyDemux demux([&](StdStream s, std::string_view d) -> Status {
    return write_to(s == StdStream::kStderr ? o.err_fd : o.out_fd, d);
  });
  auto deliver = [&](std::string_view d) -> Status {
    if (o.tty) return write_to(o.out_fd, d);
    return demux.Feed(d);
  };

  Status result = Ok();
  if (!conn.pending.empty()) result = deliver(conn.pending);
  char buf[32 * 1024];
  while (result.ok() && WaitReadable(sock, wake.get())) {
    ssize_t n = ::read(sock, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno != ECONNRESET) result = Error::Sys("read from daemon");
      break;
    }
    if (n == 0) break;
    result = deliver(std::string_view(buf, static_cast<size_t>(n)));
  }
  if (raw) raw->Restore();
  Signal(stop.get());
  if (input.joinable()) input.join();
  if (detached) return StreamEnd::kDetached;
  if (!result.ok()) return std::move(result).error();
  return StreamEnd::kOutputDone;
}

}  // namespace skiff::cli

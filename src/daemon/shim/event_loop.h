// Internal to the shim: a single-threaded epoll loop. Owns the epoll fd; does not own the fds watched
// (callers remove a watch before closing its fd). Handlers are looked up by token at dispatch, so a handler
// may remove any watch — its own included — and events for removed watches are dropped. One-shot timers on
// the monotonic clock.
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "base/error.h"
#include "base/fd.h"

namespace skiff::daemon::shim {

class EventLoop {
 public:
  using Handler = std::function<void(uint32_t events)>;
  using Clock = std::chrono::steady_clock;

  static Result<std::unique_ptr<EventLoop>> Create();

  // Watches fd for `events` (EPOLLIN, EPOLLOUT, ...; level-triggered). Returns the watch's token.
  Result<uint64_t> Add(int fd, uint32_t events, Handler h);
  // Changes the events of a watch; unknown tokens are ignored.
  void Modify(uint64_t token, uint32_t events);
  // Stops watching; unknown tokens (0 included) are ignored.
  void Remove(uint64_t token);

  uint64_t AddTimer(Clock::time_point when, std::function<void()> f);
  void CancelTimer(uint64_t id);

  // Dispatches events and timers until done() is true (checked after each round).
  Status Run(const std::function<bool()>& done);

 private:
  struct Watch {
    int fd;
    uint32_t events;
    std::shared_ptr<Handler> handler;
  };
  explicit EventLoop(UniqueFd ep) : ep_(std::move(ep)) {}
  void RunDueTimers();

  UniqueFd ep_;
  uint64_t next_ = 1;
  std::map<uint64_t, Watch> watches_;
  std::multimap<Clock::time_point, uint64_t> timer_order_;
  std::map<uint64_t, std::pair<Clock::time_point, std::function<void()>>> timers_;
};

}  // namespace skiff::daemon::shim

#include "daemon/shim/event_loop.h"

#include <errno.h>

namespace skiff::daemon::shim {

Result<std::unique_ptr<EventLoop>> EventLoop::Create() {
  UniqueFd ep(::epoll_create1(EPOLL_CLOEXEC));
  if (!ep) return Error::Sys("epoll_create1");
  return std::unique_ptr<EventLoop>(new EventLoop(std::move(ep)));
}

Result<uint64_t> EventLoop::Add(int fd, uint32_t events, Handler h) {
  uint64_t token = next_++;
  struct epoll_event ev {};
  ev.events = events;
  ev.data.u64 = token;
  if (::epoll_ctl(ep_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return Error::Sys("epoll_ctl add");
  watches_[token] = Watch{fd, events, std::make_shared<Handler>(std::move(h))};
  return token;
}

void EventLoop::Modify(uint64_t token, uint32_t events) {
  auto it = watches_.find(token);
  if (it == watches_.end() || it->second.events == events) return;
  struct epoll_event ev {};
  ev.events = events;
  ev.data.u64 = token;
  if (::epoll_ctl(ep_.get(), EPOLL_CTL_MOD, it->second.fd, &ev) == 0) it->second.events = events;
}

void EventLoop::Remove(uint64_t token) {
  auto it = watches_.find(token);
  if (it == watches_.end()) return;
  ::epoll_ctl(ep_.get(), EPOLL_CTL_DEL, it->second.fd, nullptr);
  watches_.erase(it);
}

uint64_t EventLoop::AddTimer(Clock::time_point when, std::function<void()> f) {
  uint64_t id = next_++;
  timers_[id] = {when, std::move(f)};
  timer_order_.emplace(when, id);
  return id;
}

void EventLoop::CancelTimer(uint64_t id) { timers_.erase(id); }

void EventLoop::RunDueTimers() {
  auto now = Clock::now();
  while (!timer_order_.empty() && timer_order_.begin()->first <= now) {
    uint64_t id = timer_order_.begin()->second;
    timer_order_.erase(timer_order_.begin());
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;  // cancelled
    auto f = std::move(it->second.second);
    timers_.erase(it);
    f();
  }
}

Status EventLoop::Run(const std::function<bool()>& done) {
  constexpr int kMaxEvents = 32;
  struct epoll_event evs[kMaxEvents];
  while (!done()) {
    // Drop cancelled timers from the front so they do not shorten the wait.
    while (!timer_order_.empty() && !timers_.contains(timer_order_.begin()->second))
      timer_order_.erase(timer_order_.begin());
    int timeout = -1;
    if (!timer_order_.empty()) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(timer_order_.begin()->first - Clock::now());
      timeout = wait.count() < 0 ? 0 : static_cast<int>(std::min<int64_t>(wait.count(), 60000));
    }
    int n = ::epoll_wait(ep_.get(), evs, kMaxEvents, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Sys("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      auto it = watches_.find(evs[i].data.u64);
      if (it == watches_.end()) continue;
      std::shared_ptr<Handler> h = it->second.handler;  // keeps the handler alive if it removes itself
      (*h)(evs[i].events);
    }
    RunDueTimers();
  }
  return Ok();
}

}  // namespace skiff::daemon::shim

// EventBus: the daemon's event stream (`docker events`). Publishers (container lifecycle, images,
// volumes) push events; subscribers get the retained past events in a time window and then live ones.
// The last 1024 events are kept in memory (Docker keeps a similar bounded log). Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "base/json.h"
#include "daemon/filters.h"

namespace skiff::daemon {

struct Event {
  std::string type;    // "container", "image", "volume", "network", "daemon"
  std::string action;  // "create", "start", "die", "exec_start: sh", "health_status: healthy", ...
  std::string id;      // actor ID (container ID, image ID or reference, volume name)
  std::map<std::string, std::string> attributes;
  int64_t time_ns = 0;
  // The JSON object of GET /events (with the legacy status/id/from fields for containers and images).
  Json ToJson() const;
  bool Matches(const Filters& f) const;
};

class EventBus {
 public:
  // Sets time_ns when zero, stores and wakes subscribers.
  void Publish(Event e);

  // A subscriber: Next returns retained events with since <= time (<= until when set), then live events,
  // in order; nullopt when `until` has passed, stop was requested, or the bus is closing.
  class Subscription {
   public:
    std::optional<Event> Next(std::stop_token stop);

   private:
    friend class EventBus;
    Subscription(EventBus* bus, uint64_t next_seq, int64_t since_ns, int64_t until_ns, Filters f)
        : bus_(bus), next_(next_seq), since_(since_ns), until_(until_ns), filters_(std::move(f)) {}
    EventBus* bus_;
    uint64_t next_;
    int64_t since_, until_;
    Filters filters_;
  };
  // since_ns = 0 and until_ns = 0: live events only. until_ns in the past: only retained events.
  Subscription Subscribe(int64_t since_ns, int64_t until_ns, Filters f);
  void Close();

 private:
  struct Stored {
    uint64_t seq;
    Event e;
  };
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<Stored> log_;
  uint64_t seq_ = 0;
  bool closed_ = false;
  static constexpr size_t kKeep = 1024;
};

}  // namespace skiff::daemon

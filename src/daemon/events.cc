#include "daemon/events.h"

#include "daemon/container.h"

namespace skiff::daemon {

Json Event::ToJson() const {
  Json attrs = Json::object();
  for (auto& [k, v] : attributes) attrs[k] = v;
  Json j = {{"Type", type},
            {"Action", action},
            {"Actor", {{"ID", id}, {"Attributes", attrs}}},
            {"scope", "local"},
            {"time", time_ns / 1000000000},
            {"timeNano", time_ns}};
  if (type == "container" || type == "image") {
    j["status"] = action;
    j["id"] = id;
    if (type == "container") {
      auto it = attributes.find("image");
      if (it != attributes.end()) j["from"] = it->second;
    }
  }
  return j;
}

bool Event::Matches(const Filters& f) const {
  if (!f.MatchExact("type", type)) return false;
  // "event" matches the action, or its first word for "exec_start: sh"-style actions.
  if (f.Has("event")) {
    std::string base = action.substr(0, action.find(':'));
    if (!f.MatchExact("event", action) && !f.MatchExact("event", base)) return false;
  }
  if (!f.MatchLabels(attributes)) return false;
  auto name = [&](const char* k) {
    auto it = attributes.find(k);
    return it == attributes.end() ? std::string() : it->second;
  };
  if (f.Has("container")) {
    if (type != "container") return false;
    bool ok = false;
    // Docker's FuzzyMatch: a prefix of the name or of the ID.
    for (auto& v : f.Values("container")) ok = ok || (!v.empty() && (name("name").rfind(v, 0) == 0 || id.rfind(v, 0) == 0));
    if (!ok) return false;
  }
  if (f.Has("image")) {
    bool ok = false;
    std::string img = type == "image" ? id : name("image");
    for (auto& v : f.Values("image")) {
      ok = ok || v == img || v == name("name") || (img.rfind(v + ":", 0) == 0);
    }
    if (!ok) return false;
  }
  if (f.Has("volume") && !(type == "volume" && f.MatchExact("volume", id))) return false;
  if (f.Has("network") && !(type == "network" && f.MatchExact("network", id))) return false;
  if (f.Has("daemon") && type != "daemon") return false;
  if (f.Has("scope") && !f.MatchExact("scope", "local")) return false;
  return true;
}

void EventBus::Publish(Event e) {
  if (e.time_ns == 0) e.time_ns = NowNs();
  {
    std::lock_guard l(mu_);
    log_.push_back({++seq_, std::move(e)});
    if (log_.size() > kKeep) log_.pop_front();
  }
  cv_.notify_all();
}

EventBus::Subscription EventBus::Subscribe(int64_t since_ns, int64_t until_ns, Filters f) {
  std::lock_guard l(mu_);
  // With a since or an until, replay from the oldest retained event (as Docker); else start at the next one.
  uint64_t next = since_ns > 0 || until_ns > 0 ? (log_.empty() ? seq_ + 1 : log_.front().seq) : seq_ + 1;
  return Subscription(this, next, since_ns, until_ns, std::move(f));
}

void EventBus::Close() {
  {
    std::lock_guard l(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

std::optional<Event> EventBus::Subscription::Next(std::stop_token stop) {
  std::unique_lock l(bus_->mu_);
  for (;;) {
    if (stop.stop_requested() || bus_->closed_) return std::nullopt;
    if (!bus_->log_.empty() && next_ < bus_->log_.front().seq) next_ = bus_->log_.front().seq;
    while (next_ <= bus_->seq_) {
      const auto& s = bus_->log_[next_ - bus_->log_.front().seq];
      ++next_;
      if (s.e.time_ns < since_) continue;
      if (until_ > 0 && s.e.time_ns > until_) return std::nullopt;
      if (!s.e.Matches(filters_)) continue;
      return s.e;
    }
    int64_t now = NowNs();
    if (until_ > 0 && now >= until_) return std::nullopt;
    if (until_ > 0) {
      bus_->cv_.wait_for(l, stop, std::chrono::nanoseconds(until_ - now), [&] { return next_ <= bus_->seq_ || bus_->closed_; });
    } else {
      bus_->cv_.wait(l, stop, [&] { return next_ <= bus_->seq_ || bus_->closed_; });
    }
  }
}

}  // namespace skiff::daemon

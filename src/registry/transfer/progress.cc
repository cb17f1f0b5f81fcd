#include "registry/transfer/progress.h"

#include "base/clock.h"
#include "base/units.h"

namespace skiff::registry {

void Progress::Send(const Json& msg) {
  std::lock_guard lk(mu_);
  if (cancelled_) return;
  if (!sink_(msg).ok()) cancelled_ = true;
}

void Progress::Status(const std::string& status, const std::string& id) {
  if (id.empty()) return Send(Json{{"status", status}});
  Send(Json{{"status", status}, {"progressDetail", Json::object()}, {"id", id}});
}

void Progress::Bytes(const std::string& status, const std::string& id, uint64_t current, uint64_t total) {
  {
    std::lock_guard lk(mu_);
    int64_t now = MonotonicMs();
    auto& last = last_ms_[id + "\n" + status];
    if (current < total && now - last < 100) return;
    last = now;
  }
  Json detail = {{"current", current}};
  if (total > 0) detail["total"] = total;
  Send(Json{{"status", status}, {"progressDetail", detail}, {"progress", ProgressBar(current, total)}, {"id", id}});
}

void Progress::Aux(const Json& aux) { Send(Json{{"progressDetail", Json::object()}, {"aux", aux}}); }

std::string ProgressBar(uint64_t current, uint64_t total) {
  if (total == 0) return units::HumanSize(static_cast<double>(current));
  const int width = 50;
  int done = static_cast<int>(static_cast<double>(width) * static_cast<double>(std::min(current, total)) / static_cast<double>(total));
  std::string bar = "[" + std::string(static_cast<size_t>(done), '=');
  if (done < width) bar += ">" + std::string(static_cast<size_t>(width - done - 1), ' ');
  bar += "] ";
  // dockerd pads the numbers to 8 columns before the slash.
  std::string cur = units::HumanSize(static_cast<double>(current));
  if (cur.size() < 8) cur = std::string(8 - cur.size(), ' ') + cur;
  return bar + cur + "/" + units::HumanSize(static_cast<double>(total));
}

std::string ShortId(const std::string& digest_or_hex) {
  std::string h = digest_or_hex;
  if (auto c = h.find(':'); c != std::string::npos) h = h.substr(c + 1);
  return h.substr(0, 12);
}

}  // namespace skiff::registry

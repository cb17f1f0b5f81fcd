// Docker's JSON message stream for pulls and pushes ({"status","id","progressDetail","progress"}, errors),
// as dockerd's progress output writes it. A Progress wraps the caller's sink (one call per message, never
// two at once: messages from several transfer threads are serialised here). A sink that fails (the client
// went away) marks the Progress cancelled; transfers poll cancelled() and stop. Lives for one operation.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "base/error.h"
#include "base/json.h"

namespace skiff::registry {

using MessageSink = std::function<Status(const Json& msg)>;

class Progress {
 public:
  explicit Progress(MessageSink sink) : sink_(std::move(sink)) {}
  // {"status": s} or {"status": s, "id": id, "progressDetail": {}}
  void Status(const std::string& status, const std::string& id = "");
  // {"status": s, "id": id, "progressDetail": {"current", "total"}, "progress": "[==>  ] 1MB/3MB"};
  // throttled per id to about 10 per second (the last call of a transfer should be Status()).
  void Bytes(const std::string& status, const std::string& id, uint64_t current, uint64_t total);
  // {"progressDetail": {}, "aux": aux}
  void Aux(const Json& aux);
  bool cancelled() const { return cancelled_.load(); }
  void Cancel() { cancelled_ = true; }

 private:
  void Send(const Json& msg);
  MessageSink sink_;
  std::mutex mu_;
  std::atomic<bool> cancelled_{false};
  std::map<std::string, int64_t> last_ms_;
};

// JSONProgress.String() as dockerd fills "progress" (no terminal: a 50-wide bar and the sizes).
std::string ProgressBar(uint64_t current, uint64_t total);
// The 12-hex short form of a digest used as message id.
std::string ShortId(const std::string& digest_or_hex);

}  // namespace skiff::registry

// BuildCache: the builder's step cache, in <data-root>/build/cache.db (SQLite, so it survives daemon
// restarts and a kill at any moment). One row per built step: its key (sha256 over the parent image, the
// instruction after substitution, the build args it uses and the content of its sources), the image the
// step produced (an intermediate image in the image store, as Docker's legacy builder keeps them), and
// the parts of the key kept apart so a miss can say why ("COPY app.py: content changed"). An entry whose
// image is gone counts as a miss and is dropped. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/error.h"
#include "image/db.h"

namespace skiff::build {

struct StepKey {
  std::string parent;   // parent image ID ("sha256:..."), "" for scratch
  std::string text;     // the instruction after substitution ("COPY app.py /app/")
  std::string args;     // the build args the step uses, "K=V" joined with '\n' (sorted)
  std::string sources;  // content digest of COPY/ADD sources ("" otherwise)
  std::string raw;      // the instruction as written: not part of the key, only for miss reasons
  std::string Key() const;  // the cache key
};

struct CacheRecord {
  std::string key, image, description;
  int64_t created = 0, last_used = 0, size = 0, use_count = 0;
  bool in_use = false;  // (filled by the caller: the image is tagged or used by a container)
};

class BuildCache {
 public:
  static Result<std::unique_ptr<BuildCache>> Open(const std::string& path);

  std::optional<std::string> Lookup(const StepKey& key);  // the image ID, and marks it used
  // Why `key` misses, from the rows with the same parent: "content changed", "ARG X changed", ...
  // Empty when nothing was built from that parent before.
  std::string MissReason(const StepKey& key, const std::string& keyword);
  Status Record(const StepKey& key, const std::string& image, const std::string& description, int64_t size);
  Status Forget(const std::string& key);
  Result<std::vector<CacheRecord>> List();
  // Rows whose image no longer exists go (exists: the image store's lookup).
  Status Drop(const std::vector<std::string>& keys);

 private:
  explicit BuildCache(std::unique_ptr<image::Db> db) : db_(std::move(db)) {}
  std::unique_ptr<image::Db> db_;
  std::mutex mu_;
};

}  // namespace skiff::build

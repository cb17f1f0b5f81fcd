// Builder: `docker build` (POST /build) for the daemon. It reads the context (a tar body extracted into a
// private temp dir, or a local directory read in place for `skiff build` on the same host), parses the
// Dockerfile, plans the stages the target needs, runs independent stages in parallel, executes every
// instruction as Docker's legacy builder does (RUN in a step container of the Worker; COPY/ADD into a
// snapshot of the parent image; the rest only change the config) and commits each step as an
// intermediate image (history, empty_layer, parent chain as Docker keeps them). The step cache
// (cache.h) lets an unchanged step reuse its image. Owns the cache and the file-hash cache under its root
// (<data-root>/build); uses the ImageStore and the Worker it is given, which outlive it. Thread-safe:
// several builds may run at once.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/error.h"
#include "build/cache.h"
#include "build/copy/copy.h"
#include "build/progress.h"
#include "build/worker.h"
#include "image/image_store.h"
#include "storage/stream.h"

namespace skiff::build {

struct BuildRequest {
  // The context: a directory read in place, or a tar stream (plain or compressed). One of them.
  std::string context_dir;
  storage::ByteReader* context_tar = nullptr;
  std::optional<std::string> dockerfile_text;  // the Dockerfile itself (`-f -` with a local context)
  std::string dockerfile;                      // relative to the context, or absolute (local contexts only)
  std::map<std::string, std::optional<std::string>> build_args;  // nullopt: given without a value
  std::map<std::string, std::string> labels;
  std::string target;
  bool no_cache = false, pull = false;
  std::string network_mode;  // "", "default", "none", "host"
  std::string platform;
  std::map<std::string, std::string> secrets;  // id -> content (RUN --mount=type=secret)
  std::map<std::string, Json> registry_auths;  // X-Registry-Config: registry -> AuthConfig (for FROM pulls)
  std::vector<std::string> extra_hosts;
  // The client draws a live view (skiff build --progress=tty): parallel stages' messages are sent as
  // they come instead of one stage after the other.
  bool live_progress = false;
};

struct BuildCacheUsage {
  std::vector<CacheRecord> records;
};

struct BuilderPruneReport {
  std::vector<std::string> deleted;  // cache record IDs
  uint64_t reclaimed = 0;
};

class Builder {
 public:
  static Result<std::unique_ptr<Builder>> Open(image::ImageStore& images, Worker& worker, const std::string& root);
  ~Builder();

  // Runs the build, writing the legacy message stream to `out` (up to and including the aux ID message).
  // Returns the final image ID. On error nothing of the failed step stays (containers, snapshots, temp
  // dirs); images of the steps that succeeded stay as cache. The error's message names file:line.
  Result<Digest> Build(const BuildRequest& req, BuildOutput& out, std::stop_token stop);

  // `docker builder prune`: cache records (and their intermediate images when nothing else uses them).
  // all = false keeps records whose image is tagged or used; keep_storage: bytes to keep (0 = none);
  // until_sec > 0: only records last used before that time.
  Result<BuilderPruneReport> Prune(bool all, uint64_t keep_storage, int64_t until_sec);
  // For `system df`: every cache record, in_use filled.
  Result<std::vector<CacheRecord>> Usage();

  image::ImageStore& images() { return images_; }
  Worker& worker() { return worker_; }
  BuildCache& cache() { return *cache_; }
  copy::FileHashCache& hashes() { return *hashes_; }
  const std::string& root() const { return root_; }

 private:
  Builder(image::ImageStore& images, Worker& worker, std::string root) : images_(images), worker_(worker), root_(std::move(root)) {}
  image::ImageStore& images_;
  Worker& worker_;
  std::string root_;
  std::unique_ptr<BuildCache> cache_;
  std::unique_ptr<copy::FileHashCache> hashes_;
};

}  // namespace skiff::build

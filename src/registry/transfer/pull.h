// Pull: registry -> ImageStore. Resolves a reference to a manifest (a manifest list or OCI index is narrowed
// to the requested platform), fetches the config, then downloads the layers the store lacks in parallel:
// each one is hashed and written to a resumable partial blob while it is decompressed (gzip, zstd or none)
// and unpacked into a staging dir, in one pass. A dropped connection is resumed with a Range request from
// the bytes already kept (also across daemon restarts: the partial file stays); a digest mismatch discards
// the partial file and fails naming the blob. Nothing is recorded until every layer is in place, so a
// failed pull leaves the store as it was.
//
// A Puller is owned by the daemon and lives as long as it; Pull() may run concurrently (two pulls of the
// same blob share one download: the second waits for the partial file's lock, then finds the blob).
#pragma once

#include <string>
#include <vector>

#include "image/image_store.h"
#include "image/reference.h"
#include "registry/client.h"
#include "registry/transfer/progress.h"

namespace skiff::registry {

struct PullOptions {
  AuthConfig auth;
  image::Platform platform;  // linux/amd64 unless asked
  bool all_tags = false;     // every tag of the repository (the reference has no tag)
  int max_concurrent_downloads = 3;
};

struct PulledImage {
  image::Reference ref;  // as pulled (tag or digest)
  Digest id;
  Digest manifest_digest;
  bool updated = false;  // false: the image was already there ("Image is up to date")
};

class Puller {
 public:
  Puller(image::ImageStore& store, RegistryOptions opts) : store_(store), opts_(std::move(opts)) {}

  // Messages as dockerd's: "Pulling from <repo>", per layer "Pulling fs layer" / "Waiting" /
  // "Downloading" / "Verifying Checksum" / "Download complete" / "Extracting" / "Pull complete" /
  // "Already exists", then "Digest: ..." and "Status: ...". The final status line is the caller's (it
  // differs with all_tags).
  Result<std::vector<PulledImage>> Pull(const image::Reference& ref, const PullOptions& o, Progress& progress);

  // GET /distribution/{name}/json: the descriptor of what ref names and the platforms it offers.
  Result<Json> Inspect(const image::Reference& ref, const AuthConfig& auth);

  const RegistryOptions& options() const { return opts_; }

 private:
  Result<PulledImage> PullOne(Client& client, const image::Reference& ref, const PullOptions& o, Progress& progress);

  image::ImageStore& store_;
  RegistryOptions opts_;
};

// Docker's "Status:" line for one pulled reference.
std::string PullStatusLine(const PulledImage& p);

}  // namespace skiff::registry

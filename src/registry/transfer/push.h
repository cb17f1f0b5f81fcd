// Push: ImageStore -> registry. For each layer (several at once) it asks the registry whether the blob is
// there already (HEAD, by the digests pulls and pushes recorded for that layer), mounts it from another
// repository of the same registry when one is known to have it, or uploads it: a gzip blob from the store
// as it is, an uncompressed one compressed on the fly (ISA-L, level 1) while it streams. Then the config
// and a schema2 manifest laid out as dockerd writes it (so the same image pushed by either gets the same
// manifest digest). Every blob and mount is recorded as distribution metadata for the next push; the
// image gains the repo digest. Nothing is changed locally when a push fails before its manifest.
//
// A Pusher is owned by the daemon and lives as long as it; Push() may run concurrently.
#pragma once

#include <string>
#include <vector>

#include "image/image_store.h"
#include "image/reference.h"
#include "registry/client.h"
#include "registry/transfer/progress.h"

namespace skiff::registry {

struct PushOptions {
  AuthConfig auth;
  int max_concurrent_uploads = 5;
};

struct PushedTag {
  std::string tag;
  Digest manifest_digest;
  uint64_t manifest_size = 0;
};

class Pusher {
 public:
  Pusher(image::ImageStore& store, RegistryOptions opts) : store_(store), opts_(std::move(opts)) {}

  // ref: a name with a tag (that tag) or without (every local tag of that repository, as dockerd does for
  // an empty tag). Messages: "The push refers to repository [...]", per layer "Preparing" / "Waiting" /
  // "Pushing" / "Pushed" / "Layer already exists" / "Mounted from ...", then "<tag>: digest: ... size: N"
  // and the aux {"Tag","Digest","Size"} for each tag.
  Result<std::vector<PushedTag>> Push(const image::Reference& ref, const PushOptions& o, Progress& progress);

 private:
  Result<PushedTag> PushOne(Client& client, const image::Reference& ref, const Digest& image_id, const PushOptions& o,
                            Progress& progress);

  image::ImageStore& store_;
  RegistryOptions opts_;
};

// The schema2 manifest dockerd writes for these descriptors (3-space indented JSON, dockerd's key order).
std::string Schema2Manifest(const image::Descriptor& config, const std::vector<image::Descriptor>& layers);

}  // namespace skiff::registry

// ImageStore: the engine's images. Owns, under one root directory:
//   content/   ContentStore (configs, manifests, layer tars, by digest)
//   storage/   storage::Snapshotter (one extracted dir per layer, container snapshots)
//   images.db  SQLite metadata: images (with their parent image and a hidden flag), their layers, layers,
//              tags, container references
// Removal follows Docker's rules (daemon/images/image_delete.go): child images and running containers are
// hard conflicts, other names and stopped containers soft ones (-f). An image deleted while stopped
// containers use it is hidden (gone for every lookup) and stays only for those containers' layers, until
// the last of them releases its reference. Every change to metadata is one SQLite transaction made after
// the files it points to are in place, so a process killed at any moment leaves a consistent store; Open()
// removes what an interrupted operation left behind (temp blobs, staging dirs, files no row points to).
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/json.h"
#include "image/content_store.h"
#include "image/db.h"
#include "image/model.h"
#include "image/reference.h"
#include "storage/snapshots.h"
#include "storage/stream.h"
#include "storage/tar_write.h"

namespace skiff::image {

struct ImageSummary {
  Digest id;
  std::vector<std::string> repo_tags;     // familiar form, "busybox:latest"
  std::vector<std::string> repo_digests;  // "busybox@sha256:..."
  int64_t created = 0;                    // unix seconds, from the config
  uint64_t size = 0;                      // sum of its layers' sizes
  uint64_t shared_size = 0;               // part of size in layers other images use too
  uint64_t unique_size = 0;
  int64_t containers = 0;
  std::map<std::string, std::string> labels;
  Digest parent;         // the image it was committed from (empty: none), as Docker's ParentId
  int64_t children = 0;  // images whose parent it is: an untagged image with children is an intermediate
                         // one, which `docker images` shows only with -a (and never as dangling)
};

struct HistoryItem {
  std::string id;  // image id for the top entry, its parent's for the next one and so on up the parent
                   // chain; "<missing>" where the chain ends (as Docker)
  int64_t created = 0;
  std::string created_by, comment;
  uint64_t size = 0;
  std::vector<std::string> tags;
};

// One line of `docker rmi` output: either "Untagged: x" or "Deleted: sha256:...". A deleted image is
// followed by the chain IDs of the layers that went with it (layer = true; Docker sends no event for those).
struct DeleteItem {
  std::string untagged;
  std::string deleted;
  bool layer = false;
};

// Whether a container that references an image is running. The daemon knows, the store does not; it is
// called without the store's locks held, once per container referencing any image, before a removal.
using IsRunning = std::function<bool(const std::string& container_id)>;

// `docker rmi` (DELETE /images/{name}?force=&noprune=).
struct RemoveOptions {
  bool force = false;    // -f: skip soft conflicts (other repositories, stopped containers)
  bool prune = true;     // Docker's noprune=false: then delete parents left without names, children, containers
  IsRunning is_running;  // empty: every container counts as running (an image in use is never deleted)
};

// `docker image prune` (POST /images/prune).
struct PruneOptions {
  bool all = false;  // -a (dangling=false): every unused image, not only untagged ones
  // Docker's until/label filters, applied to the images prune starts from (parents pruned with them are
  // not filtered, as in Docker). Empty: every image matches.
  std::function<bool(const ImageConfig&)> match;
};

struct PruneReport {
  std::vector<DeleteItem> items;
  uint64_t reclaimed = 0;  // the sizes of the layers removed (Docker's SpaceReclaimed)
};

struct GcReport {
  uint64_t blobs_removed = 0, layers_removed = 0, snapshots_removed = 0, bytes = 0;
};

struct LoadedImage {
  Digest id;
  std::vector<std::string> tags;  // familiar, as printed by "Loaded image: ..."
};

struct ImportOptions {
  std::vector<std::string> changes;  // Dockerfile instructions (--change)
  std::string message;               // -m
  std::string source_name = "-";     // shown in the default comment "Imported from <src>"
  std::string tag;                   // optional repository[:tag]
  std::string os = "linux", architecture = "amd64";
};

// `docker commit`: a container's overlay upper dir becomes a layer on top of its image (ImageStore::Commit).
// The daemon merges the container's Config, --change and the request's Config into `config` beforehand.
struct CommitOptions {
  std::string container_id;  // recorded as "container"
  std::string upper_dir;     // the container's overlay upper dir (whiteouts, opaque dirs): the new layer
  Digest parent;             // the container's image; empty for a container made from no image
  Json container_config;     // the container's Config (Docker JSON): "container_config", and the base of
                             // "config" (fields RunConfig does not model, such as Hostname, stay as they are)
  RunConfig config;          // the new image's config
  std::string author, comment;  // -a, -m
  std::string created_by;    // history text; empty: the container's Cmd joined with spaces, as Docker
  std::string tag;           // optional repository[:tag]
  // The builder's steps: the new image's "config" exactly as given (instead of container_config with
  // `config` applied), and no layer at all for instructions that only change the config (no upper dir
  // is read; the history entry is an empty_layer one).
  std::optional<Json> config_json;
  bool no_layer = false;
  // The upper dir may become the layer itself (moved into the layer store, overlay bookkeeping xattrs
  // other than opaque stripped) instead of being extracted again from the tar: the caller discards the
  // snapshot it came from right after. Only the tar blob is written.
  bool take_upper = false;
};

// Where a layer's blob is known to be in a registry (Docker's v2 metadata): recorded by pulls and pushes,
// read by pushes to skip uploads (HEAD) or mount the blob from another repository of the same registry.
struct DistributionSource {
  Digest blob;             // the blob's digest in that registry (compressed)
  std::string media_type;  // its media type there
  uint64_t size = 0;
  std::string registry;    // the reference domain ("127.0.0.1:5000", "docker.io")
  std::string repo;        // repository path ("library/busybox")
};

class ImageStore {
 public:
  static Result<std::unique_ptr<ImageStore>> Open(const std::string& root);

  // --- lookup ---
  // name[:tag], name@digest, full ID (with or without sha256:), unique ID prefix.
  Result<Digest> Resolve(std::string_view ref_or_id);
  Result<ImageConfig> Config(const Digest& id);
  Result<std::vector<ImageSummary>> List();
  Result<Json> Inspect(std::string_view ref_or_id);
  Result<std::vector<HistoryItem>> History(std::string_view ref_or_id);

  // --- transfer ---
  // Reads a `docker save` archive (Docker 20.10+ layout or OCI layout, optionally gzip/zstd compressed).
  Result<std::vector<LoadedImage>> Load(storage::ByteReader& in);
  // Writes one archive with all the named images/tags: manifest.json, repositories, index.json,
  // oci-layout and blobs/sha256/* (Docker 25 layout, loadable by Docker 20.10+).
  Status Save(const std::vector<std::string>& refs, storage::ByteWriter& out);
  // Imports a rootfs tar (plain/gzip/zstd) as a one-layer image. Returns the image ID.
  Result<Digest> Import(storage::ByteReader& in, const ImportOptions& opts);
  // Import from "-" (stdin), a file path or an http(s) URL.
  Result<Digest> ImportFrom(const std::string& source, ImportOptions opts);

  // --- names ---
  Status Tag(std::string_view source, std::string_view target);
  // `docker rmi`, with Docker's conflicts, messages and output: untags; deletes the image when it is named
  // by ID or its last name goes; then (o.prune) its parent when that is left untagged and unused, and so on.
  // Each deleted image is followed by the chain IDs of the layers no other image (hidden ones included)
  // uses, top-most first. An image stopped containers use is deleted with -f: hidden, see above.
  // All the rows change in one transaction; files go afterwards.
  Result<std::vector<DeleteItem>> Remove(std::string_view ref_or_id, const RemoveOptions& o);
  // Old form: Remove(ref, {force, !no_prune}) with every container counted as running.
  Result<std::vector<DeleteItem>> Remove(std::string_view ref_or_id, bool force, bool no_prune = false);
  // Docker's prune: starts from images without children (every image with o.all) that match; untagged
  // ones (with o.all: each name of every one) are removed as `rmi` without force would, conflicts skipped,
  // taking their untagged parents along. reclaimed = the size of the layers removed.
  Result<PruneReport> Prune(const PruneOptions& o);
  Result<PruneReport> Prune(bool all);  // Prune({.all = all})
  // Removes hidden images no container references any more, and blobs, layer dirs and snapshots that no
  // row references. Does nothing while a transfer is in flight.
  Result<GcReport> CollectGarbage();

  // --- containers ---
  // Records that container_id uses the image (blocks removal without force). Idempotent. A hidden image
  // takes no new references (NotFound).
  Status AddImageReference(const std::string& container_id, const Digest& image);
  // Drops the reference; the last one of a hidden image deletes it with the layers only it used (files
  // too). If a transfer is in flight that waits for the next Remove, Prune, CollectGarbage or Open.
  Status ReleaseImageReference(const std::string& container_id);
  // Creates (and references) a writable snapshot for the container and mounts it; returns the rootfs.
  Result<std::string> CreateContainerSnapshot(const std::string& container_id, const Digest& image);
  Result<std::string> MountContainerSnapshot(const std::string& container_id);
  Status UnmountContainerSnapshot(const std::string& container_id);
  // Unmounts, deletes the snapshot and releases the reference.
  Status RemoveContainerSnapshot(const std::string& container_id);
  // `docker export`: the container's flat filesystem as a tar.
  Status ExportContainer(const std::string& container_id, storage::ByteWriter& out,
                         const storage::OwnerNames* names = nullptr);
  // `docker commit`: writes the upper dir as a layer tar (blob) while extracting it as a layer dir, then
  // records an image whose config is the parent's plus that layer, a history entry and o's fields, and
  // o.parent as its parent (in images.db, as Docker keeps it in its metadata, not in the config). An upper
  // dir with nothing in it (the empty tar) adds no layer and an "empty_layer" history entry, as Docker.
  // A hidden parent fails as in Docker (its config is gone). Returns the new image ID (sha256 of the config).
  Result<Digest> Commit(const CommitOptions& o);
  // Every container ID that holds a reference (the daemon removes those it has no record of).
  Result<std::vector<std::string>> ListContainerReferences();

  ContentStore& content() { return *cs_; }
  storage::Snapshotter& snapshots() { return *snaps_; }
  const std::string& root() const { return root_; }

  // Internal, shared by load/import: records an image whose config blob and layers are in place.
  struct LayerRow {
    Digest diff_id, blob;
    std::string media_type;
    uint64_t blob_size = 0, tar_size = 0, size = 0;
  };
  // An image that exists hidden becomes visible again (with `parent`); a visible one keeps its parent.
  Status CommitImage(const ImageConfig& config, const std::vector<LayerRow>& layers,
                     const std::vector<Reference>& tags, const Digest& parent = {});
  // The parent recorded for a visible image (empty: none). SetParent records one (load).
  Result<Digest> Parent(const Digest& id);
  Status SetParent(const Digest& child, const Digest& parent);
  Result<std::optional<LayerRow>> FindLayer(const Digest& diff_id);
  Result<std::vector<LayerRow>> ImageLayers(const Digest& id);
  // Distribution metadata of a layer (rows go with the layer).
  Status RecordDistribution(const Digest& diff_id, const DistributionSource& src);
  Result<std::vector<DistributionSource>> DistributionSources(const Digest& diff_id);
  // Guards against GC while a transfer has files in place but no rows yet.
  std::shared_mutex& gc_lock() { return gc_mu_; }

 private:
  ImageStore() = default;
  Status Migrate();
  Status Recover();
  Result<std::vector<std::string>> TagsOf(const Digest& id);
  Result<int64_t> ContainerCount(const Digest& id);
  Result<bool> IsVisible(const Digest& id);
  // remove.cc. RunningStates asks is_running about every referencing container (no lock held; empty map
  // when is_running is empty). The *Locked functions need gc_mu_ held exclusively.
  class Remover;
  friend class Remover;
  struct RemoveResult {
    std::vector<DeleteItem> items;
    uint64_t reclaimed = 0;  // sizes of the layers removed
  };
  std::map<std::string, bool> RunningStates(const IsRunning& is_running);
  Result<RemoveResult> RemoveLocked(std::string_view ref_or_id, bool force, bool prune,
                                    const std::map<std::string, bool>& running);
  // Deletes hidden images without references (rows, then files); the IfIdle form only when no transfer
  // is in flight (it takes gc_mu_ itself; callers hold no lock).
  Status PurgeHiddenLocked();
  Status PurgeHiddenIfIdle();
  Result<GcReport> CollectGarbageLocked();

  std::string root_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<ContentStore> cs_;
  std::unique_ptr<storage::Snapshotter> snaps_;
  std::recursive_mutex mu_;   // serialises transactions on the one connection
  std::shared_mutex gc_mu_;   // shared: transfers in flight; exclusive: GC and deletions
};

}  // namespace skiff::image

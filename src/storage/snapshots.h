// Snapshotter: the on-disk layout of layers and container snapshots on overlayfs.
//   <root>/layers/<diff-id hex>/      one read-only directory per layer, its diff in overlay form
//                                    (shared by every image that has the layer; content depends only
//                                    on the layer tar, so the diff ID names it)
//   <root>/snapshots/<id>/{upper,work,merged,init}   one writable snapshot per container
//   <root>/staging/                  layers being extracted; anything here at startup is a leftover
// The Snapshotter owns directories only; which layers/snapshots are in use is the image store's
// (SQLite) business. Thread-safe for distinct layers/snapshots.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/file.h"
#include "storage/mount.h"

namespace skiff::storage {

class Snapshotter {
 public:
  static Result<std::unique_ptr<Snapshotter>> Open(const std::string& root);

  const std::string& root() const { return root_; }
  // Removes interrupted extractions under staging/. Call once at startup, before any other use.
  Status RemoveStagingLeftovers();

  std::string LayerDir(const Digest& diff_id) const;
  bool HasLayer(const Digest& diff_id) const;
  std::vector<Digest> ListLayers() const;
  // A fresh directory under staging/ to extract a layer into; removed when the TempDir dies.
  Result<TempDir> NewStagingDir() const;
  // Renames a fully extracted staging dir into place. If the layer already exists (a concurrent or
  // earlier extraction of the same diff), the staging dir is discarded: the content is the same.
  Status CommitLayer(TempDir staging, const Digest& diff_id);
  Status RemoveLayer(const Digest& diff_id);

  // Writable snapshots, named by a caller-chosen id ([A-Za-z0-9][A-Za-z0-9_.-]*).
  Status CreateSnapshot(const std::string& id);
  bool HasSnapshot(const std::string& id) const;
  std::vector<std::string> ListSnapshots() const;
  std::string SnapshotUpper(const std::string& id) const;
  // The snapshot's init layer: a read-only directory between the image's layers and the upper dir, for
  // the files the engine itself places in every container (mount points of /etc/hosts & co.), so they
  // are neither the container's changes (diff, commit) nor missing from its filesystem (export).
  std::string SnapshotInit(const std::string& id) const;
  std::string SnapshotMerged(const std::string& id) const;
  // Mounts the snapshot's overlay on its merged dir. `layers` are bottom-most first (rootfs.diff_ids order).
  // Mounting an already mounted snapshot is a no-op.
  Result<std::string> MountSnapshot(const std::string& id, const std::vector<Digest>& layers);
  Status UnmountSnapshot(const std::string& id);
  // Unmounts if needed and deletes the snapshot's directories.
  Status RemoveSnapshot(const std::string& id);

  // Mounts the layers read-only at target (for reading an image's flat filesystem).
  Result<ScopedMount> MountReadOnly(const std::vector<Digest>& layers, const std::string& target) const;

 private:
  explicit Snapshotter(std::string root) : root_(std::move(root)) {}
  Result<std::vector<std::string>> Lowers(const std::vector<Digest>& layers) const;
  std::string root_;
};

// Apparent size (sum of file sizes) of everything below dir, counting hardlinked inodes once.
Result<uint64_t> TreeSize(const std::string& dir);

}  // namespace skiff::storage

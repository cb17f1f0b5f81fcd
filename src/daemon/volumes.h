// VolumeStore: local volumes under <data-root>/volumes/<name>/_data, their metadata in
// <data-root>/volumes/volumes.db (SQLite). Directory first, row last on create; row first, directory last
// on remove, so a crash leaves at worst an unreferenced directory (removed at Open). Which containers use
// a volume is the daemon's knowledge (container records); the store only keeps volumes. Thread-safe.
// Volumes with driver options (type/device/o, Docker's local driver) are mounted on their _data at first
// use and unmounted at last release, so a tmpfs volume is shared by the containers running together and
// empty again after; the use counts live in memory (Use/Release), rebuilt after a restart by the daemon.
#pragma once

#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/json.h"
#include "image/db.h"

namespace skiff::daemon {

struct Volume {
  std::string name;
  std::string driver = "local";
  std::string mountpoint;  // <root>/<name>/_data
  std::string created_at;  // RFC 3339
  std::map<std::string, std::string> labels, options;
  bool anonymous = false;
  // Docker's Volume object (GET /volumes/{name}); ref_count < 0 leaves UsageData out.
  Json ToJson(int64_t ref_count = -1, int64_t size = -1) const;
};

class VolumeStore {
 public:
  static Result<std::unique_ptr<VolumeStore>> Open(const std::string& root);
  // name "" = anonymous (64 random hex). An existing volume of that name is returned as is (Docker's
  // create is idempotent). Names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (Docker's rule and message).
  Result<Volume> Create(const std::string& name, const std::map<std::string, std::string>& labels,
                        const std::map<std::string, std::string>& options, bool anonymous);
  Result<Volume> Get(const std::string& name);
  Result<std::vector<Volume>> List();
  // The caller checked that no container uses it. A volume still mounted is unmounted first; one that
  // cannot be is left whole (never removes through a mount into a host directory).
  Status Remove(const std::string& name);
  // One more running container uses the volume: mounts it if it has options and is not mounted yet.
  // Errors are Docker's "error while mounting volume '<_data>': failed to mount local volume: ...".
  Status Use(const std::string& name);
  void Release(const std::string& name);
  // Unmounts option-backed volumes no running container uses (after a daemon restart).
  void UnmountIdle();
  const std::string& root() const { return root_; }

 private:
  VolumeStore(std::string root, std::unique_ptr<image::Db> db) : root_(std::move(root)), db_(std::move(db)) {}
  Result<Volume> Row(image::Stmt& st);
  std::string root_;
  std::unique_ptr<image::Db> db_;
  std::string DataPath(const std::string& name) const { return root_ + "/" + name + "/_data"; }
  Status MountLocked(const Volume& v);
  void UnmountLocked(const std::string& name);
  std::mutex mu_;
  std::map<std::string, int> uses_;  // option-backed volumes only
};

// Copies the tree at `from` into the empty directory `to` (modes, owners, times, xattrs, hardlinks),
// as Docker does when a new volume is first mounted over image content.
Status CopyTree(const std::string& from, const std::string& to);

}  // namespace skiff::daemon

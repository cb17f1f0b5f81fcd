// `docker cp` on the daemon side: HEAD/GET/PUT /containers/{id}/archive over a ContainerView (see view.h).
// Stat and Archive resolve the path as Docker does: ".." is cleaned lexically first, then symlinks in the
// parent directories are followed (inside the container) but a final symlink is not, unless the path ends
// in "/" or "/.". Archive streams a tar whose entries start with the path's base name ("/" -> "/bin/...",
// "dir/." -> "./..."), with Docker's header conventions: mtimes in whole seconds, owner names from the
// container's /etc/passwd and /etc/group, security.capability as the only xattr, hardlinks as links, and
// mounts inside the tree included with their content. (The one byte-level difference: Go also puts the
// file type bits in the ustar mode field, libarchive only the permissions; tar tools show the same.)
// Extract unpacks a (possibly compressed) tar into a directory of the container with Docker's Untar rules
// (no whiteout interpretation, tar owners kept, "cannot overwrite" checks), where every entry is placed by
// resolving its parent inside the container view, so symlinks in the container or earlier in the tar never
// lead outside it.
// Errors: kNotFound for a missing path (the daemon words "Could not find the file ... in container ...");
// kInvalidArgument for "not a directory" cases and rejected entries; kPermissionDenied for read-only places
// (the codes the API reference gives: 404, 400, 403; Docker 20.10 itself answers 500 for all but 404).
// Owner names, as dockerd 20.10 writes them: from the container's /etc/passwd and /etc/group, the host's
// when the container has no such file, and the daemon's own uid always "root".
// Stateless functions; each call opens its own View.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/json.h"
#include "daemon/fs/view.h"
#include "storage/stream.h"
#include "storage/tar_write.h"

namespace skiff::daemon::fs {

// Docker's types.ContainerPathStat.
struct PathStat {
  std::string name;
  int64_t size = 0;
  uint32_t mode = 0;  // Go os.FileMode bits: permissions | dir 1<<31 | symlink 1<<27 | setuid 1<<23 ...
  std::string mtime;  // RFC 3339 with nanoseconds, in the daemon's local time zone (as Go prints it)
  std::string link_target;  // for a symlink: where it leads in the container, every link followed
  // {"name","size","mode","mtime","linkTarget"}: base64 of its dump is the X-Docker-Container-Path-Stat
  // header (the daemon makes the header).
  Json ToJson() const;
};

// os.FileMode of a st_mode.
uint32_t GoFileMode(uint32_t st_mode);
// Go's time.Time JSON form of a local timestamp: "2026-12-01T07:28:15.8568907Z" or "...+02:00".
std::string GoTimeString(int64_t sec, int64_t nsec);

Result<PathStat> Stat(const ContainerView& v, std::string_view path);
// The uname/gname of the container's owners (see above), for Archive and for `docker export`.
Result<storage::OwnerNames> ContainerOwners(const ContainerView& v);
// The tar of `path` into `out`; *stat (when given) is filled before the first byte is written.
Status Archive(const ContainerView& v, std::string_view path, storage::ByteWriter& out, PathStat* stat);

struct ExtractOptions {
  bool no_overwrite_dir_non_dir = false;  // error instead of replacing a dir by a non-dir and vice versa
  // copyUIDGID: every entry is owned by uid:gid (the container user, which the daemon resolves with
  // daemon::ResolveUser) instead of the owners recorded in the tar.
  bool copy_uid_gid = false;
  uint32_t uid = 0, gid = 0;
};

// PUT archive: `path` (symlinks followed, the final one too) must be an existing directory.
Status Extract(const ContainerView& v, std::string_view path, storage::ByteReader& in, const ExtractOptions& o);

}  // namespace skiff::daemon::fs

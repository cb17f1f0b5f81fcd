// A container's filesystem as its processes see it, seen from the daemon: the rootfs directory (the mounted
// overlay, or any directory) with the container's bind mounts and volumes placed at their destinations.
// View resolves container paths in that namespace without ever leaving it: every component is opened with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) from the directory before it, symlinks are read and
// resolved by View itself (absolute targets restart at the container's "/", ".." never climbs above it),
// and a path that reaches a mount destination continues in the mount's source. So a symlink in the rootfs
// that points into a volume lands in the volume, and nothing resolves to a host path outside the view.
// View keeps a copy of the ContainerView and owns O_PATH fds of the rootfs and of every mount source; it is
// cheap to open, movable, and used from one thread at a time.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/fd.h"

namespace skiff::daemon::fs {

struct MountPoint {
  std::string destination;  // absolute, symlink-free path inside the container
  std::string source;       // host path (a directory or a file)
  bool read_only = false;
};

// What the daemon sees of a container's filesystem: its rootfs and the mounts placed over it.
struct ContainerView {
  std::string rootfs;
  std::vector<MountPoint> mounts;
  bool read_only_rootfs = false;  // HostConfig.ReadonlyRootfs: writes outside RW mounts are refused
};

// One resolved object of the view.
struct Node {
  std::string path;  // container path: absolute, clean, symlinks resolved (except a final one not followed)
  UniqueFd fd;       // O_PATH fd of the object itself (of the symlink, when a final symlink is not followed)
  int mount = -1;    // index of the mount the object lives in; -1: the rootfs
};

class View {
 public:
  // Opens the rootfs; mount sources are opened here too (a missing source fails when a path reaches it).
  static Result<View> Open(const ContainerView& v);

  enum class Missing {
    kFail,    // a missing component is an error (ENOENT)
    kCreate,  // missing directories are made (0755), like mkdir -p: never through a dangling symlink
  };
  // Resolves an absolute container path, already cleaned lexically. follow_final: a final symlink is
  // followed too. Errors carry the errno (ENOENT, ENOTDIR, ELOOP, EROFS for kCreate in read-only places).
  Result<Node> Resolve(std::string_view path, bool follow_final, Missing missing = Missing::kFail) const;
  // The entry `name` of directory node `dir`, not followed (O_PATH of a symlink stays the symlink); the
  // mount's source when a mount is there. ENOENT when there is no such entry.
  Result<Node> Child(const Node& dir, const std::string& name) const;
  // Where `path` leads with every symlink followed, components that do not exist kept as written (Docker's
  // FollowSymlinkInScope): the linkTarget of a stat. Only a component that is not a directory fails.
  Result<std::string> Evaluate(std::string_view path) const;

  // Mount whose destination is exactly `path`, or -1.
  int MountAt(std::string_view path) const;
  // Names of the mounts whose destination is a direct child of directory `path`.
  std::vector<std::string> MountChildren(std::string_view path) const;
  // Whether writes to a node in `mount` (-1: rootfs) are refused.
  bool ReadOnly(int mount) const;
  const ContainerView& spec() const { return spec_; }

 private:
  View() = default;
  Result<Node> Run(std::string_view path, bool follow_final, Missing missing, bool lenient) const;
  Result<UniqueFd> MountFd(int i) const;

  ContainerView spec_;
  UniqueFd root_;
  std::vector<std::string> dests_;  // cleaned destinations, same order as spec_.mounts
  std::vector<UniqueFd> sources_;   // invalid when the source could not be opened
  std::vector<int> source_errno_;
};

// openat2(dirfd, name, O_PATH|O_NOFOLLOW|extra, RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS):
// one component, never followed, never above dirfd. Returns -1 with errno set.
int OpenComponent(int dirfd, const char* name, int extra_flags = 0);
// Reopens an O_PATH fd with real access flags (through /proc/self/fd), or -1 with errno.
int Reopen(int opath_fd, int flags);

}  // namespace skiff::daemon::fs

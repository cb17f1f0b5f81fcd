// Path resolution inside a root directory for COPY/ADD (internal to skiff_build_copy). Docker resolves
// COPY paths with FollowSymlinkInScope: every symlink along a path (the last component too) is replaced
// by its target read as if the root were "/", ".." stops at the root, and components that do not exist
// are kept as written. FollowInScope does that by reading links through fds beneath the root; the
// resolved path then contains no symlinks, and every later open uses openat2(RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS), so a link swapped in afterwards makes the operation fail instead of escaping.
// Stateless functions.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/fd.h"
#include "build/context/ignore.h"

namespace skiff::build::copy {

struct Owner {
  uid_t uid = 0;
  gid_t gid = 0;
  bool operator==(const Owner&) const = default;
};

// openat2 beneath dirfd with no symlinks at all; -1 with errno on failure.
int OpenBeneath(int dirfd, const std::string& rel, int flags, mode_t mode = 0);

// Go's filepath.Clean of a relative path ("a/./b/../c/" -> "a/c", "" -> "."); ".." elements that climb
// above the start are kept ("../x").
std::string CleanRel(std::string_view path);
// The non-empty elements of a '/'-separated path.
std::vector<std::string> SplitRel(std::string_view p);
// "a/b/c" -> "a/b" and "c"; "c" -> "" and "c".
std::string ParentRel(const std::string& rel);
std::string BaseRel(const std::string& rel);

// Joins two '/'-separated relative paths ("" is the root).
std::string JoinRel(std::string_view a, std::string_view b);

// The path (relative to rootfd, "" = the root itself) that `path` (relative or absolute, taken inside
// the root) designates after following every symlink in scope. With `ignore`, a component the ignore
// rules exclude (and that is no directory an exception reaches into) counts as missing, as it is absent
// from the context Docker's daemon sees. ELOOP after 255 links.
Result<std::string> FollowInScope(int rootfd, std::string_view path, const context::IgnoreMatcher* ignore = nullptr);

// mkdir -p of `rel` (a resolved path: no symlinks) beneath rootfd: missing directories are made mode 0755,
// chowned to `chown_new` when set (Docker's MkdirAllAndChownNew). Returns an O_PATH fd of the directory.
// A non-directory in the way: NotFound-ish "mkdir /<prefix>: not a directory".
Result<UniqueFd> MkdirAllBeneath(int rootfd, const std::string& rel, std::optional<Owner> chown_new);

// The process umask (read once from /proc/self/status; nothing is changed).
mode_t ProcessUmask();

// An errno error worded as Go (and so dockerd) prints it: "open /etc/passwd: no such file or directory".
Error GoSys(std::string_view context, int err = errno);

// fstatat without following the last component; false with errno on failure.
bool LstatAt(int dirfd, const std::string& rel, struct stat* st);

}  // namespace skiff::build::copy

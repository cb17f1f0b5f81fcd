// `docker diff` (GET /containers/{id}/changes): what a container changed, from its overlay upper dir and the
// layers below it (top-most first, overlay form: whiteouts are 0:0 char devices, opaque directories carry
// trusted.overlay.opaque=y). The result is the one Docker 20.10's overlay2 driver reports (its naive diff
// of the container's filesystem against its image):
//   A  a path that the lower layers do not have (and everything below an added directory);
//   C  a path whose type, mode, owner, device number, capability or, for non-directories, size or mtime
//      differ from the lower one; and every directory with changes below it (as Docker, so permissions
//      are kept on commit);
//   D  a path the lower layers have that the container removed (a whiteout), and each entry of a lower
//      directory hidden by an opaque directory (rm -rf dir; mkdir dir).
// A directory that was merely copied up (its mtime changed) is not a change. Docker lists the changes in
// map order; these are sorted by path, component by component (a directory before what is in it).
// A pure function over directories (nothing is kept between calls). Lower layers are only read; the upper
// dir is walked with O_NOFOLLOW, never following a symlink a running
// container may plant. The daemon passes its init layer (hosts, resolv.conf, mount points), if it keeps
// one, as the top-most lower, as Docker does with its "-init" layer.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"

namespace skiff::daemon::fs {

enum class ChangeKind { kModified = 0, kAdded = 1, kDeleted = 2 };

struct Change {
  std::string path;  // absolute, as inside the container
  ChangeKind kind;
  bool operator==(const Change&) const = default;
};

Result<std::vector<Change>> Changes(const std::string& upper, const std::vector<std::string>& lowers);

// "C", "A" or "D", as `docker diff` prints.
char ChangeLetter(ChangeKind k);
// The API body: [{"Path": "/etc", "Kind": 0}, ...].
Json ChangesToJson(const std::vector<Change>& changes);

}  // namespace skiff::daemon::fs

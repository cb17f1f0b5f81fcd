// Resolving Docker's `--user` ("name", "uid", "name:group", "uid:gid") against the container's own
// /etc/passwd and /etc/group, read through openat2(RESOLVE_IN_ROOT) so an image's symlinks cannot point
// the daemon at host files. Pure functions over a rootfs path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"

namespace skiff::daemon {

struct ExecUser {
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> sgids;  // supplementary groups (the primary first, as Docker's spec shows)
  std::string home = "/";
};

// user: "" means root. extra_groups: HostConfig.GroupAdd (names or numbers). Errors name the user:
// `unable to find user x: no matching entries in passwd file`.
Result<ExecUser> ResolveUser(const std::string& rootfs, const std::string& user,
                             const std::vector<std::string>& extra_groups = {});

}  // namespace skiff::daemon

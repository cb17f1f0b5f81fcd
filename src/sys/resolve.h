// Path resolution confined to a root directory. Every lookup goes through openat2(RESOLVE_IN_ROOT), so a
// symlink inside a container rootfs ("/etc -> /host/etc", "../../..") can never lead outside it.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "base/fd.h"

namespace skiff::sys {

// Opens `path` (absolute or relative, interpreted inside root_fd) with openat2 RESOLVE_IN_ROOT.
Result<UniqueFd> OpenInRoot(int root_fd, std::string_view path, int flags, mode_t mode = 0);
// Makes every missing component of `path` inside root (mode for new directories) and returns an O_PATH fd
// of the final one. If `dir` is false the last component is created as an empty regular file.
Result<UniqueFd> CreateInRoot(int root_fd, std::string_view path, bool dir, mode_t mode = 0755);
// "/proc/self/fd/N": how mount(2) and friends are pointed at an fd resolved safely.
std::string FdPath(int fd);

}  // namespace skiff::sys

// Path handling that can never leave a root directory: tar entry names are validated lexically, and
// every directory is opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), so a symlink planted
// earlier in the same layer (or in the directory) cannot redirect a later write outside the root.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "base/fd.h"

namespace skiff::storage {

// Validates a tar entry name and returns it cleaned ("./a//b/" -> "a/b"; "." or "./" -> "").
// Absolute paths and any ".." component are InvalidArgument.
Result<std::string> CleanEntryPath(std::string_view name);

// Opens directory `rel` ("" = root itself) beneath rootfd. With create, missing directories are made
// (mode 0755). The result is an O_PATH fd unless readable is set. Escapes fail with EXDEV/ELOOP.
Result<UniqueFd> OpenDirBeneath(int rootfd, const std::string& rel, bool create, bool readable = false);

// Removes `name` in dirfd and everything below it, never following symlinks. Missing is fine.
Status RemoveAllAt(int dirfd, const std::string& name);

}  // namespace skiff::storage

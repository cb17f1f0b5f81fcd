// ADD's local archive extraction (internal to skiff_build_copy), as dockerd 20.10's UntarPath: a source
// is an archive when it is a plain, gzip, bzip2 or xz stream (recognised by its first bytes) whose first
// tar header reads (an empty tar or a text file named .tar is copied as a file). Extraction resolves
// every path inside the destination directory as Docker's chroot does (symlinks there resolve against
// it), replaces what is in the way unless both are directories, keeps the tar's owners, modes, xattrs
// and times, and refuses entries, symlinks and hard links that leave it. Stateless functions.
#pragma once

#include <string>

#include "base/error.h"

namespace skiff::build::copy {

// fd: an open regular file (read from offset 0 with pread; its offset is left alone).
Result<bool> IsTarArchive(int fd);
// Extracts the archive in fd into the directory dest_dirfd. `what` names the source in errors.
Status ExtractTar(int fd, int dest_dirfd, const std::string& what);

}  // namespace skiff::build::copy

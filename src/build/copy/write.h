// Writing one copied entry into the destination (internal to skiff_build_copy), as Docker's untar does
// it: whatever is at the path is removed first unless both are directories; data moves in the
// kernel (copy_file_range, else sendfile; read/write when neither works); owner, mode, file capabilities and times are set
// only when they differ from what creation gives, so a plain file costs two opens, one copy call,
// one futimens and two closes. All paths are relative to a directory fd and free of symlinks.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <string>

#include "base/error.h"
#include "build/copy/paths.h"

namespace skiff::build::copy {

struct EntryMeta {
  bool set_owner = false;  // chown needed (owner differs from the creator's, or a setgid parent)
  Owner owner;
  mode_t mode = 0644;      // the final permission bits (07777)
  bool set_times = true;
  struct timespec mtime{};  // atime is set to the same (Docker's tar has no atime)
  bool copy_caps = false;   // copy security.capability from the source (kept only without a chown)
};

// Which in-kernel copy works between a source and a destination filesystem, learnt by the first file
// and shared by the threads of one copy: copy_file_range (same filesystem), sendfile (a splice, e.g.
// into an overlay mount, where copy_file_range says EXDEV), else read/write.
struct CopyHint {
  std::atomic<int> mode{0};  // 0 copy_file_range, 1 sendfile, 2 read/write
};

// Regular file src_rel (beneath src_dirfd) -> dst_rel (beneath dst_dirfd). `what` names it in errors.
Status WriteRegular(int src_dirfd, const std::string& src_rel, off_t size, int dst_dirfd, const std::string& dst_rel,
                    const EntryMeta& m, const std::string& what, CopyHint* hint);
// A regular file with the given content.
Status WriteContent(std::string_view content, int dst_dirfd, const std::string& dst_rel, const EntryMeta& m,
                    const std::string& what);
Status WriteSymlink(const std::string& target, int dst_dirfd, const std::string& dst_rel, const EntryMeta& m,
                    const std::string& what);
// FIFOs and device nodes (type from st_mode).
Status WriteSpecial(const struct stat& st, int dst_dirfd, const std::string& dst_rel, const EntryMeta& m,
                    const std::string& what);
// Makes dst_rel a directory (an existing one is kept, anything else replaced). Returns whether it existed
// and, through cur_mode, the mode it has now.
Result<bool> EnsureDir(int dst_dirfd, const std::string& dst_rel, mode_t mode, mode_t* cur_mode,
                       const std::string& what);
// Owner, mode (when `fix_mode`) and times of a directory, after its contents, through an fd opened
// without following symlinks (one that a later entry replaced is left alone).
Status ApplyDirMeta(int dst_dirfd, const std::string& dst_rel, const EntryMeta& m, bool fix_mode,
                    const std::string& what);
// Removes whatever is at dst_rel (recursively; missing is fine).
Status RemovePath(int dst_dirfd, const std::string& dst_rel);

// The owner new files get without a chown (the process's effective ids).
Owner ProcessOwner();

}  // namespace skiff::build::copy

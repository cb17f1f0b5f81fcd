// Small file helpers over raw fds. Every function reports failures as Error naming the path.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/fd.h"

namespace skiff {

Result<UniqueFd> OpenFile(const std::string& path, int flags, mode_t mode = 0644);
Result<std::string> ReadFile(const std::string& path);
Result<std::string> ReadFd(int fd);
// Writes all of data to fd, retrying short writes and EINTR.
Status WriteAll(int fd, std::string_view data);
// Reads exactly n bytes unless EOF comes first; returns what was read.
Result<std::string> ReadExactly(int fd, size_t n);
// Writes via a temp file in the same directory, fsync, rename: readers see the old or the new file only.
// sync=false skips fsync (for state on tmpfs-like scratch areas where crash durability is not needed).
Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode = 0644, bool sync = true);
// Plain truncate+write (for cgroupfs/procfs/sysfs knobs, where atomic rename is meaningless).
Status WriteFileString(const std::string& path, std::string_view data);
bool PathExists(const std::string& path);
bool IsDirectory(const std::string& path);
// mkdir -p; existing directories are fine.
Status MkdirAll(const std::string& path, mode_t mode = 0755);
// rm -rf that never crosses into another mount (returns an error instead).
Status RemoveAll(const std::string& path);
std::vector<std::string> ListDir(const std::string& path);
std::string JoinPath(std::string_view a, std::string_view b);
// Lexical cleanup like Go's filepath.Clean: "/a/./b/../c/" -> "/a/c".
std::string CleanPath(std::string_view path);
std::string Dirname(std::string_view path);
std::string Basename(std::string_view path);

// TempDir: creates a fresh directory under `parent` and removes it with everything in it on destruction.
class TempDir {
 public:
  static Result<TempDir> Create(const std::string& parent = "/tmp", std::string_view prefix = "skiff-");
  TempDir(TempDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }
  // Keeps the directory: the caller now owns it.
  std::string Release() { return std::exchange(path_, std::string()); }

 private:
  explicit TempDir(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

}  // namespace skiff

// Internal to skiff_daemon_logs: the set of files of one json-file log on disk (<path> and its rotated
// <path>.1 ... <path>.<max_file-1>), opened as one consistent view, and the backwards scan that finds where
// the last N lines of a file start. OpenedFile owns its fd.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/fd.h"
#include "daemon/logs/json_file.h"

namespace skiff::daemon::logs::internal {

std::string RotatedName(const std::string& path, int n);  // "<path>.<n>"

struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

struct OpenedFile {
  UniqueFd fd;
  FileId id;
  uint64_t size = 0;     // at the time it was opened
  bool current = false;  // it was <path> (still written to); rotated files are final
};

// The rotated files oldest first, then the current file (absent when <path> does not exist). Retries until
// no rotation happened while the files were opened, so no file is missing or seen twice.
Result<std::vector<OpenedFile>> OpenLogFiles(const JsonFileConfig& cfg);

// Identity of what is at `path` now; NotFound when nothing is.
Result<FileId> StatId(const std::string& path);
Result<FileId> FstatId(int fd);

// Where the last `n` complete lines of the first `size` bytes of fd start, reading backwards in blocks.
// A final piece without '\n' is not a line. `found` gets the number of lines in [offset, end) (<= n).
Result<uint64_t> TailOffset(int fd, uint64_t size, int64_t n, int64_t& found);

// The offset just after the last '\n' in the first `size` bytes of fd (0 when there is none).
Result<uint64_t> CompleteEnd(int fd, uint64_t size);

// The last complete line of the first `size` bytes of fd (without '\n'), "" when there is none.
Result<std::string> LastLine(int fd, uint64_t size);

}  // namespace skiff::daemon::logs::internal

#include "daemon/logs/log_files.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "base/file.h"

namespace skiff::daemon::logs {

namespace internal {

namespace {

constexpr size_t kScanBlock = 64 * 1024;

Result<size_t> PreadFull(int fd, char* buf, size_t len, uint64_t off) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = ::pread(fd, buf + got, len - got, static_cast<off_t>(off + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Sys("read log file");
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return got;
}

}  // namespace

std::string RotatedName(const std::string& path, int n) { return path + "." + std::to_string(n); }

Result<FileId> StatId(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Error::Sys("stat " + path);
  return FileId{st.st_dev, st.st_ino};
}

Result<FileId> FstatId(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Error::Sys("fstat log file");
  return FileId{st.st_dev, st.st_ino};
}

Result<std::vector<OpenedFile>> OpenLogFiles(const JsonFileConfig& cfg) {
  std::vector<std::string> names;
  for (int k = cfg.max_file - 1; k >= 1; --k) names.push_back(RotatedName(cfg.path, k));
  names.push_back(cfg.path);
  std::vector<std::optional<FileId>> ids(names.size());
  std::vector<OpenedFile> files;
  for (int attempt = 0; attempt < 100; ++attempt) {
    files.clear();
    for (size_t i = 0; i < names.size(); ++i) {
      ids[i].reset();
      int fd = ::open(names[i].c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        if (errno == ENOENT) continue;
        return Error::Sys("open " + names[i]);
      }
      OpenedFile f;
      f.fd.reset(fd);
      struct stat st;
      if (::fstat(fd, &st) != 0) return Error::Sys("fstat " + names[i]);
      f.id = FileId{st.st_dev, st.st_ino};
      f.size = static_cast<uint64_t>(st.st_size);
      f.current = i + 1 == names.size();
      ids[i] = f.id;
      files.push_back(std::move(f));
    }
    // The view is consistent when every name still refers to what was opened under it (a rotation in
    // between would have moved a file to the next name, so it could be seen twice or not at all).
    bool stable = true;
    for (size_t i = 0; i < names.size() && stable; ++i) {
      auto now = StatId(names[i]);
      stable = now.ok() ? ids[i] && *ids[i] == *now : !ids[i] && now.error().sys_errno() == ENOENT;
    }
    if (stable) break;
  }
  return files;
}

Result<uint64_t> TailOffset(int fd, uint64_t size, int64_t n, int64_t& found) {
  found = 0;
  if (n <= 0) return size;
  std::string buf(kScanBlock, '\0');
  uint64_t pos = size;
  int64_t newlines = 0;  // seen so far, from the end; the k-th one has k-1 complete lines after it
  while (pos > 0) {
    size_t len = static_cast<size_t>(std::min<uint64_t>(kScanBlock, pos));
    pos -= len;
    size_t got = SKIFF_TRY(PreadFull(fd, buf.data(), len, pos));
    if (got != len) return Error(Errc::kDataLoss, "log file shrank while it was read");
    size_t end = len;
    while (end > 0) {
      const void* hit = ::memrchr(buf.data(), '\n', end);
      if (!hit) break;
      size_t i = static_cast<size_t>(static_cast<const char*>(hit) - buf.data());
      if (++newlines - 1 == n) {
        found = n;
        return pos + i + 1;
      }
      end = i;
    }
  }
  found = newlines;
  return uint64_t{0};
}

Result<uint64_t> CompleteEnd(int fd, uint64_t size) {
  std::string buf(kScanBlock, '\0');
  for (uint64_t pos = size; pos > 0;) {
    size_t len = static_cast<size_t>(std::min<uint64_t>(kScanBlock, pos));
    pos -= len;
    size_t got = SKIFF_TRY(PreadFull(fd, buf.data(), len, pos));
    if (got != len) return Error(Errc::kDataLoss, "log file shrank while it was read");
    if (const void* hit = ::memrchr(buf.data(), '\n', len))
      return pos + static_cast<size_t>(static_cast<const char*>(hit) - buf.data()) + 1;
  }
  return uint64_t{0};
}

Result<std::string> LastLine(int fd, uint64_t size) {
  int64_t found = 0;
  uint64_t start = SKIFF_TRY(TailOffset(fd, size, 1, found));
  if (found == 0) return std::string();
  std::string line;
  char buf[16 * 1024];
  for (uint64_t off = start; off < size;) {
    size_t got = SKIFF_TRY(PreadFull(fd, buf, std::min<uint64_t>(sizeof buf, size - off), off));
    if (got == 0) break;
    std::string_view chunk(buf, got);
    if (auto nl = chunk.find('\n'); nl != std::string_view::npos) {
      line.append(chunk.substr(0, nl));
      return line;
    }
    line.append(chunk);
    off += got;
  }
  return line;
}

}  // namespace internal

uint64_t LogFilesSize(const JsonFileConfig& cfg) {
  uint64_t total = 0;
  auto add = [&](const std::string& p) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0) total += static_cast<uint64_t>(st.st_size);
  };
  add(cfg.path);
  for (int k = 1; k < cfg.max_file; ++k) add(internal::RotatedName(cfg.path, k));
  return total;
}

}  // namespace skiff::daemon::logs

// JsonFileWriter (append, rotate as Docker's loggerutils.LogFile) and LineSplitter (Docker's copier).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/log.h"
#include "daemon/logs/json_file.h"
#include "daemon/logs/log_files.h"

namespace skiff::daemon::logs {

namespace {
constexpr mode_t kLogFileMode = 0640;
}

JsonFileWriter::JsonFileWriter(JsonFileConfig cfg) : cfg_(std::move(cfg)) {}
JsonFileWriter::~JsonFileWriter() = default;

Result<std::unique_ptr<JsonFileWriter>> JsonFileWriter::Open(const JsonFileConfig& cfg) {
  if (cfg.path.empty()) return Error(Errc::kInvalidArgument, "json-file log: empty path");
  if (cfg.max_file < 1) return Error(Errc::kInvalidArgument, "json-file log: max-file cannot be less than 1");
  std::unique_ptr<JsonFileWriter> w(new JsonFileWriter(cfg));
  w->fd_ = SKIFF_TRY(OpenFile(cfg.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, kLogFileMode));
  struct stat st;
  if (::fstat(w->fd_.get(), &st) != 0) return Error::Sys("fstat " + cfg.path);
  w->size_ = static_cast<uint64_t>(st.st_size);
  return w;
}

uint64_t JsonFileWriter::current_size() const {
  std::lock_guard lock(mu_);
  return size_;
}

Status JsonFileWriter::Write(Stream s, std::string_view msg, std::chrono::system_clock::time_point t) {
  std::string line = FormatJsonLine(s, msg, t);
  std::lock_guard lock(mu_);
  if (cfg_.max_size > 0 && size_ >= cfg_.max_size) SKIFF_TRY_CTX(Rotate(), "rotate log file " + cfg_.path);
  if (!fd_) return Error(Errc::kUnavailable, "log file " + cfg_.path + " is not open (a rotation failed)");
  if (auto st = WriteAll(fd_.get(), line); !st.ok()) {
    // Never leave half a line behind: the next message would glue onto it and both would be lost to readers.
    if (::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0)
      log::Warn("log file {}: cannot drop a partly written line: {}", cfg_.path, strerror(errno));
    return st.error().Wrap("write log file " + cfg_.path);
  }
  size_ += line.size();
  return Ok();
}

// Docker's rule: close, shift <path>.i to <path>.i+1 (the oldest dropped), <path> to <path>.1, and start an
// empty <path>. With max-file 1 the full file is unlinked (readers still holding it finish reading it).
Status JsonFileWriter::Rotate() {
  fd_.reset();
  const std::string& path = cfg_.path;
  auto remove = [](const std::string& p) {
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) log::Warn("remove old log file {}: {}", p, strerror(errno));
  };
  if (cfg_.max_file < 2) {
    remove(path);
  } else {
    remove(internal::RotatedName(path, cfg_.max_file - 1));
    bool ok = true;
    for (int i = cfg_.max_file - 1; i > 1 && ok; --i) {
      std::string from = internal::RotatedName(path, i - 1), to = internal::RotatedName(path, i);
      if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
        log::Warn("rotate log file {} to {}: {}; log data may have been lost", from, to, strerror(errno));
        ok = false;
      }
    }
    if (ok && ::rename(path.c_str(), internal::RotatedName(path, 1).c_str()) != 0 && errno != ENOENT)
      log::Warn("rotate log file {}: {}", path, strerror(errno));
  }
  // As Docker: truncate anyway, in case the rotation did not work out.
  fd_ = SKIFF_TRY(OpenFile(path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, kLogFileMode));
  size_ = 0;
  return Ok();
}

void LineSplitter::Feed(std::string_view data, TimePoint now, const TimedEmit& emit) {
  pending_.append(data);
  size_t p = 0;
  for (;;) {
    std::string_view rest(pending_.data() + p, pending_.size() - p);
    size_t nl = rest.substr(0, kMaxMessage).find('\n');
    if (nl != std::string_view::npos) {
      // A whole line, or the end of one that was cut: the pieces of a cut line share its first time.
      emit(rest.substr(0, nl + 1), in_partial_ ? partial_time_ : now);
      in_partial_ = false;
      p += nl + 1;
    } else if (rest.size() >= kMaxMessage) {
      if (!in_partial_) partial_time_ = now;
      in_partial_ = true;
      emit(rest.substr(0, kMaxMessage), partial_time_);
      p += kMaxMessage;
    } else {
      break;
    }
  }
  pending_.erase(0, p);
}

void LineSplitter::Flush(TimePoint now, const TimedEmit& emit) {
  if (!pending_.empty()) emit(pending_, in_partial_ ? partial_time_ : now);
  pending_.clear();
  in_partial_ = false;
}

void LineSplitter::Feed(std::string_view data, const std::function<void(std::string_view)>& emit) {
  Feed(data, std::chrono::system_clock::now(), [&](std::string_view m, TimePoint) { emit(m); });
}

void LineSplitter::Flush(const std::function<void(std::string_view)>& emit) {
  Flush(std::chrono::system_clock::now(), [&](std::string_view m, TimePoint) { emit(m); });
}

}  // namespace skiff::daemon::logs

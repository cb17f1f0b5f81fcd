// ReadJsonFile: the json-file log reader (all / tail / since / until / follow across rotations).
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include "base/file.h"
#include "base/log.h"
#include "daemon/logs/json_file.h"
#include "daemon/logs/json_line.h"
#include "daemon/logs/log_files.h"

namespace skiff::daemon::logs {

namespace {

using internal::FileId;
using internal::OpenedFile;

constexpr size_t kReadChunk = 256 * 1024;
constexpr auto kFollowPoll = std::chrono::milliseconds(100);  // done() / until checks while idle
constexpr int kFragmentRetries = 20;                           // non-follow: wait for a line being written
constexpr auto kFragmentRetryDelay = std::chrono::milliseconds(5);

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

enum class Flow { kContinue, kEnd };  // kEnd: until passed, or stop requested

// A file being read: its fd, the next offset and the bytes after the last '\n' read so far.
struct Cursor {
  OpenedFile file;
  uint64_t off = 0;
  std::string pending;
  bool valid() const { return file.fd.valid(); }
};

// Wakes a follower when the log directory changes or stop is requested; without inotify (no instances
// left, directory missing) it just times out, so the follower polls.
class Waiter {
 public:
  Waiter(const std::string& dir, std::stop_token stop)
      : stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
        stop_cb_(stop, [this] {
          uint64_t one = 1;
          if (stop_fd_ && ::write(stop_fd_.get(), &one, sizeof one) < 0) {
            // Nothing to do: the follower still wakes up within its poll interval.
          }
        }) {
    UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (in && ::inotify_add_watch(in.get(), dir.c_str(),
                                  IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE) >= 0)
      inotify_ = std::move(in);
  }

  void Wait(std::chrono::milliseconds timeout) {
    pollfd fds[2] = {{stop_fd_.get(), POLLIN, 0}, {inotify_.get(), POLLIN, 0}};
    int n = ::poll(fds, inotify_ ? 2 : 1, static_cast<int>(timeout.count()));
    if (n > 0 && inotify_ && (fds[1].revents & POLLIN)) {
      alignas(inotify_event) char buf[4096];
      while (::read(inotify_.get(), buf, sizeof buf) > 0) {
      }
    }
  }

 private:
  UniqueFd stop_fd_;
  UniqueFd inotify_;
  std::stop_callback<std::function<void()>> stop_cb_;
};

class Reader {
 public:
  Reader(const JsonFileConfig& cfg, const ReadOptions& opts, const std::function<Status(const LogMessage&)>& sink,
         std::stop_token stop)
      : cfg_(cfg), opts_(opts), sink_(sink), stop_(std::move(stop)) {}

  Status Run(const std::function<bool()>& done);

 private:
  Result<Flow> Deliver(std::string_view line);
  // Reads what fd has from c.off to EOF and delivers the complete lines; the rest stays in c.pending.
  Result<Flow> ReadAvailable(Cursor& c);
  // Reads a rotated (final) file to its end; an unfinished last line there is garbage and is dropped.
  Result<Flow> ReadFinal(Cursor& c);
  // Reads the current file to EOF and follows any rotations since, until nothing more is there.
  Result<Flow> CatchUp();
  Result<Flow> Follow(const std::function<bool()>& done);

  const JsonFileConfig& cfg_;
  const ReadOptions& opts_;
  const std::function<Status(const LogMessage&)>& sink_;
  std::stop_token stop_;
  LogMessage msg_;
  Cursor cur_;             // the file that was <path> when it was opened
  OpenedFile done_file_;   // the newest file read to its end (held open so its inode stays unique)
};

Result<Flow> Reader::Deliver(std::string_view line) {
  if (stop_.stop_requested()) return Flow::kEnd;
  if (!internal::DecodeJsonLine(line, msg_)) {
    log::Warn("log file {}: skipping a corrupt line: {:.80}", cfg_.path, line);
    return Flow::kContinue;
  }
  if (opts_.since_ns != 0 && msg_.time_ns < opts_.since_ns) return Flow::kContinue;
  if (opts_.until_ns != 0 && msg_.time_ns > opts_.until_ns) return Flow::kEnd;
  if (msg_.stream == Stream::kStdout ? !opts_.stdout : !opts_.stderr) return Flow::kContinue;
  SKIFF_TRY(sink_(msg_));
  return Flow::kContinue;
}

Result<Flow> Reader::ReadAvailable(Cursor& c) {
  std::string chunk;
  for (;;) {
    chunk.resize(kReadChunk);
    ssize_t n = ::pread(c.file.fd.get(), chunk.data(), chunk.size(), static_cast<off_t>(c.off));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Sys("read log file " + cfg_.path);
    if (n == 0) return Flow::kContinue;
    c.off += static_cast<uint64_t>(n);
    chunk.resize(static_cast<size_t>(n));
    std::string_view data(chunk);
    if (!c.pending.empty()) {
      // Complete the line carried over from the previous read first.
      size_t nl = data.find('\n');
      if (nl == std::string_view::npos) {
        c.pending.append(data);
        continue;
      }
      c.pending.append(data.substr(0, nl));
      std::string line = std::exchange(c.pending, std::string());
      if (SKIFF_TRY(Deliver(line)) == Flow::kEnd) return Flow::kEnd;
      data.remove_prefix(nl + 1);
    }
    for (size_t nl; (nl = data.find('\n')) != std::string_view::npos; data.remove_prefix(nl + 1))
      if (SKIFF_TRY(Deliver(data.substr(0, nl))) == Flow::kEnd) return Flow::kEnd;
    c.pending.assign(data);
  }
}

Result<Flow> Reader::ReadFinal(Cursor& c) {
  Flow f = SKIFF_TRY(ReadAvailable(c));
  if (f == Flow::kContinue && !c.pending.empty()) {
    log::Warn("log file {}: dropping an unfinished last line of a rotated file", cfg_.path);
    c.pending.clear();
  }
  done_file_ = std::move(c.file);
  return f;
}

Result<Flow> Reader::CatchUp() {
  for (;;) {
    if (cur_.valid() && SKIFF_TRY(ReadAvailable(cur_)) == Flow::kEnd) return Flow::kEnd;
    auto at_path = internal::StatId(cfg_.path);
    if (cur_.valid() && at_path.ok() && *at_path == cur_.file.id) return Flow::kContinue;
    if (cur_.valid()) {
      // <path> is another file now: the writer has closed ours and will not write to it again.
      if (SKIFF_TRY(ReadFinal(cur_)) == Flow::kEnd) return Flow::kEnd;
      cur_ = Cursor();
    }
    if (!at_path.ok()) return Flow::kContinue;  // no log yet, or mid-rotation: look again later
    auto files = SKIFF_TRY(internal::OpenLogFiles(cfg_));
    // Continue after the newest file already read; when it is gone (dropped by rotations since), every
    // file there is newer.
    size_t start = 0;
    for (size_t i = 0; i < files.size(); ++i)
      if (done_file_.fd && files[i].id == done_file_.id) start = i + 1;
    for (size_t i = start; i < files.size(); ++i) {
      Cursor c{std::move(files[i])};
      if (c.file.current) {
        cur_ = std::move(c);
        break;
      }
      if (SKIFF_TRY(ReadFinal(c)) == Flow::kEnd) return Flow::kEnd;
    }
    if (!cur_.valid()) return Flow::kContinue;
  }
}

Result<Flow> Reader::Follow(const std::function<bool()>& done) {
  Waiter waiter(Dirname(cfg_.path), stop_);
  for (;;) {
    if (SKIFF_TRY(CatchUp()) == Flow::kEnd) return Flow::kEnd;
    if (stop_.stop_requested()) return Flow::kEnd;
    int64_t now = NowNs();
    if (opts_.until_ns != 0 && now > opts_.until_ns) return Flow::kEnd;
    if (done && done()) return SKIFF_TRY(CatchUp());  // the final read: whatever was written before the end
    auto timeout = kFollowPoll;
    if (opts_.until_ns != 0)
      timeout = std::min(timeout, std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::nanoseconds(opts_.until_ns - now)) +
                                      std::chrono::milliseconds(1));
    waiter.Wait(timeout);
  }
}

Status Reader::Run(const std::function<bool()>& done) {
  auto files = SKIFF_TRY(internal::OpenLogFiles(cfg_));
  // Where to start in each file: tail counts complete lines backwards from the newest file.
  std::vector<uint64_t> start(files.size(), 0);
  size_t first = 0;  // files before this one are skipped entirely
  if (opts_.tail == 0) {
    first = files.size();
    if (!files.empty() && files.back().current) {
      first = files.size() - 1;
      start[first] = SKIFF_TRY(internal::CompleteEnd(files[first].fd.get(), files[first].size));
    }
  } else if (opts_.tail > 0) {
    int64_t remaining = opts_.tail;
    first = files.size();
    while (first > 0 && remaining > 0) {
      --first;
      int64_t found = 0;
      start[first] = SKIFF_TRY(internal::TailOffset(files[first].fd.get(), files[first].size, remaining, found));
      remaining -= found;
    }
  } else if (opts_.since_ns != 0) {
    // Rotated files whose last message is older than `since` hold nothing to show.
    while (first < files.size() && !files[first].current) {
      std::string last = SKIFF_TRY(internal::LastLine(files[first].fd.get(), files[first].size));
      LogMessage m;
      if (!internal::DecodeJsonLine(last, m) || m.time_ns >= opts_.since_ns) break;
      ++first;
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    Cursor c{std::move(files[i]), start[i]};
    if (i < first) {  // skipped: always a rotated file (the current one is last and never skipped)
      done_file_ = std::move(c.file);
      continue;
    }
    if (c.file.current) {
      cur_ = std::move(c);
      break;
    }
    if (SKIFF_TRY(ReadFinal(c)) == Flow::kEnd) return Ok();
  }
  if (opts_.follow) {
    SKIFF_TRY(Follow(done));
  } else if (cur_.valid()) {
    if (SKIFF_TRY(ReadAvailable(cur_)) == Flow::kEnd) return Ok();
    // A line still being written: give the writer a moment to finish it.
    for (int i = 0; i < kFragmentRetries && !cur_.pending.empty() && !stop_.stop_requested(); ++i) {
      std::this_thread::sleep_for(kFragmentRetryDelay);
      if (SKIFF_TRY(ReadAvailable(cur_)) == Flow::kEnd) return Ok();
    }
    if (!cur_.pending.empty()) log::Warn("log file {}: ignoring an unfinished last line", cfg_.path);
  }
  return Ok();
}

}  // namespace

Status ReadJsonFile(const JsonFileConfig& cfg, const ReadOptions& opts,
                    const std::function<Status(const LogMessage&)>& sink, const std::function<bool()>& done,
                    std::stop_token stop) {
  if (!opts.stdout && !opts.stderr) return Error(Errc::kInvalidArgument, "You must choose at least one stream");
  Reader reader(cfg, opts, sink, std::move(stop));
  return reader.Run(done);
}

}  // namespace skiff::daemon::logs

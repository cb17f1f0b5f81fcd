// Container logs in Docker's json-file format: the writer the shim feeds with a container's output (with
// max-size/max-file rotation), the splitter that cuts raw output into messages the way Docker's copier
// does, and the reader behind `GET /containers/{id}/logs` (tail, since/until, stream selection, follow
// across rotations).
// On disk: <path> is the current file, <path>.1 ... <path>.<max_file-1> the rotated ones (.1 newest). One
// JSON object per line: {"log":"hello\n","stream":"stdout","time":"2026-12-01T07:10:50.123456789Z"}.
// Ownership: a JsonFileWriter owns its open file and is the only writer of that log; readers open the
// files themselves, so any number of them may read while the writer writes and rotates.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/fd.h"

namespace skiff::daemon::logs {

enum class Stream { kStdout, kStderr };
std::string_view StreamName(Stream s);  // "stdout" / "stderr"

// Where a container's log lives and how it rotates. max_size 0 = no rotation. max_file >= 1 is the total
// number of files kept (current + rotated); max_file 1 with a max_size truncates the file when it is full.
struct JsonFileConfig {
  std::string path;
  uint64_t max_size = 0;
  int max_file = 1;
};

// Docker's --log-opt for the json-file driver: max-size ("10m", "1g", "512k", "100": Docker's
// units.FromHumanSize, decimal, k=1000), max-file (integer >= 1), compress ("true" is Unsupported, "false"
// accepted), and the accepted-but-unused labels, labels-regex, env, env-regex, tag. Unknown keys are
// InvalidArgument "unknown log opt 'x' for json-file log driver". `path` is the log file to use.
Result<JsonFileConfig> ParseJsonFileOptions(const std::string& path,
                                            const std::map<std::string, std::string>& opts);

// The writer of one log file. Open appends to an existing file (created 0640 if missing). Each Write is
// one message and one write(2); rotation happens before a write when the current file has reached
// max_size (Docker's rule), so a file may exceed max_size by at most one message. Write may be called from
// several threads (calls are serialised). Destruction closes the file.
class JsonFileWriter {
 public:
  static Result<std::unique_ptr<JsonFileWriter>> Open(const JsonFileConfig& cfg);
  ~JsonFileWriter();
  JsonFileWriter(const JsonFileWriter&) = delete;
  JsonFileWriter& operator=(const JsonFileWriter&) = delete;

  // One log message: a line including its '\n', or a partial line (no '\n').
  Status Write(Stream s, std::string_view msg, std::chrono::system_clock::time_point t);
  // Bytes in the current file.
  uint64_t current_size() const;

 private:
  explicit JsonFileWriter(JsonFileConfig cfg);
  Status Rotate();

  JsonFileConfig cfg_;
  mutable std::mutex mu_;
  UniqueFd fd_;
  uint64_t size_ = 0;
  std::string buf_;
};

// The json-file line for one message (without taking the writer's lock): the exact bytes Docker writes,
// ending in '\n'.
std::string FormatJsonLine(Stream s, std::string_view msg, std::chrono::system_clock::time_point t);

// Splits one stream's raw output into messages: at each '\n' (kept in the message) and every 16 KiB of
// content without a newline (Docker's copier buffer), and what is left at Flush (end of the stream). One
// splitter per stream. The timed form also gives each message Docker's timestamp: `now` for a whole line,
// but the pieces of a line cut at 16 KiB (and the line that ends them) all carry the time of its first piece.
class LineSplitter {
 public:
  static constexpr size_t kMaxMessage = 16 * 1024;
  using TimePoint = std::chrono::system_clock::time_point;
  using TimedEmit = std::function<void(std::string_view msg, TimePoint t)>;

  void Feed(std::string_view data, const std::function<void(std::string_view)>& emit);
  void Flush(const std::function<void(std::string_view)>& emit);
  void Feed(std::string_view data, TimePoint now, const TimedEmit& emit);
  void Flush(TimePoint now, const TimedEmit& emit);

 private:
  std::string pending_;
  bool in_partial_ = false;
  TimePoint partial_time_{};
};

struct LogMessage {
  Stream stream;
  std::string line;  // as logged (with its '\n' unless it was a partial line)
  int64_t time_ns = 0;  // unix nanoseconds
};

struct ReadOptions {
  bool stdout = true, stderr = true;
  int64_t tail = -1;     // -1 = all; else the last N messages of the log (both streams count, as Docker
                         // does; the selection is applied after), 0 = none; then follow
  int64_t since_ns = 0;  // 0 = no bound; else messages with time >= since
  int64_t until_ns = 0;  // 0 = no bound; else messages with time <= until (the read ends at the first later one)
  bool follow = false;
};

// Reads the log — rotated files oldest first (path.N ... path.1, path) — calling sink per message.
// With follow, after catching up it waits for new data and follows rotations (no message lost or repeated)
// until done() returns true (checked each time it has caught up; then one final read picks up the rest),
// `stop` is requested, sink returns an error (returned as is), or a message later than until_ns is seen or
// until_ns has passed. A truncated last line (the writer mid-write) is retried; a corrupt line in the middle
// is skipped with a warning. A missing log file is an empty log.
Status ReadJsonFile(const JsonFileConfig& cfg, const ReadOptions& opts,
                    const std::function<Status(const LogMessage&)>& sink, const std::function<bool()>& done,
                    std::stop_token stop);

// Parses the API's since/until query values: unix seconds with an optional fraction ("1700000000.123456789",
// as Docker's timetypes) or RFC 3339 ("2026-12-01T07:10:50.5Z", "...+02:00"); "" -> 0. Returns unix
// nanoseconds; InvalidArgument naming the value.
Result<int64_t> ParseApiTimestamp(std::string_view v);

// Docker's RFC3339Nano of a unix-nanosecond time in UTC ("2026-12-01T07:10:50.12Z": trailing zeros of the
// fraction trimmed, no fraction when it is zero).
std::string FormatRfc3339Nano(int64_t unix_ns);

// Total bytes of the log files (current and rotated); missing files count 0.
uint64_t LogFilesSize(const JsonFileConfig& cfg);

}  // namespace skiff::daemon::logs

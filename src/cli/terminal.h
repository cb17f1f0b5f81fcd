// The local terminal as the CLI uses it for -t sessions: raw mode (restored by the RawMode destructor, or
// earlier with Restore()), window size queries, and docker's detach-key parsing. RawMode owns the saved
// termios of one fd for its lifetime.
#pragma once

#include <termios.h>

#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace skiff::cli {

class RawMode {
 public:
  // Puts fd in raw mode (no echo, no line editing, no signals from keys, no output processing). Fails with
  // InvalidArgument when fd is not a terminal.
  static Result<RawMode> Enable(int fd);
  RawMode(RawMode&& o) noexcept : fd_(o.fd_), saved_(o.saved_) { o.fd_ = -1; }
  RawMode& operator=(RawMode&&) = delete;
  RawMode(const RawMode&) = delete;
  ~RawMode() { Restore(); }
  void Restore();

 private:
  RawMode(int fd, const termios& t) : fd_(fd), saved_(t) {}
  int fd_;
  termios saved_;
};

struct TermSize {
  unsigned height = 0;
  unsigned width = 0;
};
std::optional<TermSize> GetTermSize(int fd);

// docker's term.ToBytes: "ctrl-p,ctrl-q" -> {16, 17}; "a,b", "ctrl-@", "ctrl-[", "DEL".
Result<std::string> DetachKeysToBytes(std::string_view keys);
inline constexpr std::string_view kDefaultDetachKeys = "ctrl-p,ctrl-q";

// Docker's detach-key escape proxy: Filter() takes what one read() returned and gives what to forward;
// `detached` turns true once the whole key sequence was seen (the bytes after it are dropped). A partial match
// is held back, across reads, and released when the next byte does not continue it. Unlike moby/term, which
// only matches keys arriving one read at a time, the sequence is also found inside a longer read (keys pasted
// or sent by a terminal multiplexer in one write).
class EscapeFilter {
 public:
  explicit EscapeFilter(std::string keys) : keys_(std::move(keys)) {}
  std::string Filter(std::string_view read, bool* detached);

 private:
  std::string keys_;
  size_t pos_ = 0;
};

}  // namespace skiff::cli

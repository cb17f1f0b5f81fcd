// Docker's detach keys for attached tty clients: parsing the --detach-keys syntax and a streaming matcher
// that holds back a partial match. One matcher per attached client; plain value type.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace skiff::daemon::shim {

// "ctrl-p,ctrl-q" -> "\x10\x11". Each comma-separated key is one character or "ctrl-@", "ctrl-a".."ctrl-z",
// "ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_", "DEL" (case-sensitive, as Docker's term.ToBytes).
// "" gives the default ctrl-p,ctrl-q. InvalidArgument "Invalid detach keys (x) provided" otherwise.
Result<std::string> ParseDetachKeys(std::string_view keys);

class DetachMatcher {
 public:
  explicit DetachMatcher(std::string keys) : keys_(std::move(keys)) {}
  // Appends the bytes of `in` that are input for the container to `out`. Returns true when the whole
  // sequence was seen (the bytes before it are in `out`; the rest of `in` is dropped). As Docker's escape
  // proxy: a partial match is held back; when the next byte does not continue it, the held bytes and that
  // byte are passed on (the byte is not re-tried as the start of a new sequence).
  bool Feed(std::string_view in, std::string& out);

 private:
  std::string keys_;
  size_t pos_ = 0;
};

}  // namespace skiff::daemon::shim

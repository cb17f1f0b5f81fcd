// JsonStream: splits a byte stream of concatenated JSON values (Docker's progress, event and stats streams,
// as Go's json.Decoder reads them) into complete values; owns the bytes of a value not yet complete.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/json.h"

namespace skiff::cli {

// Feed() calls fn(const Json&) -> Status for each value completed by data; fn errors stop the feed.
class JsonStream {
 public:
  template <class Fn>
  Status Feed(std::string_view data, Fn&& fn) {
    buf_.append(data);
    size_t pos = 0;
    while (true) {
      while (pos < buf_.size() && std::isspace(static_cast<unsigned char>(buf_[pos]))) ++pos;
      if (pos >= buf_.size()) break;
      size_t i = pos;
      int depth = 0;
      bool in_str = false, esc = false, done = false;
      for (; i < buf_.size(); ++i) {
        char c = buf_[i];
        if (in_str) {
          if (esc) esc = false;
          else if (c == '\\') esc = true;
          else if (c == '"') in_str = false;
          continue;
        }
        if (c == '"') in_str = true;
        else if (c == '{' || c == '[') ++depth;
        else if ((c == '}' || c == ']') && --depth == 0) {
          done = true;
          ++i;
          break;
        }
      }
      if (!done) break;
      auto j = SKIFF_TRY(ParseJson(std::string_view(buf_).substr(pos, i - pos), "stream"));
      SKIFF_TRY(fn(j));
      pos = i;
    }
    buf_.erase(0, pos);
    return Ok();
  }

 private:
  std::string buf_;
};

}  // namespace skiff::cli

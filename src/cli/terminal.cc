#include "cli/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <array>

namespace skiff::cli {

Result<RawMode> RawMode::Enable(int fd) {
  termios t{};
  if (::tcgetattr(fd, &t) != 0) return Error::Sys("tcgetattr");
  termios raw = t;
  ::cfmakeraw(&raw);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (::tcsetattr(fd, TCSANOW, &raw) != 0) return Error::Sys("tcsetattr");
  return RawMode(fd, t);
}

void RawMode::Restore() {
  if (fd_ < 0) return;
  ::tcsetattr(fd_, TCSANOW, &saved_);
  fd_ = -1;
}

std::optional<TermSize> GetTermSize(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0) return std::nullopt;
  return TermSize{ws.ws_row, ws.ws_col};
}

Result<std::string> DetachKeysToBytes(std::string_view keys) {
  static const std::array<const char*, 32> kCtrl = {
      "ctrl-@", "ctrl-a", "ctrl-b", "ctrl-c", "ctrl-d", "ctrl-e", "ctrl-f", "ctrl-g", "ctrl-h", "ctrl-i", "ctrl-j",
      "ctrl-k", "ctrl-l", "ctrl-m", "ctrl-n", "ctrl-o", "ctrl-p", "ctrl-q", "ctrl-r", "ctrl-s", "ctrl-t", "ctrl-u",
      "ctrl-v", "ctrl-w", "ctrl-x", "ctrl-y", "ctrl-z", "ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_"};
  std::string out;
  size_t start = 0;
  while (true) {
    size_t comma = keys.find(',', start);
    std::string_view key = keys.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (key.size() == 1) {
      out += key[0];
    } else {
      bool found = false;
      for (size_t code = 0; code < kCtrl.size(); ++code) {
        if (key == kCtrl[code]) {
          out += static_cast<char>(code);
          found = true;
          break;
        }
      }
      if (!found) {
        if (key == "DEL") out += static_cast<char>(127);
        else return Error(Errc::kInvalidArgument, "Unknown character: '" + std::string(key) + "'");
      }
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string EscapeFilter::Filter(std::string_view read, bool* detached) {
  *detached = false;
  if (keys_.empty()) return std::string(read);
  std::string out;
  for (char c : read) {
    if (c == keys_[pos_]) {
      if (++pos_ == keys_.size()) {
        *detached = true;
        pos_ = 0;
        return out;
      }
      continue;
    }
    // Not the next key: release what was held back, then look at c afresh.
    out.append(keys_, 0, pos_);
    pos_ = 0;
    if (c == keys_[0]) {
      if (keys_.size() == 1) {
        *detached = true;
        return out;
      }
      pos_ = 1;
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace skiff::cli

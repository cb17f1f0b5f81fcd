#include "daemon/shim/detach_keys.h"

#include <fmt/format.h>

#include "base/strings.h"

namespace skiff::daemon::shim {

Result<std::string> ParseDetachKeys(std::string_view keys) {
  if (keys.empty()) return std::string("\x10\x11");
  static constexpr std::string_view kCtrl = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
  std::string codes;
  for (const auto& key : Split(keys, ',')) {
    if (key.size() == 1) {
      codes += key[0];
    } else if (key.size() == 6 && key.starts_with("ctrl-") && kCtrl.find(key[5]) != std::string_view::npos) {
      codes += static_cast<char>(kCtrl.find(key[5]));
    } else if (key == "DEL") {
      codes += '\x7f';
    } else {
      return Error(Errc::kInvalidArgument, fmt::format("Invalid detach keys ({}) provided", keys));
    }
  }
  return codes;
}

bool DetachMatcher::Feed(std::string_view in, std::string& out) {
  for (char c : in) {
    if (keys_.empty()) {
      out += c;
      continue;
    }
    if (c == keys_[pos_]) {
      if (++pos_ == keys_.size()) {
        pos_ = 0;
        return true;
      }
      continue;
    }
    out.append(keys_, 0, pos_);
    pos_ = 0;
    out += c;
  }
  return false;
}

}  // namespace skiff::daemon::shim

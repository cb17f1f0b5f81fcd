#include "cli/stdcopy.h"

#include <fmt/format.h>

namespace skiff::cli {

Status StdcopyDemux::Feed(std::string_view data) {
  while (!data.empty()) {
    if (remaining_ == 0) {
      size_t need = 8 - header_.size();
      size_t take = std::min(need, data.size());
      header_.append(data.substr(0, take));
      data.remove_prefix(take);
      if (header_.size() < 8) break;
      auto b = [&](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(header_[i])); };
      uint32_t id = b(0);
      if (id > 3) return Error(Errc::kDataLoss, fmt::format("Unrecognized input header: {}", id));
      stream_ = static_cast<StdStream>(id);
      remaining_ = (b(4) << 24) | (b(5) << 16) | (b(6) << 8) | b(7);
      header_.clear();
      if (remaining_ == 0) continue;
    }
    size_t take = std::min<size_t>(remaining_, data.size());
    std::string_view piece = data.substr(0, take);
    data.remove_prefix(take);
    remaining_ -= static_cast<uint32_t>(take);
    if (stream_ == StdStream::kSystemErr) {
      syserr_.append(piece);
      if (remaining_ == 0) {
        return Error(Errc::kInternal, "Error from daemon in stream: " + std::exchange(syserr_, std::string()));
      }
      continue;
    }
    SKIFF_TRY(sink_(stream_, piece));
  }
  return Ok();
}

std::string StdcopyFrame(StdStream s, std::string_view payload) {
  std::string out(8, '\0');
  out[0] = static_cast<char>(s);
  uint32_t n = static_cast<uint32_t>(payload.size());
  out[4] = static_cast<char>((n >> 24) & 0xff);
  out[5] = static_cast<char>((n >> 16) & 0xff);
  out[6] = static_cast<char>((n >> 8) & 0xff);
  out[7] = static_cast<char>(n & 0xff);
  out.append(payload);
  return out;
}

}  // namespace skiff::cli

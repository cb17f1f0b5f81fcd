#include "base/strings.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <mutex>
#include <random>

namespace skiff {

std::vector<std::string> Split(std::string_view s, char sep) { return SplitN(s, sep, SIZE_MAX); }

std::vector<std::string> SplitN(std::string_view s, char sep, size_t n) {
  std::vector<std::string> out;
  if (n == 0) return out;
  while (out.size() + 1 < n) {
    auto pos = s.find(sep);
    if (pos == std::string_view::npos) break;
    out.emplace_back(s.substr(0, pos));
    s.remove_prefix(pos + 1);
  }
  out.emplace_back(s);
  return out;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<uint64_t> ParseUint(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string RandomHex(size_t n) {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  static const char kHex[] = "0123456789abcdef";
  std::lock_guard l(mu);
  std::string out(n, '0');
  for (auto& c : out) c = kHex[rng() & 15];
  return out;
}

uint32_t DecodeUtf8(std::string_view s, size_t& i) {
  unsigned char c = s[i];
  int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (i + n > s.size()) n = 1;
  uint32_t r = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
  for (int k = 1; k < n; ++k) {
    unsigned char d = s[i + k];
    if ((d & 0xc0) != 0x80) {
      n = 1;
      r = c;
      break;
    }
    r = (r << 6) | (d & 0x3f);
  }
  i += n;
  return r;
}

std::vector<uint32_t> Utf8Runes(std::string_view s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) out.push_back(DecodeUtf8(s, i));
  return out;
}

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    uint32_t r = DecodeUtf8(s, i);
    bool invalid = i - start == 1 && static_cast<unsigned char>(s[start]) >= 0x80;
    switch (r) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\a': out += "\\a"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\v': out += "\\v"; continue;
      default: break;
    }
    if (invalid) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[start]));
    } else if (r < 0x20 || r == 0x7f) {
      out += fmt::format("\\x{:02x}", r);
    } else if (r >= 0x80 && r < 0xA0) {
      out += fmt::format("\\u{:04x}", r);
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  return out + "\"";
}

}  // namespace skiff

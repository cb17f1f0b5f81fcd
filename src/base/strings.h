// String helpers the standard library lacks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skiff {

std::vector<std::string> Split(std::string_view s, char sep);
// Like Split but at most n parts; the last part keeps the remaining separators.
std::vector<std::string> SplitN(std::string_view s, char sep, size_t n);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::string_view Trim(std::string_view s);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);
// n random lowercase hex characters (std::random_device seeded, thread-safe): temp names, not secrets.
std::string RandomHex(size_t n);
std::optional<int64_t> ParseInt(std::string_view s);
std::optional<uint64_t> ParseUint(std::string_view s);

// Decodes one UTF-8 code point at s[i], advancing i; an invalid byte is one code point of its own (as Go's
// range over a string gives, without the replacement).
uint32_t DecodeUtf8(std::string_view s, size_t& i);
// Every code point of s, decoded as DecodeUtf8 does.
std::vector<uint32_t> Utf8Runes(std::string_view s);

// Go's strconv.Quote (fmt's %q of a string): escapes as Go does; invalid UTF-8 bytes as \xNN.
std::string GoQuote(std::string_view s);

}  // namespace skiff

// Internal to skiff_daemon_logs: the codec of one json-file line, shared by the writer and the reader.
// Encoding follows Docker's jsonlog marshaller byte for byte (HTML characters and controls as \u00XX,
// only \n \r \" \\ with short escapes, invalid UTF-8 as \ufffd, U+2028/2029 escaped); decoding accepts any
// valid JSON object with "log", "stream" and "time". Stateless functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/logs/json_file.h"

namespace skiff::daemon::logs::internal {

// Appends s as a JSON string literal (with the quotes) the way Docker's json-file writer does.
void AppendJsonString(std::string& out, std::string_view s);
// Appends Go's time.RFC3339Nano form of a unix-nanosecond time in UTC.
void AppendRfc3339Nano(std::string& out, int64_t unix_ns);
// Parses RFC 3339 ("2026-12-01T07:10:50.123Z", "...+02:00") to unix nanoseconds.
std::optional<int64_t> ParseRfc3339(std::string_view s);
// Decodes one line (without its '\n'); false when it is not a well-formed log entry.
bool DecodeJsonLine(std::string_view line, LogMessage& out);

}  // namespace skiff::daemon::logs::internal

// Process-wide logging. One sink (an fd, stderr by default), text or JSON lines. The JSON form is runc's
// `--log-format json`: {"level":"warning","msg":"...","time":"..."}. Not thread-safe to reconfigure; safe to
// call Log from any thread after configuration (one write(2) per line).
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace skiff::log {

enum class Level { kDebug = 0, kInfo, kWarn, kError };
enum class Format { kText, kJson };

// The sink fd is not owned: the caller keeps it open for the process lifetime.
void Configure(int fd, Format format, Level min_level);
void SetLevel(Level min_level);
bool Enabled(Level level);
void Write(Level level, std::string_view msg);

template <class... A>
void Debug(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void Info(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void Warn(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kWarn)) Write(Level::kWarn, fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void Err(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kError)) Write(Level::kError, fmt::format(f, std::forward<A>(a)...));
}

}  // namespace skiff::log

#include "base/log.h"

#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

namespace skiff::log {
namespace {
int g_fd = 2;
Format g_format = Format::kText;
Level g_min = Level::kInfo;

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warning";
    case Level::kError: return "error";
  }
  return "info";
}

std::string Now() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%09ldZ", ts.tv_nsec);
  return buf;
}
}  // namespace

void Configure(int fd, Format format, Level min_level) {
  g_fd = fd;
  g_format = format;
  g_min = min_level;
}
void SetLevel(Level min_level) { g_min = min_level; }
bool Enabled(Level level) { return level >= g_min; }

void Write(Level level, std::string_view msg) {
  std::string line;
  if (g_format == Format::kJson) {
    nlohmann::json j = {{"level", LevelName(level)}, {"msg", msg}, {"time", Now()}};
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = std::string(LevelName(level)) + ": " + std::string(msg);
  }
  line += '\n';
  ssize_t r = ::write(g_fd, line.data(), line.size());
  (void)r;
}

}  // namespace skiff::log

#include "base/log.h"

#include "base/clock.h"

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
    nlohmann::json j = {{"level", LevelName(level)}, {"msg", msg}, {"time", NowRfc3339Nano()}};
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = std::string(LevelName(level)) + ": " + std::string(msg);
  }
  line += '\n';
  ssize_t r = ::write(g_fd, line.data(), line.size());
  (void)r;
}

}  // namespace skiff::log

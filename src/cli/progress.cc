#include "cli/progress.h"

#include <ctime>

#include <fmt/format.h>

#include "base/file.h"
#include "base/units.h"
#include "cli/json_stream.h"
#include "cli/opts.h"
#include "cli/terminal.h"

namespace skiff::cli {
namespace {

bool HasProgress(const Json& m) {
  return m.contains("progressDetail") && m["progressDetail"].is_object() && !m["progressDetail"].empty();
}

std::string Str(const Json& m, const char* key) {
  if (!m.contains(key) || !m[key].is_string()) return "";
  return m[key].get<std::string>();
}

std::string Pad8(const std::string& s) { return s.size() >= 8 ? s : std::string(8 - s.size(), ' ') + s; }

}  // namespace

std::string ProgressString(const Json& p, int width, int64_t now_unix) {
  int64_t current = p.value("current", int64_t{0});
  int64_t total = p.value("total", int64_t{0});
  int64_t start = p.value("start", int64_t{0});
  std::string units_name = p.value("units", std::string());
  bool hide_counts = p.value("hidecounts", false);
  if (current <= 0 && total <= 0) return "";
  if (total <= 0) {
    if (units_name.empty()) return Pad8(units::HumanSize(static_cast<double>(current)));
    return fmt::format("{} {}", current, units_name);
  }
  int percentage = static_cast<int>(static_cast<double>(current) / static_cast<double>(total) * 100) / 2;
  if (percentage > 50) percentage = 50;
  std::string bar, numbers, left;
  if (width > 110) {
    int spaces = 50 - percentage > 0 ? 50 - percentage : 0;
    bar = "[" + std::string(static_cast<size_t>(percentage), '=') + ">" + std::string(static_cast<size_t>(spaces), ' ') + "] ";
  }
  if (!hide_counts) {
    if (units_name.empty()) {
      std::string cur = units::HumanSize(static_cast<double>(current));
      numbers = Pad8(cur) + "/" + units::HumanSize(static_cast<double>(total));
      if (current > total) numbers = Pad8(cur);
    } else {
      numbers = fmt::format("{}/{} {}", current, total, units_name);
      if (current > total) numbers = fmt::format("{} {}", current, units_name);
    }
  }
  if (current > 0 && start > 0 && percentage < 50) {
    int64_t from_start_ns = (now_unix - start) * 1000000000LL;
    int64_t per_entry = from_start_ns / current;
    int64_t left_ns = (total - current) * per_entry;
    left_ns = (left_ns / 1000000000LL) * 1000000000LL;
    if (width > 50) left = " " + FormatGoDuration(left_ns);
  }
  return bar + numbers + left;
}

Status JsonMessageRenderer::Render(const Json& m) {
  if (!m.is_object()) return Ok();
  if (m.contains("aux")) return Ok();
  if (m.contains("errorDetail") || m.contains("error")) {
    std::string msg;
    if (m.contains("errorDetail") && m["errorDetail"].is_object()) {
      if (m["errorDetail"].value("code", 0) == 401) return Error(Errc::kPermissionDenied, "authentication is required");
      msg = m["errorDetail"].value("message", "");
    }
    if (msg.empty()) msg = Str(m, "error");
    return Error(Errc::kInternal, msg);
  }
  std::string id = Str(m, "id");
  bool progress = HasProgress(m);
  std::string progress_message = Str(m, "progress");
  size_t diff = 0;
  std::string out;
  if (!id.empty() && (progress || !progress_message.empty())) {
    auto it = ids_.find(id);
    size_t line;
    if (it == ids_.end()) {
      line = ids_.size();
      ids_[id] = line;
      if (terminal_) out += "\n";
    } else {
      line = it->second;
    }
    diff = ids_.size() - line;
    if (terminal_ && diff > 0) out += fmt::format("\x1b[{}A", diff);
  } else {
    ids_.clear();
  }

  int width = 200;
  if (terminal_) {
    if (auto sz = GetTermSize(fd_)) width = static_cast<int>(sz->width);
  }
  std::string pstr = progress ? ProgressString(m["progressDetail"], width, std::time(nullptr)) : "";
  std::string endl;
  std::string stream = Str(m, "stream");
  bool skip = false;
  if (terminal_ && stream.empty() && progress) {
    out += "\x1b[2K";
    endl = "\r";
    out += endl;
  } else if (progress && !pstr.empty()) {
    skip = true;  // no progress bars off a terminal
  }
  if (!skip) {
    if (m.contains("timeNano") || m.contains("time")) {
      // Docker prints the event time; the daemon rarely sets it on these streams.
    }
    if (!id.empty()) out += id + ": ";
    std::string from = Str(m, "from");
    if (!from.empty()) out += "(from " + from + ") ";
    std::string status = Str(m, "status");
    if (progress && terminal_) {
      out += status + " " + pstr + endl;
    } else if (!progress_message.empty()) {
      out += status + " " + progress_message + endl;
    } else if (!stream.empty()) {
      out += stream + endl;
    } else {
      out += status + endl + "\n";
    }
  }
  if (!id.empty() && terminal_ && diff > 0) out += fmt::format("\x1b[{}B", diff);
  (void)WriteAll(fd_, out);
  return Ok();
}

Status JsonMessageRenderer::RenderStream(HttpResponse& resp) {
  JsonStream stream;
  char chunk[16 * 1024];
  while (true) {
    size_t n = SKIFF_TRY(resp.Read(chunk, sizeof(chunk)));
    if (n == 0) break;
    SKIFF_TRY(stream.Feed(std::string_view(chunk, n), [&](const Json& j) { return Render(j); }));
  }
  return Ok();
}

}  // namespace skiff::cli

#include "cli/build_progress.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "base/file.h"
#include "base/strings.h"
#include "cli/json_stream.h"
#include "cli/terminal.h"

namespace skiff::cli {
namespace {

constexpr size_t kLogKeep = 200;     // output lines kept per step (shown again when the step fails)
constexpr size_t kLogShow = 6;       // lines shown under a running step (BuildKit's terminal height)
constexpr int kTermPad = 10;         // BuildKit's margin for those lines
constexpr int64_t kRedrawMs = 100;   // at most one redraw per message burst in this interval
constexpr int64_t kUploadEvery = 512 * 1024;  // docker's progress reader: an update per 512 KiB at most

const char* const kBlue = "\x1b[34m";
const char* const kRed = "\x1b[31m";
const char* const kYellow = "\x1b[33m";
const char* const kFaint = "\x1b[2m";
const char* const kReset = "\x1b[0m";

int64_t MonotonicMs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t Int(const Json& j, const char* key, int64_t def = -1) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : def;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A line of command output as a terminal would leave it: escape sequences dropped, only the text after the
// last carriage return (progress bars redraw themselves that way).
std::string CleanLine(std::string_view s) {
  if (size_t cr = s.find_last_of('\r'); cr != std::string_view::npos && cr + 1 < s.size()) s = s.substr(cr + 1);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\x1b') {
      if (i + 1 < s.size() && s[i + 1] == '[') {
        i += 2;
        while (i < s.size() && !(s[i] >= 0x40 && s[i] <= 0x7e)) ++i;
      } else {
        ++i;
      }
      continue;
    }
    if (c == '\r') continue;
    if (c == '\t') {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

// Display width in code points (UTF-8 continuation bytes don't count).
size_t Width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string Truncate(std::string_view s, size_t width) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == width) return std::string(s.substr(0, i));
      ++n;
    }
  }
  return std::string(s);
}

std::string PadTo(std::string s, size_t width) {
  size_t w = Width(s);
  if (w < width) s.append(width - w, ' ');
  return s;
}

// BuildKit's "%.2f" of units.Bytes: "37B", "2.05kB", "1.50MB".
std::string BytesStatus(int64_t n) {
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(n);
  size_t u = 0;
  while (v >= 1000 && u + 1 < std::size(kUnits)) {
    v /= 1000;
    ++u;
  }
  if (u == 0) return fmt::format("{}B", n);
  return fmt::format("{:.2f}{}", v, kUnits[u]);
}

// The legacy builder's lines about its step containers, not the step's output.
bool IsContainerBookkeeping(std::string_view line) {
  return line.rfind(" ---> Running in ", 0) == 0 || line.rfind("Removing intermediate container ", 0) == 0;
}

}  // namespace

bool BuildDisplay::CommonMessage(const Json& m, Status* st) {
  *st = Ok();
  if (!m.is_object()) return true;
  if (auto aux = m.find("aux"); aux != m.end()) {
    if (aux->is_object()) {
      std::string id = Str(*aux, "ID");
      if (!id.empty()) image_id_ = id;
    }
    return true;
  }
  if (m.contains("errorDetail") || m.contains("error")) {
    std::string msg;
    int64_t code = 0;
    if (auto d = m.find("errorDetail"); d != m.end() && d->is_object()) {
      msg = Str(*d, "message");
      code = Int(*d, "code", 0);
    }
    if (msg.empty()) msg = Str(m, "error");
    exit_code_ = code > 0 && code < 256 ? static_cast<int>(code) : 1;
    *st = Error(Errc::kInternal, msg);
    return true;
  }
  return false;
}

// ---- plain ----

void PlainBuildDisplay::ContextProgress(int64_t bytes, bool last) {
  int64_t now = MonotonicMs();
  if (!last) {
    // docker's progress reader: an update per 512 KiB, rate-limited to 10 a second, on a terminal only.
    if (!terminal_ || bytes - last_update_bytes_ <= kUploadEvery) return;
    last_update_bytes_ = bytes;
    if (last_print_ms_ >= 0 && now - last_print_ms_ < kRedrawMs) return;
  }
  last_print_ms_ = now;
  std::string line = "Sending build context to Docker daemon " + ProgressString(Json{{"current", bytes}}, 200, 0);
  line += "\r";
  if (last) line += "\r\n";
  (void)WriteAll(fd_, line);
}

Status PlainBuildDisplay::Message(const Json& m) {
  Status st;
  if (CommonMessage(m, &st)) return st;
  if (auto s = m.find("skiff"); s != m.end() && s->is_object() && Str(*s, "event") == "start") {
    std::string miss = Str(*s, "miss");
    if (!miss.empty()) pending_miss_ = miss;
  }
  SKIFF_TRY(render_.Render(m));
  std::string stream = Str(m, "stream");
  if (!stream.empty()) at_line_start_ = stream.back() == '\n';
  else if (m.contains("status")) at_line_start_ = true;
  if (!pending_miss_.empty() && at_line_start_) {
    (void)WriteAll(fd_, " ---> Cache miss: " + pending_miss_ + "\n");
    pending_miss_.clear();
  }
  return Ok();
}

// ---- tty ----

TtyBuildDisplay::TtyBuildDisplay(int fd, std::vector<std::string> tags, int width, int height, Clock clock)
    : fd_(fd), tags_(std::move(tags)), width_(width), height_(height), fixed_size_(width > 0 && height > 0),
      clock_(clock ? std::move(clock) : Clock(MonotonicMs)), start_ms_(clock_()) {
  if (!fixed_size_) {
    width_ = 80;
    height_ = 10;
    if (auto sz = GetTermSize(fd_); sz && sz->width > 0 && sz->height > 0) {
      width_ = static_cast<int>(sz->width);
      height_ = static_cast<int>(sz->height);
    }
  }
}

TtyBuildDisplay::~TtyBuildDisplay() { StopTicker(); }

void TtyBuildDisplay::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  Draw(false);
  if (!ticker_.joinable()) ticker_ = std::thread([this] { TickerLoop(); });
}

void TtyBuildDisplay::TickerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::milliseconds(kRedrawMs));
    if (!stop_) Draw(false);
  }
}

void TtyBuildDisplay::StopTicker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

TtyBuildDisplay::Job& TtyBuildDisplay::StepJob(int step) {
  auto it = by_step_.find(step);
  if (it != by_step_.end()) return jobs_[it->second];
  Job j;
  j.step = step;
  j.start_ms = clock_();
  by_step_[step] = jobs_.size();
  jobs_.push_back(std::move(j));
  return jobs_.back();
}

void TtyBuildDisplay::Finished(Job& j, int64_t daemon_ms) {
  if (j.end_ms < 0) j.end_ms = clock_();
  if (daemon_ms >= 0) j.daemon_ms = daemon_ms;
}

void TtyBuildDisplay::AddLog(Job& j, std::string_view text) {
  for (char c : text) {
    if (c != '\n') {
      j.partial += c;
      continue;
    }
    j.log.push_back(CleanLine(j.partial));
    j.partial.clear();
    if (j.log.size() > kLogKeep) j.log.pop_front();
  }
}

void TtyBuildDisplay::SkiffEvent(const Json& s, const Json& m) {
  int64_t step = Int(s, "step");
  if (step < 0) return;
  Job& j = StepJob(static_cast<int>(step));
  if (int64_t total = Int(s, "total"); total > 0) {
    j.total = static_cast<int>(total);
    max_total_ = std::max(max_total_, j.total);
  }
  if (auto st = s.find("stage"); st != s.end()) {
    if (st->is_string()) j.stage = st->get<std::string>();
    else if (st->is_number_integer()) j.stage = std::to_string(st->get<int64_t>());
    if (!j.stage.empty()) stages_.insert(j.stage);
  }
  std::string event = Str(s, "event");
  if (event == "start") {
    std::string text = Str(s, "text");
    if (!text.empty()) j.name = text;
    j.start_ms = clock_();
    j.end_ms = -1;
  } else if (event == "cached") {
    j.cached = true;
    Finished(j, Int(s, "ms"));
  } else if (event == "done") {
    Finished(j, Int(s, "ms"));
  } else if (event == "error") {
    j.error = true;
    Finished(j, Int(s, "ms"));
    failed_job_ = static_cast<int>(by_step_[j.step]);
  } else if (event == "output") {
    std::string text = Str(m, "stream");
    if (!IsContainerBookkeeping(text)) AddLog(j, text);
  }
}

// A daemon without Skiff's fields (dockerd): the legacy builder's text drives the view.
void TtyBuildDisplay::LegacyText(const std::string& text) {
  legacy_buf_ += text;
  size_t pos;
  while ((pos = legacy_buf_.find('\n')) != std::string::npos) {
    std::string line = legacy_buf_.substr(0, pos);
    legacy_buf_.erase(0, pos + 1);
    LegacyLine(line);
  }
}

void TtyBuildDisplay::LegacyLine(const std::string& line) {
  if (line.rfind("Step ", 0) == 0) {
    // "Step 3/9 : RUN make"
    size_t slash = line.find('/'), colon = line.find(" : ");
    if (slash != std::string::npos && colon != std::string::npos && slash < colon) {
      auto n = ParseInt(line.substr(5, slash - 5));
      auto total = ParseInt(line.substr(slash + 1, colon - slash - 1));
      if (n && total) {
        if (legacy_step_ >= 0) Finished(jobs_[by_step_[legacy_step_]], -1);
        Job& j = StepJob(static_cast<int>(*n));
        j.name = line.substr(colon + 3);
        j.total = static_cast<int>(*total);
        max_total_ = std::max(max_total_, j.total);
        legacy_step_ = j.step;
        return;
      }
    }
  }
  if (legacy_step_ < 0) return;
  Job& j = jobs_[by_step_[legacy_step_]];
  const std::string arrow = " ---> ";
  if (line == " ---> Using cache") {
    j.cached = true;
  } else if (IsContainerBookkeeping(line)) {
  } else if (line.rfind(arrow, 0) == 0 && line.size() == arrow.size() + 12 &&
             line.find_first_not_of("0123456789abcdef", arrow.size()) == std::string::npos) {
    Finished(j, -1);
    legacy_step_ = -1;
  } else {
    AddLog(j, line + "\n");
  }
}

Status TtyBuildDisplay::Message(const Json& m) {
  std::lock_guard<std::mutex> lock(mu_);
  Status st;
  if (CommonMessage(m, &st)) {
    if (!st.ok() && failed_job_ < 0) {
      // The failing step: the one the legacy text was in, else the last one still running.
      int idx = -1;
      if (legacy_step_ >= 0) idx = static_cast<int>(by_step_[legacy_step_]);
      for (int i = static_cast<int>(jobs_.size()) - 1; idx < 0 && i >= 0; --i) {
        if (jobs_[static_cast<size_t>(i)].step >= 0 && jobs_[static_cast<size_t>(i)].end_ms < 0) idx = i;
      }
      if (idx >= 0) {
        jobs_[static_cast<size_t>(idx)].error = true;
        Finished(jobs_[static_cast<size_t>(idx)], -1);
        failed_job_ = idx;
      }
    } else if (st.ok() && !image_id_.empty() && !exported_) {
      exported_ = true;
      int64_t now = clock_();
      if (legacy_step_ >= 0) {
        Finished(jobs_[by_step_[legacy_step_]], -1);
        legacy_step_ = -1;
      }
      // Exporting began when the last step ended.
      int64_t begin = -1;
      for (const auto& j : jobs_) {
        if (j.step >= 0 && j.end_ms >= 0) begin = std::max(begin, j.end_ms);
      }
      Job exp;
      exp.name = "exporting to image";
      exp.start_ms = begin >= 0 ? std::min(begin, now) : now;
      exp.end_ms = now;
      jobs_.push_back(exp);
      Job write;
      write.name = "=> writing image " + image_id_;
      write.start_ms = write.end_ms = now;
      jobs_.push_back(write);
      for (const auto& t : tags_) {
        Job name;
        name.name = "=> naming to " + t;
        name.start_ms = name.end_ms = now;
        jobs_.push_back(name);
      }
    }
  } else if (auto s = m.find("skiff"); s != m.end() && s->is_object()) {
    skiff_seen_ = true;
    SkiffEvent(*s, m);
  } else if (std::string stream = Str(m, "stream"); stream.rfind("[Warning]", 0) == 0) {
    warnings_ += stream;  // shown under the final view
  } else if (!skiff_seen_ && !stream.empty()) {
    LegacyText(stream);
  }
  if (last_draw_ms_ < 0 || clock_() - last_draw_ms_ >= kRedrawMs) Draw(false);
  return st;
}

void TtyBuildDisplay::ContextProgress(int64_t bytes, bool last) {
  std::lock_guard<std::mutex> lock(mu_);
  if (context_job_ < 0) {
    context_job_ = static_cast<int>(jobs_.size());
    Job load;
    load.name = "[internal] load build context";
    load.start_ms = clock_();
    jobs_.push_back(load);
    Job transfer;
    transfer.name = "=> transferring context:";
    transfer.start_ms = load.start_ms;
    jobs_.push_back(transfer);
  }
  Job& transfer = jobs_[static_cast<size_t>(context_job_) + 1];
  transfer.status = BytesStatus(bytes);
  if (last) {
    Finished(transfer, -1);
    Finished(jobs_[static_cast<size_t>(context_job_)], -1);
  }
  if (last || last_draw_ms_ < 0 || clock_() - last_draw_ms_ >= kRedrawMs) Draw(false);
}

void TtyBuildDisplay::Finish(bool ok) {
  StopTicker();
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return;
  done_ = true;
  ok_ = ok;
  for (auto& j : jobs_) {
    if (j.end_ms >= 0) continue;
    if (!ok) j.canceled = true;
    Finished(j, -1);
  }
  Draw(true);
  if (!warnings_.empty()) (void)WriteAll(fd_, warnings_);
  if (!ok && failed_job_ >= 0) {
    const Job& j = jobs_[static_cast<size_t>(failed_job_)];
    std::string out = "------\n > " + JobName(j) + ":\n";
    for (const auto& l : j.log) out += l + "\n";
    if (std::string rest = CleanLine(j.partial); !rest.empty()) out += rest + "\n";
    out += "------\n";
    (void)WriteAll(fd_, out);
  }
}

// "[stage-1 2/9] RUN make": the stage only when the build has several, the step padded to the total's width.
std::string TtyBuildDisplay::JobName(const Job& j) const {
  // One line each: an instruction with a heredoc shows its first line; tabs become spaces.
  std::string name = j.name.substr(0, j.name.find('\n'));
  if (name.size() < j.name.size()) name += " ...";
  std::replace(name.begin(), name.end(), '\t', ' ');
  if (j.step < 0) return name;
  std::string label;
  if (stages_.size() > 1 && !j.stage.empty()) label = (AllDigits(j.stage) ? "stage-" + j.stage : j.stage) + " ";
  if (j.total > 0) {
    int w = 1 + static_cast<int>(std::log10(static_cast<double>(j.total)));
    label += fmt::format("{:>{}}/{}", j.step, w, j.total);
  } else {
    label += std::to_string(j.step);
  }
  return "[" + label + "] " + name;
}

std::vector<std::string> TtyBuildDisplay::FrameLines(bool final, int64_t now) {
  struct Group {
    bool completed;
    std::vector<std::string> lines;
  };
  std::vector<Group> groups;
  size_t completed = 0;
  for (const auto& j : jobs_) {
    bool finished = j.end_ms >= 0;
    if (finished) ++completed;
    int64_t ms = !finished ? now - j.start_ms : (j.daemon_ms >= 0 ? j.daemon_ms : j.end_ms - j.start_ms);
    double dt = static_cast<double>(std::max<int64_t>(ms, 0)) / 1000.0;
    if (dt < 0.05) dt = 0;
    std::string timer = fmt::format(" {:3.1f}s", dt);
    const std::string pfx = " => ";
    int left = width_ - static_cast<int>(pfx.size() + timer.size()) - 2;
    bool show_status = false;
    if (!j.status.empty() && left + static_cast<int>(j.status.size()) > 20) {
      show_status = true;
      left -= static_cast<int>(j.status.size()) + 1;
    }
    if (left < 12) continue;  // too narrow to show anything useful
    std::string name = JobName(j);
    if (j.error) name = "ERROR " + name;
    else if (j.canceled) name = "CANCELED " + name;
    else if (j.cached) name = "CACHED " + name;
    std::string text = pfx + Truncate(name, static_cast<size_t>(left));
    if (show_status) text += " " + j.status;
    text = PadTo(std::move(text), static_cast<size_t>(width_) - timer.size() - 2) + " " + timer;
    if (finished) text = std::string(j.error ? kRed : j.canceled ? kYellow : kBlue) + text + kReset;
    Group g{finished, {std::move(text)}};
    if (!finished && !final) {
      std::vector<std::string> tail(j.log.begin(), j.log.end());
      if (!j.partial.empty()) tail.push_back(CleanLine(j.partial));
      size_t from = tail.size() > kLogShow ? tail.size() - kLogShow : 0;
      size_t w = width_ > kTermPad ? static_cast<size_t>(width_ - kTermPad) : 1;
      for (size_t k = from; k < tail.size(); ++k) {
        if (Trim(tail[k]).empty()) continue;
        g.lines.push_back(std::string(kFaint) + " => => # " + Truncate(tail[k], w) + kReset);
      }
    }
    groups.push_back(std::move(g));
  }
  size_t total = jobs_.size();
  int steps_seen = static_cast<int>(by_step_.size());
  if (!(final && ok_) && max_total_ > steps_seen) total += static_cast<size_t>(max_total_ - steps_seen);
  std::string header = fmt::format("[+] Building {:.1f}s ({}/{})", static_cast<double>(now - start_ms_) / 1000.0,
                                   completed, total);
  header += final && ok_ && completed == total ? " FINISHED" : " ";

  if (!final) {
    // Keep to the screen: the oldest finished steps scroll away first.
    auto count = [&] {
      size_t n = 0;
      for (const auto& g : groups) n += g.lines.size();
      return n;
    };
    size_t limit = height_ > 2 ? static_cast<size_t>(height_ - 2) : 1;
    for (auto it = groups.begin(); count() > limit && it != groups.end();) {
      it = it->completed ? groups.erase(it) : it + 1;
    }
    while (count() > limit && !groups.empty()) groups.erase(groups.begin());
  }
  std::vector<std::string> lines{header};
  for (auto& g : groups) {
    for (auto& l : g.lines) lines.push_back(std::move(l));
  }
  return lines;
}

std::string TtyBuildDisplay::Frame(bool final) {
  std::lock_guard<std::mutex> lock(mu_);
  return Join(FrameLines(final, clock_()), "\n");
}

void TtyBuildDisplay::Draw(bool final) {
  int64_t now = clock_();
  if (!fixed_size_) {
    if (auto sz = GetTermSize(fd_); sz && sz->width > 0 && sz->height > 0) {
      width_ = static_cast<int>(sz->width);
      height_ = static_cast<int>(sz->height);
    }
  }
  auto lines = FrameLines(final, now);
  std::string out = "\x1b[?25l";
  if (prev_lines_ > 0) out += fmt::format("\x1b[{}A\r", prev_lines_);
  for (const auto& l : lines) out += l + "\x1b[K\n";
  if (prev_lines_ > static_cast<int>(lines.size())) out += "\x1b[J";
  out += "\x1b[?25h";
  prev_lines_ = static_cast<int>(lines.size());
  last_draw_ms_ = now;
  (void)WriteAll(fd_, out);
}

Status RenderBuildStream(HttpResponse& resp, BuildDisplay& d) {
  JsonStream stream;
  char chunk[16 * 1024];
  while (true) {
    auto n = resp.Read(chunk, sizeof(chunk));
    if (!n.ok()) {
      d.Finish(false);
      return std::move(n).error();
    }
    if (*n == 0) break;
    Status st = stream.Feed(std::string_view(chunk, *n), [&](const Json& j) { return d.Message(j); });
    if (!st.ok()) {
      d.Finish(false);
      return st;
    }
  }
  d.Finish(true);
  return Ok();
}

}  // namespace skiff::cli

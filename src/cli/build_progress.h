// Rendering of `skiff build`'s progress: the context upload and POST /build's JSON message stream ({"stream"},
// {"aux":{"ID"}}, {"errorDetail","error"}, each optionally with Skiff's "skiff" step field: step, total,
// stage, event start|cached|done|error|output, text, ms, miss). Two displays:
//  - PlainBuildDisplay: the legacy builder's text as docker prints it ("Sending build context to Docker
//    daemon", "Step 3/9 : ...", " ---> Using cache", pull progress through JsonMessageRenderer) plus
//    " ---> Cache miss: <why>" after a Step line whose start says why the cache was not used.
//  - TtyBuildDisplay: BuildKit's live view, redrawn in place: "[+] Building 1.2s (5/9)", one line per step
//    ("=> CACHED [2/9] COPY ...", "=> [stage-1 3/9] RUN make   0.8s") with the last lines of running steps'
//    output under them, "exporting to image" / "naming to ..." at the end, and a failed step's output before
//    the error. Against a daemon that sends no "skiff" fields it follows the legacy "Step N/M" text instead.
// A display owns nothing but its state; the fd stays the caller's. TtyBuildDisplay is thread-safe (a ticker
// thread redraws it while the stream waits); Start() begins the ticker, Finish() or the destructor ends it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <condition_variable>

#include "base/error.h"
#include "base/json.h"
#include "cli/progress.h"

namespace skiff::cli {

class BuildDisplay {
 public:
  virtual ~BuildDisplay() = default;
  // The context upload: bytes sent so far; `last` once all is sent.
  virtual void ContextProgress(int64_t bytes, bool last) = 0;
  // One decoded message of the stream. An error message returns its text as the Error (exit_code() then says
  // the exit status: the error's code, else 1).
  virtual Status Message(const Json& m) = 0;
  // The stream ended; ok is false after an error message or a broken stream.
  virtual void Finish(bool ok) = 0;

  const std::string& image_id() const { return image_id_; }
  int exit_code() const { return exit_code_; }

 protected:
  // aux and error messages, which every display treats alike. Returns true when m was one of them (st says
  // whether it was an error).
  bool CommonMessage(const Json& m, Status* st);

  std::string image_id_;
  int exit_code_ = 0;
};

class PlainBuildDisplay : public BuildDisplay {
 public:
  // terminal: docker's terminal behaviours (upload progress updated in place, pull progress bars).
  PlainBuildDisplay(int fd, bool terminal) : fd_(fd), terminal_(terminal), render_(fd, terminal) {}
  void ContextProgress(int64_t bytes, bool last) override;
  Status Message(const Json& m) override;
  void Finish(bool) override {}

 private:
  int fd_;
  bool terminal_;
  JsonMessageRenderer render_;
  bool at_line_start_ = true;
  std::string pending_miss_;
  int64_t last_update_bytes_ = 0;
  int64_t last_print_ms_ = -1;
};

class TtyBuildDisplay : public BuildDisplay {
 public:
  using Clock = std::function<int64_t()>;  // milliseconds, monotonic
  // width/height: the terminal's size (0: ask fd). tags: the -t values, shown as "naming to <ref>".
  TtyBuildDisplay(int fd, std::vector<std::string> tags, int width = 0, int height = 0, Clock clock = nullptr);
  ~TtyBuildDisplay() override;
  // Redraws every 100 ms on a thread of its own until Finish().
  void Start();
  void ContextProgress(int64_t bytes, bool last) override;
  Status Message(const Json& m) override;
  void Finish(bool ok) override;
  // The current view (lines joined by '\n', no cursor control); final: the finished form.
  std::string Frame(bool final);

 private:
  struct Job {
    std::string name;         // "[2/9] RUN make", "[internal] load build context", "=> naming to ..."
    std::string status;       // shown after the name ("2.05kB")
    int step = -1;            // the build step; -1 for the internal and export lines
    int total = 0;
    std::string stage;        // as the daemon names it: a name or an index
    int64_t start_ms = 0;
    int64_t end_ms = -1;      // -1 while running
    int64_t daemon_ms = -1;   // the daemon's elapsed time, once finished
    bool cached = false, error = false, canceled = false;
    std::deque<std::string> log;  // the last lines of output
    std::string partial;          // output after the last newline
  };

  Job& StepJob(int step);
  void SkiffEvent(const Json& s, const Json& m);
  void LegacyText(const std::string& text);
  void LegacyLine(const std::string& line);
  void AddLog(Job& j, std::string_view text);
  void Finished(Job& j, int64_t daemon_ms);
  std::string JobName(const Job& j) const;
  std::vector<std::string> FrameLines(bool final, int64_t now);
  void Draw(bool final);
  void TickerLoop();
  void StopTicker();

  int fd_;
  std::vector<std::string> tags_;
  int width_, height_;
  bool fixed_size_;
  Clock clock_;
  int64_t start_ms_;
  std::vector<Job> jobs_;            // in the order they started
  std::map<int, size_t> by_step_;
  std::set<std::string> stages_;
  int max_total_ = 0;
  bool skiff_seen_ = false;
  std::string legacy_buf_;
  std::string warnings_;             // the daemon's "[Warning] ..." lines
  int legacy_step_ = -1;
  int context_job_ = -1;
  bool exported_ = false;
  bool done_ = false, ok_ = true;
  int failed_job_ = -1;
  int prev_lines_ = 0;
  int64_t last_draw_ms_ = -1;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread ticker_;
};

// Reads a POST /build response and feeds each message to d; then d.Finish().
Status RenderBuildStream(HttpResponse& resp, BuildDisplay& d);

}  // namespace skiff::cli

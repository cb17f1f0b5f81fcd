// BuildOutput: the JSON message stream of POST /build, as Docker's legacy builder writes it ({"stream":
// "Step 2/9 : RUN make\n"}, {"stream": " ---> Using cache\n"}, {"aux": {"ID": ...}}, {"errorDetail": ...}),
// each message optionally carrying Skiff's step field {"skiff": {"step", "total", "stage", "event",
// "text", "ms", "miss"}} for the live (tty) view of `skiff build`. Thread-safe: stages that run in
// parallel write whole messages, never interleaved within one. With `quiet` only the final ID and errors
// are written (docker build -q).
#pragma once

#include <functional>
#include <map>
#include <set>
#include <vector>
#include <mutex>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/json.h"

namespace skiff::build {

class BuildOutput {
 public:
  // sink writes one serialised message (with its trailing newline); errors stop further writes.
  BuildOutput(std::function<Status(std::string_view)> sink, bool quiet) : sink_(std::move(sink)), quiet_(quiet) {}

  // Plain text of the legacy stream (suppressed when quiet), with the Skiff field when not null.
  void Stream(const std::string& text, Json skiff = nullptr);
  // The same for a stage's step. With Order(stages, true) a stage's messages are held back until the
  // stages before it in `stages` have finished, so the text reads as the legacy builder's (one stage
  // after the other) although the stages run at once; unordered (the live tty view) they pass at once.
  void StageStream(int stage, const std::string& text, Json skiff = nullptr);
  void Order(std::vector<int> stages, bool ordered);
  void StageDone(int stage);
  // Always written (also when quiet).
  void Message(Json msg);
  // The error message, with errorDetail.code (a failing RUN's exit code: docker's CLI exits with it)
  // and the Skiff field of the failed step when SetFailure recorded them.
  void Error(const std::string& message);
  // Records the failed step (the first call wins).
  void SetFailure(Json skiff, int code);
  bool quiet() const { return quiet_; }
  // False once the client went away (a write failed): the build should stop.
  bool alive();

 private:
  void Write(const Json& msg);
  std::function<Status(std::string_view)> sink_;
  bool quiet_;
  std::mutex mu_;
  bool dead_ = false;
  bool ordered_ = false;
  std::vector<int> order_;  // the stages in output order
  size_t head_ = 0;         // order_[head_] writes through; later ones are buffered
  std::map<int, std::vector<Json>> held_;
  std::set<int> done_;
  bool failed_ = false;
  Json failure_;
  int code_ = 0;
};

}  // namespace skiff::build

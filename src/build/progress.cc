#include "build/progress.h"

namespace skiff::build {

void BuildOutput::Write(const Json& msg) {
  std::lock_guard l(mu_);
  if (dead_) return;
  if (!sink_(DumpJson(msg) + "\n").ok()) dead_ = true;
}

void BuildOutput::Stream(const std::string& text, Json skiff) {
  if (quiet_) return;
  Json m = {{"stream", text}};
  if (!skiff.is_null()) m["skiff"] = std::move(skiff);
  Write(m);
}

void BuildOutput::Message(Json msg) { Write(msg); }

void BuildOutput::SetFailure(Json skiff, int code) {
  std::lock_guard l(mu_);
  if (failed_) return;
  failed_ = true;
  failure_ = std::move(skiff);
  code_ = code;
}

void BuildOutput::Error(const std::string& message) {
  Json detail = {{"message", message}};
  Json m;
  {
    std::lock_guard l(mu_);
    if (code_ != 0) detail["code"] = code_;
    m = Json{{"errorDetail", detail}, {"error", message}};
    if (!failure_.is_null()) m["skiff"] = failure_;
  }
  Write(m);
}

bool BuildOutput::alive() {
  std::lock_guard l(mu_);
  return !dead_;
}

}  // namespace skiff::build

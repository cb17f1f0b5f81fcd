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

void BuildOutput::Error(const std::string& message) {
  Write(Json{{"errorDetail", {{"message", message}}}, {"error", message}});
}

bool BuildOutput::alive() {
  std::lock_guard l(mu_);
  return !dead_;
}

}  // namespace skiff::build

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

void BuildOutput::Order(std::vector<int> stages, bool ordered) {
  std::lock_guard l(mu_);
  order_ = std::move(stages);
  ordered_ = ordered;
  head_ = 0;
}

void BuildOutput::StageStream(int stage, const std::string& text, Json skiff) {
  if (quiet_) return;
  Json m = {{"stream", text}};
  if (!skiff.is_null()) m["skiff"] = std::move(skiff);
  {
    std::lock_guard l(mu_);
    if (ordered_ && head_ < order_.size() && order_[head_] != stage) {
      held_[stage].push_back(std::move(m));
      return;
    }
  }
  Write(m);
}

void BuildOutput::StageDone(int stage) {
  std::vector<Json> flush;
  {
    std::lock_guard l(mu_);
    done_.insert(stage);
    // Advance past every finished stage, releasing what the next ones said meanwhile.
    while (head_ < order_.size() && done_.count(order_[head_])) {
      ++head_;
      if (head_ < order_.size()) {
        auto& h = held_[order_[head_]];
        for (auto& m : h) flush.push_back(std::move(m));
        h.clear();
        if (!done_.count(order_[head_])) break;
      }
    }
  }
  for (auto& m : flush) Write(m);
}

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

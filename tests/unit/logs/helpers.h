// Shared helpers of the unit_logs tests: time points from unix nanoseconds, a temp log path, a collecting
// sink and whole-file reads.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/file.h"
#include "daemon/logs/json_file.h"

namespace skiff::daemon::logs::testing {

using TimePoint = std::chrono::system_clock::time_point;

inline TimePoint At(int64_t unix_ns) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(unix_ns)));
}

// 2026-12-01T07:25:50Z, the day the reference lines were captured from dockerd.
constexpr int64_t kT0 = 1796109950LL * 1'000'000'000LL;

inline std::string Slurp(const std::string& path) {
  auto r = ReadFile(path);
  return r.ok() ? *r : std::string("<missing>");
}

// A sink that records every message; safe to read from another thread via Snapshot().
class Collector {
 public:
  std::function<Status(const LogMessage&)> Sink() {
    return [this](const LogMessage& m) {
      std::lock_guard lock(mu_);
      msgs_.push_back(m);
      return Ok();
    };
  }
  std::vector<LogMessage> Snapshot() {
    std::lock_guard lock(mu_);
    return msgs_;
  }
  size_t Count() {
    std::lock_guard lock(mu_);
    return msgs_.size();
  }
  std::vector<std::string> Lines() {
    std::vector<std::string> out;
    for (const auto& m : Snapshot()) out.push_back(m.line);
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<LogMessage> msgs_;
};

// A fixture with a fresh directory and cfg_.path = <dir>/c-json.log in it (no rotation).
class LogDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = TempDir::Create();
    ASSERT_TRUE(d.ok());
    dir_.emplace(std::move(*d));
    cfg_.path = dir_->path() + "/c-json.log";
  }
  std::optional<TempDir> dir_;
  JsonFileConfig cfg_;
};

inline Status ReadAll(const JsonFileConfig& cfg, const ReadOptions& opts, Collector& c) {
  return ReadJsonFile(cfg, opts, c.Sink(), nullptr, std::stop_token());
}

}  // namespace skiff::daemon::logs::testing

// Rough speed checks: timings are printed, not asserted (the machine is shared).
#include <fcntl.h>
#include <gtest/gtest.h>

#include <chrono>

#include "daemon/logs/json_file.h"
#include "helpers.h"

namespace skiff::daemon::logs {
namespace {

using testing::At;
using testing::kT0;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

class BenchTest : public testing::LogDirTest {};

TEST_F(BenchTest, WriteAMillionLinesThenReadThemAll) {
  constexpr int kLines = 1'000'000;
  auto t0 = std::chrono::steady_clock::now();
  {
    auto w = JsonFileWriter::Open(cfg_);
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < kLines; ++i)
      ASSERT_TRUE((*w)->Write(Stream::kStdout, "2026/12/01 07:25:50 GET /index.html 200 <ok>\n", At(kT0 + i)).ok());
  }
  double write = Seconds(t0);
  uint64_t size = LogFilesSize(cfg_);
  t0 = std::chrono::steady_clock::now();
  int64_t n = 0;
  ASSERT_TRUE(ReadJsonFile(
                  cfg_, {}, [&](const LogMessage&) { ++n; return Ok(); }, nullptr, std::stop_token())
                  .ok());
  double read = Seconds(t0);
  EXPECT_EQ(n, kLines);
  std::printf("[ timing ] write %d lines (%.1f MB): %.2f s (%.0f lines/s); read them all: %.2f s (%.0f lines/s)\n",
              kLines, size / 1e6, write, kLines / write, read, kLines / read);
}

TEST_F(BenchTest, TailTenOfA100MegabyteLog) {
  cfg_.max_size = 40'000'000;
  cfg_.max_file = 3;
  // Three files of ~40, 40 and 20 MB, written in large chunks.
  std::string chunk;
  int64_t i = 0;
  for (int file = 0; file < 3; ++file) {
    std::string name = file < 2 ? cfg_.path + "." + std::to_string(2 - file) : cfg_.path;
    UniqueFd fd = OpenFile(name, O_WRONLY | O_CREAT | O_TRUNC, 0640).value();
    uint64_t target = file < 2 ? 40'000'000 : 20'000'000, written = 0;
    while (written < target) {
      chunk.clear();
      while (chunk.size() < (1 << 20)) {
        chunk += FormatJsonLine(i % 2 ? Stream::kStderr : Stream::kStdout, "some output line " + std::to_string(i) + "\n",
                                At(kT0 + i));
        ++i;
      }
      ASSERT_TRUE(WriteAll(fd.get(), chunk).ok());
      written += chunk.size();
    }
  }
  ASSERT_GE(LogFilesSize(cfg_), 100'000'000u);
  auto t0 = std::chrono::steady_clock::now();
  testing::Collector c;
  ASSERT_TRUE(testing::ReadAll(cfg_, {.tail = 10}, c).ok());
  double tail = Seconds(t0);
  auto lines = c.Lines();
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_EQ(lines.back(), "some output line " + std::to_string(i - 1) + "\n");
  EXPECT_EQ(lines.front(), "some output line " + std::to_string(i - 10) + "\n");
  t0 = std::chrono::steady_clock::now();
  testing::Collector since;
  ASSERT_TRUE(testing::ReadAll(cfg_, {.since_ns = kT0 + i - 5}, since).ok());
  double since_s = Seconds(t0);
  EXPECT_EQ(since.Count(), 5u);
  std::printf("[ timing ] %.0f MB in 3 files: tail -n 10 %.4f s; since (last 5) %.2f s\n", LogFilesSize(cfg_) / 1e6,
              tail, since_s);
}

}  // namespace
}  // namespace skiff::daemon::logs

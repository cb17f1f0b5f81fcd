// ReadJsonFile without follow: all, tail, since/until, stream selection, rotated files, damaged lines.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>

#include "base/strings.h"
#include "daemon/logs/json_file.h"
#include "helpers.h"

namespace skiff::daemon::logs {
namespace {

using testing::At;
using testing::Collector;
using testing::kT0;

constexpr int64_t kMs = 1'000'000;

class ReaderTest : public testing::LogDirTest {
 protected:
  // Message i is "m<i>\n" at kT0 + i ms, on stderr when i % 3 == 2.
  void Write(int from, int to) {
    auto w = JsonFileWriter::Open(cfg_);
    ASSERT_TRUE(w.ok()) << w.error().message();
    for (int i = from; i < to; ++i)
      ASSERT_TRUE((*w)->Write(i % 3 == 2 ? Stream::kStderr : Stream::kStdout, fmt::format("m{}\n", i),
                              At(kT0 + i * kMs))
                      .ok());
  }
  std::vector<std::string> Read(ReadOptions o) {
    Collector c;
    auto st = testing::ReadAll(cfg_, o, c);
    EXPECT_TRUE(st.ok()) << st.error().message();
    return c.Lines();
  }
  static std::vector<std::string> Range(int from, int to, int skip_mod = -1) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i)
      if (skip_mod < 0 || i % 3 != skip_mod) out.push_back(fmt::format("m{}\n", i));
    return out;
  }
};

TEST_F(ReaderTest, MissingLogIsEmpty) { EXPECT_TRUE(Read({}).empty()); }

TEST_F(ReaderTest, AllMessagesAcrossRotatedFilesInOrder) {
  cfg_.max_size = 500;  // ~7 lines a file
  cfg_.max_file = 100;
  Write(0, 200);
  ASSERT_TRUE(PathExists(cfg_.path + ".20"));
  EXPECT_EQ(Read({}), Range(0, 200));
  Collector c;
  ASSERT_TRUE(testing::ReadAll(cfg_, {}, c).ok());
  auto msgs = c.Snapshot();
  EXPECT_EQ(msgs[2].stream, Stream::kStderr);
  EXPECT_EQ(msgs[3].stream, Stream::kStdout);
  EXPECT_EQ(msgs[7].time_ns, kT0 + 7 * kMs);
}

TEST_F(ReaderTest, OnlyTheFilesMaxFileKeeps) {
  cfg_.max_size = 500;
  cfg_.max_file = 3;
  Write(0, 100);
  auto got = Read({});
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), "m99\n");
  EXPECT_LT(got.size(), 25u);
  int first = std::stoi(got.front().substr(1));
  EXPECT_EQ(got, Range(first, 100));
}

TEST_F(ReaderTest, Tail) {
  cfg_.max_size = 500;
  cfg_.max_file = 100;
  Write(0, 100);
  EXPECT_EQ(Read({.tail = 3}), Range(97, 100));
  EXPECT_EQ(Read({.tail = 20}), Range(80, 100));  // crosses rotated files
  EXPECT_EQ(Read({.tail = 100}), Range(0, 100));
  EXPECT_EQ(Read({.tail = 1000}), Range(0, 100));
  EXPECT_TRUE(Read({.tail = 0}).empty());
}

// As dockerd: the tail counts the lines of both streams, the stream selection applies afterwards
// (o1 o2 e1 e2 e3 with --tail 2 shows nothing on stdout).
TEST_F(ReaderTest, TailCountsBothStreamsThenSelects) {
  Write(0, 12);  // m2 m5 m8 m11 on stderr
  EXPECT_EQ(Read({.stdout = false, .tail = 4}), (std::vector<std::string>{"m8\n", "m11\n"}));
  EXPECT_EQ(Read({.stderr = false, .tail = 1}), std::vector<std::string>{});
  EXPECT_EQ(Read({.stderr = false}), Range(0, 12, 2));
  EXPECT_EQ(Read({.stdout = false}), (std::vector<std::string>{"m2\n", "m5\n", "m8\n", "m11\n"}));
  Collector c;
  auto st = testing::ReadAll(cfg_, {.stdout = false, .stderr = false}, c);
  EXPECT_EQ(st.error().code(), Errc::kInvalidArgument);
}

TEST_F(ReaderTest, SinceAndUntilAreInclusive) {
  cfg_.max_size = 500;
  cfg_.max_file = 100;
  Write(0, 100);
  EXPECT_EQ(Read({.since_ns = kT0 + 90 * kMs}), Range(90, 100));
  EXPECT_EQ(Read({.since_ns = kT0 + 90 * kMs + 1}), Range(91, 100));
  EXPECT_EQ(Read({.until_ns = kT0 + 5 * kMs}), Range(0, 6));
  EXPECT_EQ(Read({.since_ns = kT0 + 10 * kMs, .until_ns = kT0 + 12 * kMs}), Range(10, 13));
  // tail first, then since (as dockerd): the last 5 of which those from 97 on.
  EXPECT_EQ(Read({.tail = 5, .since_ns = kT0 + 97 * kMs}), Range(97, 100));
  EXPECT_EQ(Read({.tail = 5, .until_ns = kT0 + 96 * kMs}), Range(95, 97));
  EXPECT_TRUE(Read({.since_ns = kT0 + 1000 * kMs}).empty());
}

TEST_F(ReaderTest, CorruptLineInTheMiddleIsSkipped) {
  Write(0, 3);
  std::string text = *ReadFile(cfg_.path);
  text += "{\"log\":\"torn\n";
  text += "not json at all\n";
  text += "{\"log\":\"x\\n\",\"stream\":\"stdin\",\"time\":\"2026-12-01T07:25:50Z\"}\n";
  text += "{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"yesterday\"}\n";
  ASSERT_TRUE(WriteFileString(cfg_.path, text).ok());
  Write(3, 5);
  EXPECT_EQ(Read({}), Range(0, 5));
  EXPECT_EQ(Read({.tail = 2}), Range(3, 5));
}

TEST_F(ReaderTest, UnfinishedLastLineIsWaitedFor) {
  Write(0, 2);
  std::string last = FormatJsonLine(Stream::kStdout, "late\n", At(kT0 + 50 * kMs));
  std::string text = *ReadFile(cfg_.path);
  ASSERT_TRUE(WriteFileString(cfg_.path, text + last.substr(0, 20)).ok());
  std::thread finisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    UniqueFd fd = OpenFile(cfg_.path, O_WRONLY | O_APPEND).value();
    ASSERT_TRUE(WriteAll(fd.get(), last.substr(20)).ok());
  });
  auto got = Read({});
  finisher.join();
  EXPECT_EQ(got, (std::vector<std::string>{"m0\n", "m1\n", "late\n"}));
}

TEST_F(ReaderTest, UnfinishedLastLineThatNeverCompletesIsLeftOut) {
  Write(0, 2);
  std::string text = *ReadFile(cfg_.path);
  ASSERT_TRUE(WriteFileString(cfg_.path, text + "{\"log\":\"never").ok());
  EXPECT_EQ(Read({}), Range(0, 2));
  EXPECT_EQ(Read({.tail = 1}), Range(1, 2));
}

TEST_F(ReaderTest, SinkErrorIsReturned) {
  Write(0, 10);
  int n = 0;
  auto st = ReadJsonFile(
      cfg_, {},
      [&](const LogMessage&) -> Status {
        if (++n == 3) return Error(Errc::kUnavailable, "client gone");
        return Ok();
      },
      nullptr, std::stop_token());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "client gone");
  EXPECT_EQ(n, 3);
}

TEST_F(ReaderTest, LongPartialLinesRoundTrip) {
  auto w = JsonFileWriter::Open(cfg_);
  ASSERT_TRUE(w.ok());
  LineSplitter s;
  std::string big = std::string(40000, '<') + "\n" + "tail";
  auto emit = [&](std::string_view m) { ASSERT_TRUE((*w)->Write(Stream::kStdout, m, At(kT0)).ok()); };
  s.Feed(big, emit);
  s.Flush(emit);
  auto got = Read({});
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0] + got[1] + got[2] + got[3], big);
}

}  // namespace
}  // namespace skiff::daemon::logs

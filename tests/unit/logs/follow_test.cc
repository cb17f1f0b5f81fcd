// ReadJsonFile with follow: a writer thread writes and rotates while a reader follows; the ways a follow
// ends (done, stop, sink error, until).
#include <fcntl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "daemon/logs/json_file.h"
#include "helpers.h"

namespace skiff::daemon::logs {
namespace {

using namespace std::chrono_literals;
using testing::At;
using testing::Collector;
using testing::kT0;

class FollowTest : public testing::LogDirTest {
 protected:
  static std::string Msg(int i) { return "message number " + std::to_string(i) + "\n"; }
  // Starts a follower with `opts` collecting into c_; done() is done_.
  void StartReader(ReadOptions opts) {
    opts.follow = true;
    reader_ = std::jthread([this, opts](std::stop_token stop) {
      status_ = ReadJsonFile(cfg_, opts, c_.Sink(), [this] { return done_.load(); }, stop);
      finished_ = true;
    });
  }
  bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds limit = 10s) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!cond()) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }
  // Writes n messages, never more than `lead` ahead of what the reader has received (so rotation cannot
  // drop a file the reader has not reached: that loss is by design, as in Docker).
  void WriteFollowed(int n, int lead, int from = 0) {
    auto w = JsonFileWriter::Open(cfg_);
    ASSERT_TRUE(w.ok()) << w.error().message();
    for (int i = from; i < from + n; ++i) {
      ASSERT_TRUE(WaitFor([&] { return static_cast<int>(c_.Count()) + lead > i - skipped_; })) << i;
      ASSERT_TRUE((*w)->Write(i % 2 ? Stream::kStderr : Stream::kStdout, Msg(i), At(kT0 + i)).ok());
      if (i % 97 == 0) std::this_thread::sleep_for(1ms);
    }
  }
  void ExpectExactly(int from, int to) {
    auto lines = c_.Lines();
    ASSERT_EQ(lines.size(), static_cast<size_t>(to - from));
    for (int i = from; i < to; ++i) ASSERT_EQ(lines[i - from], Msg(i)) << "at " << i;
  }
  Collector c_;
  std::atomic<bool> done_{false}, finished_{false};
  Status status_;
  int skipped_ = 0;
  std::jthread reader_;
};

TEST_F(FollowTest, WriterRotatingWhileReaderFollowsLosesAndRepeatsNothing) {
  cfg_.max_size = 4000;  // ~50 messages a file
  cfg_.max_file = 4;
  StartReader({});
  WriteFollowed(20000, 100);
  done_ = true;
  reader_.join();
  ASSERT_TRUE(status_.ok()) << status_.error().message();
  ExpectExactly(0, 20000);
}

TEST_F(FollowTest, MaxFileOneFollowsTheTruncatedFile) {
  cfg_.max_size = 4000;
  cfg_.max_file = 1;
  StartReader({});
  WriteFollowed(5000, 20);
  done_ = true;
  reader_.join();
  ASSERT_TRUE(status_.ok());
  ExpectExactly(0, 5000);
}

TEST_F(FollowTest, TailThenFollow) {
  cfg_.max_size = 4000;
  cfg_.max_file = 10;
  WriteFollowed(300, 1000);
  skipped_ = 295;
  StartReader({.tail = 5});
  ASSERT_TRUE(WaitFor([&] { return c_.Count() == 5; }));
  WriteFollowed(200, 50, 300);
  done_ = true;
  reader_.join();
  ExpectExactly(295, 500);
}

TEST_F(FollowTest, TailZeroShowsOnlyNewMessages) {
  WriteFollowed(10, 1000);
  skipped_ = 10;
  StartReader({.tail = 0});
  std::this_thread::sleep_for(50ms);
  WriteFollowed(5, 10, 10);
  done_ = true;
  reader_.join();
  ExpectExactly(10, 15);
}

TEST_F(FollowTest, WaitsForTheLogToAppear) {
  StartReader({});
  std::this_thread::sleep_for(50ms);
  WriteFollowed(10, 100);
  done_ = true;
  reader_.join();
  ExpectExactly(0, 10);
}

TEST_F(FollowTest, DoneEndsFollowAfterAFinalRead) {
  auto w = JsonFileWriter::Open(cfg_);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(Stream::kStdout, Msg(0), At(kT0)).ok());
  StartReader({});
  ASSERT_TRUE(WaitFor([&] { return c_.Count() == 1; }));
  // The container's last output and its exit land together: the final read still picks the output up.
  ASSERT_TRUE((*w)->Write(Stream::kStdout, Msg(1), At(kT0 + 1)).ok());
  done_ = true;
  ASSERT_TRUE(WaitFor([&] { return finished_.load(); }, 2s));
  ExpectExactly(0, 2);
}

TEST_F(FollowTest, StopTokenEndsFollow) {
  WriteFollowed(3, 10);
  StartReader({});
  ASSERT_TRUE(WaitFor([&] { return c_.Count() == 3; }));
  auto t0 = std::chrono::steady_clock::now();
  reader_.request_stop();
  reader_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_TRUE(status_.ok());
}

TEST_F(FollowTest, SinkErrorEndsFollow) {
  WriteFollowed(3, 10);
  std::atomic<int> n{0};
  Status st;
  std::jthread reader([&] {
    st = ReadJsonFile(
        cfg_, {.follow = true},
        [&](const LogMessage&) -> Status {
          if (++n == 5) return Error(Errc::kUnavailable, "client gone");
          return Ok();
        },
        [] { return false; }, std::stop_token());
  });
  ASSERT_TRUE(WaitFor([&] { return n.load() == 3; }));
  auto w = JsonFileWriter::Open(cfg_);
  ASSERT_TRUE(w.ok());
  for (int i = 3; i < 10; ++i) ASSERT_TRUE((*w)->Write(Stream::kStdout, Msg(i), At(kT0 + i)).ok());
  reader.join();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "client gone");
  EXPECT_EQ(n.load(), 5);
}

TEST_F(FollowTest, UntilEndsFollow) {
  WriteFollowed(3, 10);
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  // In the past: returns once caught up.
  Collector past;
  ASSERT_TRUE(ReadJsonFile(cfg_, {.until_ns = now - 1, .follow = true}, past.Sink(), [] { return false; },
                           std::stop_token())
                  .ok());
  EXPECT_EQ(past.Count(), 3u);
  // 150 ms ahead: returns soon after.
  auto t0 = std::chrono::steady_clock::now();
  Collector soon;
  ASSERT_TRUE(ReadJsonFile(cfg_, {.until_ns = now + 150'000'000, .follow = true}, soon.Sink(),
                           [] { return false; }, std::stop_token())
                  .ok());
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 1s);
}

TEST_F(FollowTest, GarbledLastLineIsCompletedLater) {
  auto w = JsonFileWriter::Open(cfg_);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(Stream::kStdout, Msg(0), At(kT0)).ok());
  StartReader({});
  ASSERT_TRUE(WaitFor([&] { return c_.Count() == 1; }));
  std::string line = FormatJsonLine(Stream::kStdout, Msg(1), At(kT0 + 1));
  UniqueFd fd = OpenFile(cfg_.path, O_WRONLY | O_APPEND).value();
  ASSERT_TRUE(WriteAll(fd.get(), line.substr(0, 25)).ok());
  std::this_thread::sleep_for(300ms);  // the reader sees half a line, several times
  EXPECT_EQ(c_.Count(), 1u);
  ASSERT_TRUE(WriteAll(fd.get(), line.substr(25)).ok());
  ASSERT_TRUE((*w)->Write(Stream::kStdout, Msg(2), At(kT0 + 2)).ok());
  ASSERT_TRUE(WaitFor([&] { return c_.Count() == 3; }));
  done_ = true;
  reader_.join();
  ExpectExactly(0, 3);
}

}  // namespace
}  // namespace skiff::daemon::logs

// JsonFileWriter: appending, file mode, rotation with max-size / max-file as dockerd does it.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "base/strings.h"
#include "daemon/logs/json_file.h"
#include "helpers.h"

namespace skiff::daemon::logs {
namespace {

using testing::At;
using testing::kT0;
using testing::Slurp;

class WriterTest : public testing::LogDirTest {
 protected:
  void SetUp() override {
    LogDirTest::SetUp();
    path_ = cfg_.path;
  }
  // Writes "line<i>\n" for i in [from, to] with 9-digit fractions, so lines 1-9 are 76 bytes, 10-99 77.
  void WriteLines(const JsonFileConfig& cfg, int from, int to) {
    auto w = JsonFileWriter::Open(cfg);
    ASSERT_TRUE(w.ok()) << w.error().message();
    for (int i = from; i <= to; ++i)
      ASSERT_TRUE((*w)->Write(Stream::kStdout, fmt::format("line{}\n", i), At(kT0 + 123456789 + i * 1000)).ok());
  }
  std::vector<std::string> LogsIn(const std::string& p) {
    std::vector<std::string> out;
    for (auto& l : Split(Slurp(p), '\n'))
      if (!l.empty()) out.push_back(l.substr(8, l.find("\\n") - 8));
    return out;
  }
  std::string path_;
};

TEST_F(WriterTest, AppendsOneLinePerMessageWithMode0640) {
  ::umask(022);
  WriteLines({.path = path_}, 1, 2);
  WriteLines({.path = path_}, 3, 3);  // reopening appends
  EXPECT_EQ(LogsIn(path_), (std::vector<std::string>{"line1", "line2", "line3"}));
  EXPECT_EQ(Slurp(path_).substr(0, 76), "{\"log\":\"line1\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-01T07:25:50.123457789Z\"}\n");
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

// dockerd with --log-opt max-size=300 --log-opt max-file=3 and 20 lines "line<i>" left
// <id>-json.log.2 = line9..12 (307 bytes), .1 = line13..16 (308), current = line17..20: rotation happens
// before a write once the file has reached max-size.
TEST_F(WriterTest, RotatesLikeDockerd) {
  JsonFileConfig cfg{.path = path_, .max_size = 300, .max_file = 3};
  WriteLines(cfg, 1, 20);
  EXPECT_EQ(LogsIn(path_ + ".2"), (std::vector<std::string>{"line9", "line10", "line11", "line12"}));
  EXPECT_EQ(LogsIn(path_ + ".1"), (std::vector<std::string>{"line13", "line14", "line15", "line16"}));
  EXPECT_EQ(LogsIn(path_), (std::vector<std::string>{"line17", "line18", "line19", "line20"}));
  EXPECT_EQ(Slurp(path_ + ".2").size(), 307u);
  EXPECT_EQ(Slurp(path_ + ".1").size(), 308u);
  EXPECT_FALSE(PathExists(path_ + ".3"));
  EXPECT_EQ(LogFilesSize(cfg), 307u + 308u + 308u);
}

TEST_F(WriterTest, MaxFileOneTruncates) {
  JsonFileConfig cfg{.path = path_, .max_size = 300, .max_file = 1};
  WriteLines(cfg, 1, 20);
  EXPECT_EQ(LogsIn(path_), (std::vector<std::string>{"line17", "line18", "line19", "line20"}));
  EXPECT_FALSE(PathExists(path_ + ".1"));
}

TEST_F(WriterTest, MaxFileTwoDropsTheOldest) {
  JsonFileConfig cfg{.path = path_, .max_size = 150, .max_file = 2};
  WriteLines(cfg, 1, 7);  // 76-byte lines: two per file
  EXPECT_EQ(LogsIn(path_ + ".1"), (std::vector<std::string>{"line5", "line6"}));
  EXPECT_EQ(LogsIn(path_), (std::vector<std::string>{"line7"}));
  EXPECT_FALSE(PathExists(path_ + ".2"));
}

TEST_F(WriterTest, NoRotationWithoutMaxSize) {
  JsonFileConfig cfg{.path = path_, .max_size = 0, .max_file = 3};
  WriteLines(cfg, 1, 50);
  EXPECT_EQ(LogsIn(path_).size(), 50u);
  EXPECT_FALSE(PathExists(path_ + ".1"));
}

TEST_F(WriterTest, ReopenedFullFileRotatesOnTheFirstWrite) {
  WriteLines({.path = path_}, 1, 4);
  JsonFileConfig cfg{.path = path_, .max_size = 300, .max_file = 2};
  WriteLines(cfg, 5, 5);
  EXPECT_EQ(LogsIn(path_ + ".1").size(), 4u);
  EXPECT_EQ(LogsIn(path_), (std::vector<std::string>{"line5"}));
}

TEST_F(WriterTest, ConcurrentWritersNeverInterleaveLines) {
  auto w = JsonFileWriter::Open({.path = path_, .max_size = 20000, .max_file = 50});
  ASSERT_TRUE(w.ok());
  auto run = [&](Stream s, char c) {
    for (int i = 0; i < 2000; ++i)
      ASSERT_TRUE((*w)->Write(s, std::string(100 + i % 50, c) + "\n", std::chrono::system_clock::now()).ok());
  };
  std::thread a(run, Stream::kStdout, 'o'), b(run, Stream::kStderr, 'e');
  a.join();
  b.join();
  w->reset();
  testing::Collector got;
  ASSERT_TRUE(testing::ReadAll({.path = path_, .max_size = 20000, .max_file = 50}, {}, got).ok());
  auto msgs = got.Snapshot();
  ASSERT_EQ(msgs.size(), 4000u);
  for (const auto& m : msgs)
    EXPECT_EQ(m.line.find_first_not_of(m.stream == Stream::kStdout ? 'o' : 'e'), m.line.size() - 1);
}

TEST_F(WriterTest, OpenFailsOnAMissingDirectory) {
  auto w = JsonFileWriter::Open({.path = dir_->path() + "/nope/c-json.log"});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code(), Errc::kNotFound);
}

}  // namespace
}  // namespace skiff::daemon::logs

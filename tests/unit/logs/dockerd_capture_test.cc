// Byte-for-byte against a log dockerd 20.10.24 wrote: testdata/dockerd-20.10-binary-output.log is the
// <id>-json.log of `sh -c 'cat /out.bin; cat /out.bin >&2'` with /out.bin as made by OutBin() below.
// Splitting that output with LineSplitter and writing each piece with dockerd's timestamp must give
// dockerd's exact lines (stream interleaving is dockerd's, so pieces are matched per stream).
#include <gtest/gtest.h>

#include <deque>
#include <filesystem>

#include "base/strings.h"
#include "daemon/logs/json_file.h"
#include "helpers.h"

namespace skiff::daemon::logs {
namespace {

std::string OutBin() {
  std::string out;
  for (int i = 0; i < 256; ++i) out += std::string(3, static_cast<char>(i));
  out += '\n';
  for (int i = 0; i < 256; ++i) out += static_cast<char>(i);
  out += "\nh\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xa8\xe2\x80\xa9 <tag> & \"quoted\" \\ back\n";
  out += "\xe2\x82\n\xf0\x9f\x98x\n\xed\xa0\x80\xef\xbf\xbd\xc0\xaf\n";
  out += std::string(20000, 'L') + "\nno newline at end";
  return out;
}

std::string TestData(const std::string& name) {
  const char* src = std::getenv("SKIFF_SRC");
  std::string dir = src ? std::string(src) + "/tests/unit/logs"
                        : std::filesystem::path(__FILE__).parent_path().string();
  return dir + "/testdata/" + name;
}

TEST(DockerdCapture, SplitterAndWriterReproduceDockerdsBytes) {
  auto captured = ReadFile(TestData("dockerd-20.10-binary-output.log"));
  ASSERT_TRUE(captured.ok()) << captured.error().message();
  std::deque<std::string> pieces;
  LineSplitter split;
  auto emit = [&](std::string_view m) { pieces.emplace_back(m); };
  split.Feed(OutBin(), emit);
  split.Flush(emit);
  std::deque<std::string> want[2] = {pieces, pieces};  // the same output on stdout and stderr
  size_t lines = 0;
  for (const auto& line : Split(*captured, '\n')) {
    if (line.empty()) continue;
    ++lines;
    Stream s = line.find("\"stream\":\"stderr\"") != std::string::npos ? Stream::kStderr : Stream::kStdout;
    auto t = ParseApiTimestamp(line.substr(line.rfind("\"time\":\"") + 8, line.size() - line.rfind("\"time\":\"") - 10));
    ASSERT_TRUE(t.ok()) << line;
    auto& q = want[s == Stream::kStderr];
    ASSERT_FALSE(q.empty()) << "dockerd logged more pieces than the splitter made: " << line;
    EXPECT_EQ(FormatJsonLine(s, q.front(), testing::At(*t)), line + "\n");
    q.pop_front();
  }
  EXPECT_TRUE(want[0].empty() && want[1].empty());
  EXPECT_EQ(lines, 2 * pieces.size());
}

}  // namespace
}  // namespace skiff::daemon::logs

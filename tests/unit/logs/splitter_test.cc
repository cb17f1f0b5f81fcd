// LineSplitter: Docker's copier rules (cut at '\n', every 16 KiB without one, the rest at the end).
#include <gtest/gtest.h>

#include "daemon/logs/json_file.h"
#include "helpers.h"

namespace skiff::daemon::logs {
namespace {

using testing::At;

struct Piece {
  std::string msg;
  int64_t t;
};

std::vector<Piece> Split(const std::vector<std::pair<std::string, int64_t>>& feeds, int64_t flush_at) {
  LineSplitter s;
  std::vector<Piece> out;
  auto emit = [&](std::string_view m, LineSplitter::TimePoint t) {
    out.push_back({std::string(m), std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count()});
  };
  for (const auto& [data, t] : feeds) s.Feed(data, At(t), emit);
  s.Flush(At(flush_at), emit);
  return out;
}

TEST(LineSplitter, LinesKeepTheirNewlineAndTheRestComesAtFlush) {
  auto out = Split({{"a\nb", 1}, {"c\n\n", 2}, {"partial", 3}}, 4);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].msg, "a\n");
  EXPECT_EQ(out[0].t, 1);
  EXPECT_EQ(out[1].msg, "bc\n");
  EXPECT_EQ(out[1].t, 2);
  EXPECT_EQ(out[2].msg, "\n");
  EXPECT_EQ(out[3].msg, "partial");
  EXPECT_EQ(out[3].t, 4);
}

// The sizes dockerd logged for
//   head -c 16384 | tr x; echo; head -c 16383 | tr y; echo; head -c 40000 | tr z; echo end
TEST(LineSplitter, CutsAt16KiBLikeDockerd) {
  std::string data = std::string(16384, 'x') + "\n" + std::string(16383, 'y') + "\n" + std::string(40000, 'z') + "end\n";
  auto out = Split({{data, 10}}, 20);
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[0].msg, std::string(16384, 'x'));
  EXPECT_EQ(out[1].msg, "\n");
  EXPECT_EQ(out[2].msg, std::string(16383, 'y') + "\n");
  EXPECT_EQ(out[3].msg, std::string(16384, 'z'));
  EXPECT_EQ(out[4].msg, std::string(16384, 'z'));
  EXPECT_EQ(out[5].msg, std::string(40000 - 32768, 'z') + "end\n");
}

TEST(LineSplitter, PiecesOfACutLineShareTheFirstPiecesTime) {
  std::string big(20000, 'q');
  auto out = Split({{"one\n", 1}, {big.substr(0, 17000), 2}, {big.substr(17000), 3}, {"\nnext\n", 4}}, 5);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].t, 1);
  EXPECT_EQ(out[1].msg.size(), 16384u);
  EXPECT_EQ(out[1].t, 2);
  EXPECT_EQ(out[2].msg, std::string(20000 - 16384, 'q') + "\n");
  EXPECT_EQ(out[2].t, 2);  // the end of the cut line: the time of its first piece, as dockerd
  EXPECT_EQ(out[3].msg, "next\n");
  EXPECT_EQ(out[3].t, 4);
  // A cut line still open at the end keeps the first piece's time too.
  auto tail = Split({{std::string(16384 + 5, 'r'), 7}}, 9);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[1].msg, "rrrrr");
  EXPECT_EQ(tail[1].t, 7);
}

TEST(LineSplitter, ByteByByteGivesTheSameMessages) {
  std::string data = "hello\n" + std::string(16390, 'w') + "\nbye";
  std::vector<std::string> whole, bytes;
  LineSplitter a, b;
  a.Feed(data, [&](std::string_view m) { whole.emplace_back(m); });
  a.Flush([&](std::string_view m) { whole.emplace_back(m); });
  for (char c : data) b.Feed(std::string_view(&c, 1), [&](std::string_view m) { bytes.emplace_back(m); });
  b.Flush([&](std::string_view m) { bytes.emplace_back(m); });
  EXPECT_EQ(whole, bytes);
  ASSERT_EQ(whole.size(), 4u);
  EXPECT_EQ(whole[1].size(), 16384u);
  EXPECT_EQ(whole[2], "wwwwww\n");
  EXPECT_EQ(whole[3], "bye");
}

TEST(LineSplitter, FlushWithNothingPendingEmitsNothing) {
  LineSplitter s;
  int n = 0;
  s.Feed("x\n", [&](std::string_view) { ++n; });
  s.Flush([&](std::string_view) { ++n; });
  s.Flush([&](std::string_view) { ++n; });
  EXPECT_EQ(n, 1);
}

}  // namespace
}  // namespace skiff::daemon::logs

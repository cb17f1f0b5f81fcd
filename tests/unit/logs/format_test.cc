// json-file line format: byte-identical to what dockerd 20.10 wrote, escaping rules, timestamps.
#include <gtest/gtest.h>

#include "daemon/logs/json_file.h"
#include "helpers.h"

namespace skiff::daemon::logs {
namespace {

using testing::At;

// Lines captured from a private dockerd 20.10.24 (containers/<id>/<id>-json.log) for
//   docker run --network none busybox sh -c 'echo a; echo b >&2; printf partial'
//   docker run ... sh -c 'printf "tab\there <b>&amp; \"q\" back\\\\ cr\r\n";
//                         printf "\xff\xfe bad \xe2\x80\xa8 ls \xc3\xa9 ok \x01 ctl \x7f del\n"; printf "\n"'
// and one whose time has trailing zeros trimmed (Go's RFC3339Nano).
struct Captured {
  Stream stream;
  std::string msg;
  int64_t sec, nsec;
  std::string line;
};

std::vector<Captured> DockerLines() {
  return {
      {Stream::kStderr, "b\n", 1796109950, 103618001,
       R"({"log":"b\n","stream":"stderr","time":"2026-12-01T07:25:50.103618001Z"})"},
      {Stream::kStdout, "a\n", 1796109950, 103730188,
       R"({"log":"a\n","stream":"stdout","time":"2026-12-01T07:25:50.103730188Z"})"},
      {Stream::kStdout, "partial", 1796109950, 127473064,
       R"({"log":"partial","stream":"stdout","time":"2026-12-01T07:25:50.127473064Z"})"},
      {Stream::kStdout, "tab\there <b>&amp; \"q\" back\\ cr\r\n", 1796109950, 296840096,
       R"({"log":"tab\u0009here \u003cb\u003e\u0026amp; \"q\" back\\ cr\r\n","stream":"stdout","time":"2026-12-01T07:25:50.296840096Z"})"},
      {Stream::kStdout, "\xff\xfe bad \xe2\x80\xa8 ls \xc3\xa9 ok \x01 ctl \x7f del\n", 1796109950, 296865438,
       "{\"log\":\"\\ufffd\\ufffd bad \\u2028 ls \xc3\xa9 ok \\u0001 ctl \x7f del\\n\",\"stream\":\"stdout\","
       "\"time\":\"2026-12-01T07:25:50.296865438Z\"}"},
      {Stream::kStdout, "\n", 1796109950, 296868592,
       R"({"log":"\n","stream":"stdout","time":"2026-12-01T07:25:50.296868592Z"})"},
      {Stream::kStdout, "line20\n", 1796109958, 112654280,
       R"({"log":"line20\n","stream":"stdout","time":"2026-12-01T07:25:58.11265428Z"})"},
  };
}

TEST(JsonLineFormat, ByteIdenticalToDockerd) {
  for (const auto& c : DockerLines())
    EXPECT_EQ(FormatJsonLine(c.stream, c.msg, At(c.sec * 1'000'000'000LL + c.nsec)), c.line + "\n");
}

TEST(JsonLineFormat, ReadsDockerWrittenFile) {
  auto dir = TempDir::Create();
  ASSERT_TRUE(dir.ok());
  std::string path = dir->path() + "/c-json.log", text;
  for (const auto& c : DockerLines()) text += c.line + "\n";
  ASSERT_TRUE(WriteFileAtomic(path, text, 0640, false).ok());
  testing::Collector got;
  ASSERT_TRUE(testing::ReadAll({.path = path}, {}, got).ok());
  auto msgs = got.Snapshot();
  auto want = DockerLines();
  ASSERT_EQ(msgs.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(msgs[i].stream, want[i].stream) << i;
    EXPECT_EQ(msgs[i].time_ns, want[i].sec * 1'000'000'000LL + want[i].nsec) << i;
    if (i != 4) {  // 4 had invalid UTF-8, now U+FFFD
      EXPECT_EQ(msgs[i].line, want[i].msg) << i;
    }
  }
  EXPECT_EQ(msgs[4].line, "\xef\xbf\xbd\xef\xbf\xbd bad \xe2\x80\xa8 ls \xc3\xa9 ok \x01 ctl \x7f del\n");
}

std::string LogField(std::string_view msg) {
  std::string line = FormatJsonLine(Stream::kStdout, msg, At(testing::kT0));
  auto end = line.find(",\"stream\"");
  return line.substr(7, end - 7);  // after {"log":
}

TEST(JsonLineFormat, HtmlAndControlCharacters) {
  EXPECT_EQ(LogField("<a href=\"x\">&</a>"), R"("\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e")");
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls += static_cast<char>(c);
  EXPECT_EQ(LogField(controls),
            R"("\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\n\u000b\u000c\r\u000e\u000f)"
            R"(\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f")");
  EXPECT_EQ(LogField("\x7f/'`"), "\"\x7f/'`\"");
}

TEST(JsonLineFormat, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(LogField("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");  // é € 😀
  EXPECT_EQ(LogField("\xef\xbf\xbd"), "\"\xef\xbf\xbd\"");           // a real U+FFFD stays as is
  EXPECT_EQ(LogField("\xc0\x80"), R"("\ufffd\ufffd")");              // overlong NUL
  EXPECT_EQ(LogField("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");    // UTF-16 surrogate
  EXPECT_EQ(LogField("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
  EXPECT_EQ(LogField("x\xe2\x82"), R"("x\ufffd\ufffd")");            // cut short
  EXPECT_EQ(LogField("\x80"), R"("\ufffd")");
  EXPECT_EQ(LogField("\xe2\x80\xa8\xe2\x80\xa9"), R"("\u2028\u2029")");
}

TEST(JsonLineFormat, EmptyMessageHasNoLogKey) {
  EXPECT_EQ(FormatJsonLine(Stream::kStderr, "", At(testing::kT0)),
            "{\"stream\":\"stderr\",\"time\":\"2026-12-01T07:25:50Z\"}\n");
}

TEST(JsonLineFormat, Rfc3339NanoTrimsTrailingZeros) {
  EXPECT_EQ(FormatRfc3339Nano(testing::kT0), "2026-12-01T07:25:50Z");
  EXPECT_EQ(FormatRfc3339Nano(testing::kT0 + 100'000'000), "2026-12-01T07:25:50.1Z");
  EXPECT_EQ(FormatRfc3339Nano(testing::kT0 + 120'000), "2026-12-01T07:25:50.00012Z");
  EXPECT_EQ(FormatRfc3339Nano(testing::kT0 + 1), "2026-12-01T07:25:50.000000001Z");
  EXPECT_EQ(FormatRfc3339Nano(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatRfc3339Nano(951782400LL * 1'000'000'000), "2000-02-29T00:00:00Z");
}

TEST(ApiTimestamp, UnixSecondsAndFractions) {
  EXPECT_EQ(*ParseApiTimestamp(""), 0);
  EXPECT_EQ(*ParseApiTimestamp("1700000000"), 1700000000LL * 1'000'000'000);
  EXPECT_EQ(*ParseApiTimestamp("1700000000.5"), 1700000000LL * 1'000'000'000 + 500'000'000);
  EXPECT_EQ(*ParseApiTimestamp("1700000000.123456789"), 1700000000LL * 1'000'000'000 + 123'456'789);
  // Docker scales the fraction by its digit count: ".185089" is 185089000 ns.
  EXPECT_EQ(*ParseApiTimestamp("1796109979.185089"), 1796109979LL * 1'000'000'000 + 185'089'000);
  EXPECT_EQ(*ParseApiTimestamp("1.0000000019"), 1'000'000'001);
}

TEST(ApiTimestamp, Rfc3339) {
  EXPECT_EQ(*ParseApiTimestamp("2026-12-01T07:25:50Z"), testing::kT0);
  EXPECT_EQ(*ParseApiTimestamp("2026-12-01T07:25:50.103618001Z"), testing::kT0 + 103618001);
  EXPECT_EQ(*ParseApiTimestamp("2026-12-01T09:25:50.5+02:00"), testing::kT0 + 500'000'000);
  EXPECT_EQ(*ParseApiTimestamp("2026-12-01T07:00:50-00:25"), testing::kT0);
}

TEST(ApiTimestamp, InvalidValuesNameTheValue) {
  for (std::string v : {"abc", "12x", "1.", "1.2.3", "1.-5", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                        "2026-12-01T07:25:50", "2026-12-01T25:00:00Z", "2026-12-01 07:25:50Z"}) {
    auto r = ParseApiTimestamp(v);
    ASSERT_FALSE(r.ok()) << v;
    EXPECT_EQ(r.error().code(), Errc::kInvalidArgument) << v;
    EXPECT_NE(r.error().message().find("'" + v + "'"), std::string::npos) << r.error().message();
  }
}

TEST(LogOptions, SizesAndCounts) {
  auto parse = [](std::map<std::string, std::string> o) { return ParseJsonFileOptions("/x/c-json.log", o); };
  auto d = parse({});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->path, "/x/c-json.log");
  EXPECT_EQ(d->max_size, 0u);
  EXPECT_EQ(d->max_file, 1);
  EXPECT_EQ(parse({{"max-size", "10m"}})->max_size, 10'000'000u);  // decimal, as units.FromHumanSize
  EXPECT_EQ(parse({{"max-size", "1g"}})->max_size, 1'000'000'000u);
  EXPECT_EQ(parse({{"max-size", "512k"}})->max_size, 512'000u);
  EXPECT_EQ(parse({{"max-size", "100"}})->max_size, 100u);
  EXPECT_EQ(parse({{"max-size", "1.5KiB"}})->max_size, 1500u);
  EXPECT_EQ(parse({{"max-size", "10 MB"}})->max_size, 10'000'000u);
  EXPECT_EQ(parse({{"max-size", "2b"}})->max_size, 2u);
  auto both = parse({{"max-size", "10m"}, {"max-file", "3"}});
  EXPECT_EQ(both->max_file, 3);
  EXPECT_EQ(parse({{"max-file", "5"}})->max_file, 5);  // accepted without max-size (no rotation), as Docker
  EXPECT_TRUE(parse({{"labels", "a,b"}, {"labels-regex", "^a"}, {"env", "X"}, {"env-regex", "^X"}, {"tag", "t"},
                     {"compress", "false"}})
                  .ok());
}

TEST(LogOptions, DockersErrors) {
  auto err = [](std::map<std::string, std::string> o) {
    auto r = ParseJsonFileOptions("/x/c-json.log", o);
    EXPECT_FALSE(r.ok());
    return r.ok() ? Error(Errc::kInternal, "accepted") : r.error();
  };
  EXPECT_EQ(err({{"foo", "1"}}).message(), "unknown log opt 'foo' for json-file log driver");
  EXPECT_EQ(err({{"max-size", "abc"}}).message(), "invalid size: 'abc'");
  EXPECT_EQ(err({{"max-size", "-1"}}).message(), "invalid size: '-1'");
  EXPECT_EQ(err({{"max-size", "0"}}).message(), "max-size must be a positive number");
  EXPECT_EQ(err({{"max-file", "0"}}).message(), "max-file cannot be less than 1");
  EXPECT_EQ(err({{"max-file", "x"}}).code(), Errc::kInvalidArgument);
  EXPECT_EQ(err({{"compress", "maybe"}}).code(), Errc::kInvalidArgument);
  Error c = err({{"compress", "true"}, {"max-size", "1m"}, {"max-file", "3"}});
  EXPECT_EQ(c.code(), Errc::kUnsupported);
  EXPECT_NE(c.message().find("compress is not supported"), std::string::npos);
}

}  // namespace
}  // namespace skiff::daemon::logs

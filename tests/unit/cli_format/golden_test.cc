// Golden tests: every expected string in golden_cases.inc was produced by real Go (text/template, fmt,
// text/tabwriter, encoding/json) and docker/go-units v0.4.0 via golden/gen.go.
#include <gtest/gtest.h>

#include <string_view>

#include "base/json.h"
#include "base/units.h"
#include "cli/format/format.h"
#include "cli/format/tabwriter.h"
#include "cli/format/template.h"

namespace skiff::cli::format {
namespace {

#define SV(s) std::string_view(s, sizeof(s) - 1)

struct TmplGolden {
  std::string_view tmpl, data;
  int missing_key;  // 0 default, 1 zero, 2 error
  bool header;
  std::string_view out, err;
};
struct TabGolden {
  int minwidth, tabwidth, padding, padchar;
  unsigned flags;
  int nwrites;
  std::string_view writes[4];
  std::string_view out;
};
struct FormatGolden {
  std::string_view format, header;
  int nrows;
  std::string_view rows[3];
  std::string_view out, err;
};
struct SizeGolden {
  double bytes;
  std::string_view human, human3, binary, custom;
};
struct ParseGolden {
  std::string_view in;
  long long decimal;
  std::string_view decimal_err;
  long long ram;
  std::string_view ram_err;
};
struct DurationGolden {
  long long ns;
  std::string_view out;
};
struct FloatGolden {
  double v;
  char fmt;
  int prec;
  std::string_view out;
};

#include "golden_cases.inc"

Json Data(std::string_view text) { return text.empty() ? Json() : Json::parse(text); }

TEST(GoldenTemplate, MatchesGo) {
  int n = 0;
  for (const TmplGolden& c : kTmplGolden) {
    SCOPED_TRACE(testing::Message() << "template: " << c.tmpl << "  data: " << c.data);
    auto t = Template::Parse(c.tmpl);
    std::string out, err;
    if (!t.ok()) {
      err = t.error().message();
      EXPECT_EQ(t.error().code(), Errc::kInvalidArgument);
    } else {
      ExecOptions opts;
      opts.missing_key = c.missing_key == 1 ? MissingKey::kZero : c.missing_key == 2 ? MissingKey::kError
                                                                                     : MissingKey::kDefault;
      opts.header_functions = c.header;
      Status st = t->ExecutePartial(Data(c.data), opts, &out);
      if (!st.ok()) err = st.error().message();
    }
    EXPECT_EQ(out, c.out);
    EXPECT_EQ(err, c.err);
    ++n;
  }
  EXPECT_GT(n, 250);
}

TEST(GoldenTabWriter, MatchesGo) {
  for (const TabGolden& c : kTabGolden) {
    SCOPED_TRACE(testing::Message() << "first write: " << c.writes[0] << " flags " << c.flags);
    TabWriter w(c.minwidth, c.tabwidth, c.padding, static_cast<char>(c.padchar), c.flags);
    for (int i = 0; i < c.nwrites; ++i) w.Write(c.writes[i]);
    EXPECT_EQ(w.Flush(), c.out);
  }
}

TEST(GoldenFormat, MatchesDockerFormatter) {
  for (const FormatGolden& c : kFormatGolden) {
    SCOPED_TRACE(testing::Message() << "format: " << c.format);
    std::vector<Json> rows;
    for (int i = 0; i < c.nrows; ++i) rows.push_back(Json::parse(c.rows[i]));
    auto r = RenderRows(ParseFormat(c.format), Json::parse(c.header), rows);
    if (c.err.empty()) {
      ASSERT_TRUE(r.ok()) << r.error().message();
      EXPECT_EQ(*r, c.out);
    } else {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().message(), c.err);
    }
  }
}

TEST(GoldenUnits, Sizes) {
  for (const SizeGolden& c : kSizeGolden) {
    SCOPED_TRACE(testing::Message() << "bytes: " << c.bytes);
    EXPECT_EQ(units::HumanSize(c.bytes), c.human);
    EXPECT_EQ(units::HumanSizeWithPrecision(c.bytes, 3), c.human3);
    EXPECT_EQ(units::BytesSize(c.bytes), c.binary);
    EXPECT_EQ(units::CustomSize("%.2f %s", c.bytes, 1000, {"B", "K", "M", "G"}), c.custom);
  }
}

TEST(GoldenUnits, ParseSizes) {
  for (const ParseGolden& c : kParseGolden) {
    SCOPED_TRACE(testing::Message() << "input: '" << c.in << "'");
    auto d = units::FromHumanSize(c.in);
    if (c.decimal_err.empty()) {
      ASSERT_TRUE(d.ok()) << d.error().message();
      EXPECT_EQ(*d, c.decimal);
    } else {
      ASSERT_FALSE(d.ok());
      EXPECT_EQ(d.error().message(), c.decimal_err);
      EXPECT_EQ(d.error().code(), Errc::kInvalidArgument);
    }
    auto r = units::RAMInBytes(c.in);
    if (c.ram_err.empty()) {
      ASSERT_TRUE(r.ok()) << r.error().message();
      EXPECT_EQ(*r, c.ram);
    } else {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().message(), c.ram_err);
    }
  }
}

TEST(GoldenUnits, Durations) {
  for (const DurationGolden& c : kDurationGolden) {
    SCOPED_TRACE(testing::Message() << "ns: " << c.ns);
    EXPECT_EQ(units::HumanDuration(std::chrono::nanoseconds(c.ns)), c.out);
  }
}

TEST(GoldenUnits, FormatFloat) {
  for (const FloatGolden& c : kFloatGolden) {
    SCOPED_TRACE(testing::Message() << "v=" << c.v << " fmt=" << c.fmt << " prec=" << c.prec);
    EXPECT_EQ(units::FormatFloat(c.v, c.fmt, c.prec), c.out);
  }
}

}  // namespace
}  // namespace skiff::cli::format

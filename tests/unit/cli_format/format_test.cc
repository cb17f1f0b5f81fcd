// Docker-level behaviour of cli/format. Expected outputs were taken from docker 20.10.24 (Debian 12) run
// against a private dockerd: `docker ps --format ...`, `docker inspect -f ...` (see each test).
#include <gtest/gtest.h>

#include <thread>

#include "base/json.h"
#include "base/units.h"
#include "cli/format/format.h"
#include "cli/format/tabwriter.h"
#include "cli/format/template.h"

namespace skiff::cli::format {
namespace {

const Json kPsHeader = Json::parse(
    R"({"ID":"CONTAINER ID","Image":"IMAGE","Names":"NAMES","Labels":"LABELS","Status":"STATUS"})");

std::vector<Json> PsRows() {
  return {Json::parse(R"({"ID":"64d875291a34","Image":"busybox","Names":"very_long_container_name","Labels":"",)"
                      R"("Status":"Created","LabelMap":{}})"),
          Json::parse(R"({"ID":"36904fbf8da1","Image":"busybox","Names":"web","Labels":"com.example=yes,x=<a&b>",)"
                      R"("Status":"Created","LabelMap":{"com.example":"yes","x":"<a&b>"}})")};
}

// The Label method a CLI would give container rows: the value of one label.
FormatSpec WithLabelMethod(FormatSpec f) {
  f.context_type = "*formatter.ContainerContext";
  f.methods.emplace("Label", Method{1, [](const Json& self, const std::vector<std::string>& args) -> Result<Json> {
                                      auto it = self["LabelMap"].find(args[0]);
                                      return it == self["LabelMap"].end() ? Json("") : *it;
                                    }});
  return f;
}

TEST(ParseFormat, TableJsonRawAndEscapes) {
  FormatSpec t = ParseFormat(R"(table {{.ID}}\t{{.Names}})");
  EXPECT_TRUE(t.table);
  EXPECT_FALSE(t.json_all);
  EXPECT_EQ(t.body, "{{.ID}}\t{{.Names}}");

  FormatSpec plain = ParseFormat(R"(  {{.Names}}\n{{.ID}}  )");
  EXPECT_FALSE(plain.table);
  EXPECT_EQ(plain.body, "{{.Names}}\n{{.ID}}");

  FormatSpec j = ParseFormat("json");
  EXPECT_TRUE(j.json_all);
  EXPECT_EQ(j.body, "{{json .}}");

  EXPECT_TRUE(ParseFormat("raw").raw);
  EXPECT_TRUE(ParseFormat("table").table);
  EXPECT_EQ(ParseFormat("table").body, "");
  // "tablex..." is a table format in Docker too (HasPrefix).
  EXPECT_TRUE(ParseFormat("tablex{{.ID}}").table);
  EXPECT_EQ(ParseFormat("tablex{{.ID}}").body, "x{{.ID}}");
  // A literal backslash followed by something else stays.
  EXPECT_EQ(ParseFormat(R"({{.A}}\\x\r)").body, R"({{.A}}\\x\r)");
}

TEST(RenderRows, DockerPsTable) {
  // docker ps -a --format 'table {{.ID}}\t{{.Names}}'
  auto out = RenderRows(ParseFormat(R"(table {{.ID}}\t{{.Names}})"), kPsHeader, PsRows());
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(*out,
            "CONTAINER ID   NAMES\n"
            "64d875291a34   very_long_container_name\n"
            "36904fbf8da1   web\n");
}

TEST(RenderRows, HeaderFunctionsKeepHeaderText) {
  // docker ps -a --format 'table {{upper .Names}}\t{{json .Labels}}'
  auto out = RenderRows(ParseFormat(R"(table {{upper .Names}}\t{{json .Labels}})"), kPsHeader, PsRows());
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(*out,
            "NAMES                      LABELS\n"
            "VERY_LONG_CONTAINER_NAME   \"\"\n"
            "WEB                        \"com.example=yes,x=<a&b>\"\n");
}

TEST(RenderRows, NonTableKeepsTabsAndAddsNewlines) {
  // docker ps -a --format '{{.Names}}\t{{.Status}}'
  auto out = RenderRows(ParseFormat(R"({{.Names}}\t{{.Status}})"), kPsHeader, PsRows());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "very_long_container_name\tCreated\nweb\tCreated\n");
  auto none = RenderRows(ParseFormat("{{.Names}}"), kPsHeader, {});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");
  auto header_only = RenderRows(ParseFormat(R"(table {{.ID}}\t{{.Names}})"), kPsHeader, {});
  ASSERT_TRUE(header_only.ok());
  EXPECT_EQ(*header_only, "CONTAINER ID   NAMES\n");
}

TEST(RenderRows, JsonKeywordEscapesHtmlLikeMarshal) {
  // docker ps -a --format json: json.Marshal of each row, keys sorted, <>& escaped.
  std::vector<Json> rows = {Json::parse(R"({"Names":"web","Labels":"x=<a&b>","Size":"0B"})")};
  auto out = RenderRows(ParseFormat("json"), kPsHeader, rows);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "{\"Labels\":\"x=\\u003ca\\u0026b\\u003e\",\"Names\":\"web\",\"Size\":\"0B\"}\n");
  // {{json .}} of a row does the same; {{json .Labels}} does not (SetEscapeHTML(false)).
  auto dot = RenderRows(ParseFormat("{{json .}} {{json .Labels}}"), kPsHeader, rows);
  ASSERT_TRUE(dot.ok());
  EXPECT_EQ(*dot, "{\"Labels\":\"x=\\u003ca\\u0026b\\u003e\",\"Names\":\"web\",\"Size\":\"0B\"} \"x=<a&b>\"\n");
}

TEST(RenderRows, LabelMethodAndHeaderLabel) {
  // docker ps -a --format 'table {{.Names}}\t{{.Label "x"}}\t{{.ID}}'
  FormatSpec f = WithLabelMethod(ParseFormat(R"(table {{.Names}}\t{{.Label "x"}}\t{{.ID}})"));
  auto out = RenderRows(f, kPsHeader, PsRows());
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(*out,
            "NAMES                      x         CONTAINER ID\n"
            "very_long_container_name             64d875291a34\n"
            "web                        <a&b>     36904fbf8da1\n");
  // The header text of a label is its last dot-separated part with '-' and '_' as spaces.
  FormatSpec g = WithLabelMethod(ParseFormat(R"(table {{.Label "com.docker.compose-project_name"}})"));
  auto head = RenderRows(g, kPsHeader, {});
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(*head, "compose project name\n");
}

TEST(RenderRows, TypedContextErrorsLikeDocker) {
  // docker ps -a --format '{{.Names}} {{printf "%v" .Foo}}'
  auto foo = RenderRows(WithLabelMethod(ParseFormat(R"({{.Names}} {{printf "%v" .Foo}})")), kPsHeader, PsRows());
  ASSERT_FALSE(foo.ok());
  EXPECT_EQ(foo.error().message(),
            "template: :1:25: executing \"\" at <.Foo>: can't evaluate field Foo in type *formatter.ContainerContext");
  // docker ps -a --format 'table {{.Names}}\t{{.Label "com.example"}}|{{.Label}}' says :1:45: its ps command
  // first runs the raw flag text (with "table " and a two-byte \t) as a template; the formatter's own
  // position in the processed text is 38.
  auto label = RenderRows(WithLabelMethod(ParseFormat(R"(table {{.Names}}\t{{.Label "com.example"}}|{{.Label}})")),
                          kPsHeader, PsRows());
  ASSERT_FALSE(label.ok());
  EXPECT_EQ(label.error().message(),
            "template: :1:38: executing \"\" at <.Label>: wrong number of args for Label: want 1 got 0");
  // Without a context type the rows are plain maps: a missing field prints <no value>.
  auto plain = RenderRows(ParseFormat("{{.Names}}:{{.Foo}}"), kPsHeader, PsRows());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "very_long_container_name:<no value>\nweb:<no value>\n");
  // Parse errors are Go's (Docker prefixes "template parsing error: ").
  auto bad = RenderRows(ParseFormat("{{.ID"), kPsHeader, PsRows());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "template: :1: unclosed action");
  EXPECT_EQ(bad.error().code(), Errc::kInvalidArgument);
}

const Json kInspect = Json::parse(R"({
  "Id": "36904fbf8da1", "Name": "/web",
  "State": {"Status": "created", "Running": false, "Pid": 0, "ExitCode": 0},
  "Config": {"Labels": {"com.example": "yes", "x": "<a&b>"}, "Cmd": ["sleep", "100"], "StopTimeout": null}
})");

TEST(RenderInspect, DockerInspectFormat) {
  auto t = Template::Parse(R"({{json .Config.Labels}})");
  ASSERT_TRUE(t.ok());
  auto out = RenderInspect(*t, {kInspect});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "{\"com.example\":\"yes\",\"x\":\"<a&b>\"}\n");

  auto fields = Template::Parse(R"({{.State.Pid}} {{.Config.Cmd}} {{json .Config.Cmd}}|{{.Config.Labels.zzz}}|{{index .Config.Labels "zzz"}}|)");
  ASSERT_TRUE(fields.ok());
  auto f = RenderInspect(*fields, {kInspect, kInspect});
  ASSERT_TRUE(f.ok()) << f.error().message();
  EXPECT_EQ(*f, "0 [sleep 100] [\"sleep\",\"100\"]|<no value>||\n0 [sleep 100] [\"sleep\",\"100\"]|<no value>||\n");
}

TEST(RenderInspect, MissingFieldsFailAsInDocker) {
  // docker inspect -f '{{.Foo}}' web
  auto foo = Template::Parse("{{.Foo}}");
  ASSERT_TRUE(foo.ok());
  auto r = RenderInspect(*foo, {kInspect});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "template: :1:2: executing \"\" at <.Foo>: map has no entry for key \"Foo\"");
  // docker inspect -f '{{.State.Health.Status}}' web
  auto health = Template::Parse("{{.State.Health.Status}}");
  ASSERT_TRUE(health.ok());
  auto h = RenderInspect(*health, {kInspect});
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().message(),
            "template: :1:8: executing \"\" at <.State.Health.Status>: map has no entry for key \"Health\"");
}

TEST(Template, CopyableAndReusable) {
  auto parsed = Template::Parse("{{.a}}-{{len .b}}");
  ASSERT_TRUE(parsed.ok());
  Template copy = *parsed;
  Template moved = std::move(*parsed);
  Json d1 = Json::parse(R"({"a":1,"b":[1,2]})");
  Json d2 = Json::parse(R"({"a":"x","b":"abc"})");
  EXPECT_EQ(*copy.Execute(d1), "1-2");
  EXPECT_EQ(*moved.Execute(d2), "x-3");
  EXPECT_EQ(*copy.Execute(d2), "x-3");
  // Concurrent executions of one template.
  std::vector<std::thread> threads;
  std::vector<std::string> results(8);
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = *copy.Execute(i % 2 ? d1 : d2); });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < results.size(); ++i) EXPECT_EQ(results[i], i % 2 ? "1-2" : "x-3");
}

TEST(Template, UserFunctions) {
  FuncMap funcs;
  funcs["double"] = [](const std::vector<Json>& args) -> Result<Json> {
    if (args.size() != 1 || !args[0].is_number_integer()) return Error(Errc::kInvalidArgument, "want one integer");
    return Json(args[0].get<int64_t>() * 2);
  };
  funcs["upper"] = [](const std::vector<Json>&) -> Result<Json> { return Json("shadowed"); };
  auto t = Template::Parse(R"({{double .n}} {{.n | double}} {{upper "x"}})", funcs);
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(*t->Execute(Json::parse(R"({"n":21})")), "42 42 shadowed");
  auto bad = t->Execute(Json::parse(R"({"n":"s"})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "template: :1:2: executing \"\" at <double .n>: error calling double: want one integer");

  FuncMap invalid;
  invalid["bad-name"] = funcs["double"];
  auto r = Template::Parse("x", invalid);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "function name \"bad-name\" is not a valid identifier");
  // Unknown functions are parse errors.
  auto unknown = Template::Parse("{{double 1}}");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message(), "template: :1: function \"double\" not defined");
}

TEST(GoPrintAndJson, Values) {
  EXPECT_EQ(GoPrint(Json::parse(R"({"b":[1,"x",null,1.5e6],"a":{"k":true}})")), "map[a:map[k:true] b:[1 x <nil> 1.5e+06]]");
  EXPECT_EQ(GoPrint(Json(nullptr)), "<nil>");
  EXPECT_EQ(GoPrint(Json(100.0)), "100");
  EXPECT_EQ(GoPrint(Json(0.1)), "0.1");
  EXPECT_EQ(GoJson(Json::parse(R"({"b":"<&>","a":[1,2.5,1e21]})")), R"({"a":[1,2.5,1e+21],"b":"<&>"})");
  EXPECT_EQ(GoJson(Json("<&>"), true), R"("\u003c\u0026\u003e")");
}

TEST(TabWriter, ReusableAfterFlush) {
  TabWriter w(10, 1, 3, ' ', 0);
  w.Write("a\tb\n");
  EXPECT_EQ(w.Flush(), "a         b\n");
  w.Write("long cell name\tx\nshort\ty\n");
  EXPECT_EQ(w.Flush(), "long cell name   x\nshort            y\n");
  EXPECT_EQ(w.Flush(), "");
  // Text written in pieces is the same as written at once.
  TabWriter p(0, 8, 1, ' ', TabWriter::kDebug);
  for (char c : std::string("ab\tc\nd\teeee\n")) p.Write(std::string(1, c));
  EXPECT_EQ(p.Flush(), "ab |c\nd  |eeee\n");
}

TEST(Units, BriefExamples) {
  EXPECT_EQ(units::HumanSize(1230000), "1.23MB");
  EXPECT_EQ(units::HumanSize(5200), "5.2kB");
  EXPECT_EQ(units::HumanSize(100), "100B");
  EXPECT_EQ(units::HumanSizeWithPrecision(999999, 3), "1e+03kB");
  EXPECT_EQ(units::BytesSize(3.5 * 1024 * 1024 * 1024), "3.5GiB");
  EXPECT_EQ(units::CustomSize("%.1f%s", 2048, 1024, {"B", "K"}), "2.0K");
  EXPECT_EQ(units::CustomSize("%d%s", 2048, 1024, {"B", "K"}), "%!d(float64=2)K");
  EXPECT_EQ(units::CustomSize("%.1f", 2048, 1024, {"B", "K"}), "2.0%!(EXTRA string=K)");
  EXPECT_EQ(*units::RAMInBytes("6m"), 6 * 1024 * 1024);
  EXPECT_EQ(*units::RAMInBytes("1g"), 1024LL * 1024 * 1024);
  EXPECT_EQ(*units::RAMInBytes("512k"), 512 * 1024);
  EXPECT_EQ(*units::FromHumanSize("10m"), 10000000);
  EXPECT_EQ(*units::FromHumanSize("1.5GB"), 1500000000);
  EXPECT_EQ(units::RAMInBytes("1x").error().message(), "invalid size: '1x'");
  using std::chrono::hours, std::chrono::minutes, std::chrono::seconds;
  EXPECT_EQ(units::HumanDuration(std::chrono::milliseconds(500)), "Less than a second");
  EXPECT_EQ(units::HumanDuration(seconds(1)), "1 second");
  EXPECT_EQ(units::HumanDuration(seconds(3)), "3 seconds");
  EXPECT_EQ(units::HumanDuration(seconds(60)), "About a minute");
  EXPECT_EQ(units::HumanDuration(minutes(5)), "5 minutes");
  EXPECT_EQ(units::HumanDuration(minutes(60)), "About an hour");
  EXPECT_EQ(units::HumanDuration(hours(3)), "3 hours");
  EXPECT_EQ(units::HumanDuration(hours(48)), "2 days");
  EXPECT_EQ(units::HumanDuration(hours(24 * 21)), "3 weeks");
  EXPECT_EQ(units::HumanDuration(hours(24 * 120)), "4 months");
  EXPECT_EQ(units::HumanDuration(hours(24 * 365 * 2)), "2 years");
}

}  // namespace
}  // namespace skiff::cli::format

// stdcopy demultiplexing, detach keys, Go json.Indent, JSON streams, references, timestamps, queries, errors.
#include <gtest/gtest.h>

#include "cli/api_client.h"
#include "cli/json_indent.h"
#include "cli/json_stream.h"
#include "cli/output.h"
#include "cli/reference.h"
#include "cli/stdcopy.h"
#include "cli/terminal.h"
#include "cli/timefmt.h"

namespace skiff::cli {
namespace {

struct Collected {
  std::string out, err;
  StdcopyDemux demux{[this](StdStream s, std::string_view d) -> Status {
    (s == StdStream::kStderr ? err : out).append(d);
    return Ok();
  }};
};

TEST(Stdcopy, WholeAndSplitFrames) {
  std::string stream = StdcopyFrame(StdStream::kStdout, "hello\n") + StdcopyFrame(StdStream::kStderr, "oops\n") +
                       StdcopyFrame(StdStream::kStdout, "") + StdcopyFrame(StdStream::kStdout, "bye");
  Collected whole;
  ASSERT_TRUE(whole.demux.Feed(stream).ok());
  EXPECT_EQ(whole.out, "hello\nbye");
  EXPECT_EQ(whole.err, "oops\n");
  for (size_t step : {1u, 3u, 7u, 8u, 9u}) {
    Collected c;
    for (size_t i = 0; i < stream.size(); i += step) ASSERT_TRUE(c.demux.Feed(stream.substr(i, step)).ok());
    EXPECT_EQ(c.out, "hello\nbye") << step;
    EXPECT_EQ(c.err, "oops\n") << step;
    EXPECT_TRUE(c.demux.AtBoundary());
  }
}

TEST(Stdcopy, HeaderLayout) {
  std::string f = StdcopyFrame(StdStream::kStderr, std::string(300, 'x'));
  ASSERT_EQ(f.size(), 308u);
  EXPECT_EQ(f[0], 2);
  EXPECT_EQ(f[1], 0);
  EXPECT_EQ(static_cast<unsigned char>(f[6]), 1);
  EXPECT_EQ(static_cast<unsigned char>(f[7]), 44);
}

TEST(Stdcopy, DaemonErrorAndBadHeader) {
  Collected c;
  auto st = c.demux.Feed(StdcopyFrame(StdStream::kSystemErr, "boom"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "Error from daemon in stream: boom");
  Collected d;
  std::string bad = StdcopyFrame(StdStream::kStdout, "x");
  bad[0] = 7;
  EXPECT_EQ(d.demux.Feed(bad).error().message(), "Unrecognized input header: 7");
}

TEST(DetachKeys, ToBytes) {
  EXPECT_EQ(*DetachKeysToBytes("ctrl-p,ctrl-q"), std::string("\x10\x11"));
  EXPECT_EQ(*DetachKeysToBytes("a,ctrl-@,ctrl-[,ctrl-\\,DEL"), std::string("a\x00\x1b\x1c\x7f", 5));
  EXPECT_EQ(DetachKeysToBytes("ctrl-1").error().message(), "Unknown character: 'ctrl-1'");
}

TEST(DetachKeys, Filter) {
  bool hit = false;
  EscapeFilter f(std::string("\x10\x11"));
  EXPECT_EQ(f.Filter("ls\n", &hit), "ls\n");
  EXPECT_FALSE(hit);
  EXPECT_EQ(f.Filter("\x10", &hit), "");  // held back
  EXPECT_FALSE(hit);
  EXPECT_EQ(f.Filter("x", &hit), "\x10x");  // released
  EXPECT_EQ(f.Filter("\x10", &hit), "");
  EXPECT_EQ(f.Filter("\x11", &hit), "");
  EXPECT_TRUE(hit);
  EscapeFilter g(std::string("\x10\x11"));
  EXPECT_EQ(g.Filter("echo\x10\x11rest", &hit), "echo");
  EXPECT_TRUE(hit);
  EscapeFilter h(std::string("\x10\x11"));
  EXPECT_EQ(h.Filter("\x10\x10\x11", &hit), "\x10");
  EXPECT_TRUE(hit);
  EscapeFilter none("");
  EXPECT_EQ(none.Filter("\x10\x11", &hit), "\x10\x11");
  EXPECT_FALSE(hit);
}

TEST(JsonIndent, LikeGo) {
  EXPECT_EQ(GoJsonIndent(R"([{"a":1,"b":[],"c":{},"d":[1,2],"e":"x\"y, z: [w]"}])", "", "    "),
            "[\n    {\n        \"a\": 1,\n        \"b\": [],\n        \"c\": {},\n        \"d\": [\n            1,\n"
            "            2\n        ],\n        \"e\": \"x\\\"y, z: [w]\"\n    }\n]");
  EXPECT_EQ(GoJsonIndent(" {\"k\" : \"\\u003c\" }\n", "", "  "), "{\n  \"k\": \"\\u003c\"\n}");
  EXPECT_EQ(GoJsonIndent("[]", "", "    "), "[]");
}

TEST(JsonStream, SplitsValuesAcrossReads) {
  JsonStream s;
  std::vector<std::string> seen;
  auto fn = [&](const Json& j) {
    seen.push_back(j.dump());
    return Ok();
  };
  ASSERT_TRUE(s.Feed("{\"a\":\"}{\"}\n{\"b\"", fn).ok());
  EXPECT_EQ(seen.size(), 1u);
  ASSERT_TRUE(s.Feed(":[1,{}]}{\"c\":2}", fn).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{R"({"a":"}{"})", R"({"b":[1,{}]})", R"({"c":2})"}));
}

TEST(Reference, Normalize) {
  auto r = ParseNormalizedNamed("busybox");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->String(), "docker.io/library/busybox");
  EXPECT_EQ(TagNameOnly(*r).FamiliarString(), "busybox:latest");
  EXPECT_EQ(TagNameOnly(*r).String(), "docker.io/library/busybox:latest");
  r = ParseNormalizedNamed("me/app:1.0");
  EXPECT_EQ(r->String(), "docker.io/me/app:1.0");
  EXPECT_EQ(r->FamiliarName(), "me/app");
  r = ParseNormalizedNamed("localhost:5000/x/y@sha256:" + std::string(64, 'a'));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->domain, "localhost:5000");
  EXPECT_EQ(r->path, "x/y");
  EXPECT_TRUE(r->tag.empty());
  EXPECT_EQ(r->FamiliarName(), "localhost:5000/x/y");
  EXPECT_EQ(ParseNormalizedNamed("Bad:x").error().message(), "invalid reference format: repository name must be lowercase");
  EXPECT_EQ(ParseNormalizedNamed("a::b").error().message(), "invalid reference format");
  EXPECT_FALSE(ParseNormalizedNamed(std::string(64, 'f')).ok());
  EXPECT_TRUE(IsFullImageId("sha256:" + std::string(64, 'f')));
  EXPECT_EQ(ParseNormalizedNamed("ghcr.io/lulaide/example_flask_app:latest")->FamiliarString(),
            "ghcr.io/lulaide/example_flask_app:latest");
}

TEST(Timestamps, GetTimestampLikeDocker) {
  std::time_t now = 1700000000;
  EXPECT_EQ(*GetTimestamp("10m", now), "1699999400");
  EXPECT_EQ(*GetTimestamp("1h30m", now), "1699994600");
  EXPECT_EQ(*GetTimestamp("2026-01-02T03:04:05Z", now), "1767323045.000000000");
  EXPECT_EQ(*GetTimestamp("2026-01-02T03:04:05.5+01:00", now), "1767319445.500000000");
  EXPECT_EQ(*GetTimestamp("1700000000", now), "1700000000");
  EXPECT_EQ(*GetTimestamp("1700000000.123", now), "1700000000.123");
  EXPECT_FALSE(GetTimestamp("yesterday", now).ok());
  EXPECT_EQ(*ParseRfc3339Nano("1970-01-01T00:00:01.000000002Z"), 1000000002);
}

TEST(Query, EncodesLikeGo) {
  Query q;
  q.Set("tail", "all");
  q.Set("since", "1.5");
  q.Add("names", "a b");
  q.Add("names", "c/d&e");
  q.SetBool("follow", true);
  q.SetBool("timestamps", false);
  EXPECT_EQ(q.Encode(), "follow=1&names=a+b&names=c%2Fd%26e&since=1.5&tail=all");
  EXPECT_EQ(EscapePath("/images/library/a b:tag/json"), "/images/library/a%20b:tag/json");
  EXPECT_EQ(FiltersJson({{"status", "exited"}, {"label", "a=b"}, {"status", "created"}}),
            R"({"label":{"a=b":true},"status":{"created":true,"exited":true}})");
}

TEST(ApiErrors, DaemonMessages) {
  Error e = ApiClient::ResponseError(404, "{\"message\":\"No such container: x\"}\n", "application/json");
  EXPECT_EQ(e.code(), Errc::kNotFound);
  EXPECT_EQ(e.message(), "Error response from daemon: No such container: x");
  EXPECT_EQ(NotFoundAs(e, "container", "x").message(), "Error: No such container: x");
  Error c = ApiClient::ResponseError(409, "conflict text \n", "text/plain");
  EXPECT_EQ(c.code(), Errc::kConflict);
  EXPECT_EQ(c.message(), "Error response from daemon: conflict text");
  EXPECT_EQ(NotFoundAs(c, "container", "x").message(), "Error response from daemon: conflict text");
  EXPECT_EQ(ApiClient::ResponseError(500, "", "").message(),
            "request returned Internal Server Error for API route and version 1.41, check if the server supports the "
            "requested API version");
}

}  // namespace
}  // namespace skiff::cli

namespace skiff::cli {
namespace {

TEST(OrderedJson, TemplateJsonKeepsDaemonFieldOrder) {
  const char* raw = R"({"Id":"x","Config":{"Hostname":"h","Env":null,"Cmd":["sh"],"Labels":{"b":"1","a":"<2>"}}})";
  auto ordered = std::make_shared<const OJson>(OJson::parse(raw));
  auto tmpl = format::Template::Parse("{{json .Config}} {{json .Config.Labels}} {{json .Config.Cmd}}",
                                      OrderedJsonFuncs(ordered));
  ASSERT_TRUE(tmpl.ok()) << tmpl.error().message();
  auto out = tmpl->Execute(Json::parse(raw));
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(*out, R"({"Hostname":"h","Env":null,"Cmd":["sh"],"Labels":{"b":"1","a":"\u003c2\u003e"}} )"
                  R"({"b":"1","a":"\u003c2\u003e"} ["sh"])");
}

}  // namespace
}  // namespace skiff::cli

// Router, query and error mapping, without sockets (a recording Response).
#include "server/router.h"

#include <gtest/gtest.h>

#include "server/errors.h"

namespace skiff::server {
namespace {

class FakeResponse : public Response {
 public:
  void SetHeader(std::string n, std::string v) override { headers.emplace_back(n, v); }
  Status WriteStatus(int s) override { return Set(s, ""); }
  Status WriteJson(int s, const Json& j) override { return Set(s, j.dump()); }
  Status WriteRaw(int s, std::string_view, std::string_view b) override { return Set(s, std::string(b)); }
  Status StartStream(int s, std::string_view) override { return Set(s, ""); }
  Status WriteChunk(std::string_view d) override {
    body += d;
    return Ok();
  }
  Status EndStream() override { return Ok(); }
  Result<std::unique_ptr<RawConn>> Hijack(std::string_view) override {
    return Error(Errc::kUnsupported, "fake");
  }
  bool started() const override { return status != 0; }
  Status Set(int s, std::string b) {
    status = s;
    body = std::move(b);
    return Ok();
  }
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct Hit {
  std::string route, version;
  std::map<std::string, std::string, std::less<>> params;
};

Router TestRouter(Hit* hit) {
  Router r;
  auto h = [hit](std::string name) {
    return [hit, name](Request& req, Response& res) -> Status {
      hit->route = name;
      hit->version = req.api_version;
      hit->params = req.params;
      return res.WriteStatus(200);
    };
  };
  r.Get("/containers/json", h("list"));
  r.Get("/containers/{name}/json", h("inspect"));
  r.Post("/containers/{name}/start", h("start"));
  r.Get("/images/json", h("images"));
  r.Get("/images/{name:.*}/json", h("image-inspect"));
  r.Delete("/images/{name:.*}", h("rmi"));
  r.Post("/images/{name:.*}/tag", h("tag"));
  r.Get("/fail/{code}", [](Request& req, Response&) -> Status {
    auto c = req.Param("code");
    if (c == "nf") return Error(Errc::kNotFound, "No such container: x");
    if (c == "conflict") return Error(Errc::kConflict, "busy");
    if (c == "throw") throw std::runtime_error("boom");
    return Error(Errc::kInternal, "oops");
  });
  return r;
}

FakeResponse Call(const Router& r, std::string method, std::string target) {
  Request req;
  req.method = std::move(method);
  req.target = std::move(target);
  FakeResponse res;
  (void)r.Dispatch(req, res);
  return res;
}

TEST(ServerErrors, Mapping) {
  EXPECT_EQ(HttpStatus(Errc::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatus(Errc::kNotFound), 404);
  EXPECT_EQ(HttpStatus(Errc::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatus(Errc::kConflict), 409);
  EXPECT_EQ(HttpStatus(Errc::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatus(Errc::kUnavailable), 503);
  EXPECT_EQ(HttpStatus(Errc::kUnsupported), 501);
  EXPECT_EQ(HttpStatus(Errc::kCancelled), 500);
  EXPECT_EQ(HttpStatus(Errc::kDataLoss), 500);
  EXPECT_EQ(HttpStatus(Error(Errc::kInternal, "x")), 500);
  EXPECT_EQ(ErrorJson("no such image").dump(), R"({"message":"no such image"})");
}

TEST(Router, ParamsAndVersionPrefix) {
  Hit hit;
  Router r = TestRouter(&hit);
  EXPECT_EQ(Call(r, "GET", "/containers/json").status, 200);
  EXPECT_EQ(hit.route, "list");
  EXPECT_EQ(hit.version, "1.41");
  EXPECT_EQ(Call(r, "GET", "/v1.40/containers/abc/json").status, 200);
  EXPECT_EQ(hit.route, "inspect");
  EXPECT_EQ(hit.version, "1.40");
  EXPECT_EQ(hit.params["name"], "abc");
  EXPECT_EQ(Call(r, "GET", "/v1.41/containers/json?all=1").status, 200);
  EXPECT_EQ(hit.route, "list");  // a literal beats {name}
  EXPECT_EQ(Call(r, "POST", "/v1.24/containers/c%201/start").status, 200);
  EXPECT_EQ(hit.params["name"], "c 1");
}

TEST(Router, GreedyImageNames) {
  Hit hit;
  Router r = TestRouter(&hit);
  EXPECT_EQ(Call(r, "GET", "/v1.41/images/registry.io:5000/library/alpine:3.18/json").status, 200);
  EXPECT_EQ(hit.route, "image-inspect");
  EXPECT_EQ(hit.params["name"], "registry.io:5000/library/alpine:3.18");
  EXPECT_EQ(Call(r, "GET", "/images/json").status, 200);
  EXPECT_EQ(hit.route, "images");
  EXPECT_EQ(Call(r, "DELETE", "/images/docker.io/library/busybox:latest").status, 200);
  EXPECT_EQ(hit.route, "rmi");
  EXPECT_EQ(hit.params["name"], "docker.io/library/busybox:latest");
  EXPECT_EQ(Call(r, "POST", "/images/a/b/tag?repo=x").status, 200);
  EXPECT_EQ(hit.route, "tag");
  EXPECT_EQ(hit.params["name"], "a/b");
  EXPECT_EQ(Call(r, "GET", "/images/sha256%3Aabc/json").status, 200);
  EXPECT_EQ(hit.params["name"], "sha256:abc");
}

TEST(Router, NotFoundAndMethodNotAllowed) {
  Hit hit;
  Router r = TestRouter(&hit);
  auto nf = Call(r, "GET", "/nope");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.body, R"({"message":"page not found"})");
  EXPECT_EQ(Call(r, "GET", "/containers/a/b/json").status, 404);
  auto na = Call(r, "DELETE", "/containers/json");
  EXPECT_EQ(na.status, 405);
  ASSERT_EQ(na.headers.size(), 1u);
  EXPECT_EQ(na.headers[0].first, "Allow");
  EXPECT_EQ(na.headers[0].second, "GET");
  // HEAD falls back to GET.
  EXPECT_EQ(Call(r, "HEAD", "/containers/json").status, 200);
}

TEST(Router, ApiVersionBounds) {
  Hit hit;
  Router r = TestRouter(&hit);
  auto too_new = Call(r, "GET", "/v1.99/containers/json");
  EXPECT_EQ(too_new.status, 400);
  EXPECT_NE(too_new.body.find("is too new"), std::string::npos);
  EXPECT_EQ(Call(r, "GET", "/v1.11/containers/json").status, 400);
  EXPECT_EQ(Call(r, "GET", "/v1.12/containers/json").status, 200);
  EXPECT_LT(CompareApiVersions("1.5", "1.41"), 0);
  EXPECT_EQ(CompareApiVersions("1.41", "1.41"), 0);
}

TEST(Router, HandlerErrorsBecomeJson) {
  Hit hit;
  Router r = TestRouter(&hit);
  auto nf = Call(r, "GET", "/fail/nf");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.body, R"({"message":"No such container: x"})");
  EXPECT_EQ(Call(r, "GET", "/fail/conflict").status, 409);
  EXPECT_EQ(Call(r, "GET", "/fail/other").status, 500);
  auto thrown = Call(r, "GET", "/fail/throw");
  EXPECT_EQ(thrown.status, 500);
  EXPECT_NE(thrown.body.find("boom"), std::string::npos);
}

TEST(Query, DecodingRepeatsAndBools) {
  Query q = Query::Parse("a=1&filters=%7B%22label%22%3A%5B%22x%3Dy%22%5D%7D&t=x+y&t=z&b1=true&b2=True&b3=0&b4=&"
                         "b5=no&n=42&bad=x&empty");
  EXPECT_EQ(q.GetOr("a", ""), "1");
  EXPECT_EQ(q.GetAll("t"), (std::vector<std::string>{"x y", "z"}));
  EXPECT_TRUE(q.GetBool("b1"));
  EXPECT_TRUE(q.GetBool("b2"));
  EXPECT_TRUE(q.GetBool("a"));
  EXPECT_FALSE(q.GetBool("b3", true));
  EXPECT_FALSE(q.GetBool("b4", true));
  EXPECT_FALSE(q.GetBool("b5", true));
  EXPECT_TRUE(q.GetBool("missing", true));
  EXPECT_TRUE(q.Has("empty"));
  EXPECT_EQ(*q.GetInt("n"), 42);
  EXPECT_EQ(*q.GetInt("missing", 7), 7);
  EXPECT_EQ(q.GetInt("bad").error().code(), Errc::kInvalidArgument);
  auto f = q.GetJson("filters");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)["label"][0], "x=y");
  EXPECT_FALSE(UrlDecode("%zz", false).ok());
  EXPECT_EQ(*UrlDecode("a%2Fb+c", false), "a/b+c");
}

}  // namespace
}  // namespace skiff::server

// Unit tests of the registry client's network-free parts: X-Registry-Auth coding, WWW-Authenticate
// parsing, endpoint selection and insecure matching, registry error bodies -> Docker's words.
#include <gtest/gtest.h>

#include "base/base64.h"
#include "registry/auth.h"
#include "registry/client.h"
#include "registry/errors.h"
#include "registry/http.h"

namespace skiff::registry {
namespace {

TEST(AuthHeader, DecodesUrlSafeWithAndWithoutPadding) {
  AuthConfig a;
  a.username = "user";
  a.password = "p?ss>>w~rd";  // bytes whose base64 has '-'/'_' in the URL-safe alphabet
  a.server_address = "127.0.0.1:5000";
  std::string enc = EncodeAuthHeader(a);
  auto d = DecodeAuthHeader(enc);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->username, "user");
  EXPECT_EQ(d->password, "p?ss>>w~rd");
  EXPECT_EQ(d->server_address, "127.0.0.1:5000");
  std::string unpadded = enc;
  while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
  auto d2 = DecodeAuthHeader(unpadded);
  ASSERT_TRUE(d2.ok());
  EXPECT_EQ(d2->password, a.password);
  // Standard alphabet too.
  auto d3 = DecodeAuthHeader(Base64Encode(R"({"username":"u","password":"p+/?"})"));
  ASSERT_TRUE(d3.ok());
  EXPECT_EQ(d3->password, "p+/?");
}

TEST(AuthHeader, EmptyAndBraces) {
  EXPECT_TRUE(DecodeAuthHeader("")->empty());
  EXPECT_TRUE(DecodeAuthHeader("{}")->empty());
  EXPECT_TRUE(DecodeAuthHeader(Base64UrlEncode("{}"))->empty());
  auto bad = DecodeAuthHeader("%%%not base64");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), Errc::kInvalidArgument);
  auto notjson = DecodeAuthHeader(Base64UrlEncode("hello"));
  ASSERT_FALSE(notjson.ok());
  EXPECT_EQ(notjson.error().code(), Errc::kInvalidArgument);
}

TEST(AuthHeader, JsonFieldsAndCaseInsensitiveKeys) {
  auto a = AuthConfigFromJson(Json::parse(
      R"({"Username":"u","Password":"p","Email":"e@x","ServerAddress":"s","IdentityToken":"it","RegistryToken":"rt","Auth":"dTpw"})"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->username, "u");
  EXPECT_EQ(a->identity_token, "it");
  EXPECT_EQ(a->registry_token, "rt");
  Json j = AuthConfigToJson(*a);
  EXPECT_EQ(j["serveraddress"], "s");
  EXPECT_EQ(j["identitytoken"], "it");
  EXPECT_FALSE(AuthConfigToJson(AuthConfig{}).contains("username"));
}

TEST(AuthHeader, CredentialsFromAuthField) {
  AuthConfig a;
  a.auth = Base64Encode("alice:se:cret");
  auto c = CredentialsOf(a);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->username, "alice");
  EXPECT_EQ(c->password, "se:cret");
  a.username = "bob";
  a.password = "pw";
  EXPECT_EQ(CredentialsOf(a)->username, "bob");
  AuthConfig bad;
  bad.auth = Base64Encode("nocolon");
  EXPECT_FALSE(CredentialsOf(bad).ok());
}

TEST(WwwAuthenticate, BearerWithQuotedEscapes) {
  auto cs = ParseWwwAuthenticate(
      R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push",error="insufficient_scope",x="say \"hi\"")");
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].scheme, "bearer");
  EXPECT_EQ(cs[0].Param("realm"), "https://auth.example.com/token");
  EXPECT_EQ(cs[0].Param("service"), "registry.example.com");
  EXPECT_EQ(cs[0].Param("scope"), "repository:a/b:pull,push");
  EXPECT_EQ(cs[0].Param("error"), "insufficient_scope");
  EXPECT_EQ(cs[0].Param("x"), "say \"hi\"");
}

TEST(WwwAuthenticate, BasicTokensAndSeveralChallenges) {
  auto cs = ParseWwwAuthenticate(R"(Basic realm="basic-realm")");
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].scheme, "basic");
  EXPECT_EQ(cs[0].Param("realm"), "basic-realm");
  cs = ParseWwwAuthenticate(R"(Basic realm=x, Bearer REALM="https://t/token", service=reg)");
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].Param("realm"), "x");
  EXPECT_EQ(cs[1].scheme, "bearer");
  EXPECT_EQ(cs[1].Param("realm"), "https://t/token");
  EXPECT_EQ(cs[1].Param("service"), "reg");
  EXPECT_TRUE(ParseWwwAuthenticate("").empty());
  cs = ParseWwwAuthenticate("Negotiate");
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_TRUE(cs[0].params.empty());
}

TEST(Insecure, LoopbackLocalhostAndEntries) {
  RegistryOptions o;
  EXPECT_TRUE(IsInsecure("127.0.0.1:5000", o));
  EXPECT_TRUE(IsInsecure("127.3.4.5", o));
  EXPECT_TRUE(IsInsecure("localhost:5000", o));
  EXPECT_TRUE(IsInsecure("[::1]:5000", o));
  EXPECT_FALSE(IsInsecure("10.1.2.3:5000", o));
  o.insecure = {"10.0.0.0/8", "myreg.invalid:5000", "192.168.1.7", "http://other.invalid:1"};
  EXPECT_TRUE(IsInsecure("10.1.2.3:5000", o));
  EXPECT_TRUE(IsInsecure("10.255.0.1", o));
  EXPECT_FALSE(IsInsecure("11.0.0.1:5000", o));
  EXPECT_TRUE(IsInsecure("myreg.invalid:5000", o));
  EXPECT_FALSE(IsInsecure("myreg.invalid:5001", o));  // Docker matches host:port entries exactly
  EXPECT_TRUE(IsInsecure("192.168.1.7", o));
  EXPECT_TRUE(IsInsecure("other.invalid:1", o));
  o.insecure = {"fd00::/8"};
  EXPECT_TRUE(IsInsecure("[fd12::1]:443", o));
  EXPECT_FALSE(IsInsecure("[fe80::1]:443", o));
  o.insecure = {"172.16.0.0/12"};
  EXPECT_TRUE(IsInsecure("172.31.255.255", o));
  EXPECT_FALSE(IsInsecure("172.32.0.1", o));
}

TEST(Endpoints, DockerHubWithMirrors) {
  RegistryOptions o;
  o.mirrors = {"http://127.0.0.1:5001/", "https://mirror.invalid"};
  auto eps = Endpoints("docker.io", o, false);
  ASSERT_EQ(eps.size(), 3u);
  EXPECT_EQ(eps[0].url, "http://127.0.0.1:5001");
  EXPECT_TRUE(eps[0].mirror);
  EXPECT_EQ(eps[1].url, "https://mirror.invalid");
  EXPECT_TRUE(eps[1].tls_verify);
  EXPECT_EQ(eps[2].url, "https://registry-1.docker.io");
  EXPECT_FALSE(eps[2].mirror);
  EXPECT_TRUE(eps[2].tls_verify);
  auto push = Endpoints("docker.io", o, true);
  ASSERT_EQ(push.size(), 1u);
  EXPECT_EQ(push[0].url, "https://registry-1.docker.io");
}

TEST(Endpoints, SecureAndInsecureRegistries) {
  RegistryOptions o;
  auto eps = Endpoints("registry.invalid:5000", o, false);
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].url, "https://registry.invalid:5000");
  EXPECT_TRUE(eps[0].tls_verify);
  eps = Endpoints("127.0.0.1:5000", o, true);
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_EQ(eps[0].url, "https://127.0.0.1:5000");
  EXPECT_FALSE(eps[0].tls_verify);
  EXPECT_EQ(eps[1].url, "http://127.0.0.1:5000");
  o.insecure = {"registry.invalid:5000"};
  eps = Endpoints("registry.invalid:5000", o, false);
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_EQ(eps[1].url, "http://registry.invalid:5000");
}

TEST(RegistryErrors, ManifestUnknownWithDetail) {
  auto e = ParseRegistryError(404, "Not Found", {},
                              R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"latest"}}]})");
  EXPECT_EQ(e.errc, Errc::kNotFound);
  EXPECT_EQ(e.text, "manifest unknown: manifest unknown");
  ASSERT_NE(e.first(), nullptr);
  EXPECT_FALSE(e.first()->bare);
}

TEST(RegistryErrors, BareCodesAndSeveralErrors) {
  auto e = ParseRegistryError(404, "", {}, R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})");
  EXPECT_EQ(e.text, "blob unknown");
  EXPECT_TRUE(e.first()->bare);
  e = ParseRegistryError(400, "", {},
                         R"({"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid","detail":"x"},{"code":"NOPE","message":"odd"}]})");
  EXPECT_EQ(e.errc, Errc::kInvalidArgument);
  EXPECT_EQ(e.text, "errors:\nmanifest invalid: manifest invalid\nunknown: odd\n");
}

TEST(RegistryErrors, UnauthorizedFallbacks) {
  auto e = ParseRegistryError(401, "Unauthorized", {}, "");
  EXPECT_EQ(e.errc, Errc::kPermissionDenied);
  EXPECT_EQ(e.text, "unauthorized: authentication required");
  e = ParseRegistryError(401, "", {}, R"({"details":"incorrect username or password"})");
  EXPECT_EQ(e.text, "unauthorized: incorrect username or password");
  e = ParseRegistryError(401, "", {R"(Bearer realm="https://a/t",service="s",scope="repository:x:pull",error="insufficient_scope")"},
                         R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":[{"Type":"repository","Name":"x","Action":"pull"}]}]})");
  EXPECT_EQ(e.first()->code, "DENIED");
  EXPECT_FALSE(e.first()->bare);
  EXPECT_EQ(e.text, "errors:\ndenied: requested access to the resource is denied\nunauthorized: authentication required\n");
}

TEST(RegistryErrors, UnparsableBodiesAndServerErrors) {
  auto e = ParseRegistryError(404, "Not Found", {}, "404 page not found\n");
  EXPECT_EQ(e.errc, Errc::kNotFound);
  EXPECT_EQ(e.text, "error parsing HTTP 404 response body: invalid character 'p' after top-level value: \"404 page not found\\n\"");
  e = ParseRegistryError(502, "", {}, "<html>");
  EXPECT_EQ(e.text, "received unexpected HTTP status: 502 Bad Gateway");
  e = ParseRegistryError(400, "", {}, "<html>");
  EXPECT_EQ(e.text, "error parsing HTTP 400 response body: invalid character '<' looking for beginning of value: \"<html>\"");
  e = ParseRegistryError(404, "", {}, "{}");
  EXPECT_EQ(e.text, "error parsing HTTP 404 response body: no error details found in HTTP response body: \"{}\"");
  e = ParseRegistryError(503, "Service Unavailable", {}, "busy");
  EXPECT_EQ(e.errc, Errc::kUnavailable);
  EXPECT_EQ(e.text, "received unexpected HTTP status: 503 Service Unavailable");
  EXPECT_EQ(ErrcForStatus(403), Errc::kPermissionDenied);
  EXPECT_EQ(ErrcForStatus(400), Errc::kInvalidArgument);
}

TEST(Http, UrlHelpers) {
  EXPECT_EQ(*http::ResolveUrl("http://h:1/v2/x/blobs/uploads/", "/v2/x/blobs/uploads/u?_state=a"),
            "http://h:1/v2/x/blobs/uploads/u?_state=a");
  EXPECT_EQ(*http::ResolveUrl("http://h:1/v2/x/", "https://o/p"), "https://o/p");
  EXPECT_EQ(*http::ResolveUrl("http://h:1/v2/x/tags/list", "list?n=1"), "http://h:1/v2/x/tags/list?n=1");
  EXPECT_EQ(http::Origin("HTTPS://Host:5000/v2/?a"), "https://host:5000");
  EXPECT_EQ(http::QueryEscape("repository:a/b:pull,push"), "repository%3Aa%2Fb%3Apull%2Cpush");
  EXPECT_EQ(http::GoMethod("PATCH"), "Patch");
}

}  // namespace
}  // namespace skiff::registry

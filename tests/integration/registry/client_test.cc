// The registry client against a real anonymous docker-registry over plain http, and against FakeHttp
// for dropped connections, ignored Range, redirects to another host and corrupt blobs.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "helpers.h"
#include "storage/stream.h"

namespace skiff::registry::testing {
namespace {

constexpr const char* kSchema2 = "application/vnd.docker.distribution.manifest.v2+json";
constexpr const char* kOciIndex = "application/vnd.oci.image.index.v1+json";

TEST(RegistryClient, PlainHttpPushAndPull) {
  SKIFF_START_REGISTRY(reg);
  RegistryOptions opts;
  opts.certs_dir = reg->dir() + "/no-certs";
  auto push = Client::Create(reg->addr(), {}, opts, true);
  ASSERT_TRUE(push.ok()) << push.error().message();
  Client& c = **push;

  // A layer of several MiB, streamed.
  std::string layer = RandomBytes(7 * 1024 * 1024 + 123, 1);
  storage::MemoryReader reader(layer);
  uint64_t last_progress = 0;
  auto st = c.UploadBlob("skiff/a", reader, [&](uint64_t sent) { last_progress = sent; });
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(st->size, layer.size());
  EXPECT_EQ(st->digest, Sha256Of(layer));
  EXPECT_EQ(last_progress, layer.size());

  auto stat = c.StatBlob("skiff/a", st->digest);
  ASSERT_TRUE(stat.ok()) << stat.error().message();
  ASSERT_TRUE(stat->has_value());
  EXPECT_EQ((*stat)->size, layer.size());
  auto missing = c.StatBlob("skiff/a", Sha256Of("nope"));
  ASSERT_TRUE(missing.ok()) << missing.error().message();
  EXPECT_FALSE(missing->has_value());

  // Resume from an offset.
  std::string tail;
  uint64_t total = 0;
  Status g = c.GetBlob("skiff/a", st->digest, 1000001, [&](const char* p, size_t n) {
    tail.append(p, n);
    return Ok();
  }, [&](uint64_t t) { total = t; });
  ASSERT_TRUE(g.ok()) << g.error().message();
  EXPECT_EQ(total, layer.size());
  EXPECT_TRUE(tail == layer.substr(1000001)) << tail.size();

  // An error from the sink comes back as is.
  Status aborted = c.GetBlob("skiff/a", st->digest, 0, [](const char*, size_t) {
    return Status(Error(Errc::kCancelled, "sink says stop"));
  });
  ASSERT_FALSE(aborted.ok());
  EXPECT_EQ(aborted.error().code(), Errc::kCancelled);

  // Config: monolithic upload, ReadBlob verifies.
  std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
  Digest cd = Sha256Of(config);
  ASSERT_TRUE(c.PutBlob("skiff/a", cd, config).ok());
  auto rb = c.ReadBlob("skiff/a", cd);
  ASSERT_TRUE(rb.ok()) << rb.error().message();
  EXPECT_EQ(*rb, config);

  // Manifests: schema2 by tag and digest, then an OCI index over it.
  std::string man = Schema2(cd, config.size(), st->digest, layer.size());
  auto md = c.PutManifest("skiff/a", "v1", kSchema2, man);
  ASSERT_TRUE(md.ok()) << md.error().message();
  EXPECT_EQ(*md, Sha256Of(man));
  ASSERT_TRUE(c.PutManifest("skiff/a", "v2", kSchema2, man).ok());
  auto got = c.GetManifest("skiff/a", "v1");
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(got->body, man);
  EXPECT_EQ(got->media_type, kSchema2);
  EXPECT_EQ(got->digest, *md);
  auto by_digest = c.GetManifest("skiff/a", md->str());
  ASSERT_TRUE(by_digest.ok()) << by_digest.error().message();
  EXPECT_EQ(by_digest->body, man);

  Json index = {{"schemaVersion", 2}, {"mediaType", kOciIndex},
                {"manifests", Json::array({{{"mediaType", kSchema2}, {"digest", md->str()}, {"size", man.size()},
                                            {"platform", {{"architecture", "amd64"}, {"os", "linux"}}}}})}};
  std::string idx = index.dump();
  auto id = c.PutManifest("skiff/a", "multi", kOciIndex, idx);
  ASSERT_TRUE(id.ok()) << id.error().message();
  auto gi = c.GetManifest("skiff/a", "multi");
  ASSERT_TRUE(gi.ok()) << gi.error().message();
  EXPECT_EQ(gi->media_type, kOciIndex);
  EXPECT_EQ(gi->body, idx);

  auto tags = c.ListTags("skiff/a");
  ASSERT_TRUE(tags.ok()) << tags.error().message();
  std::sort(tags->begin(), tags->end());
  EXPECT_EQ(*tags, (std::vector<std::string>{"multi", "v1", "v2"}));

  // Cross-repository mount.
  auto mounted = c.MountBlob("skiff/b", st->digest, "skiff/a");
  ASSERT_TRUE(mounted.ok()) << mounted.error().message();
  EXPECT_TRUE(*mounted);
  auto sb = c.StatBlob("skiff/b", st->digest);
  ASSERT_TRUE(sb.ok() && sb->has_value());
  auto not_mounted = c.MountBlob("skiff/b", Sha256Of("absent"), "skiff/a");
  ASSERT_TRUE(not_mounted.ok()) << not_mounted.error().message();
  EXPECT_FALSE(*not_mounted);

  // Not found, worded as Docker's daemon words it.
  auto pull = Client::Create(reg->addr(), {}, opts, false);
  ASSERT_TRUE(pull.ok());
  auto nf = (*pull)->GetManifest("skiff/a", "nope");
  ASSERT_FALSE(nf.ok());
  EXPECT_EQ(nf.error().code(), Errc::kNotFound);
  EXPECT_EQ(nf.error().message(),
            "manifest for " + reg->addr() + "/skiff/a:nope not found: manifest unknown: manifest unknown");
  auto nr = (*pull)->GetManifest("skiff/none", "latest");
  ASSERT_FALSE(nr.ok());
  EXPECT_EQ(nr.error().code(), Errc::kNotFound);
  EXPECT_EQ(nr.error().message(),
            "manifest for " + reg->addr() + "/skiff/none:latest not found: manifest unknown: manifest unknown");
  Status nb = (*pull)->GetBlob("skiff/a", Sha256Of("absent"), 0, [](const char*, size_t) { return Ok(); });
  ASSERT_FALSE(nb.ok());
  EXPECT_EQ(nb.error().code(), Errc::kNotFound);
  EXPECT_EQ(nb.error().message(), "blob unknown: blob unknown to registry");
  auto nt = (*pull)->ListTags("skiff/none");
  ASSERT_FALSE(nt.ok());
  EXPECT_EQ(nt.error().code(), Errc::kNotFound);
  EXPECT_EQ(nt.error().message(), "repository " + reg->addr() + "/skiff/none not found: name unknown: repository name not known to registry");
  auto search = (*pull)->Search("skiff", 10);  // distribution has no v1 search
  ASSERT_FALSE(search.ok());
  EXPECT_EQ(search.error().message(), "Unexpected status code 404");
}

TEST(RegistryClient, NothingListening) {
  // A port nobody listens on: bound, read and released.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  std::string domain = "127.0.0.1:" + std::to_string(port);
  auto c = Client::Create(domain, {}, RegistryOptions{}, false);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), Errc::kUnavailable);
  EXPECT_EQ(c.error().message(), "Get \"http://" + domain + "/v2/\": dial tcp " + domain + ": connect: connection refused");
}

std::string Reply(int status, const std::string& reason, const std::vector<std::string>& headers, const std::string& body,
                  size_t content_length) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  for (const auto& h : headers) out += h + "\r\n";
  out += "Content-Length: " + std::to_string(content_length) + "\r\nConnection: close\r\n\r\n" + body;
  return out;
}

TEST(RegistryClient, FakeServerEdges) {
  std::string blob = RandomBytes(300000, 7);
  Digest d = Sha256Of(blob);
  int other_port = 0;
  FakeHttp other([&](const FakeRequest& r) {
    if (r.path == "/storage/blob") return Reply(200, "OK", {}, blob, blob.size());
    return Reply(404, "Not Found", {}, "", 0);
  });
  other_port = other.port();
  FakeHttp fake([&](const FakeRequest& r) -> std::string {
    if (r.path == "/v2/") return Reply(200, "OK", {}, "{}", 2);
    if (r.path == "/v2/ignores-range/blobs/" + d.str()) return Reply(200, "OK", {}, blob, blob.size());
    if (r.path == "/v2/drops/blobs/" + d.str()) return Reply(200, "OK", {}, blob.substr(0, 1000), blob.size());
    if (r.path == "/v2/paged/tags/list")
      return Reply(200, "OK", {"Link: </v2/paged/tags/list?last=a&n=1>; rel=\"next\""}, R"({"name":"paged","tags":["a"]})", 29);
    if (r.path == "/v2/paged/tags/list?last=a&n=1") return Reply(200, "OK", {}, R"({"name":"paged","tags":["b"]})", 29);
    if (r.path == "/v2/corrupt/blobs/" + d.str()) return Reply(200, "OK", {}, "not it", 6);
    if (r.path == "/v2/redirects/blobs/" + d.str())
      return Reply(307, "Temporary Redirect", {"Location: http://localhost:" + std::to_string(other_port) + "/storage/blob"}, "", 0);
    return Reply(404, "Not Found", {"Content-Type: application/json"},
                 R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry","detail":"x"}]})", 84);
  });
  AuthConfig token;
  token.registry_token = "sekrit";
  auto c = Client::Create("127.0.0.1:" + std::to_string(fake.port()), token, RegistryOptions{}, false);
  ASSERT_TRUE(c.ok()) << c.error().message();

  std::string got;
  auto sink = [&](const char* p, size_t n) {
    got.append(p, n);
    return Ok();
  };
  uint64_t total = 0;
  ASSERT_TRUE((*c)->GetBlob("ignores-range", d, 4242, sink, [&](uint64_t t) { total = t; }).ok());
  EXPECT_EQ(total, blob.size());
  EXPECT_TRUE(got == blob.substr(4242));

  got.clear();
  Status dropped = (*c)->GetBlob("drops", d, 0, sink);
  ASSERT_FALSE(dropped.ok());
  EXPECT_EQ(dropped.error().code(), Errc::kUnavailable);
  EXPECT_EQ(got, blob.substr(0, 1000));

  auto corrupt = (*c)->ReadBlob("corrupt", d);
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.error().code(), Errc::kDataLoss);
  EXPECT_NE(corrupt.error().message().find(d.str()), std::string::npos);

  auto tags = (*c)->ListTags("paged");
  ASSERT_TRUE(tags.ok()) << tags.error().message();
  EXPECT_EQ(*tags, (std::vector<std::string>{"a", "b"}));

  got.clear();
  ASSERT_TRUE((*c)->GetBlob("redirects", d, 0, sink).ok());
  EXPECT_TRUE(got == blob);
  bool authorized_first = false;
  for (const auto& r : fake.requests()) {
    if (r.path.starts_with("/v2/redirects/")) authorized_first = r.headers.count("authorization") == 1 &&
                                                                r.headers.at("authorization") == "Bearer sekrit";
  }
  EXPECT_TRUE(authorized_first);
  auto reqs = other.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].headers.count("authorization"), 0u) << "Authorization leaked to another host";
  EXPECT_EQ(reqs[0].headers.at("user-agent"), RegistryOptions{}.user_agent);
}

}  // namespace
}  // namespace skiff::registry::testing

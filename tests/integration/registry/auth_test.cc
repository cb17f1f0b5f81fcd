// The registry client against docker-registry with htpasswd (Basic) and token (Bearer) authentication.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "base/base64.h"
#include "helpers.h"
#include "storage/stream.h"

namespace skiff::registry::testing {
namespace {

constexpr const char* kSchema2 = "application/vnd.docker.distribution.manifest.v2+json";

// Pushes a small image (config + one layer + manifest tagged `tag`) through c.
void PushImage(Client& c, const std::string& repo, const std::string& tag, Digest* layer_digest = nullptr) {
  std::string layer = RandomBytes(3 << 20, 11);
  storage::MemoryReader r(layer);
  auto st = c.UploadBlob(repo, r);
  ASSERT_TRUE(st.ok()) << st.error().message();
  std::string config = R"({"architecture":"amd64","os":"linux"})";
  ASSERT_TRUE(c.PutBlob(repo, Sha256Of(config), config).ok());
  auto md = c.PutManifest(repo, tag, kSchema2, Schema2(Sha256Of(config), config.size(), st->digest, layer.size()));
  ASSERT_TRUE(md.ok()) << md.error().message();
  if (layer_digest) *layer_digest = st->digest;
}

TEST(RegistryAuth, Basic) {
  SKIFF_START_REGISTRY(reg, "--auth", "basic");
  RegistryOptions opts;
  AuthConfig good = UserAuth(reg->user());

  auto login = Client::Create(reg->addr(), good, opts, false);
  ASSERT_TRUE(login.ok()) << login.error().message();
  auto ping = (*login)->Ping();
  ASSERT_TRUE(ping.ok()) << ping.error().message();
  EXPECT_EQ(*ping, "");

  // The auth field form of the same credentials pushes.
  AuthConfig encoded;
  encoded.auth = Base64Encode(reg->user());
  auto push = Client::Create(reg->addr(), encoded, opts, true);
  ASSERT_TRUE(push.ok());
  PushImage(**push, "team/app", "v1");
  auto got = (*login)->GetManifest("team/app", "v1");
  ASSERT_TRUE(got.ok()) << got.error().message();

  AuthConfig bad = good;
  bad.password = "wrong";
  auto badc = Client::Create(reg->addr(), bad, opts, false);
  ASSERT_TRUE(badc.ok());
  auto badping = (*badc)->Ping();
  ASSERT_FALSE(badping.ok());
  EXPECT_EQ(badping.error().code(), Errc::kPermissionDenied);
  EXPECT_EQ(badping.error().message(), "login attempt to http://" + reg->addr() + "/v2/ failed with status: 401 Unauthorized");
  auto badpull = (*badc)->GetManifest("team/app", "v1");
  ASSERT_FALSE(badpull.ok());
  EXPECT_EQ(badpull.error().code(), Errc::kPermissionDenied);
  EXPECT_EQ(badpull.error().message(), "unauthorized: authentication required");

  auto anon = Client::Create(reg->addr(), {}, opts, false);
  ASSERT_TRUE(anon.ok());
  auto anonpull = (*anon)->GetManifest("team/app", "v1");
  ASSERT_FALSE(anonpull.ok());
  EXPECT_EQ(anonpull.error().code(), Errc::kPermissionDenied);
  EXPECT_EQ(anonpull.error().message(),
            "Head \"http://" + reg->addr() + "/v2/team/app/manifests/v1\": no basic auth credentials");
  Status anonblob = (*anon)->GetBlob("team/app", Sha256Of("x"), 0, [](const char*, size_t) { return Ok(); });
  ASSERT_FALSE(anonblob.ok());
  EXPECT_EQ(anonblob.error().message(),
            "Get \"http://" + reg->addr() + "/v2/team/app/blobs/" + Sha256Of("x").str() + "\": no basic auth credentials");
}

TEST(RegistryAuth, BearerTokens) {
  SKIFF_START_REGISTRY(reg, "--auth", "token");
  RegistryOptions opts;
  AuthConfig user = UserAuth(reg->user());

  auto push = Client::Create(reg->addr(), user, opts, true);
  ASSERT_TRUE(push.ok()) << push.error().message();
  Digest layer;
  PushImage(**push, "team/app", "v1", &layer);
  // A mount needs pull,push on the target and pull on the source in one token.
  auto mounted = (*push)->MountBlob("team/other", layer, "team/app");
  ASSERT_TRUE(mounted.ok()) << mounted.error().message();
  EXPECT_TRUE(*mounted);

  auto pull = Client::Create(reg->addr(), user, opts, false);
  ASSERT_TRUE(pull.ok());
  auto got = (*pull)->GetManifest("team/app", "v1");
  ASSERT_TRUE(got.ok()) << got.error().message();
  std::string data;
  ASSERT_TRUE((*pull)->GetBlob("team/other", layer, 0, [&](const char* p, size_t n) {
    data.append(p, n);
    return Ok();
  }).ok());
  EXPECT_EQ(Sha256Of(data), layer);
  // Several threads on one client share its token cache.
  auto fresh = Client::Create(reg->addr(), user, opts, false);
  ASSERT_TRUE(fresh.ok());
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      Sha256 h;
      Status s = (*fresh)->GetBlob("team/app", layer, 0, [&](const char* p, size_t n) {
        h.Update(p, n);
        return Ok();
      });
      if (s.ok() && h.Finish() == layer) ++good;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 4);

  auto tags = (*pull)->ListTags("team/app");
  ASSERT_TRUE(tags.ok()) << tags.error().message();
  EXPECT_EQ(*tags, std::vector<std::string>{"v1"});

  // Login: the token server hands out a refresh token (identity token) for offline access.
  auto ping = (*pull)->Ping();
  ASSERT_TRUE(ping.ok()) << ping.error().message();
  EXPECT_FALSE(ping->empty());
  AuthConfig identity;
  identity.identity_token = *ping;
  auto idc = Client::Create(reg->addr(), identity, opts, false);
  ASSERT_TRUE(idc.ok());
  auto idman = (*idc)->GetManifest("team/app", "v1");
  ASSERT_TRUE(idman.ok()) << idman.error().message();

  // Anonymous: the token carries no access, the registry says insufficient_scope.
  auto anon = Client::Create(reg->addr(), {}, opts, false);
  ASSERT_TRUE(anon.ok());
  auto denied = (*anon)->GetManifest("team/app", "v1");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code(), Errc::kPermissionDenied);
  EXPECT_EQ(denied.error().message(),
            "pull access denied for " + reg->addr() +
                "/team/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied");

  AuthConfig bad = user;
  bad.password = "wrong";
  auto badc = Client::Create(reg->addr(), bad, opts, false);
  ASSERT_TRUE(badc.ok());
  auto badping = (*badc)->Ping();
  ASSERT_FALSE(badping.ok());
  EXPECT_EQ(badping.error().code(), Errc::kPermissionDenied);
  EXPECT_TRUE(badping.error().message().starts_with("Get \"http://" + reg->addr() + "/v2/\": unauthorized: "))
      << badping.error().message();

  // A registry token is sent as is.
  AuthConfig rt;
  rt.registry_token = "not-a-jwt";
  auto rtc = Client::Create(reg->addr(), rt, opts, false);
  ASSERT_TRUE(rtc.ok());
  auto rtman = (*rtc)->GetManifest("team/app", "v1");
  ASSERT_FALSE(rtman.ok());
  EXPECT_EQ(rtman.error().code(), Errc::kPermissionDenied);
}

}  // namespace
}  // namespace skiff::registry::testing

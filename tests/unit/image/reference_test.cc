#include "image/reference.h"

#include <gtest/gtest.h>

#include "image/changes.h"
#include "image/model.h"

namespace skiff::image {
namespace {

TEST(Reference, NormalisesLikeDocker) {
  struct Case {
    const char* in;
    const char* full;
    const char* familiar;
  } cases[] = {
      {"busybox", "docker.io/library/busybox", "busybox"},
      {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
      {"library/busybox", "docker.io/library/busybox", "busybox"},
      {"docker.io/busybox", "docker.io/library/busybox", "busybox"},
      {"index.docker.io/library/busybox:x", "docker.io/library/busybox:x", "busybox:x"},
      {"me/app:v1", "docker.io/me/app:v1", "me/app:v1"},
      {"host:5000/a/b:t", "host:5000/a/b:t", "host:5000/a/b:t"},
      {"localhost/x", "localhost/x", "localhost/x"},
      {"quay.io/a_b/c-d.e__f:T_1.x", "quay.io/a_b/c-d.e__f:T_1.x", "quay.io/a_b/c-d.e__f:T_1.x"},
  };
  for (const auto& c : cases) {
    auto r = ParseReference(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.error().message();
    EXPECT_EQ(r->String(), c.full) << c.in;
    EXPECT_EQ(r->FamiliarString(), c.familiar) << c.in;
  }
  EXPECT_EQ(ParseReference("busybox")->WithDefaultTag().String(), "docker.io/library/busybox:latest");
  std::string d = "sha256:" + std::string(64, 'a');
  auto r = ParseReference("busybox@" + d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->String(), "docker.io/library/busybox@" + d);
  EXPECT_EQ(r->WithDefaultTag().tag, "");
}

TEST(Reference, RejectsInvalidNamesWithDockerMessages) {
  auto upper = ParseReference("Busybox");
  ASSERT_FALSE(upper.ok());
  EXPECT_EQ(upper.error().message(), "invalid reference format: repository name must be lowercase");
  for (const char* bad : {"", "a:", ":t", "a/", "/a", "a//b", "a:b:c", "-a", "a-", "a@sha256:123", "a b",
                          "a:-tag", "a..b"}) {
    auto r = ParseReference(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), Errc::kInvalidArgument) << bad;
      EXPECT_TRUE(r.error().message().starts_with("invalid reference format")) << bad << ": " << r.error().message();
    }
  }
  auto hex = ParseReference(std::string(64, 'b'));
  ASSERT_FALSE(hex.ok());
  EXPECT_NE(hex.error().message().find("cannot specify 64-byte hexadecimal strings"), std::string::npos);
  EXPECT_FALSE(ParseReference(std::string(300, 'a')).ok());
}

TEST(Model, ChainIdsAndManifests) {
  Digest a = Sha256Of("a"), b = Sha256Of("b");
  auto chain = ChainIds({a, b});
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0], a);
  EXPECT_EQ(chain[1], Sha256Of(a.str() + " " + b.str()));

  std::string idx = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + a.str() + R"(","size":1,"platform":{"os":"linux","architecture":"arm64"}},
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + b.str() + R"(","size":1,"platform":{"os":"linux","architecture":"amd64"}}]})";
  auto ix = ParseIndex(idx);
  ASSERT_TRUE(ix.ok()) << ix.error().message();
  EXPECT_EQ(PickPlatform(*ix)->digest, b);
  auto none = PickPlatform(*ix, Platform{"linux", "s390x", ""});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message().find("linux/arm64"), std::string::npos);

  auto bad = ParseImageConfig(R"({"rootfs":{"type":"layers","diff_ids":["sha256:xyz"]}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("rootfs.diff_ids[0]"), std::string::npos);
  auto cfg = ParseImageConfig(
      R"({"config":{"Env":["A=1"],"ExposedPorts":{"80/tcp":{}}},"history":[{"created_by":"x","empty_layer":true}],"rootfs":{"type":"layers","diff_ids":[]}})");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message();
  EXPECT_TRUE(cfg->history[0].empty_layer);
  EXPECT_EQ((*cfg->config.exposed_ports)[0], "80/tcp");
}

TEST(Changes, DockerfileInstructions) {
  RunConfig c;
  for (const char* ch : {"CMD [\"/bin/sh\",\"-c\",\"echo hi\"]", "ENTRYPOINT /init", "ENV A=1 B=\"two words\"",
                         "ENV C 3", "EXPOSE 80 53/udp", "LABEL k=v", "USER nobody", "WORKDIR /srv", "WORKDIR app",
                         "VOLUME /data", "ONBUILD RUN x",
                         "HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/"}) {
    auto st = ApplyChange(ch, c);
    ASSERT_TRUE(st.ok()) << ch << ": " << st.error().message();
  }
  EXPECT_EQ(*c.cmd, (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(*c.entrypoint, (std::vector<std::string>{"/bin/sh", "-c", "/init"}));
  EXPECT_EQ(*c.env, (std::vector<std::string>{"A=1", "B=two words", "C=3"}));
  EXPECT_EQ(*c.exposed_ports, (std::vector<std::string>{"80/tcp", "53/udp"}));
  EXPECT_EQ(*c.working_dir, "/srv/app");
  Json j = c.ToJson();
  EXPECT_EQ(j["Healthcheck"]["Interval"], 30000000000LL);
  EXPECT_EQ(j["Healthcheck"]["Test"][0], "CMD-SHELL");
  auto bad = ApplyChange("RUN rm -rf /", c);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "run is not a valid change command");
}

}  // namespace
}  // namespace skiff::image

// The pieces of pull and push that need no registry: the gzip encoder, dockerd's manifest layout and
// progress strings.
#include <gtest/gtest.h>

#include "image/model.h"
#include "registry/transfer/gzip.h"
#include "registry/transfer/progress.h"
#include "registry/transfer/push.h"
#include "storage/decompress.h"

namespace skiff::registry {
namespace {

std::string ReadAll(storage::ByteReader& r, size_t chunk) {
  std::string out, buf(chunk, '\0');
  for (;;) {
    auto n = r.Read(buf.data(), buf.size());
    EXPECT_TRUE(n.ok());
    if (!n.ok() || *n == 0) return out;
    out.append(buf.data(), *n);
  }
}

TEST(Gzip, RoundTripsAnyDataThroughTheDecoder) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{100000}, size_t{5 << 20}}) {
    std::string data(size, '\0');
    uint32_t x = 12345;
    for (size_t i = 0; i < size; ++i) {
      x = x * 1103515245 + 12345;
      data[i] = i % 3 ? static_cast<char>(x >> 24) : 'a';  // part random, part compressible
    }
    for (size_t chunk : {size_t{7}, size_t{65536}}) {
      if (size > 100000 && chunk < 100) continue;
      storage::MemoryReader in(data);
      GzipReader gz(in);
      std::string compressed = ReadAll(gz, chunk);
      EXPECT_EQ(gz.consumed(), size);
      ASSERT_GE(compressed.size(), 18u);
      EXPECT_EQ(storage::DetectCompression(compressed), storage::Compression::kGzip);
      storage::MemoryReader cin(compressed);
      auto dec = storage::DecompressReader::Create(cin, true).value();
      EXPECT_EQ(ReadAll(*dec, 1 << 16), data) << size << " bytes in chunks of " << chunk;
    }
  }
}

TEST(Schema2Manifest, IsLaidOutAsDockerd) {
  image::Descriptor cfg{image::media::kDockerConfig, Sha256Of("c"), 1469, {}, {}};
  image::Descriptor l1{image::media::kDockerLayerGzip, Sha256Of("l"), 772788, {}, {}};
  std::string m = Schema2Manifest(cfg, {l1});
  EXPECT_EQ(m, "{\n"
               "   \"schemaVersion\": 2,\n"
               "   \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n"
               "   \"config\": {\n"
               "      \"mediaType\": \"application/vnd.docker.container.image.v1+json\",\n"
               "      \"size\": 1469,\n"
               "      \"digest\": \"" + cfg.digest.str() + "\"\n"
               "   },\n"
               "   \"layers\": [\n"
               "      {\n"
               "         \"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\n"
               "         \"size\": 772788,\n"
               "         \"digest\": \"" + l1.digest.str() + "\"\n"
               "      }\n"
               "   ]\n"
               "}");
  auto parsed = image::ParseManifest(m);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->layers.size(), 1u);
}

TEST(Progress, SerialisesMessagesAndStopsWhenTheSinkFails) {
  std::vector<Json> got;
  bool fail = false;
  Progress p([&](const Json& m) -> Status {
    if (fail) return Error(Errc::kUnavailable, "client gone");
    got.push_back(m);
    return Ok();
  });
  p.Status("Pulling fs layer", "abc");
  p.Bytes("Downloading", "abc", 50, 100);
  p.Status("Digest: sha256:x");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].dump(), R"({"id":"abc","progressDetail":{},"status":"Pulling fs layer"})");
  EXPECT_EQ(got[1]["progressDetail"]["current"], 50);
  EXPECT_EQ(got[1]["progressDetail"]["total"], 100);
  EXPECT_EQ(got[2].dump(), R"({"status":"Digest: sha256:x"})");
  EXPECT_FALSE(p.cancelled());
  fail = true;
  p.Status("x");
  EXPECT_TRUE(p.cancelled());
  EXPECT_EQ(ProgressBar(50, 100).substr(0, 27), "[=========================>");
  EXPECT_EQ(ShortId("sha256:0123456789abcdef"), "0123456789ab");
}

}  // namespace
}  // namespace skiff::registry

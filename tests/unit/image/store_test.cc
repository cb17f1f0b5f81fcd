#include "image/image_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "base/file.h"
#include "../storage/tar_builder.h"
#include "str_writer.h"

namespace skiff::image {
namespace {

using skiff::testing::BuildTar;

using testing::StrWriter;

TEST(ContentStore, VerifiesAndSurvivesConcurrentWriters) {
  auto tmp = TempDir::Create("/tmp", "skiff-cs-").value();
  auto cs = ContentStore::Open(tmp.path()).value();
  std::string data(1 << 20, 'z');
  Digest d = Sha256Of(data);
  auto wrong = cs->Put(data, Sha256Of("other"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), Errc::kDataLoss);
  EXPECT_FALSE(cs->Has(Sha256Of("other")));
  std::vector<std::thread> ts;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) ts.emplace_back([&] { ok += cs->Put(data, d).ok(); });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(*cs->Read(d), data);
  EXPECT_TRUE(ListDir(JoinPath(tmp.path(), "ingest")).empty());
}

struct Store : ::testing::Test {
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the image store sets file ownership: needs root";
    tmp.emplace(TempDir::Create("/tmp", "skiff-store-").value());
    auto s = ImageStore::Open(JoinPath(tmp->path(), "a"));
    ASSERT_TRUE(s.ok()) << s.error().message();
    store = std::move(*s);
  }
  void TearDown() override {
    store.reset();
    tmp.reset();
  }
  Digest Import(const std::string& tar, const std::string& tag, std::vector<std::string> changes = {}) {
    storage::MemoryReader r(tar);
    ImportOptions o;
    o.tag = tag;
    o.changes = changes;
    auto id = store->Import(r, o);
    EXPECT_TRUE(id.ok()) << id.error().message();
    return id.ok() ? *id : Digest();
  }
  std::optional<TempDir> tmp;
  std::unique_ptr<ImageStore> store;
};

TEST_F(Store, ImportTagListHistoryInspect) {
  std::string tar = BuildTar({{"bin/", 'd'}, {"bin/hello", 'f', "hi", 0755}});
  Digest id = Import(tar, "hello", {"CMD [\"/bin/hello\"]", "ENV X=1"});
  EXPECT_EQ(*store->Resolve("hello"), id);
  EXPECT_EQ(*store->Resolve("docker.io/library/hello:latest"), id);
  EXPECT_EQ(*store->Resolve(id.hex().substr(0, 12)), id);
  EXPECT_EQ(*store->Resolve(id.str()), id);
  EXPECT_EQ(store->Resolve("nothere").error().code(), Errc::kNotFound);
  ASSERT_TRUE(store->Tag("hello", "reg:5000/x/hello:v2").ok());
  auto list = store->List().value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].repo_tags, (std::vector<std::string>{"hello:latest", "reg:5000/x/hello:v2"}));
  EXPECT_EQ(list[0].size, 2u);
  auto cfg = store->Config(id).value();
  EXPECT_EQ(cfg.diff_ids[0], Sha256Of(tar));
  EXPECT_EQ((*cfg.config.cmd)[0], "/bin/hello");
  auto hist = store->History("hello").value();
  ASSERT_EQ(hist.size(), 1u);
  EXPECT_EQ(hist[0].id, id.str());
  EXPECT_EQ(hist[0].comment, "Imported from -");
  auto j = store->Inspect("hello").value();
  EXPECT_EQ(j["RootFS"]["Layers"][0], Sha256Of(tar).str());
  EXPECT_EQ(j["Config"]["Env"][0], "X=1");
  // Bad changes leave nothing behind.
  storage::MemoryReader r(tar);
  ImportOptions o;
  o.changes = {"FROM x"};
  EXPECT_FALSE(store->Import(r, o).ok());
  EXPECT_EQ(store->List()->size(), 1u);
}

TEST_F(Store, SaveLoadRoundTripKeepsIds) {
  std::string base = BuildTar({{"etc/", 'd'}, {"etc/a", 'f', "a"}, {"etc/b", 'f', "b"}});
  Digest id = Import(base, "base:1");
  StrWriter w;
  ASSERT_TRUE(store->Save({"base:1"}, w).ok());
  auto other = ImageStore::Open(JoinPath(tmp->path(), "b")).value();
  storage::MemoryReader r(w.s);
  auto loaded = other->Load(r);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].id, id);
  EXPECT_EQ((*loaded)[0].tags, (std::vector<std::string>{"base:1"}));
  EXPECT_EQ(*other->Resolve("base:1"), id);
  auto layers = other->ImageLayers(id).value();
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(*ReadFile(JoinPath(other->snapshots().LayerDir(layers[0].diff_id), "etc/b")), "b");
  // Loading again is idempotent.
  storage::MemoryReader r2(w.s);
  ASSERT_TRUE(other->Load(r2).ok());
  EXPECT_EQ(other->List()->size(), 1u);
}

TEST_F(Store, RemoveRefusesUsedImagesAndKeepsSharedLayers) {
  std::string tar = BuildTar({{"f", 'f', "x"}});
  Digest a = Import(tar, "a");
  Digest b = Import(tar, "b", {"ENV B=1"});  // same layer, different config
  ASSERT_NE(a, b);
  auto layer = store->ImageLayers(a).value()[0].diff_id;
  ASSERT_TRUE(store->AddImageReference("c1", a).ok());
  auto r = store->Remove("a", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kConflict);
  ASSERT_TRUE(store->ReleaseImageReference("c1").ok());
  auto del = store->Remove("a", false).value();
  ASSERT_EQ(del.size(), 2u);
  EXPECT_EQ(del[0].untagged, "a:latest");
  EXPECT_EQ(del[1].deleted, a.str());
  EXPECT_TRUE(store->snapshots().HasLayer(layer));  // b still uses it
  ASSERT_TRUE(store->Remove("b", false).ok());
  EXPECT_FALSE(store->snapshots().HasLayer(layer));
  EXPECT_TRUE(store->content().List().empty());
}

TEST_F(Store, PruneAndGarbageCollection) {
  Digest keep = Import(BuildTar({{"k", 'f', "k"}}), "keep");
  Digest dangling = Import(BuildTar({{"d", 'f', "d"}}), "");
  // An orphan blob and layer dir, as an interrupted load leaves them.
  ASSERT_TRUE(store->content().Put("orphan").ok());
  ASSERT_TRUE(MkdirAll(store->snapshots().LayerDir(Sha256Of("orphan"))).ok());
  auto rep = store->Prune(false).value();
  ASSERT_EQ(rep.items.size(), 2u);
  EXPECT_EQ(rep.items[0].deleted, dangling.str());
  EXPECT_EQ(rep.items[1].deleted, Sha256Of(BuildTar({{"d", 'f', "d"}})).str());
  EXPECT_TRUE(rep.items[1].layer);
  EXPECT_EQ(rep.reclaimed, 1u);  // the size of the layer removed: one byte of file
  EXPECT_FALSE(store->content().Has(Sha256Of("orphan")));
  EXPECT_FALSE(store->snapshots().HasLayer(Sha256Of("orphan")));
  EXPECT_TRUE(store->Resolve("keep").ok());
  ASSERT_TRUE(store->Prune(true).ok());
  EXPECT_TRUE(store->List()->empty());
  (void)keep;
}

// An OCI layout with one image: index.json -> manifest (named by io.containerd.image.name) -> config,
// layer. With docker_manifest, also a Docker manifest.json (as Docker 25's `docker save` writes both).
struct OciArchive {
  std::string tar;
  Digest manifest, config, layer;
};
OciArchive BuildOciArchive(const std::string& name, const std::string& layer_tar, bool docker_manifest) {
  OciArchive a;
  a.layer = Sha256Of(layer_tar);
  std::string config = DumpJson(Json{{"architecture", "amd64"}, {"os", "linux"}, {"config", Json::object()},
                                     {"rootfs", {{"type", "layers"}, {"diff_ids", {a.layer.str()}}}}});
  a.config = Sha256Of(config);
  std::string manifest = DumpJson(Json{
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", a.config.str()}, {"size", config.size()}}},
      {"layers", {{{"mediaType", "application/vnd.oci.image.layer.v1.tar"}, {"digest", a.layer.str()}, {"size", layer_tar.size()}}}}});
  a.manifest = Sha256Of(manifest);
  std::string index = DumpJson(Json{
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.index.v1+json"},
      {"manifests", {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"}, {"digest", a.manifest.str()},
                      {"size", manifest.size()}, {"annotations", {{"io.containerd.image.name", name}}}}}}});
  std::vector<skiff::testing::TarEntry> entries = {
      {"blobs/", 'd'}, {"blobs/sha256/", 'd'},
      {"blobs/sha256/" + a.layer.hex(), 'f', layer_tar}, {"blobs/sha256/" + a.config.hex(), 'f', config},
      {"blobs/sha256/" + a.manifest.hex(), 'f', manifest}, {"index.json", 'f', index},
      {"oci-layout", 'f', "{\"imageLayoutVersion\":\"1.0.0\"}"}};
  if (docker_manifest)
    entries.push_back({"manifest.json", 'f',
                       DumpJson(Json::array({{{"Config", "blobs/sha256/" + a.config.hex()}, {"RepoTags", {name}},
                                              {"Layers", {"blobs/sha256/" + a.layer.hex()}}}}))});
  a.tar = BuildTar(entries);
  return a;
}

TEST_F(Store, LoadRecordsRepoDigestsFromIndex) {
  for (bool docker_manifest : {false, true}) {
    SCOPED_TRACE(docker_manifest ? "manifest.json + index.json" : "pure OCI layout");
    std::string sub = docker_manifest ? "docker" : "oci";
    auto s = ImageStore::Open(JoinPath(tmp->path(), sub)).value();
    auto a = BuildOciArchive("docker.io/library/dig:1", BuildTar({{"f", 'f', sub}}), docker_manifest);
    storage::MemoryReader r(a.tar);
    auto loaded = s->Load(r);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
    ASSERT_EQ(loaded->size(), 1u);
    EXPECT_EQ((*loaded)[0].id, a.config);
    EXPECT_EQ((*loaded)[0].tags, (std::vector<std::string>{"dig:1"}));
    std::string rd = "dig@" + a.manifest.str();
    if (docker_manifest) {
      // A Docker archive (manifest.json beside index.json) records no repo digest, as dockerd 20.10.
      EXPECT_FALSE(s->Resolve(rd).ok());
      EXPECT_EQ(s->Inspect("dig:1").value()["RepoDigests"], Json::array());
      ASSERT_TRUE(s->Remove("dig:1", false).ok());
      continue;
    }
    EXPECT_EQ(*s->Resolve(rd), a.config);
    EXPECT_EQ(*s->Resolve("docker.io/library/dig@" + a.manifest.str()), a.config);
    EXPECT_EQ(*s->Resolve("dig:1@" + a.manifest.str()), a.config);
    EXPECT_EQ(s->Resolve("dig@" + Sha256Of("other").str()).error().code(), Errc::kNotFound);
    auto j = s->Inspect("dig:1").value();
    EXPECT_EQ(j["RepoTags"], Json::array({"dig:1"}));
    EXPECT_EQ(j["RepoDigests"], Json::array({rd}));
    auto list = s->List().value();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].repo_tags, (std::vector<std::string>{"dig:1"}));
    EXPECT_EQ(list[0].repo_digests, (std::vector<std::string>{rd}));
    EXPECT_EQ(s->History("dig:1").value()[0].tags, (std::vector<std::string>{"dig:1"}));
    // Re-loading changes nothing; a digest is not a tag (`docker tag x name@sha256:...` is refused).
    storage::MemoryReader r2(a.tar);
    ASSERT_TRUE(s->Load(r2).ok());
    EXPECT_EQ(s->List()->size(), 1u);
    EXPECT_FALSE(s->Tag("dig:1", "other@" + a.manifest.str()).ok());
    // Another tag of another repository keeps the image when dig:1 goes; dig:1 takes its digest along.
    ASSERT_TRUE(s->Tag("dig:1", "keep:me").ok());
    auto del = s->Remove("dig:1", false).value();
    ASSERT_EQ(del.size(), 2u);
    EXPECT_EQ(del[0].untagged, "dig:1");
    EXPECT_EQ(del[1].untagged, rd);
    EXPECT_FALSE(s->Resolve(rd).ok());
    EXPECT_EQ(s->Inspect("keep:me").value()["RepoDigests"], Json::array());
    ASSERT_TRUE(s->Remove("keep:me", false).ok());
    EXPECT_TRUE(s->List()->empty());
  }
}

TEST_F(Store, RemoveByIdOrDigestWithRepoDigests) {
  auto a = BuildOciArchive("docker.io/library/dig:1", BuildTar({{"g", 'f', "g"}}), false);
  storage::MemoryReader r(a.tar);
  ASSERT_TRUE(store->Load(r).ok());
  std::string rd = "dig@" + a.manifest.str();
  // A tag plus digests of the same repository is one name: removal by ID needs no force.
  auto del = store->Remove(a.config.hex().substr(0, 12), false);
  ASSERT_TRUE(del.ok()) << del.error().message();
  ASSERT_EQ(del->size(), 4u);
  EXPECT_EQ((*del)[2].deleted, a.config.str());
  EXPECT_EQ((*del)[3].deleted, a.layer.str());  // one layer: its chain ID is its diff ID
  EXPECT_TRUE(store->List()->empty());
  EXPECT_TRUE(store->content().List().empty());
  // Removing by the digest reference: the digest goes, the tag keeps the image.
  storage::MemoryReader r2(a.tar);
  ASSERT_TRUE(store->Load(r2).ok());
  auto d2 = store->Remove(rd, false).value();
  ASSERT_EQ(d2.size(), 1u);
  EXPECT_EQ(d2[0].untagged, rd);
  EXPECT_EQ(*store->Resolve("dig:1"), a.config);
  // Two repositories need force when removing by ID.
  ASSERT_TRUE(store->Tag("dig:1", "other:1").ok());
  auto conflict = store->Remove(a.config.str(), false);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code(), Errc::kConflict);
  ASSERT_TRUE(store->Remove(a.config.str(), true).ok());
  EXPECT_TRUE(store->List()->empty());
}

}  // namespace
}  // namespace skiff::image

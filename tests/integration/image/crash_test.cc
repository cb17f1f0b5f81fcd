// Crash consistency: kill -9 a process in the middle of loading a large archive, reopen the store, check
// that it is consistent (no rows pointing at missing files, no partial blobs, no leftovers) and that the
// load can be repeated. The loader is a fork()ed child of the test.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <random>

#include "base/file.h"
#include "image/image_store.h"
#include "unit/storage/tar_builder.h"

namespace skiff::image {
namespace {

using skiff::testing::BuildTar;
using skiff::testing::TarEntry;

void ExpectConsistent(ImageStore& s) {
  EXPECT_TRUE(ListDir(JoinPath(s.root(), "content/ingest")).empty());
  EXPECT_TRUE(ListDir(JoinPath(s.root(), "storage/staging")).empty());
  auto list = s.List();
  ASSERT_TRUE(list.ok()) << list.error().message();
  std::set<std::string> referenced;
  for (const auto& img : *list) {
    auto cfg = s.Config(img.id);  // reads and verifies the digest
    ASSERT_TRUE(cfg.ok()) << cfg.error().message();
    referenced.insert(img.id.hex());
    auto layers = s.ImageLayers(img.id).value();
    ASSERT_EQ(layers.size(), cfg->diff_ids.size());
    for (size_t i = 0; i < layers.size(); ++i) {
      EXPECT_EQ(layers[i].diff_id, cfg->diff_ids[i]);
      EXPECT_TRUE(s.snapshots().HasLayer(layers[i].diff_id));
      EXPECT_EQ(s.content().Size(layers[i].blob).value_or(0), layers[i].blob_size);
      referenced.insert(layers[i].blob.hex());
    }
  }
  for (const auto& b : s.content().List()) EXPECT_TRUE(referenced.count(b.hex())) << "unreferenced blob " << b.str();
}

TEST(Crash, KillDuringLoadLeavesConsistentStore) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto tmp = TempDir::Create("/var/tmp", "skiff-crash-").value();
  std::string archive = JoinPath(tmp.path(), "images.tar");
  std::vector<Digest> ids;
  {
    auto src = ImageStore::Open(JoinPath(tmp.path(), "src")).value();
    std::mt19937 rng(42);
    std::vector<std::string> names;
    for (int img = 0; img < 3; ++img) {
      std::vector<TarEntry> entries = {{"data/", 'd'}};
      for (int f = 0; f < 400; ++f) {
        std::string content(150000, '\0');
        for (auto& c : content) c = static_cast<char>(rng());
        entries.push_back({"data/f" + std::to_string(f), 'f', content});
      }
      std::string tar = BuildTar(entries);
      storage::MemoryReader r(tar);
      ImportOptions o;
      o.tag = "crash:" + std::to_string(img);
      ids.push_back(src->Import(r, o).value());
      names.push_back(o.tag);
    }
    UniqueFd out = OpenFile(archive, O_WRONLY | O_CREAT | O_TRUNC).value();
    storage::FdWriter w(out.get());
    ASSERT_TRUE(src->Save(names, w).ok());
  }
  std::string dst = JoinPath(tmp.path(), "dst");
  auto load = [&]() -> Status {
    auto s = SKIFF_TRY(ImageStore::Open(dst));
    UniqueFd fd = SKIFF_TRY(OpenFile(archive, O_RDONLY));
    storage::FdReader r(fd.get());
    SKIFF_TRY(s->Load(r));
    return Ok();
  };
  int killed = 0;
  for (int delay_ms : {50, 200, 400, 700, 1000, 1500}) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) ::_exit(load().ok() ? 0 : 1);
    ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
    if (::kill(pid, SIGKILL) == 0) ++killed;
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
      auto s = ImageStore::Open(dst);  // recovery runs here
      ASSERT_TRUE(s.ok()) << s.error().message();
      ExpectConsistent(**s);
    }
  }
  EXPECT_GT(killed, 0);
  auto st = load();
  ASSERT_TRUE(st.ok()) << st.error().message();
  auto s = ImageStore::Open(dst).value();
  ExpectConsistent(*s);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*s->Resolve("crash:" + std::to_string(i)), ids[i]);
}

// The state an older Remove() could leave when killed between its two transactions: the image row gone
// (its image_layers and tags cascade) but the layer rows it alone used still there, with their files.
// Open() must drop those rows and then their layer dirs and blobs, and keep what other images share.
TEST(Crash, ImageRowDeletedWithoutItsLayersIsRecovered) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto tmp = TempDir::Create("/var/tmp", "skiff-orphan-").value();
  std::string root = JoinPath(tmp.path(), "store");
  std::string shared_tar = BuildTar({{"s", 'f', "shared"}});
  std::string own_tar = BuildTar({{"o", 'f', "own"}});
  Digest gone_id, keep_id, user_id;
  {
    auto s = ImageStore::Open(root).value();
    auto import = [&](const std::string& tar, const std::string& tag, std::vector<std::string> changes) {
      storage::MemoryReader r(tar);
      ImportOptions o;
      o.tag = tag;
      o.changes = std::move(changes);
      return s->Import(r, o).value();
    };
    gone_id = import(own_tar, "gone", {});
    keep_id = import(shared_tar, "keep", {});
    user_id = import(shared_tar, "user", {"ENV U=1"});  // same layer as keep
    ASSERT_TRUE(s->AddImageReference("c1", user_id).ok());
  }
  {
    auto db = Db::Open(JoinPath(root, "images.db")).value();
    for (const auto& id : {gone_id, keep_id}) {
      auto st = db->Prepare("DELETE FROM images WHERE id=?").value();
      st.Bind(1, id.str());
      ASSERT_TRUE(st.Run().ok());
    }
    auto st = db->Prepare("SELECT COUNT(*) FROM layers").value();
    ASSERT_TRUE(st.Step().value());
    ASSERT_EQ(st.Int(0), 2);  // both layer rows still there: the orphan and the shared one
  }
  auto s = ImageStore::Open(root);
  ASSERT_TRUE(s.ok()) << s.error().message();
  ImageStore& store = **s;
  ExpectConsistent(store);
  EXPECT_EQ(store.FindLayer(Sha256Of(own_tar)).value(), std::nullopt);
  EXPECT_FALSE(store.snapshots().HasLayer(Sha256Of(own_tar)));
  EXPECT_FALSE(store.content().Has(Sha256Of(own_tar)));
  EXPECT_FALSE(store.content().Has(gone_id));
  EXPECT_FALSE(store.content().Has(keep_id));
  EXPECT_EQ(store.Resolve("gone").error().code(), Errc::kNotFound);
  // The layer the remaining image (in use by a container) shares stays, rows and files.
  EXPECT_EQ(*store.Resolve("user"), user_id);
  EXPECT_TRUE(store.FindLayer(Sha256Of(shared_tar)).value().has_value());
  EXPECT_TRUE(store.snapshots().HasLayer(Sha256Of(shared_tar)));
  EXPECT_TRUE(store.content().Has(Sha256Of(shared_tar)));
  EXPECT_EQ(store.List()->size(), 1u);
  auto db = Db::Open(JoinPath(root, "images.db")).value();
  auto st = db->Prepare("SELECT COUNT(*) FROM layers WHERE diff_id NOT IN (SELECT diff_id FROM image_layers)").value();
  ASSERT_TRUE(st.Step().value());
  EXPECT_EQ(st.Int(0), 0);
  ASSERT_TRUE(store.ReleaseImageReference("c1").ok());
}

// Remove() takes the image and the layer rows only it used in one step: afterwards no layer row, dir or
// blob of it remains, and one shared with another image stays.
TEST(Crash, RemoveDropsImageAndUnusedLayerRowsTogether) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto tmp = TempDir::Create("/var/tmp", "skiff-rmi-").value();
  std::string root = JoinPath(tmp.path(), "store");
  auto s = ImageStore::Open(root).value();
  std::string a_tar = BuildTar({{"a", 'f', "a"}});
  std::string b_tar = BuildTar({{"b", 'f', "b"}});
  auto import = [&](const std::string& tar, const std::string& tag, std::vector<std::string> changes) {
    storage::MemoryReader r(tar);
    ImportOptions o;
    o.tag = tag;
    o.changes = std::move(changes);
    return s->Import(r, o).value();
  };
  Digest a = import(a_tar, "a", {});
  import(b_tar, "b1", {});
  Digest b2 = import(b_tar, "b2", {"ENV X=2"});
  ASSERT_TRUE(s->Tag("a", "a:other").ok());
  auto del = s->Remove(a.str(), true);
  ASSERT_TRUE(del.ok()) << del.error().message();
  ASSERT_EQ(del->size(), 4u);
  EXPECT_EQ((*del)[0].untagged, "a:latest");
  EXPECT_EQ((*del)[1].untagged, "a:other");
  EXPECT_EQ((*del)[2].deleted, a.str());
  EXPECT_EQ((*del)[3].deleted, Sha256Of(a_tar).str());
  EXPECT_TRUE((*del)[3].layer);
  EXPECT_EQ(s->FindLayer(Sha256Of(a_tar)).value(), std::nullopt);
  EXPECT_FALSE(s->snapshots().HasLayer(Sha256Of(a_tar)));
  EXPECT_FALSE(s->content().Has(Sha256Of(a_tar)));
  ASSERT_TRUE(s->Remove("b1", false).ok());
  EXPECT_TRUE(s->FindLayer(Sha256Of(b_tar)).value().has_value());
  EXPECT_TRUE(s->snapshots().HasLayer(Sha256Of(b_tar)));
  ASSERT_TRUE(s->Remove("b2", false).ok());
  EXPECT_EQ(s->FindLayer(Sha256Of(b_tar)).value(), std::nullopt);
  EXPECT_FALSE(s->content().Has(b2));
  EXPECT_TRUE(s->content().List().empty());
  EXPECT_TRUE(s->snapshots().ListLayers().empty());
  s.reset();
  ExpectConsistent(*ImageStore::Open(root).value());
}

}  // namespace
}  // namespace skiff::image

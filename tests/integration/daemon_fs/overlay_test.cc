// daemon/fs and ImageStore::Commit on real overlay snapshots of an ImageStore (root): what a container
// changes shows in Changes, cp works on the mounted rootfs with volumes, and a commit becomes an image
// whose containers see the changes, that lists, inspects, saves and loads with the same ID.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../unit/daemon_fs/fs_test_util.h"
#include "base/file.h"
#include "daemon/fs/archive.h"
#include "daemon/fs/changes.h"
#include "image/image_store.h"

namespace skiff {
namespace {

using namespace skiff::fstest;
using daemon::fs::ChangeLetter;
using daemon::fs::ContainerView;

class OverlayFs : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "overlay mounts need root";
    tmp_.emplace(TempDir::Create("/tmp", "skiff-fs-it-").value());
    store_ = image::ImageStore::Open(tmp_->path() + "/store").value();
    std::string tar = Tar({{"bin/", 'd', "", 0755, 1, 0, 0},
                           {"bin/sh", 'f', "#!sh", 0755, 1, 0, 0},
                           {"etc/", 'd', "", 0755, 1, 0, 0},
                           {"etc/passwd", 'f', "root:x:0:0:root:/root:/bin/sh\n", 0644, 1, 0, 0},
                           {"etc/group", 'f', "root:x:0:\n", 0644, 1, 0, 0},
                           {"m/", 'd', "", 0755, 1, 0, 0},
                           {"m/n/", 'd', "", 0755, 1, 0, 0},
                           {"m/n/f3", 'f', "3", 0644, 1, 0, 0},
                           {"m/keep", 'f', "k", 0644, 1, 0, 0},
                           {"tmp/", 'd', "", 01777, 1, 0, 0},
                           {"vol/", 'd', "", 0755, 1, 0, 0}});
    storage::MemoryReader r(tar);
    image::ImportOptions o;
    o.tag = "base:1";
    o.changes = {"CMD [\"/bin/sh\"]"};
    base_ = store_->Import(r, o).value();
  }
  void TearDown() override {
    if (store_)
      for (const auto& id : store_->snapshots().ListSnapshots()) (void)store_->RemoveContainerSnapshot(id);  // NOLINT
    store_.reset();
    tmp_.reset();
  }
  std::vector<std::string> Lowers(const Digest& image) {
    std::vector<std::string> out;
    auto layers = store_->ImageLayers(image).value();
    for (const auto& l : layers) out.insert(out.begin(), store_->snapshots().LayerDir(l.diff_id));
    return out;
  }
  std::vector<std::string> Diff(const std::string& container, const Digest& image) {
    auto c = daemon::fs::Changes(store_->snapshots().SnapshotUpper(container), Lowers(image));
    EXPECT_TRUE(c.ok()) << c.error().message();
    std::vector<std::string> out;
    if (c.ok())
      for (auto& x : *c) out.push_back(std::string(1, ChangeLetter(x.kind)) + " " + x.path);
    return out;
  }
  // rm -rf /m; mkdir -p /m/n; echo new > /m/n/g; rm /etc/group; echo x >> /etc/passwd; mkdir /new
  void Modify(const std::string& root) {
    ASSERT_TRUE(RemoveAll(root + "/m").ok());
    Put(root + "/m/n/g", "new");
    ASSERT_EQ(::unlink((root + "/etc/group").c_str()), 0);
    Put(root + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nme:x:1:1::/:/bin/sh\n");
    ASSERT_TRUE(MkdirAll(root + "/new").ok());
    Put(root + "/tmp/scratch", "s");
    ASSERT_EQ(::unlink((root + "/tmp/scratch").c_str()), 0);  // /tmp: copied up, nothing left: no change
  }
  std::optional<TempDir> tmp_;
  std::unique_ptr<image::ImageStore> store_;
  Digest base_;
};

TEST_F(OverlayFs, ChangesOfARealSnapshot) {
  std::string root = store_->CreateContainerSnapshot("c1", base_).value();
  Modify(root);
  EXPECT_EQ(Diff("c1", base_), (std::vector<std::string>{"C /etc", "D /etc/group", "C /etc/passwd", "C /m",
                                                         "D /m/keep", "C /m/n", "D /m/n/f3", "A /m/n/g", "A /new"}));
}

TEST_F(OverlayFs, CopyInAndOutOfAMountedRootfsWithAVolume) {
  std::string root = store_->CreateContainerSnapshot("c1", base_).value();
  std::string vol = tmp_->path() + "/vol";
  Put(vol + "/data", "volume");
  ContainerView v{root, {{"/vol", vol, false}}};
  StrWriter w;
  daemon::fs::PathStat st;
  ASSERT_TRUE(daemon::fs::Archive(v, "/", w, &st).ok());
  auto names = Names(ListTar(w.s));
  EXPECT_NE(std::find(names.begin(), names.end(), "/vol/data"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "/m/n/f3"), names.end());
  std::string in = Tar({{"in/", 'd', "", 0755, 1, 0, 0}, {"in/x", 'f', "copied", 0600, 1, 0, 0}, {"vol/v2", 'f', "v2", 0644, 1, 0, 0}});
  storage::MemoryReader r(in);
  auto s = daemon::fs::Extract(v, "/", r, {});
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(Slurp(store_->snapshots().SnapshotUpper("c1") + "/in/x"), "copied");  // lands in the upper dir
  EXPECT_EQ(Slurp(vol + "/v2"), "v2");                                             // and in the volume
  EXPECT_FALSE(Exists(store_->snapshots().SnapshotUpper("c1") + "/vol/v2"));
  EXPECT_EQ(Diff("c1", base_), (std::vector<std::string>{"A /in", "A /in/x"}));
}

TEST_F(OverlayFs, CommitMakesAnImageWithTheChanges) {
  std::string root = store_->CreateContainerSnapshot("c1", base_).value();
  Modify(root);
  image::CommitOptions o;
  o.container_id = "c1";
  o.upper_dir = store_->snapshots().SnapshotUpper("c1");
  o.parent = base_;
  o.container_config = {{"Hostname", "c1"}, {"Image", "base:1"}, {"Cmd", {"/bin/sh", "-c", "echo hi"}}, {"Env", nullptr}};
  o.config = store_->Config(base_)->config;
  o.config.env = std::vector<std::string>{"A=1"};
  o.author = "Me <me@x>";
  o.comment = "my msg";
  o.tag = "committed:1";
  auto id = store_->Commit(o);
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_EQ(*store_->Resolve("committed:1"), *id);

  auto cfg = store_->Config(*id).value();
  EXPECT_EQ(cfg.Id(), *id);
  ASSERT_EQ(cfg.diff_ids.size(), 2u);
  EXPECT_EQ(cfg.diff_ids[0], store_->Config(base_)->diff_ids[0]);
  // Like dockerd 20.10, the parent lives in the image store, not in the config JSON.
  EXPECT_FALSE(cfg.json.contains("parent"));
  EXPECT_EQ(cfg.json["container"], "c1");
  EXPECT_EQ(cfg.json["container_config"]["Hostname"], "c1");
  EXPECT_EQ(cfg.json["config"]["Hostname"], "c1");  // the container's Config is the base of "config"
  EXPECT_EQ(cfg.json["config"]["Env"][0], "A=1");
  EXPECT_EQ(cfg.json["config"]["Cmd"][0], "/bin/sh");
  ASSERT_EQ(cfg.history.size(), 2u);
  EXPECT_EQ(cfg.history[1].created_by, "/bin/sh -c echo hi");
  EXPECT_EQ(cfg.history[1].author, "Me <me@x>");
  EXPECT_EQ(cfg.history[1].comment, "my msg");
  EXPECT_FALSE(cfg.history[1].empty_layer);
  auto j = store_->Inspect("committed:1").value();
  EXPECT_EQ(j["Parent"], base_.str());
  EXPECT_EQ(j["Comment"], "my msg");
  EXPECT_EQ(j["Author"], "Me <me@x>");
  EXPECT_EQ(j["Container"], "c1");
  auto hist = store_->History("committed:1").value();
  ASSERT_EQ(hist.size(), 2u);
  EXPECT_EQ(hist[0].id, id->str());
  EXPECT_EQ(hist[0].created_by, "/bin/sh -c echo hi");
  EXPECT_GT(hist[0].size, 0u);
  bool listed = false;
  auto list = store_->List().value();
  for (const auto& s : list) listed = listed || s.id == *id;
  EXPECT_TRUE(listed);

  // A container of the new image sees what c1 did: deletions (whiteouts) and the opaque directory too.
  std::string r2 = store_->CreateContainerSnapshot("c2", *id).value();
  EXPECT_FALSE(Exists(r2 + "/etc/group"));
  EXPECT_FALSE(Exists(r2 + "/m/keep"));
  EXPECT_FALSE(Exists(r2 + "/m/n/f3"));
  EXPECT_EQ(Slurp(r2 + "/m/n/g"), "new");
  EXPECT_TRUE(IsDirectory(r2 + "/new"));
  EXPECT_EQ(Slurp(r2 + "/bin/sh"), "#!sh");
  EXPECT_TRUE(Diff("c2", *id).empty());

  // Save and load elsewhere: same ID, same files.
  StrWriter w;
  ASSERT_TRUE(store_->Save({"committed:1"}, w).ok());
  auto other = image::ImageStore::Open(tmp_->path() + "/other").value();
  storage::MemoryReader rd(w.s);
  auto loaded = other->Load(rd);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].id, *id);
  std::string r3 = other->CreateContainerSnapshot("c3", *id).value();
  EXPECT_EQ(Slurp(r3 + "/m/n/g"), "new");
  EXPECT_FALSE(Exists(r3 + "/m/keep"));
  (void)other->RemoveContainerSnapshot("c3");
}

TEST_F(OverlayFs, CommitOfAnUnchangedContainerAddsNoLayer) {
  ASSERT_TRUE(store_->CreateContainerSnapshot("c1", base_).ok());
  image::CommitOptions o;
  o.container_id = "c1";
  o.upper_dir = store_->snapshots().SnapshotUpper("c1");
  o.parent = base_;
  o.container_config = {{"Cmd", {"true"}}};
  auto id = store_->Commit(o);
  ASSERT_TRUE(id.ok()) << id.error().message();
  auto cfg = store_->Config(*id).value();
  EXPECT_EQ(cfg.diff_ids, store_->Config(base_)->diff_ids);
  ASSERT_EQ(cfg.history.size(), 2u);
  EXPECT_TRUE(cfg.history[1].empty_layer);
  EXPECT_EQ(cfg.history[1].created_by, "true");
  EXPECT_EQ(store_->ImageLayers(*id)->size(), 1u);
  EXPECT_TRUE(store_->Resolve("sha256:" + id->hex()).ok());
  // A chain: commit a container of the committed image.
  std::string r2 = store_->CreateContainerSnapshot("c2", *id).value();
  Put(r2 + "/added", "a");
  o.container_id = "c2";
  o.upper_dir = store_->snapshots().SnapshotUpper("c2");
  o.parent = *id;
  auto id2 = store_->Commit(o);
  ASSERT_TRUE(id2.ok()) << id2.error().message();
  EXPECT_EQ(store_->Config(*id2)->diff_ids.size(), 2u);
  EXPECT_EQ(store_->Config(*id2)->history.size(), 3u);
  EXPECT_EQ(store_->Inspect(id2->str())->at("Parent"), id->str());
  // A bad tag fails before anything is written.
  o.tag = "Bad:Tag";
  EXPECT_FALSE(store_->Commit(o).ok());
  o.tag = "x@sha256:" + std::string(64, 'a');
  EXPECT_EQ(store_->Commit(o).error().code(), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace skiff

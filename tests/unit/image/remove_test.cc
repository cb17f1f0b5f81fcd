// Docker's rules for parents, rmi, prune and hidden images in the ImageStore (daemon/images/image_delete.go
// and image_prune.go of Docker 20.10). The same sequences against a real dockerd: tests/integration/image/
// rmi_docker_test.cc.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include "../storage/tar_builder.h"
#include "str_writer.h"
#include "base/file.h"
#include "image/changes.h"
#include "image/image_store.h"

namespace skiff::image {
namespace {

using skiff::testing::BuildTar;

using testing::StrWriter;

// "Untagged: x" / "Deleted: sha256:..." lines, or "error: <message>".
std::vector<std::string> Lines(const Result<std::vector<DeleteItem>>& r) {
  if (!r.ok()) return {"error: " + r.error().message()};
  std::vector<std::string> out;
  for (const auto& it : *r) out.push_back(it.untagged.empty() ? "Deleted: " + it.deleted : "Untagged: " + it.untagged);
  return out;
}

struct Rules : ::testing::Test {
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the image store sets file ownership: needs root";
    tmp.emplace(TempDir::Create("/tmp", "skiff-rules-").value());
    Reopen();
  }
  void TearDown() override {
    store.reset();
    tmp.reset();
  }
  void Reopen() {
    store.reset();
    auto s = ImageStore::Open(JoinPath(tmp->path(), "store"));
    ASSERT_TRUE(s.ok()) << s.error().message();
    store = std::move(*s);
  }
  Digest Import(const std::string& tag, const std::string& content = "base") {
    std::string tar = BuildTar({{"bin/", 'd'}, {"bin/sh", 'f', content, 0755}});
    storage::MemoryReader r(tar);
    ImportOptions o;
    o.tag = tag;
    auto id = store->Import(r, o);
    EXPECT_TRUE(id.ok()) << id.error().message();
    return id.ok() ? *id : Digest();
  }
  // A container of `image` that wrote `file`, committed as `tag`; the container stays (stopped).
  Digest RunCommit(const std::string& cid, const Digest& image, const std::string& file, const std::string& tag) {
    EXPECT_TRUE(store->AddImageReference(cid, image).ok());
    auto upper = TempDir::Create(tmp->path(), "upper-").value();
    EXPECT_TRUE(WriteFileAtomic(JoinPath(upper.path(), file), file + "\n").ok());
    CommitOptions o;
    o.container_id = cid;
    o.upper_dir = upper.path();
    o.parent = image;
    o.container_config = Json{{"Cmd", {"sh", "-c", "echo > /" + file}}};
    o.config = store->Config(image).value().config;
    o.tag = tag;
    auto id = store->Commit(o);
    EXPECT_TRUE(id.ok()) << id.error().message();
    return id.ok() ? *id : Digest();
  }
  Result<std::vector<DeleteItem>> Rmi(const std::string& ref, bool force = false, bool prune = true) {
    RemoveOptions o;
    o.force = force;
    o.prune = prune;
    o.is_running = [this](const std::string& c) { return running.count(c) > 0; };
    return store->Remove(ref, o);
  }
  std::string Chain(const Digest& image, size_t from_top) {
    auto cfg = store->Config(image).value();
    auto chains = ChainIds(cfg.diff_ids);
    return chains[chains.size() - 1 - from_top].str();
  }
  static std::string Id12(const Digest& d) { return d.hex().substr(0, 12); }

  std::optional<TempDir> tmp;
  std::unique_ptr<ImageStore> store;
  std::set<std::string> running;
};

TEST_F(Rules, CommitRecordsParentInMetadataAndHistoryWalksIt) {
  Digest base = Import("bb");
  Digest child = RunCommit("c1", base, "one", "child:1");
  Digest gchild = RunCommit("c2", child, "two", "gchild:1");
  EXPECT_EQ(store->Inspect("child:1").value()["Parent"], base.str());
  EXPECT_EQ(store->Inspect("gchild:1").value()["Parent"], child.str());
  EXPECT_EQ(store->Inspect("bb").value()["Parent"], "");
  // The config stays as Docker writes it: no "parent", no top-level comment.
  auto cfg = store->Config(child).value();
  EXPECT_FALSE(cfg.json.contains("parent"));
  EXPECT_FALSE(cfg.json.contains("comment"));
  auto h = store->History("gchild:1").value();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].id, gchild.str());
  EXPECT_EQ(h[0].tags, (std::vector<std::string>{"gchild:1"}));
  EXPECT_EQ(h[1].id, child.str());
  EXPECT_EQ(h[1].tags, (std::vector<std::string>{"child:1"}));
  EXPECT_EQ(h[2].id, base.str());
  EXPECT_EQ(h[2].comment, "Imported from -");
  auto list = store->List().value();
  for (const auto& s : list) {
    if (s.id == base) {
      EXPECT_EQ(s.children, 1);
    } else if (s.id == child) {
      EXPECT_EQ(s.parent, base);
    } else {
      EXPECT_EQ(s.children, 0);
    }
  }
}

TEST_F(Rules, ChildImagesBlockTheParentAndItsRemovalPrunesIt) {
  Digest base = Import("bb");
  Digest child = RunCommit("c1", base, "one", "child:1");
  ASSERT_TRUE(store->ReleaseImageReference("c1").ok());
  std::string child_layer = Chain(child, 0), base_layer = Chain(base, 0);
  std::string conflict = "error: conflict: unable to delete " + Id12(base) + " (cannot be forced) - image has dependent child images";
  EXPECT_EQ(Lines(Rmi(Id12(base))), (std::vector<std::string>{conflict}));
  EXPECT_EQ(Lines(Rmi(base.str(), true)), (std::vector<std::string>{conflict}));
  // The last tag just goes: the image stays for its child (untagged, not dangling).
  EXPECT_EQ(Lines(Rmi("bb")), (std::vector<std::string>{"Untagged: bb:latest"}));
  EXPECT_EQ(*store->Resolve(base.str()), base);
  EXPECT_EQ(Lines(Rmi("child:1")), (std::vector<std::string>{"Untagged: child:1", "Deleted: " + child.str(),
                                                              "Deleted: " + child_layer, "Deleted: " + base.str(),
                                                              "Deleted: " + base_layer}));
  EXPECT_TRUE(store->List()->empty());
  EXPECT_TRUE(store->content().List().empty());
  EXPECT_TRUE(store->snapshots().ListLayers().empty());
}

TEST_F(Rules, NoPruneKeepsTheUntaggedParent) {
  Digest base = Import("bb");
  Digest child = RunCommit("c1", base, "one", "child:1");
  ASSERT_TRUE(store->ReleaseImageReference("c1").ok());
  ASSERT_TRUE(Rmi("bb").ok());
  std::string child_layer = Chain(child, 0), base_layer = Chain(base, 0);
  EXPECT_EQ(Lines(Rmi("child:1", false, false)),
            (std::vector<std::string>{"Untagged: child:1", "Deleted: " + child.str(), "Deleted: " + child_layer}));
  auto list = store->List().value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, base);
  EXPECT_EQ(list[0].children, 0);
  // Now dangling: prune takes it.
  auto pr = store->Prune(false);
  ASSERT_TRUE(pr.ok()) << pr.error().message();
  auto rep = *pr;
  ASSERT_EQ(rep.items.size(), 2u);
  EXPECT_EQ(rep.items[0].deleted, base.str());
  EXPECT_EQ(rep.items[1].deleted, base_layer);
  EXPECT_EQ(rep.reclaimed, 4u);  // "base"
}

TEST_F(Rules, ContainersRunningAndStopped) {
  Digest id = Import("bb");
  ASSERT_TRUE(store->Tag("bb", "other:1").ok());
  std::string r1(64, 'a'), s1(64, 'b');
  ASSERT_TRUE(store->AddImageReference(r1, id).ok());
  ASSERT_TRUE(store->AddImageReference(s1, id).ok());
  running.insert(r1);
  std::string hard = "error: conflict: unable to delete " + Id12(id) +
                     " (cannot be forced) - image is being used by running container aaaaaaaaaaaa";
  EXPECT_EQ(Lines(Rmi(Id12(id))), (std::vector<std::string>{hard}));
  EXPECT_EQ(Lines(Rmi(Id12(id), true)), (std::vector<std::string>{hard}));
  EXPECT_EQ(Lines(Rmi("bb")), (std::vector<std::string>{"Untagged: bb:latest"}));  // other:1 is left
  // Forced last name of an image a running container uses: the name goes, the image stays.
  EXPECT_EQ(Lines(Rmi("other:1", true)), (std::vector<std::string>{"Untagged: other:1"}));
  EXPECT_EQ(*store->Resolve(id.str()), id);
  ASSERT_TRUE(store->Tag(id.str(), "bb").ok());
  ASSERT_TRUE(store->ReleaseImageReference(r1).ok());
  running.clear();
  EXPECT_EQ(Lines(Rmi(Id12(id))), (std::vector<std::string>{"error: conflict: unable to delete " + Id12(id) +
                                                             " (must be forced) - image is being used by stopped container bbbbbbbbbbbb"}));
  EXPECT_EQ(Lines(Rmi("bb")), (std::vector<std::string>{"error: conflict: unable to remove repository reference \"bb\" (must "
                                                        "force) - container bbbbbbbbbbbb is using its referenced image " +
                                                        Id12(id)}));
  // -f deletes it for every lookup; the stopped container keeps its layers.
  EXPECT_EQ(Lines(Rmi(Id12(id), true)), (std::vector<std::string>{"Untagged: bb:latest", "Deleted: " + id.str()}));
  EXPECT_TRUE(store->List()->empty());
  EXPECT_EQ(store->Resolve(id.str()).error().code(), Errc::kNotFound);
  EXPECT_EQ(store->Resolve(Id12(id)).error().code(), Errc::kNotFound);
  EXPECT_FALSE(store->Inspect(id.str()).ok());
  EXPECT_FALSE(store->History(id.str()).ok());
  StrWriter w;
  EXPECT_FALSE(store->Save({id.str()}, w).ok());
  EXPECT_TRUE(store->Prune(true)->items.empty());
  auto layers = store->ImageLayers(id).value();
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_TRUE(store->snapshots().HasLayer(layers[0].diff_id));
  EXPECT_FALSE(store->AddImageReference("new", id).ok());  // no new containers from it
  EXPECT_FALSE(store->content().Has(id));                  // its config went, as in Docker
  // Committing such a container fails as in Docker (the parent's config is gone).
  CommitOptions o;
  o.container_id = s1;
  auto upper = TempDir::Create(tmp->path(), "upper-").value();
  o.upper_dir = upper.path();
  o.parent = id;
  auto c = store->Commit(o);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.error().message().starts_with("failed to get digest " + id.str() + ": open ")) << c.error().message();
  // Survives a restart; the last reference takes the layers and blobs.
  Reopen();
  EXPECT_TRUE(store->snapshots().HasLayer(layers[0].diff_id));
  ASSERT_TRUE(store->ReleaseImageReference(s1).ok());
  EXPECT_FALSE(store->snapshots().HasLayer(layers[0].diff_id));
  EXPECT_TRUE(store->content().List().empty());
  EXPECT_TRUE(store->ImageLayers(id)->empty());
}

TEST_F(Rules, HiddenImageComesBackWhenRecordedAgain) {
  std::string tar = BuildTar({{"f", 'f', "x"}});
  storage::MemoryReader r(tar);
  ImportOptions o;
  o.tag = "x";
  Digest id = store->Import(r, o).value();
  StrWriter saved;
  ASSERT_TRUE(store->Save({"x"}, saved).ok());
  ASSERT_TRUE(store->AddImageReference("c", id).ok());
  ASSERT_TRUE(Rmi("x", true).ok());
  ASSERT_FALSE(store->Resolve("x").ok());
  storage::MemoryReader in(saved.s);
  auto loaded = store->Load(in);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(*store->Resolve("x"), id);
  EXPECT_EQ(store->List()->size(), 1u);
  EXPECT_TRUE(store->content().Has(id));
  ASSERT_TRUE(store->ReleaseImageReference("c").ok());
  EXPECT_EQ(*store->Resolve("x"), id);  // visible again: the last reference does not delete it
  EXPECT_FALSE(store->ImageLayers(id)->empty());
}

TEST_F(Rules, MultipleRepositoriesAndSharedLayers) {
  Digest id = Import("bb");
  ASSERT_TRUE(store->Tag("bb", "a/b:1").ok());
  ASSERT_TRUE(store->Tag("bb", "bb:2").ok());
  std::string layer = Chain(id, 0);
  EXPECT_EQ(Lines(Rmi(Id12(id))), (std::vector<std::string>{"error: conflict: unable to delete " + Id12(id) +
                                                             " (must be forced) - image is referenced in multiple repositories"}));
  EXPECT_EQ(Lines(Rmi(Id12(id), true)),
            (std::vector<std::string>{"Untagged: a/b:1", "Untagged: bb:2", "Untagged: bb:latest", "Deleted: " + id.str(),
                                      "Deleted: " + layer}));
  // Three imports of one tar share its layer: it goes with the last image.
  Digest i1 = Import("t1/imp:1"), i2 = Import("t1/imp:2"), i3 = Import("t1/imp:3");
  EXPECT_EQ(Lines(Rmi("t1/imp:1")), (std::vector<std::string>{"Untagged: t1/imp:1", "Deleted: " + i1.str()}));
  EXPECT_EQ(Lines(Rmi("t1/imp:2")), (std::vector<std::string>{"Untagged: t1/imp:2", "Deleted: " + i2.str()}));
  std::string shared = Chain(i3, 0);
  EXPECT_EQ(Lines(Rmi("t1/imp:3")),
            (std::vector<std::string>{"Untagged: t1/imp:3", "Deleted: " + i3.str(), "Deleted: " + shared}));
}

TEST_F(Rules, PruneStartsFromLeavesAndSkipsUsedImages) {
  Digest base = Import("bb");
  Digest child = RunCommit("c1", base, "one", "child:1");
  Digest gchild = RunCommit("c2", child, "two", "gchild:1");
  ASSERT_TRUE(store->ReleaseImageReference("c1").ok());
  ASSERT_TRUE(store->ReleaseImageReference("c2").ok());
  ASSERT_TRUE(store->AddImageReference("st", child).ok());
  // Dangling prune: nothing is untagged.
  EXPECT_TRUE(store->Prune(false)->items.empty());
  // -a: bb (has a child) is only untagged, child:1 is used, gchild:1 goes.
  std::string gchild_layer = Chain(gchild, 0);
  auto rep = store->Prune(true).value();
  std::vector<std::string> lines;
  for (const auto& it : rep.items) lines.push_back(it.untagged.empty() ? "deleted: " + it.deleted : "untagged: " + it.untagged);
  std::sort(lines.begin(), lines.end());
  std::vector<std::string> want = {"deleted: " + gchild_layer, "deleted: " + gchild.str(), "untagged: bb:latest",
                                   "untagged: gchild:1"};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(lines, want);
  EXPECT_EQ(rep.reclaimed, 4u);  // "two\n"
  EXPECT_EQ(store->List()->size(), 2u);
  // The used child goes with -f (hidden: the container keeps it), and takes the untagged parent along.
  EXPECT_EQ(Lines(Rmi("child:1", true)),
            (std::vector<std::string>{"Untagged: child:1", "Deleted: " + child.str(), "Deleted: " + base.str()}));
  EXPECT_TRUE(store->List()->empty());
  EXPECT_FALSE(store->snapshots().ListLayers().empty());
  ASSERT_TRUE(store->ReleaseImageReference("st").ok());
  EXPECT_TRUE(store->snapshots().ListLayers().empty());
  EXPECT_TRUE(store->content().List().empty());
  // A filter leaves images out.
  Import("keep");
  PruneOptions po;
  po.all = true;
  po.match = [](const ImageConfig&) { return false; };
  EXPECT_TRUE(store->Prune(po)->items.empty());
  EXPECT_EQ(store->List()->size(), 1u);
}

TEST_F(Rules, SaveAndLoadKeepParentsSavedAlong) {
  Digest base = Import("bb");
  Digest child = RunCommit("c1", base, "one", "child:1");
  ASSERT_TRUE(store->ReleaseImageReference("c1").ok());
  StrWriter both, alone;
  ASSERT_TRUE(store->Save({"bb", "child:1"}, both).ok());
  ASSERT_TRUE(store->Save({"child:1"}, alone).ok());
  for (bool with_parent : {true, false}) {
    SCOPED_TRACE(with_parent ? "saved with its parent" : "saved alone");
    auto other = ImageStore::Open(JoinPath(tmp->path(), with_parent ? "both" : "alone")).value();
    storage::MemoryReader r(with_parent ? both.s : alone.s);
    auto loaded = other->Load(r);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
    EXPECT_EQ(*other->Resolve("child:1"), child);  // same config bytes
    EXPECT_EQ(other->Inspect("child:1").value()["Parent"], with_parent ? base.str() : "");
    EXPECT_EQ(other->History("child:1").value()[1].id, with_parent ? base.str() : "<missing>");
  }
}

TEST_F(Rules, OpenMigratesOldStoresAndPurgesHiddenLeftovers) {
  Digest id = Import("x");
  ASSERT_TRUE(store->AddImageReference("c", id).ok());
  ASSERT_TRUE(Rmi("x", true).ok());
  store.reset();
  // A crash before the last reference's deletion went through: the reference row is gone, the image not.
  std::string db = JoinPath(tmp->path(), "store/images.db");
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h, "DELETE FROM refs", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(h);
  Reopen();
  EXPECT_TRUE(store->ImageLayers(id)->empty());
  EXPECT_TRUE(store->snapshots().ListLayers().empty());
  // A store made before parents and hidden images: images(id, created, added).
  Digest y = Import("y");
  store.reset();
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  const char* old_schema =
      "PRAGMA foreign_keys=OFF; BEGIN; CREATE TABLE images_old(id TEXT PRIMARY KEY, created INTEGER NOT NULL, added INTEGER NOT NULL);"
      "INSERT INTO images_old SELECT id, created, added FROM images; DROP TABLE images; ALTER TABLE images_old RENAME TO images; COMMIT;";
  ASSERT_EQ(sqlite3_exec(h, old_schema, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  sqlite3_close(h);
  Reopen();
  EXPECT_EQ(*store->Resolve("y"), y);
  EXPECT_EQ(store->Inspect("y").value()["Parent"], "");
  Digest c = RunCommit("c2", y, "f", "z");
  EXPECT_EQ(store->Inspect("z").value()["Parent"], y.str());
  (void)c;
}

TEST(ChangeRules, DockerMessagesAndExpansion) {
  auto err = [](std::vector<std::string> ch) {
    RunConfig c;
    auto st = ApplyChanges(ch, c);
    return st.ok() ? std::string("ok") : st.error().message();
  };
  EXPECT_EQ(err({"STOPSIGNAL SIGUSR1"}), "stopsignal is not a valid change command");
  EXPECT_EQ(err({"NOSUCH x"}), "nosuch is not a valid change command");
  EXPECT_EQ(err({"ENV A=1", "FROM x"}), "from is not a valid change command");
  EXPECT_EQ(err({""}), "file with no instructions");
  EXPECT_EQ(err({}), "ok");
  EXPECT_EQ(err({"ENV"}), "ENV requires at least one argument");
  EXPECT_EQ(err({"ENV A"}), "ENV must have two arguments");
  EXPECT_EQ(err({"ENV A=1 B"}), "Syntax error - can't find = in \"B\". Must be of the form: name=value");
  EXPECT_EQ(err({"LABEL =x"}), "LABEL names can not be blank");
  EXPECT_EQ(err({"USER"}), "USER requires exactly one argument");
  EXPECT_EQ(err({"WORKDIR"}), "WORKDIR requires exactly one argument");
  EXPECT_EQ(err({"EXPOSE abc"}), "Invalid containerPort: abc");
  EXPECT_EQ(err({"EXPOSE 80/xyz"}), "Invalid proto: xyz");
  EXPECT_EQ(err({"EXPOSE 70000"}), "Invalid containerPort: 70000");
  EXPECT_EQ(err({"HEALTHCHECK x"}), "Unknown type \"X\" in HEALTHCHECK (try CMD)");
  EXPECT_EQ(err({"HEALTHCHECK --foo=1 CMD x"}), "Unknown flag: foo");
  EXPECT_EQ(err({"HEALTHCHECK --interval=x CMD y"}), "time: invalid duration \"x\"");
  EXPECT_EQ(err({"HEALTHCHECK --retries=x CMD y"}), "strconv.ParseInt: parsing \"x\": invalid syntax");
  EXPECT_EQ(err({"HEALTHCHECK CMD"}), "Missing command after HEALTHCHECK CMD");
  EXPECT_EQ(err({"HEALTHCHECK NONE x"}), "HEALTHCHECK NONE takes no arguments");
  EXPECT_EQ(err({"ONBUILD FROM x"}), "FROM isn't allowed as an ONBUILD trigger");
  EXPECT_EQ(err({"ONBUILD ONBUILD x"}), "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  EXPECT_EQ(err({"CMD [\"a\", 1]"}), "when using JSON array syntax, arrays must be comprised of strings only");

  RunConfig c;
  ASSERT_TRUE(ApplyChanges({"ENV A=1", "ENV B=$A:x C=${A}y D=\"$A q\" E='$A' F=\\$A", "WORKDIR /w/$A", "LABEL l=$A",
                            "USER $A", "EXPOSE 8$A 90-91/udp", "VOLUME /v$A", "CMD echo $A", "ENV  G  h   i",
                            "# a comment", "ENV H=1 \\", "  I=2", "ONBUILD run echo hi", "HEALTHCHECK --interval=1s --retries=3 CMD [\"true\"]"},
                           c)
                  .ok());
  EXPECT_EQ(*c.env, (std::vector<std::string>{"A=1", "B=1:x", "C=1y", "D=1 q", "E=$A", "F=$A", "G=h   i", "H=1", "I=2"}));
  EXPECT_EQ(*c.working_dir, "/w/1");
  EXPECT_EQ((*c.labels)["l"], "1");
  EXPECT_EQ(*c.user, "1");
  EXPECT_EQ(*c.exposed_ports, (std::vector<std::string>{"81/tcp", "90/udp", "91/udp"}));
  EXPECT_EQ(*c.volumes, (std::vector<std::string>{"/v1"}));
  EXPECT_EQ(*c.cmd, (std::vector<std::string>{"/bin/sh", "-c", "echo $A"}));
  EXPECT_EQ(*c.on_build, (std::vector<std::string>{"run echo hi"}));
  EXPECT_EQ(c.ToJson()["Healthcheck"], (Json{{"Test", {"CMD", "true"}}, {"Interval", 1000000000}, {"Retries", 3}}));
  RunConfig e;
  ASSERT_TRUE(ApplyChanges({"CMD", "ENTRYPOINT"}, e).ok());
  EXPECT_EQ(*e.cmd, (std::vector<std::string>{"/bin/sh", "-c"}));
  EXPECT_FALSE(e.entrypoint.has_value());
  // An ENTRYPOINT clears the Cmd unless a CMD came before it; WORKDIR paths are cleaned.
  RunConfig g;
  g.cmd = std::vector<std::string>{"sh"};
  ASSERT_TRUE(ApplyChanges({"ENTRYPOINT [\"echo\"]", "WORKDIR /a/../b/", "WORKDIR c/./d/"}, g).ok());
  EXPECT_FALSE(g.cmd.has_value());
  EXPECT_EQ(*g.working_dir, "/b/c/d");
  ASSERT_TRUE(ApplyChanges({"CMD x", "ENTRYPOINT [\"echo\"]"}, g).ok());
  EXPECT_EQ(*g.cmd, (std::vector<std::string>{"/bin/sh", "-c", "x"}));
  // A failing change changes nothing.
  RunConfig f;
  EXPECT_FALSE(ApplyChanges({"ENV A=1", "USER"}, f).ok());
  EXPECT_FALSE(f.env.has_value());
}

}  // namespace
}  // namespace skiff::image

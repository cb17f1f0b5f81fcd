// Parents, history, rmi and prune against a real dockerd 20.10: the same sequences (import a busybox tar,
// containers that write a file and are committed, rmi variants, prune) run on a private dockerd through
// the docker CLI and on an ImageStore (containers simulated by references, running or stopped), and the
// transcripts must be the same line for line once IDs are replaced by their order of creation. Needs root;
// skips when docker.io is not installed.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <set>

#include "base/file.h"
#include "base/strings.h"
#include "image/image_store.h"
#include "support/docker_support.h"

namespace skiff::image {
namespace {

using testsupport::Sh;
using testsupport::Src;

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> out;
  for (auto& l : Split(s, '\n'))
    if (!Trim(l).empty()) out.push_back(l);
  return out;
}

// Docker's units.HumanSize (4 significant digits, decimal units), as the CLI prints reclaimed space.
std::string HumanSize(double n) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (n >= 1000 && u < 4) n /= 1000, ++u;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g%s", n, kUnits[u]);
  return buf;
}

// One engine under test; every call returns what the docker CLI would print.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string Import(const std::string& tag) = 0;  // the image ID
  virtual void Tag(const std::string& src, const std::string& dst) = 0;
  // A container of `image` running `sh -c 'echo FILE > /FILE'`, committed as `tag`; it stays, stopped.
  virtual std::string RunCommit(const std::string& name, const std::string& image, const std::string& file,
                                const std::string& tag) = 0;
  virtual void Create(const std::string& name, const std::string& image, bool running) = 0;
  virtual std::vector<std::string> Commit(const std::string& name, const std::string& tag) = 0;
  virtual void Rm(const std::string& name) = 0;
  virtual std::vector<std::string> Rmi(const std::vector<std::string>& refs, bool force, bool no_prune) = 0;
  virtual std::vector<std::string> Prune(bool all) = 0;
  virtual std::vector<std::string> History(const std::string& ref) = 0;
  virtual std::string Parent(const std::string& ref) = 0;
  virtual std::vector<std::string> Images() = 0;  // -a, sorted
  virtual bool Exists(const std::string& ref) = 0;

  // IDs -> <image N> / <container N> by order of creation, layer chain IDs -> <layer N.k> (k-th layer of
  // the first image N that has it); the data root in Docker's "open <path>" errors -> <path>.
  std::string Normalise(std::string l) const {
    for (size_t i = 0; i < images.size(); ++i) Replace(l, images[i], "<image " + std::to_string(i + 1) + ">");
    for (size_t i = 0; i < containers.size(); ++i) Replace(l, containers[i], "<container " + std::to_string(i + 1) + ">");
    for (const auto& [chain, name] : chains) Replace(l, chain, name);
    static const std::regex shortid("\\b[0-9a-f]{12,64}\\b"), path("open [^:]*:");
    l = std::regex_replace(l, shortid, "<unknown id>");
    return std::regex_replace(l, path, "open <path>:");
  }

  std::vector<std::string> images, containers;  // IDs in order of creation (hex)
  std::vector<std::pair<std::string, std::string>> chains;

 protected:
  void Created(const std::string& id_hex, const std::vector<Digest>& diff_ids) {
    images.push_back(id_hex);
    auto c = ChainIds(diff_ids);
    for (size_t k = 0; k < c.size(); ++k) {
      bool known = false;
      for (const auto& [chain, name] : chains) known = known || chain == c[k].hex();
      if (!known) chains.emplace_back(c[k].hex(), "<layer " + std::to_string(images.size()) + "." + std::to_string(k + 1) + ">");
    }
  }

 private:
  // "sha256:<hex>", "<hex>" and its 12-character prefix.
  static void Replace(std::string& l, const std::string& hex, const std::string& name) {
    for (const std::string& pat : {"sha256:" + hex, hex, hex.substr(0, 12)})
      for (size_t p; (p = l.find(pat)) != std::string::npos;) l.replace(p, pat.size(), name);
  }
};

class DockerEngine : public Engine {
 public:
  DockerEngine(std::string docker, std::string tar) : docker_(std::move(docker)), tar_(std::move(tar)) {}
  std::string Import(const std::string& tag) override {
    std::string id(Trim(Run("import - " + tag + " < " + tar_)));
    Record(id);
    return id;
  }
  void Tag(const std::string& src, const std::string& dst) override { Run("tag " + src + " " + dst); }
  std::string RunCommit(const std::string& name, const std::string& image, const std::string& file,
                        const std::string& tag) override {
    Run("run --network none --name " + name + " " + image + " sh -c 'echo " + file + " > /" + file + "'");
    containers.push_back(std::string(Trim(Run("inspect -f '{{.Id}}' " + name))));
    std::string id(Trim(Run("commit " + name + " " + tag)));
    Record(id);
    return id;
  }
  void Create(const std::string& name, const std::string& image, bool running) override {
    std::string out = running ? Run("run -d --network none --name " + name + " " + image + " sleep 1000")
                              : Run("create --network none --name " + name + " " + image + " true");
    containers.push_back(std::string(Trim(out)));
  }
  std::vector<std::string> Commit(const std::string& name, const std::string& tag) override {
    auto [rc, out] = Sh(docker_ + "commit " + name + " " + tag);
    auto lines = SplitLines(out);
    if (rc == 0 && !lines.empty() && lines[0].starts_with("sha256:")) Record(lines[0]);
    return lines;
  }
  void Rm(const std::string& name) override { Run("rm -f " + name); }
  std::vector<std::string> Rmi(const std::vector<std::string>& refs, bool force, bool no_prune) override {
    return SplitLines(Sh(docker_ + "rmi " + (force ? "-f " : "") + (no_prune ? "--no-prune " : "") + Join(refs, " ")).second);
  }
  std::vector<std::string> Prune(bool all) override {
    std::vector<std::string> out;
    for (auto& l : SplitLines(Sh(docker_ + "image prune -f" + (all ? " -a" : "")).second))
      if (l != "Deleted Images:") out.push_back(l);
    return out;
  }
  std::vector<std::string> History(const std::string& ref) override {
    return SplitLines(Run("history --no-trunc --format '{{.ID}}|{{.CreatedBy}}|{{.Comment}}' " + ref));
  }
  std::string Parent(const std::string& ref) override { return std::string(Trim(Run("image inspect -f '{{.Parent}}' " + ref))); }
  std::vector<std::string> Images() override {
    return SplitLines(Run("images -a --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}'"));
  }
  bool Exists(const std::string& ref) override { return Sh(docker_ + "image inspect " + ref).first == 0; }

 private:
  void Record(const std::string& id) {
    std::vector<Digest> diffs;
    for (const auto& d : Split(std::string(Trim(Run("image inspect -f '{{join .RootFS.Layers \" \"}}' " + id))), ' '))
      if (auto p = Digest::Parse(d); p.ok()) diffs.push_back(*p);
    Created(id.substr(7), diffs);
  }
  std::string Run(const std::string& args) {
    auto [rc, out] = Sh(docker_ + args);
    EXPECT_EQ(rc, 0) << "docker " << args << ":\n" << out;
    return out;
  }
  std::string docker_, tar_;
};

class SkiffEngine : public Engine {
 public:
  SkiffEngine(ImageStore& s, std::string tar, std::string tmp) : s_(s), tar_(std::move(tar)), tmp_(std::move(tmp)) {}
  std::string Import(const std::string& tag) override {
    UniqueFd fd = OpenFile(tar_, O_RDONLY).value();
    storage::FdReader r(fd.get());
    ImportOptions o;
    o.tag = tag;
    auto id = s_.Import(r, o);
    EXPECT_TRUE(id.ok()) << id.error().message();
    Record(*id);
    return id->str();
  }
  void Tag(const std::string& src, const std::string& dst) override { EXPECT_TRUE(s_.Tag(src, dst).ok()); }
  std::string RunCommit(const std::string& name, const std::string& image, const std::string& file,
                        const std::string& tag) override {
    Create(name, image, false);
    by_name_[name].cmd = {"sh", "-c", "echo " + file + " > /" + file};
    auto upper = TempDir::Create(tmp_, "upper-").value();
    std::string path = JoinPath(upper.path(), file);
    EXPECT_TRUE(WriteFileAtomic(path, file + "\n").ok());
    // Each container's file is new (in Docker its mtime differs), so each commit makes a new layer.
    struct timeval tv[2] = {{1000000000 + static_cast<time_t>(containers.size()), 0}, {1000000000 + static_cast<time_t>(containers.size()), 0}};
    EXPECT_EQ(::utimes(path.c_str(), tv), 0);
    auto id = DoCommit(name, upper.path(), tag);
    EXPECT_TRUE(id.ok()) << id.error().message();
    Record(*id);
    return id->str();
  }
  void Create(const std::string& name, const std::string& image, bool running) override {
    std::string cid = Sha256Of(name + std::to_string(containers.size())).hex();
    Digest id = s_.Resolve(image).value();
    EXPECT_TRUE(s_.AddImageReference(cid, id).ok());
    by_name_[name] = {cid, id, {running ? "sleep" : "true"}};
    if (running) running_.insert(cid);
    containers.push_back(cid);
  }
  std::vector<std::string> Commit(const std::string& name, const std::string& tag) override {
    auto upper = TempDir::Create(tmp_, "upper-").value();
    auto id = DoCommit(name, upper.path(), tag);
    if (!id.ok()) return {"Error response from daemon: " + id.error().message()};
    Record(*id);
    return {id->str()};
  }
  void Rm(const std::string& name) override {
    EXPECT_TRUE(s_.ReleaseImageReference(by_name_[name].cid).ok());
    running_.erase(by_name_[name].cid);
  }
  std::vector<std::string> Rmi(const std::vector<std::string>& refs, bool force, bool no_prune) override {
    std::vector<std::string> out, errors;
    for (const auto& ref : refs) {
      RemoveOptions o;
      o.force = force;
      o.prune = !no_prune;
      o.is_running = [this](const std::string& c) { return running_.count(c) > 0; };
      auto r = s_.Remove(ref, o);
      if (!r.ok()) {
        errors.push_back(r.error().code() == Errc::kNotFound ? "Error: No such image: " + ref
                                                             : "Error response from daemon: " + r.error().message());
        continue;
      }
      for (const auto& it : *r) out.push_back(it.untagged.empty() ? "Deleted: " + it.deleted : "Untagged: " + it.untagged);
    }
    out.insert(out.end(), errors.begin(), errors.end());
    return out;
  }
  std::vector<std::string> Prune(bool all) override {
    auto rep = s_.Prune(all);
    EXPECT_TRUE(rep.ok()) << rep.error().message();
    std::vector<std::string> out;
    for (const auto& it : rep->items) out.push_back(it.untagged.empty() ? "deleted: " + it.deleted : "untagged: " + it.untagged);
    out.push_back("Total reclaimed space: " + HumanSize(static_cast<double>(rep->reclaimed)));
    return out;
  }
  std::vector<std::string> History(const std::string& ref) override {
    std::vector<std::string> out;
    auto h = s_.History(ref);
    if (!h.ok()) return {"Error: " + h.error().message()};
    for (const auto& it : *h) out.push_back(it.id + "|" + it.created_by + "|" + it.comment);
    return out;
  }
  std::string Parent(const std::string& ref) override { return s_.Inspect(ref).value()["Parent"]; }
  std::vector<std::string> Images() override {
    std::vector<std::string> out;
    auto list = s_.List();
    EXPECT_TRUE(list.ok()) << list.error().message();
    if (!list.ok()) return out;
    for (const auto& s : *list) {
      if (s.repo_tags.empty()) out.push_back("<none>:<none> " + s.id.str());
      for (const auto& t : s.repo_tags) out.push_back(t + " " + s.id.str());
    }
    return out;
  }
  bool Exists(const std::string& ref) override { return s_.Inspect(ref).ok(); }

 private:
  void Record(const Digest& id) { Created(id.hex(), s_.Config(id).value().diff_ids); }
  struct Container {
    std::string cid;
    Digest image;
    std::vector<std::string> cmd;
  };
  Result<Digest> DoCommit(const std::string& name, const std::string& upper, const std::string& tag) {
    const Container& c = by_name_[name];
    CommitOptions o;
    o.container_id = c.cid;
    o.upper_dir = upper;
    o.parent = c.image;
    if (auto cfg = s_.Config(c.image); cfg.ok()) o.config = cfg->config;
    o.container_config = Json{{"Cmd", c.cmd}};
    o.tag = tag;
    return s_.Commit(o);
  }
  ImageStore& s_;
  std::string tar_, tmp_;
  std::map<std::string, Container> by_name_;
  std::set<std::string> running_;
};

// The sequences; `out` gets "$ step" lines and what each step printed.
// Outputs whose order Docker does not fix (images: by creation time, to the second; prune: a Go map) are
// compared sorted, the "Total reclaimed space" line last.
void Scenario(Engine& e, std::vector<std::string>& out) {
  auto log = [&](const std::string& step, const std::vector<std::string>& lines) {
    out.push_back(e.Normalise("$ " + step));
    std::vector<std::string> norm, total;
    for (const auto& l : lines) (l.starts_with("Total reclaimed") ? total : norm).push_back(e.Normalise(l));
    if (step.starts_with("images") || step.starts_with("image prune")) std::sort(norm.begin(), norm.end());
    out.insert(out.end(), norm.begin(), norm.end());
    out.insert(out.end(), total.begin(), total.end());
  };
  auto id12 = [](const std::string& id) { return id.substr(7, 12); };

  // Parents, history, children block their parent, removal prunes untagged parents.
  std::string bb = e.Import("bb");
  e.RunCommit("c1", "bb", "one", "child:1");
  e.Rm("c1");
  e.RunCommit("c2", "child:1", "two", "gchild:1");
  e.Rm("c2");
  log("parents", {e.Parent("bb"), e.Parent("child:1"), e.Parent("gchild:1")});
  log("history gchild:1", e.History("gchild:1"));
  log("history child:1", e.History("child:1"));
  log("rmi " + id12(bb), e.Rmi({id12(bb)}, false, false));
  log("rmi -f " + id12(bb), e.Rmi({id12(bb)}, true, false));
  log("rmi bb", e.Rmi({"bb"}, false, false));
  log("history gchild:1", e.History("gchild:1"));
  log("rmi child:1", e.Rmi({"child:1"}, false, false));
  log("images -a", e.Images());
  log("rmi gchild:1", e.Rmi({"gchild:1"}, false, false));
  log("images -a", e.Images());

  // --no-prune keeps the untagged parent; prune takes it.
  e.Import("bb");
  e.RunCommit("c1", "bb", "one", "child:1");
  e.Rm("c1");
  log("rmi bb", e.Rmi({"bb"}, false, false));
  log("rmi --no-prune child:1", e.Rmi({"child:1"}, false, true));
  log("images -a", e.Images());
  log("image prune", e.Prune(false));
  log("images -a", e.Images());

  // Running and stopped containers.
  std::string id = e.Import("bb");
  e.Tag("bb", "other:1");
  e.Create("r1", "bb", true);
  e.Create("s1", "bb", false);
  log("rmi " + id12(id), e.Rmi({id12(id)}, false, false));
  log("rmi -f " + id12(id), e.Rmi({id12(id)}, true, false));
  log("rmi bb", e.Rmi({"bb"}, false, false));
  log("rmi -f other:1", e.Rmi({"other:1"}, true, false));
  log("images -a", e.Images());
  e.Tag(id, "bb");
  e.Rm("r1");
  log("rmi " + id12(id), e.Rmi({id12(id)}, false, false));
  log("rmi bb", e.Rmi({"bb"}, false, false));
  log("rmi -f " + id12(id), e.Rmi({id12(id)}, true, false));
  log("images -a", e.Images());
  log("image inspect", {e.Exists(id) ? "exists" : "no such image"});
  log("image prune -a", e.Prune(true));
  log("commit s1", e.Commit("s1", "fromdeleted:1"));
  e.Rm("s1");
  log("images -a", e.Images());

  // Several repositories; a layer shared by three imports goes with the last one.
  id = e.Import("bb");
  e.Tag("bb", "a/b:1");
  e.Tag("bb", "bb:2");
  log("rmi " + id12(id), e.Rmi({id12(id)}, false, false));
  log("rmi -f " + id12(id), e.Rmi({id12(id)}, true, false));
  e.Import("t1/imp:1");
  e.Import("t1/imp:2");
  e.Import("t1/imp:3");
  log("rmi t1/imp:1 t1/imp:2", e.Rmi({"t1/imp:1", "t1/imp:2"}, false, false));
  log("rmi t1/imp:3", e.Rmi({"t1/imp:3"}, false, false));
  log("rmi nosuch:1", e.Rmi({"nosuch:1"}, false, false));

  // Prune starts from leaves, skips what containers use; -f on a used child takes the parent along.
  e.Import("bb");
  e.RunCommit("c1", "bb", "one", "child:1");
  e.Rm("c1");
  e.RunCommit("c2", "child:1", "two", "gchild:1");
  e.Rm("c2");
  e.Create("st", "child:1", false);
  log("image prune", e.Prune(false));
  log("image prune -a", e.Prune(true));
  log("images -a", e.Images());
  log("rmi -f child:1", e.Rmi({"child:1"}, true, false));
  log("images -a", e.Images());
  e.Rm("st");
  log("image prune -a", e.Prune(true));
  log("images -a", e.Images());
}

// A private dockerd and a busybox rootfs tar (dir/bb.tar) both engines import.
class RmiDocker : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    tmp_.emplace(TempDir::Create("/tmp", "skiff-rmi-docker-").value());
    dir = tmp_->path();
    dockerd_.emplace(dir + "/d");
    auto [rc, out] = dockerd_->Start();
    if (rc == 77) GTEST_SKIP() << "docker.io not installed: " << out;
    ASSERT_EQ(rc, 0) << out;
    docker = dockerd_->docker();
    auto [rc2, out2] = Sh("bash " + Src() + "/tests/support/busybox-rootfs.sh " + dir + "/rootfs && tar -C " + dir +
                          "/rootfs -cf " + dir + "/bb.tar .");
    ASSERT_EQ(rc2, 0) << out2;
  }
  void TearDown() override {
    dockerd_.reset();
    tmp_.reset();
  }
  std::string dir, docker;

 private:
  std::optional<TempDir> tmp_;
  std::optional<testsupport::PrivateDockerd> dockerd_;
};

TEST_F(RmiDocker, SameTranscriptAsDockerd) {
  DockerEngine docker_engine(docker, dir + "/bb.tar");
  std::vector<std::string> theirs, ours;
  Scenario(docker_engine, theirs);
  auto store = ImageStore::Open(dir + "/skiff").value();
  SkiffEngine skiff(*store, dir + "/bb.tar", dir);
  Scenario(skiff, ours);
  // SKIFF_RMI_TRANSCRIPT=FILE: keeps Docker's transcript there, to read what is compared.
  if (const char* f = std::getenv("SKIFF_RMI_TRANSCRIPT")) {
    EXPECT_TRUE(WriteFileAtomic(f, Join(theirs, "\n") + "\n").ok());
  }
  for (size_t i = 0; i < std::max(theirs.size(), ours.size()); ++i) {
    EXPECT_EQ(i < theirs.size() ? theirs[i] : "<end>", i < ours.size() ? ours[i] : "<end>") << "line " << i + 1;
    if (HasFailure()) {
      std::string ctx;
      for (size_t j = (i > 8 ? i - 8 : 0); j < std::min(i + 3, theirs.size()); ++j) ctx += "  docker: " + theirs[j] + "\n";
      ADD_FAILURE() << "context:\n" << ctx;
      break;
    }
  }
  // Everything the store made is gone again.
  EXPECT_TRUE(store->List()->empty());
  EXPECT_TRUE(store->content().List().empty());
  EXPECT_TRUE(store->snapshots().ListLayers().empty());
}

// Parents travel with save/load both ways (manifest.json "Parent"), IDs unchanged.
TEST_F(RmiDocker, ParentsSurviveSaveAndLoadBothWays) {
  auto run = [&](const std::string& args) {
    auto [c, o] = Sh(docker + args);
    EXPECT_EQ(c, 0) << "docker " << args << ":\n" << o;
    return std::string(Trim(o));
  };
  std::string base = run("import - bb < " + dir + "/bb.tar");
  run("run --network none --name c1 bb sh -c 'echo 1 > /one'");
  std::string child = run("commit c1 child:1");
  run("rm c1");
  run("save -o " + dir + "/docker.tar bb child:1");
  auto store = ImageStore::Open(dir + "/skiff").value();
  {
    UniqueFd fd = OpenFile(dir + "/docker.tar", O_RDONLY).value();
    storage::FdReader r(fd.get());
    auto loaded = store->Load(r);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  }
  EXPECT_EQ(store->Resolve("child:1")->str(), child);
  EXPECT_EQ(store->Inspect("child:1").value()["Parent"], base);
  EXPECT_EQ(store->History("child:1").value()[1].id, base);
  {
    UniqueFd fd = OpenFile(dir + "/skiff.tar", O_WRONLY | O_CREAT | O_TRUNC).value();
    storage::FdWriter w(fd.get());
    ASSERT_TRUE(store->Save({"bb", "child:1"}, w).ok());
  }
  run("rmi child:1 bb");
  run("load -i " + dir + "/skiff.tar");
  EXPECT_EQ(run("image inspect -f '{{.Parent}}' child:1"), base);
  EXPECT_EQ(run("image inspect -f '{{.Id}}' child:1"), child);
}

}  // namespace
}  // namespace skiff::image

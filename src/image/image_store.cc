#include "image/image_store.h"

#include <sys/stat.h>
#include <time.h>

#include <set>

#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"

namespace skiff::image {
namespace {

constexpr char kSchema[] = R"(
CREATE TABLE IF NOT EXISTS layers(
  diff_id TEXT PRIMARY KEY, blob TEXT NOT NULL, media_type TEXT NOT NULL,
  blob_size INTEGER NOT NULL, tar_size INTEGER NOT NULL, size INTEGER NOT NULL);
-- parent: the image this one was committed from (Docker keeps it in its image metadata, not the config).
-- deleted: removed by `rmi` while containers use it (hidden): no names, no lookups; only refs keep it.
CREATE TABLE IF NOT EXISTS images(id TEXT PRIMARY KEY, created INTEGER NOT NULL, added INTEGER NOT NULL,
  parent TEXT REFERENCES images(id) ON DELETE SET NULL, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS image_layers(
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE, idx INTEGER NOT NULL,
  diff_id TEXT NOT NULL REFERENCES layers(diff_id), PRIMARY KEY(image_id, idx));
CREATE INDEX IF NOT EXISTS image_layers_diff ON image_layers(diff_id);
CREATE TABLE IF NOT EXISTS tags(ref TEXT PRIMARY KEY,
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE, added INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tags_image ON tags(image_id);
CREATE TABLE IF NOT EXISTS distribution(
  diff_id TEXT NOT NULL REFERENCES layers(diff_id) ON DELETE CASCADE, blob TEXT NOT NULL,
  media_type TEXT NOT NULL, size INTEGER NOT NULL, registry TEXT NOT NULL, repo TEXT NOT NULL,
  PRIMARY KEY(diff_id, blob, registry, repo));
CREATE TABLE IF NOT EXISTS refs(container_id TEXT PRIMARY KEY,
  image_id TEXT NOT NULL REFERENCES images(id), snapshot INTEGER NOT NULL DEFAULT 0);
)";

int64_t Now() { return static_cast<int64_t>(::time(nullptr)); }

std::string Familiar(const std::string& full) {
  auto r = ParseReference(full);
  return r.ok() ? r->FamiliarString() : full;
}

}  // namespace

Result<std::unique_ptr<ImageStore>> ImageStore::Open(const std::string& root) {
  std::unique_ptr<ImageStore> s(new ImageStore());
  s->root_ = root;
  SKIFF_TRY(MkdirAll(root, 0700));
  s->cs_ = SKIFF_TRY(ContentStore::Open(JoinPath(root, "content")));
  s->snaps_ = SKIFF_TRY(storage::Snapshotter::Open(JoinPath(root, "storage")));
  s->db_ = SKIFF_TRY(Db::Open(JoinPath(root, "images.db")));
  SKIFF_TRY(s->Migrate());
  SKIFF_TRY_CTX(s->Recover(), "image store recovery");
  return s;
}

Status ImageStore::Migrate() {
  SKIFF_TRY(db_->Exec(kSchema));
  // Stores made before parents and hidden images: add the columns (NULL parent, visible).
  std::set<std::string> cols;
  {
    auto st = SKIFF_TRY(db_->Prepare("PRAGMA table_info(images)"));
    while (SKIFF_TRY(st.Step())) cols.insert(st.Text(1));
  }
  if (!cols.count("parent"))
    SKIFF_TRY(db_->Exec("ALTER TABLE images ADD COLUMN parent TEXT REFERENCES images(id) ON DELETE SET NULL"));
  if (!cols.count("deleted")) SKIFF_TRY(db_->Exec("ALTER TABLE images ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0"));
  return db_->Exec("CREATE INDEX IF NOT EXISTS images_parent ON images(parent)");
}

Status ImageStore::Recover() {
  SKIFF_TRY(cs_->RemoveIngestLeftovers());
  SKIFF_TRY(snaps_->RemoveStagingLeftovers());
  // Rows whose files are gone make their images unusable: drop those images (never the files' fault
  // after a clean crash, but a store must never point at nothing).
  std::vector<std::string> broken_layers;
  {
    auto st = SKIFF_TRY(db_->Prepare("SELECT diff_id, blob FROM layers"));
    while (SKIFF_TRY(st.Step())) {
      auto diff = Digest::Parse(st.Text(0));
      auto blob = Digest::Parse(st.Text(1));
      if (!diff.ok() || !blob.ok() || !snaps_->HasLayer(*diff) || !cs_->Has(*blob)) broken_layers.push_back(st.Text(0));
    }
  }
  std::vector<std::string> broken_images;
  {
    // Hidden images have no config blob any more (removed with the image); their layers are checked above.
    auto st = SKIFF_TRY(db_->Prepare("SELECT id FROM images WHERE deleted=0"));
    while (SKIFF_TRY(st.Step())) {
      auto id = Digest::Parse(st.Text(0));
      if (!id.ok() || !cs_->Has(*id)) broken_images.push_back(st.Text(0));
    }
  }
  if (!broken_layers.empty() || !broken_images.empty()) {
    auto tx = SKIFF_TRY(Tx::Begin(*db_));
    for (const auto& l : broken_layers) {
      log::Warn("image store: layer {} has lost its files; dropping the images that use it", l);
      auto st = SKIFF_TRY(db_->Prepare("SELECT DISTINCT image_id FROM image_layers WHERE diff_id=?"));
      st.Bind(1, l);
      while (SKIFF_TRY(st.Step())) broken_images.push_back(st.Text(0));
    }
    for (const auto& i : broken_images) {
      SKIFF_TRY(SKIFF_TRY(db_->Prepare("DELETE FROM refs WHERE image_id=?")).Bind(1, i).Run());
      SKIFF_TRY(SKIFF_TRY(db_->Prepare("DELETE FROM images WHERE id=?")).Bind(1, i).Run());
    }
    for (const auto& l : broken_layers)
      SKIFF_TRY(SKIFF_TRY(db_->Prepare("DELETE FROM layers WHERE diff_id=?")).Bind(1, l).Run());
    SKIFF_TRY(tx.Commit());
  }
  // Layer rows no image uses (a removal by an older version, which deleted the image row and the layer
  // rows in two transactions, could be killed in between). Containers and snapshots use layers only
  // through their image (refs -> images -> image_layers), so these rows are unused; their files go below.
  {
    auto tx = SKIFF_TRY(Tx::Begin(*db_));
    SKIFF_TRY(db_->Exec("DELETE FROM layers WHERE diff_id NOT IN (SELECT diff_id FROM image_layers)"));
    int64_t n = db_->Changes();
    SKIFF_TRY(tx.Commit());
    if (n > 0) log::Info("image store: dropped {} layer rows that no image uses", n);
  }
  // Hidden images whose last container went while a transfer was in flight (or before a crash).
  SKIFF_TRY(PurgeHiddenLocked());
  // Files that an interrupted transfer put in place before its rows were committed.
  auto gc = SKIFF_TRY(CollectGarbageLocked());
  if (gc.blobs_removed || gc.layers_removed || gc.snapshots_removed)
    log::Info("image store: removed {} blobs, {} layers, {} snapshots left by an interrupted operation",
              gc.blobs_removed, gc.layers_removed, gc.snapshots_removed);
  return Ok();
}

Result<Digest> ImageStore::Resolve(std::string_view s) {
  std::lock_guard lk(mu_);
  auto exists = [&](const std::string& id) -> Result<bool> {
    auto st = SKIFF_TRY(db_->Prepare("SELECT 1 FROM images WHERE id=? AND deleted=0"));
    st.Bind(1, id);
    return SKIFF_TRY(st.Step());
  };
  if (LooksLikeFullId(s)) {
    std::string id = s.starts_with("sha256:") ? std::string(s) : "sha256:" + std::string(s);
    if (SKIFF_TRY(exists(id))) return *Digest::Parse(id);
    return Error(Errc::kNotFound, "No such image: " + std::string(s));
  }
  auto ref = ParseReference(s);
  if (ref.ok()) {
    // Tags and repo digests (name@sha256:<manifest>) share the tags table; name:tag@digest is looked up by
    // its digest, as Docker does.
    Reference key = ref->WithDefaultTag();
    if (key.digest) key.tag.clear();
    auto st = SKIFF_TRY(db_->Prepare("SELECT image_id FROM tags WHERE ref=?"));
    st.Bind(1, key.String());
    if (SKIFF_TRY(st.Step())) return *Digest::Parse(st.Text(0));
  }
  std::string prefix(s);
  if (prefix.starts_with("sha256:")) prefix = prefix.substr(7);
  if (!prefix.empty() && IsHex(prefix)) {
    auto st = SKIFF_TRY(db_->Prepare("SELECT id FROM images WHERE substr(id, 8, ?) = ? AND deleted=0 LIMIT 2"));
    st.Bind(1, static_cast<int64_t>(prefix.size())).Bind(2, prefix);
    std::vector<std::string> ids;
    while (SKIFF_TRY(st.Step())) ids.push_back(st.Text(0));
    if (ids.size() == 1) return *Digest::Parse(ids[0]);
    if (ids.size() > 1) return Error(Errc::kInvalidArgument, "ambiguous image ID prefix " + prefix + ": matches several images");
  }
  if (!ref.ok() && !(IsHex(prefix))) return std::move(ref).error();
  return Error(Errc::kNotFound, "No such image: " + std::string(s));
}

Result<ImageConfig> ImageStore::Config(const Digest& id) {
  std::string raw = SKIFF_TRY_CTX(cs_->Read(id), "image " + id.str());
  return SKIFF_TRY_CTX(ParseImageConfig(raw), "image " + id.str());
}

Result<std::optional<ImageStore::LayerRow>> ImageStore::FindLayer(const Digest& diff_id) {
  std::lock_guard lk(mu_);
  auto st = SKIFF_TRY(db_->Prepare("SELECT blob, media_type, blob_size, tar_size, size FROM layers WHERE diff_id=?"));
  st.Bind(1, diff_id.str());
  if (!SKIFF_TRY(st.Step())) return std::optional<LayerRow>();
  LayerRow r;
  r.diff_id = diff_id;
  r.blob = SKIFF_TRY(Digest::Parse(st.Text(0)));
  r.media_type = st.Text(1);
  r.blob_size = static_cast<uint64_t>(st.Int(2));
  r.tar_size = static_cast<uint64_t>(st.Int(3));
  r.size = static_cast<uint64_t>(st.Int(4));
  return std::optional<LayerRow>(r);
}

Result<std::vector<ImageStore::LayerRow>> ImageStore::ImageLayers(const Digest& id) {
  std::lock_guard lk(mu_);
  auto st = SKIFF_TRY(db_->Prepare(
      "SELECT l.diff_id, l.blob, l.media_type, l.blob_size, l.tar_size, l.size FROM image_layers il "
      "JOIN layers l ON l.diff_id = il.diff_id WHERE il.image_id=? ORDER BY il.idx"));
  st.Bind(1, id.str());
  std::vector<LayerRow> out;
  while (SKIFF_TRY(st.Step())) {
    LayerRow r;
    r.diff_id = SKIFF_TRY(Digest::Parse(st.Text(0)));
    r.blob = SKIFF_TRY(Digest::Parse(st.Text(1)));
    r.media_type = st.Text(2);
    r.blob_size = static_cast<uint64_t>(st.Int(3));
    r.tar_size = static_cast<uint64_t>(st.Int(4));
    r.size = static_cast<uint64_t>(st.Int(5));
    out.push_back(r);
  }
  return out;
}

Status ImageStore::RecordDistribution(const Digest& diff_id, const DistributionSource& src) {
  std::lock_guard lk(mu_);
  auto st = SKIFF_TRY(db_->Prepare(
      "INSERT OR REPLACE INTO distribution(diff_id, blob, media_type, size, registry, repo) VALUES(?,?,?,?,?,?)"));
  st.Bind(1, diff_id.str()).Bind(2, src.blob.str()).Bind(3, src.media_type).Bind(4, static_cast<int64_t>(src.size));
  return st.Bind(5, src.registry).Bind(6, src.repo).Run();
}

Result<std::vector<DistributionSource>> ImageStore::DistributionSources(const Digest& diff_id) {
  std::lock_guard lk(mu_);
  auto st = SKIFF_TRY(db_->Prepare(
      "SELECT blob, media_type, size, registry, repo FROM distribution WHERE diff_id=? ORDER BY rowid DESC"));
  st.Bind(1, diff_id.str());
  std::vector<DistributionSource> out;
  while (SKIFF_TRY(st.Step())) {
    auto blob = Digest::Parse(st.Text(0));
    if (!blob.ok()) continue;
    out.push_back({*blob, st.Text(1), static_cast<uint64_t>(st.Int(2)), st.Text(3), st.Text(4)});
  }
  return out;
}

Status ImageStore::CommitImage(const ImageConfig& config, const std::vector<LayerRow>& layers,
                               const std::vector<Reference>& tags, const Digest& parent) {
  std::lock_guard lk(mu_);
  std::string id = config.Id().str();
  auto tx = SKIFF_TRY(Tx::Begin(*db_));
  for (const auto& l : layers) {
    auto st = SKIFF_TRY(db_->Prepare(
        "INSERT OR IGNORE INTO layers(diff_id, blob, media_type, blob_size, tar_size, size) VALUES(?,?,?,?,?,?)"));
    st.Bind(1, l.diff_id.str()).Bind(2, l.blob.str()).Bind(3, l.media_type);
    st.Bind(4, static_cast<int64_t>(l.blob_size)).Bind(5, static_cast<int64_t>(l.tar_size)).Bind(6, static_cast<int64_t>(l.size));
    SKIFF_TRY(st.Run());
  }
  std::optional<bool> hidden;
  {
    auto st = SKIFF_TRY(db_->Prepare("SELECT deleted FROM images WHERE id=?"));
    st.Bind(1, id);
    if (SKIFF_TRY(st.Step())) hidden = st.Int(0) != 0;
  }
  auto bind_parent = [&](Stmt& st, int i) -> Stmt& { return parent.empty() ? st.BindNull(i) : st.Bind(i, parent.str()); };
  if (!hidden) {
    auto ins = SKIFF_TRY(db_->Prepare("INSERT INTO images(id, created, added, parent) VALUES(?,?,?,?)"));
    ins.Bind(1, id).Bind(2, ParseTime(config.created)).Bind(3, Now());
    SKIFF_TRY(bind_parent(ins, 4).Run());
    for (size_t i = 0; i < layers.size(); ++i) {
      auto st = SKIFF_TRY(db_->Prepare("INSERT INTO image_layers(image_id, idx, diff_id) VALUES(?,?,?)"));
      st.Bind(1, id).Bind(2, static_cast<int64_t>(i)).Bind(3, layers[i].diff_id.str());
      SKIFF_TRY(st.Run());
    }
  } else if (*hidden) {
    // Deleted while containers kept it; recorded again (same config, so the same layers): visible anew.
    auto up = SKIFF_TRY(db_->Prepare("UPDATE images SET deleted=0, added=?, parent=? WHERE id=?"));
    up.Bind(1, Now());
    SKIFF_TRY(bind_parent(up, 2).Bind(3, id).Run());
  }
  for (const auto& t : tags) {
    auto st = SKIFF_TRY(db_->Prepare("INSERT OR REPLACE INTO tags(ref, image_id, added) VALUES(?,?,?)"));
    st.Bind(1, t.WithDefaultTag().String()).Bind(2, id).Bind(3, Now());
    SKIFF_TRY(st.Run());
  }
  return tx.Commit();
}

Result<Digest> ImageStore::Parent(const Digest& id) {
  std::lock_guard lk(mu_);
  auto st = SKIFF_TRY(db_->Prepare(
      "SELECT c.parent FROM images c JOIN images p ON p.id = c.parent WHERE c.id=? AND c.deleted=0 AND p.deleted=0"));
  st.Bind(1, id.str());
  if (!SKIFF_TRY(st.Step())) return Digest();
  return Digest::Parse(st.Text(0));
}

Status ImageStore::SetParent(const Digest& child, const Digest& parent) {
  std::lock_guard lk(mu_);
  auto st = SKIFF_TRY(db_->Prepare(
      "UPDATE images SET parent=? WHERE id=? AND deleted=0 AND ? IN (SELECT id FROM images WHERE deleted=0) AND id != ?"));
  st.Bind(1, parent.str()).Bind(2, child.str()).Bind(3, parent.str()).Bind(4, parent.str());
  return st.Run();
}

Result<bool> ImageStore::IsVisible(const Digest& id) {
  std::lock_guard lk(mu_);
  auto st = SKIFF_TRY(db_->Prepare("SELECT 1 FROM images WHERE id=? AND deleted=0"));
  st.Bind(1, id.str());
  return st.Step();
}

Result<std::vector<std::string>> ImageStore::TagsOf(const Digest& id) {
  std::lock_guard lk(mu_);
  auto st = SKIFF_TRY(db_->Prepare("SELECT ref FROM tags WHERE image_id=? ORDER BY ref"));
  st.Bind(1, id.str());
  std::vector<std::string> out;
  while (SKIFF_TRY(st.Step())) out.push_back(st.Text(0));
  return out;
}

Result<int64_t> ImageStore::ContainerCount(const Digest& id) {
  std::lock_guard lk(mu_);
  auto st = SKIFF_TRY(db_->Prepare("SELECT COUNT(*) FROM refs WHERE image_id=?"));
  st.Bind(1, id.str());
  SKIFF_TRY(st.Step());
  return st.Int(0);
}

Result<std::vector<ImageSummary>> ImageStore::List() {
  std::lock_guard lk(mu_);
  // Layer use counts among visible images, for shared/unique sizes.
  std::map<std::string, int64_t> uses;
  {
    auto st = SKIFF_TRY(db_->Prepare(
        "SELECT il.diff_id, COUNT(DISTINCT il.image_id) FROM image_layers il JOIN images i ON i.id = il.image_id "
        "WHERE i.deleted=0 GROUP BY il.diff_id"));
    while (SKIFF_TRY(st.Step())) uses[st.Text(0)] = st.Int(1);
  }
  std::vector<ImageSummary> out;
  auto st = SKIFF_TRY(db_->Prepare(
      "SELECT i.id, i.created, p.id, (SELECT COUNT(*) FROM images c WHERE c.parent = i.id AND c.deleted=0) "
      "FROM images i LEFT JOIN images p ON p.id = i.parent AND p.deleted=0 WHERE i.deleted=0 ORDER BY i.created DESC, i.id"));
  while (SKIFF_TRY(st.Step())) {
    ImageSummary s;
    s.id = SKIFF_TRY(Digest::Parse(st.Text(0)));
    s.created = st.Int(1);
    if (!st.IsNull(2)) s.parent = SKIFF_TRY(Digest::Parse(st.Text(2)));
    s.children = st.Int(3);
    for (const auto& t : SKIFF_TRY(TagsOf(s.id))) {
      std::string f = Familiar(t);
      (f.find('@') != std::string::npos ? s.repo_digests : s.repo_tags).push_back(f);
    }
    std::set<std::string> seen;
    for (const auto& l : SKIFF_TRY(ImageLayers(s.id))) {
      if (!seen.insert(l.diff_id.str()).second) continue;
      s.size += l.size;
      if (uses[l.diff_id.str()] > 1) s.shared_size += l.size;
    }
    s.unique_size = s.size - s.shared_size;
    s.containers = SKIFF_TRY(ContainerCount(s.id));
    if (auto cfg = Config(s.id); cfg.ok() && cfg->config.labels) s.labels = *cfg->config.labels;
    out.push_back(std::move(s));
  }
  return out;
}

Result<Json> ImageStore::Inspect(std::string_view ref_or_id) {
  Digest id = SKIFF_TRY(Resolve(ref_or_id));
  ImageConfig cfg = SKIFF_TRY(Config(id));
  auto layers = SKIFF_TRY(ImageLayers(id));
  Json j;
  j["Id"] = id.str();
  j["RepoTags"] = Json::array();
  j["RepoDigests"] = Json::array();
  for (const auto& t : SKIFF_TRY(TagsOf(id))) {
    std::string f = Familiar(t);
    j[f.find('@') != std::string::npos ? "RepoDigests" : "RepoTags"].push_back(f);
  }
  const Json& c = cfg.json;
  Digest parent = SKIFF_TRY(Parent(id));
  j["Parent"] = parent.empty() ? "" : parent.str();
  // Docker: the config's comment, else the last history entry's (where `commit -m` puts it).
  j["Comment"] = !cfg.comment.empty() || cfg.history.empty() ? cfg.comment : cfg.history.back().comment;
  j["Created"] = cfg.created;
  j["Container"] = c.value("container", "");
  j["ContainerConfig"] = c.contains("container_config") ? c["container_config"] : Json::object();
  j["DockerVersion"] = c.value("docker_version", "");
  j["Author"] = cfg.author;
  j["Config"] = c.contains("config") ? c["config"] : Json(nullptr);
  j["Architecture"] = cfg.architecture;
  if (c.contains("variant")) j["Variant"] = c["variant"];
  j["Os"] = cfg.os;
  uint64_t size = 0;
  std::vector<std::string> dirs;
  for (const auto& l : layers) {
    size += l.size;
    dirs.insert(dirs.begin(), snaps_->LayerDir(l.diff_id));
  }
  j["Size"] = size;
  j["VirtualSize"] = size;
  // overlay2's shape: the top layer is UpperDir, the ones below it LowerDir (only when there are any).
  // Image layers here are plain read-only directories: there is no merged or work directory to name.
  Json data = Json::object();
  if (!dirs.empty()) {
    data["UpperDir"] = dirs.front();
    if (dirs.size() > 1) data["LowerDir"] = Join(std::vector<std::string>(dirs.begin() + 1, dirs.end()), ":");
    data["MergedDir"] = "";
    data["WorkDir"] = "";
  }
  j["GraphDriver"] = {{"Name", "overlay2"}, {"Data", data.empty() ? Json(nullptr) : data}};
  j["RootFS"] = {{"Type", "layers"}, {"Layers", Json::array()}};
  for (const auto& d : cfg.diff_ids) j["RootFS"]["Layers"].push_back(d.str());
  j["Metadata"] = {{"LastTagTime", "0001-01-01T00:00:00Z"}};
  return j;
}

Result<std::vector<HistoryItem>> ImageStore::History(std::string_view ref_or_id) {
  Digest id = SKIFF_TRY(Resolve(ref_or_id));
  ImageConfig cfg = SKIFF_TRY(Config(id));
  auto layers = SKIFF_TRY(ImageLayers(id));
  std::vector<HistoryItem> out;
  size_t li = 0;
  for (const auto& h : cfg.history) {
    HistoryItem it;
    it.id = "<missing>";
    it.created = ParseTime(h.created);
    it.created_by = h.created_by;
    it.comment = h.comment;
    if (!h.empty_layer && li < layers.size()) it.size = layers[li++].size;
    out.push_back(it);
  }
  if (out.empty()) {  // configs without history: one entry per layer
    for (const auto& l : layers) {
      HistoryItem it;
      it.id = "<missing>";
      it.created = ParseTime(cfg.created);
      it.size = l.size;
      out.push_back(it);
    }
  }
  std::reverse(out.begin(), out.end());
  // Docker: the newest entry is the image's, the next its parent's, and so on while there are parents.
  Digest cur = id;
  for (auto& it : out) {
    it.id = cur.str();
    for (const auto& t : SKIFF_TRY(TagsOf(cur)))
      if (t.find('@') == std::string::npos) it.tags.push_back(Familiar(t));
    cur = SKIFF_TRY(Parent(cur));
    if (cur.empty()) break;
  }
  return out;
}

Status ImageStore::Tag(std::string_view source, std::string_view target) {
  Digest id = SKIFF_TRY(Resolve(source));
  Reference ref = SKIFF_TRY(ParseReference(target));
  if (ref.digest) return Error(Errc::kInvalidArgument, "refusing to create a tag with a digest reference");
  std::lock_guard lk(mu_);
  auto st = SKIFF_TRY(db_->Prepare("INSERT OR REPLACE INTO tags(ref, image_id, added) VALUES(?,?,?)"));
  st.Bind(1, ref.WithDefaultTag().String()).Bind(2, id.str()).Bind(3, Now());
  return st.Run();
}

Result<GcReport> ImageStore::CollectGarbage() {
  // Exclusive against transfers (which hold it shared while their files have no rows yet).
  std::unique_lock gc(gc_mu_, std::try_to_lock);
  if (!gc.owns_lock()) return GcReport{};  // a transfer is in flight: its files are not garbage yet
  SKIFF_TRY(PurgeHiddenLocked());
  return CollectGarbageLocked();
}

Result<GcReport> ImageStore::CollectGarbageLocked() {
  GcReport rep;
  std::set<std::string> blobs, layers, snapshots;
  {
    std::lock_guard lk(mu_);
    auto st = SKIFF_TRY(db_->Prepare("SELECT diff_id, blob FROM layers"));
    while (SKIFF_TRY(st.Step())) {
      layers.insert(st.Text(0).substr(7));
      blobs.insert(st.Text(1).substr(7));
    }
    // A hidden image's config blob went with the image.
    auto st2 = SKIFF_TRY(db_->Prepare("SELECT id FROM images WHERE deleted=0"));
    while (SKIFF_TRY(st2.Step())) blobs.insert(st2.Text(0).substr(7));
    auto st3 = SKIFF_TRY(db_->Prepare("SELECT container_id FROM refs WHERE snapshot=1"));
    while (SKIFF_TRY(st3.Step())) snapshots.insert(st3.Text(0));
  }
  for (const auto& d : cs_->List()) {
    if (blobs.count(d.hex())) continue;
    rep.bytes += cs_->Size(d).value_or(0);
    SKIFF_TRY(cs_->Remove(d));
    ++rep.blobs_removed;
  }
  for (const auto& d : snaps_->ListLayers()) {
    if (layers.count(d.hex())) continue;
    SKIFF_TRY(snaps_->RemoveLayer(d));
    ++rep.layers_removed;
  }
  for (const auto& s : snaps_->ListSnapshots()) {
    if (snapshots.count(s)) continue;
    SKIFF_TRY(snaps_->RemoveSnapshot(s));
    ++rep.snapshots_removed;
  }
  return rep;
}

}  // namespace skiff::image

// ImageStore::Load: `docker load`. One streaming pass over the archive: layer blobs are ingested (hashed,
// stored, extracted on the second core) as they go by; the small JSON files are kept in memory; the
// manifest (manifest.json, or index.json for a pure OCI layout) then says which images to record.
#include <archive.h>
#include <archive_entry.h>

#include <cstring>
#include <map>

#include "base/log.h"
#include "image/image_store.h"
#include "image/ingest.h"
#include "base/strings.h"
#include "storage/archive_source.h"
#include "storage/beneath.h"

namespace skiff::image {
namespace {

constexpr size_t kMaxSmallFile = 64 << 20;

// The bytes already sniffed, then the rest of the current archive entry.
class EntryReader : public storage::ByteReader {
 public:
  EntryReader(struct archive* a, std::string head) : a_(a), head_(std::move(head)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (off_ < head_.size()) {
      size_t k = std::min(n, head_.size() - off_);
      std::memcpy(buf, head_.data() + off_, k);
      off_ += k;
      return k;
    }
    la_ssize_t r = archive_read_data(a_, buf, n);
    if (r < 0) return Error(Errc::kDataLoss, std::string("archive: ") + archive_error_string(a_));
    return static_cast<size_t>(r);
  }

 private:
  struct archive* a_;
  std::string head_;
  size_t off_ = 0;
};

bool LooksLikeLayer(std::string_view head) {
  if (storage::DetectCompression(head) != storage::Compression::kNone) return true;
  return head.size() >= 262 && head.substr(257, 5) == "ustar";
}

struct ImageToLoad {
  std::string config_path;
  std::vector<std::string> layer_paths;
  std::vector<std::string> tags;
  std::vector<Reference> repo_digests;  // name@<manifest or index digest>, from index.json
  std::string parent;                   // manifest.json "Parent": an image ID saved along
};

// Docker's checkValidParent: the child's history is the parent's plus one entry (or neither has any).
bool ValidParent(const ImageConfig& child, const ImageConfig& parent) {
  const Json none = Json::array();
  const Json& ch = child.json.contains("history") && child.json["history"].is_array() ? child.json["history"] : none;
  const Json& ph = parent.json.contains("history") && parent.json["history"].is_array() ? parent.json["history"] : none;
  if (ch.empty() && ph.empty()) return true;
  if (ch.size() != ph.size() + 1) return false;
  for (size_t i = 0; i < ph.size(); ++i)
    if (ch[i] != ph[i]) return false;
  return true;
}

// "name@sha256:<manifest>" for a tag that named the manifest in an index.json.
std::optional<Reference> RepoDigest(const std::string& tag, const Digest& manifest) {
  auto r = ParseReference(tag);
  if (!r.ok()) return std::nullopt;
  r->tag.clear();
  r->digest = manifest;
  return *r;
}

std::string BlobPathOf(const Digest& d) { return "blobs/sha256/" + d.hex(); }

}  // namespace

Result<std::vector<LoadedImage>> ImageStore::Load(storage::ByteReader& in) {
  std::shared_lock gc(gc_mu_);
  storage::ArchiveSource src(in, 1 << 20);
  storage::ArchiveReadPtr a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_bzip2(a.get());
  if (src.OpenOn(a.get()) != ARCHIVE_OK) {
    if (src.error()) return *src.error();
    return storage::NotATarError(src.bytes_read());
  }

  std::map<std::string, std::string> small;         // path -> content
  std::map<std::string, IngestedLayer> ingested;    // path -> extracted layer
  std::map<std::string, LayerRow> known;            // path -> layer already in the store
  std::map<std::string, std::string> links;         // symlink path -> target path
  for (;;) {
    struct archive_entry* e;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (src.error()) return *src.error();
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      return Error(Errc::kInvalidArgument, std::string("load: corrupt archive: ") + archive_error_string(a.get()));
    const char* raw = archive_entry_pathname(e);
    std::string name = raw ? raw : "";
    std::string path = SKIFF_TRY_CTX(storage::CleanEntryPath(name), "load: archive entry \"" + name + "\"");
    mode_t type = archive_entry_filetype(e);
    if (type == AE_IFLNK) {
      std::string target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
      size_t slash = path.rfind('/');
      std::string joined = (slash == std::string::npos ? "" : path.substr(0, slash + 1)) + target;
      // Resolve ".." lexically: ok as long as it stays inside the archive.
      std::vector<std::string> parts;
      for (const auto& c : Split(joined, '/')) {
        if (c.empty() || c == ".") continue;
        if (c == "..") {
          if (parts.empty()) return Error(Errc::kInvalidArgument, "load: archive entry \"" + name + "\": link leaves the archive");
          parts.pop_back();
        } else {
          parts.push_back(c);
        }
      }
      links[path] = Join(parts, "/");
      continue;
    }
    if (type != AE_IFREG) continue;
    // Already-known OCI blob (re-load of the same image): skip its bytes.
    if (path.starts_with("blobs/sha256/") && path.size() == 13 + 64 && IsHex(path.substr(13))) {
      Digest d = Digest::FromSha256Hex(path.substr(13));
      if (auto row = SKIFF_TRY(FindLayer(d)); row && row->blob == d && snaps_->HasLayer(d) && cs_->Has(d)) {
        known[path] = *row;
        continue;
      }
    }
    std::string head(512, '\0');
    size_t got = 0;
    while (got < head.size()) {
      la_ssize_t n = archive_read_data(a.get(), head.data() + got, head.size() - got);
      if (n < 0) return Error(Errc::kDataLoss, "load: " + path + ": " + archive_error_string(a.get()));
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    head.resize(got);
    if (LooksLikeLayer(head)) {
      EntryReader er(a.get(), std::move(head));
      auto layer = IngestLayer(er, *cs_, *snaps_);
      if (!layer.ok()) return std::move(layer).error().Wrap("load: layer " + path);
      ingested.emplace(path, std::move(*layer));
      continue;
    }
    EntryReader er(a.get(), std::move(head));
    std::string content;
    std::string buf(1 << 16, '\0');
    for (;;) {
      size_t n = SKIFF_TRY_CTX(er.Read(buf.data(), buf.size()), "load: " + path);
      if (n == 0) break;
      content.append(buf.data(), n);
      if (content.size() > kMaxSmallFile)
        return Error(Errc::kInvalidArgument, "load: " + path + ": not a layer and larger than 64 MiB");
    }
    small[path] = std::move(content);
  }
  if (src.error()) return *src.error();

  auto resolve = [&](std::string p) {
    for (int i = 0; i < 16 && links.count(p); ++i) p = links[p];
    return p;
  };
  auto small_file = [&](const std::string& p) -> Result<std::string> {
    auto it = small.find(resolve(p));
    if (it == small.end()) return Error(Errc::kInvalidArgument, "load: archive has no file " + p);
    return it->second;
  };

  // Which images, from manifest.json (Docker) or index.json (OCI).
  std::vector<ImageToLoad> todo;
  if (small.count("manifest.json")) {
    Json m = SKIFF_TRY(ParseJson(small["manifest.json"], "manifest.json"));
    if (!m.is_array()) return Error(Errc::kInvalidArgument, "manifest.json: expected an array");
    for (size_t i = 0; i < m.size(); ++i) {
      std::string what = "manifest.json[" + std::to_string(i) + "]";
      if (!m[i].is_object() || !m[i].contains("Config") || !m[i]["Config"].is_string())
        return Error(Errc::kInvalidArgument, what + ": missing Config");
      ImageToLoad t;
      t.config_path = SKIFF_TRY_CTX(storage::CleanEntryPath(m[i]["Config"].get<std::string>()), what + ".Config");
      if (m[i].contains("Layers") && m[i]["Layers"].is_array())
        for (const auto& l : m[i]["Layers"]) {
          if (!l.is_string()) return Error(Errc::kInvalidArgument, what + ".Layers: expected strings");
          t.layer_paths.push_back(SKIFF_TRY_CTX(storage::CleanEntryPath(l.get<std::string>()), what + ".Layers"));
        }
      if (m[i].contains("RepoTags") && m[i]["RepoTags"].is_array())
        for (const auto& tag : m[i]["RepoTags"])
          if (tag.is_string()) t.tags.push_back(tag.get<std::string>());
      if (m[i].contains("Parent") && m[i]["Parent"].is_string()) t.parent = m[i]["Parent"].get<std::string>();
      todo.push_back(std::move(t));
    }
    // A Docker archive (manifest.json) gives no repo digests, even when it carries an OCI index.json too
    // (Docker 25+ layouts, Skiff's own save): dockerd 20.10 records none on load, and neither does Skiff.
  } else if (small.count("index.json")) {
    Index ix = SKIFF_TRY_CTX(ParseIndex(small["index.json"]), "index.json");
    for (const auto& d0 : ix.manifests) {
      Descriptor d = d0;
      std::string body = SKIFF_TRY(small_file(BlobPathOf(d.digest)));
      if (Sha256Of(body) != d.digest) return Error(Errc::kDataLoss, "load: blob " + d.digest.str() + " does not match its digest");
      Json j = SKIFF_TRY(ParseJson(body, d.digest.str()));
      if (JsonIsIndex(j)) {
        Index inner = SKIFF_TRY(ParseIndex(body));
        d = SKIFF_TRY(PickPlatform(inner));
        body = SKIFF_TRY(small_file(BlobPathOf(d.digest)));
      }
      Manifest m = SKIFF_TRY_CTX(ParseManifest(body), "load: manifest " + d.digest.str());
      ImageToLoad t;
      t.config_path = BlobPathOf(m.config.digest);
      for (const auto& l : m.layers) t.layer_paths.push_back(BlobPathOf(l.digest));
      auto name = d0.annotations.find("io.containerd.image.name");
      if (name != d0.annotations.end()) {
        t.tags.push_back(name->second);
        if (auto rd = RepoDigest(name->second, d0.digest)) t.repo_digests.push_back(*rd);
      } else if (auto rn = d0.annotations.find("org.opencontainers.image.ref.name"); rn != d0.annotations.end()) {
        auto ref = ParseReference(rn->second);
        if (ref.ok() && rn->second.find(':') != std::string::npos) {
          t.tags.push_back(rn->second);
          if (auto rd = RepoDigest(rn->second, d0.digest)) t.repo_digests.push_back(*rd);
        }
      }
      todo.push_back(std::move(t));
    }
  } else {
    return Error(Errc::kInvalidArgument, "load: archive has neither manifest.json nor index.json");
  }

  std::vector<LoadedImage> out;
  std::vector<std::pair<ImageConfig, std::string>> parents;  // child, manifest.json "Parent"
  for (auto& t : todo) {
    std::string raw = SKIFF_TRY(small_file(t.config_path));
    ImageConfig cfg = SKIFF_TRY_CTX(ParseImageConfig(raw), "load: " + t.config_path);
    if (cfg.diff_ids.size() != t.layer_paths.size())
      return Error(Errc::kInvalidArgument, "load: " + t.config_path + ": config has " + std::to_string(cfg.diff_ids.size()) +
                                               " layers, manifest lists " + std::to_string(t.layer_paths.size()));
    std::vector<Reference> tags;
    for (const auto& tag : t.tags) tags.push_back(SKIFF_TRY_CTX(ParseReference(tag), "load: tag " + tag));
    std::vector<LayerRow> rows;
    for (size_t i = 0; i < t.layer_paths.size(); ++i) {
      std::string p = resolve(t.layer_paths[i]);
      LayerRow row;
      if (auto k = known.find(p); k != known.end()) {
        row = k->second;
      } else {
        auto it = ingested.find(p);
        if (it == ingested.end()) {
          auto sm = small.find(p);
          if (sm == small.end()) return Error(Errc::kInvalidArgument, "load: archive has no layer " + t.layer_paths[i]);
          storage::MemoryReader mr(sm->second);
          auto layer = IngestLayer(mr, *cs_, *snaps_);
          if (!layer.ok()) return std::move(layer).error().Wrap("load: layer " + p);
          it = ingested.emplace(p, std::move(*layer)).first;
        }
        IngestedLayer& l = it->second;
        row = LayerRow{l.diff_id, l.blob, LayerMediaType(l.compression), l.blob_size, l.tar_size, l.size};
      }
      if (row.diff_id != cfg.diff_ids[i])
        return Error(Errc::kDataLoss, "load: layer " + t.layer_paths[i] + ": content is " + row.diff_id.str() +
                                          " but the image config expects " + cfg.diff_ids[i].str());
      rows.push_back(row);
    }
    // Files first, rows last.
    SKIFF_TRY(cs_->Put(cfg.raw, cfg.Id()));
    for (size_t i = 0; i < rows.size(); ++i) {
      auto it = ingested.find(resolve(t.layer_paths[i]));
      if (it == ingested.end() || !it->second.staging) continue;
      if (auto existing = SKIFF_TRY(FindLayer(rows[i].diff_id)); existing) rows[i] = *existing;
      SKIFF_TRY(snaps_->CommitLayer(std::move(*it->second.staging), rows[i].diff_id));
      it->second.staging.reset();
    }
    std::vector<Reference> names = tags;
    names.insert(names.end(), t.repo_digests.begin(), t.repo_digests.end());
    SKIFF_TRY(CommitImage(cfg, rows, names));
    LoadedImage li{cfg.Id(), {}};
    for (const auto& tag : tags) li.tags.push_back(tag.WithDefaultTag().FamiliarString());
    out.push_back(std::move(li));
    if (!t.parent.empty()) parents.emplace_back(cfg, t.parent);
  }
  // Parents named by manifest.json (Docker writes them for images saved with their parent), once every
  // image is in: set where the parent exists and its history is the child's but the last entry.
  for (const auto& [child, parent_id] : parents) {
    auto pid = Digest::Parse(parent_id);
    if (!pid.ok() || !SKIFF_TRY(IsVisible(*pid))) continue;
    auto pcfg = Config(*pid);
    if (!pcfg.ok() || !ValidParent(child, *pcfg)) {
      log::Warn("load: image {} is not a valid parent for {}", parent_id, child.Id().str());
      continue;
    }
    SKIFF_TRY(SetParent(child.Id(), *pid));
  }
  return out;
}

}  // namespace skiff::image

// ImageStore::Commit: `docker commit`. One pass over the container's upper dir: a thread writes it as a
// layer tar (overlay whiteouts -> .wh. entries) into a queue, from which IngestLayer stores the blob and
// extracts the layer dir in parallel. Files first (blob, layer dir, config), rows last, as every transfer.
#include <dirent.h>
#include <sys/xattr.h>
#include <time.h>

#include <cstring>

#include <thread>

#include "image/image_store.h"
#include "image/ingest.h"
#include "storage/tar_write.h"

namespace skiff::image {
namespace {

// The diff ID of a tar with no entries (two zero blocks): Docker's layer.DigestSHA256EmptyTar.
constexpr char kEmptyTar[] = "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

// A ByteWriter into a ChunkQueue, in chunks of about 1 MiB.
class QueueWriter : public storage::ByteWriter {
 public:
  explicit QueueWriter(storage::ChunkQueue& q) : q_(q) {}
  Status Write(const char* data, size_t n) override {
    buf_.append(data, n);
    return buf_.size() >= (1 << 20) ? Flush() : Ok();
  }
  Status Flush() {
    if (buf_.empty()) return Ok();
    if (!q_.Push(std::move(buf_))) return Error(Errc::kCancelled, "layer writer: the reader stopped");
    buf_.clear();
    return Ok();
  }

 private:
  storage::ChunkQueue& q_;
  std::string buf_;
};

// The upper dir as a layer tar (overlay whiteouts -> .wh. entries), written into queue() by a thread of
// its own. Owns the thread: the destructor abandons the queue (unblocking a producer the reader left) and
// joins it.
class UpperTar {
 public:
  explicit UpperTar(const std::string& upper) : thread_([this, upper] {
    QueueWriter w(queue_);
    auto r = storage::WriteTree(upper, storage::TreeMode::kOverlayDiff, w);
    Status st = r.ok() ? w.Flush() : Status(std::move(r).error());
    if (st.ok())
      queue_.Close();
    else
      queue_.Fail(st.error());
  }) {}
  ~UpperTar() {
    queue_.Abandon();
    thread_.join();
  }
  storage::ChunkQueue& queue() { return queue_; }

 private:
  storage::ChunkQueue queue_{16 << 20};
  std::thread thread_;
};

Result<IngestedLayer> IngestUpper(const std::string& upper, ContentStore& cs, storage::Snapshotter& snaps) {
  UpperTar tar(upper);
  return IngestLayer(tar.queue(), cs, snaps);
}

std::string Now() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return FormatTime(ts.tv_sec, ts.tv_nsec);
}

// strings.Join(container_config.Cmd, " ")
std::string CmdText(const Json& cc) {
  std::string out;
  if (!cc.is_object() || !cc.contains("Cmd") || !cc["Cmd"].is_array()) return out;
  for (const auto& a : cc["Cmd"]) {
    if (!a.is_string()) continue;
    if (!out.empty()) out += ' ';
    out += a.get<std::string>();
  }
  return out;
}

// Removes overlayfs' own xattrs (origin, impure, redirect...) from a tree about to be a layer; opaque
// markers are content and stay. Never follows symlinks.
Status StripOverlayXattrs(const std::string& dir) {
  std::vector<std::string> todo = {dir};
  while (!todo.empty()) {
    std::string d = std::move(todo.back());
    todo.pop_back();
    auto strip = [](const std::string& path) {
      char names[8192];
      ssize_t n = ::llistxattr(path.c_str(), names, sizeof names);
      for (char* p = names; n > 0 && p < names + n; p += strlen(p) + 1) {
        std::string_view name(p);
        if (name.starts_with("trusted.overlay.") && name != "trusted.overlay.opaque") (void)::lremovexattr(path.c_str(), p);
      }
    };
    strip(d);
    DIR* dp = ::opendir(d.c_str());
    if (!dp) return Error::Sys("opendir " + d);
    while (struct dirent* e = ::readdir(dp)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string p = d + "/" + name;
      if (e->d_type == DT_DIR) {
        todo.push_back(p);
      } else if (e->d_type != DT_LNK) {
        strip(p);
      }
    }
    ::closedir(dp);
  }
  return Ok();
}

// The builder's fast path: the tar of the upper dir goes to the content store (written and hashed on
// two threads), and the upper dir itself becomes the layer directory.
Result<IngestedLayer> IngestUpperInPlace(const std::string& upper, ContentStore& cs, storage::Snapshotter& snaps) {
  IngestedLayer out;
  auto blob = SKIFF_TRY(cs.NewWriter());
  Status st;
  {
    UpperTar tar(upper);
    std::string buf(1 << 20, '\0');
    while (true) {
      auto n = tar.queue().Read(buf.data(), buf.size());
      if (!n.ok()) {
        st = std::move(n).error();
        break;
      }
      if (*n == 0) break;
      if (Status w = blob->Write(buf.data(), *n); !w.ok()) {
        st = std::move(w);
        break;
      }
    }
  }
  SKIFF_TRY(std::move(st));
  out.blob = SKIFF_TRY(blob->Commit());
  out.diff_id = out.blob;
  out.blob_size = out.tar_size = blob->size();
  out.size = SKIFF_TRY(storage::TreeSize(upper));
  TempDir staging = SKIFF_TRY(snaps.NewStagingDir());
  if (::rename(upper.c_str(), staging.path().c_str()) != 0) return Error::Sys("rename " + upper + " to " + staging.path());
  SKIFF_TRY(StripOverlayXattrs(staging.path()));
  out.staging.emplace(std::move(staging));
  return out;
}

}  // namespace

Result<Digest> ImageStore::Commit(const CommitOptions& o) {
  std::string what = "commit " + (o.container_id.empty() ? o.upper_dir : o.container_id);
  std::optional<Reference> tag;
  if (!o.tag.empty()) {
    tag = SKIFF_TRY_CTX(ParseReference(o.tag), what);
    if (tag->digest) return Error(Errc::kInvalidArgument, "refusing to create a tag with a digest reference");
  }
  std::shared_lock gc(gc_mu_);
  std::optional<ImageConfig> parent;
  std::vector<LayerRow> layers;
  if (!o.parent.empty()) {
    // Docker reads the parent's config from its image store, where an image removed while containers use
    // it no longer is: committing such a container fails there the same way.
    if (!SKIFF_TRY(IsVisible(o.parent)))
      return Error(Errc::kInternal, "failed to get digest " + o.parent.str() + ": open " + cs_->BlobPath(o.parent) +
                                        ": no such file or directory");
    parent = SKIFF_TRY_CTX(Config(o.parent), what);
    layers = SKIFF_TRY(ImageLayers(o.parent));
    if (layers.size() != parent->diff_ids.size())
      return Error(Errc::kDataLoss, what + ": image " + o.parent.str() + " has " + std::to_string(layers.size()) +
                                        " layer rows for " + std::to_string(parent->diff_ids.size()) + " diff IDs");
  }
  std::optional<IngestedLayer> ingested;
  if (!o.no_layer)
    ingested.emplace(SKIFF_TRY_CTX(o.take_upper ? IngestUpperInPlace(o.upper_dir, *cs_, *snaps_)
                                                : IngestUpper(o.upper_dir, *cs_, *snaps_), what));
  IngestedLayer empty_layer;
  IngestedLayer& layer = ingested ? *ingested : empty_layer;
  // Nothing changed: no layer (the blob written meanwhile is garbage-collected unless another uses it).
  bool empty = o.no_layer || layer.diff_id.hex() == kEmptyTar;

  const Json none = Json::object();
  const Json& pj = parent ? parent->json : none;
  const Json cc = o.container_config.is_object() ? o.container_config : Json::object();
  auto str = [&](const char* k, const char* dflt) {
    return pj.contains(k) && pj[k].is_string() && !pj[k].get<std::string>().empty() ? pj[k].get<std::string>()
                                                                                      : std::string(dflt);
  };
  std::string now = Now();
  Json cfg = Json::object();
  cfg["architecture"] = str("architecture", "amd64");
  cfg["os"] = str("os", "linux");
  for (const char* k : {"variant", "os.version", "os.features"})
    if (pj.contains(k)) cfg[k] = pj[k];
  if (!o.author.empty()) cfg["author"] = o.author;
  // Docker keeps -m in the history only (Inspect shows it from there) and the parent in its metadata.
  cfg["config"] = o.config_json ? *o.config_json : o.config.ToJson(cc);
  cfg["container"] = o.container_id;
  cfg["container_config"] = cc;
  cfg["created"] = now;
  Json history = pj.contains("history") && pj["history"].is_array() ? pj["history"] : Json::array();
  Json h = {{"created", now}};
  if (!o.author.empty()) h["author"] = o.author;
  std::string created_by = o.created_by.empty() ? CmdText(cc) : o.created_by;
  if (!created_by.empty()) h["created_by"] = created_by;
  if (!o.comment.empty()) h["comment"] = o.comment;
  if (empty) h["empty_layer"] = true;
  history.push_back(h);
  cfg["history"] = history;
  Json diff_ids = Json::array();
  if (parent)
    for (const auto& d : parent->diff_ids) diff_ids.push_back(d.str());
  if (!empty) diff_ids.push_back(layer.diff_id.str());
  cfg["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};

  ImageConfig config = SKIFF_TRY_CTX(ParseImageConfig(SerializeConfig(cfg)), what);
  SKIFF_TRY(cs_->Put(config.raw, config.Id()));
  if (!empty) {
    LayerRow row{layer.diff_id, layer.blob, LayerMediaType(layer.compression), layer.blob_size, layer.tar_size, layer.size};
    if (auto existing = SKIFF_TRY(FindLayer(layer.diff_id)); existing) row = *existing;
    SKIFF_TRY(snaps_->CommitLayer(std::move(*layer.staging), layer.diff_id));
    layers.push_back(row);
  }
  std::vector<Reference> tags;
  if (tag) tags.push_back(*tag);
  SKIFF_TRY(CommitImage(config, layers, tags, o.parent));
  return config.Id();
}

}  // namespace skiff::image

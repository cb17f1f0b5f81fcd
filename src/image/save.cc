// ImageStore::Save: `docker save`, in the Docker 25 layout that is also an OCI image layout:
//   blobs/sha256/<hex>  layer tars (uncompressed, named by diff ID), configs, OCI manifests
//   index.json, manifest.json, oci-layout, repositories
// Docker 20.10 reads manifest.json (any path works for Config/Layers; "Parent" names a parent image saved
// along), newer Docker and OCI tools read index.json. Layer tars are the exact bytes loaded/imported, so diff IDs and the image ID round-trip.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <time.h>

#include <set>

#include "base/file.h"
#include "image/image_store.h"
#include "storage/decompress.h"

namespace skiff::image {
namespace {

struct OutCtx {
  storage::ByteWriter* out;
  std::optional<Error> error;
};

la_ssize_t OutWrite(struct archive* a, void* p, const void* buf, size_t n) {
  auto* c = static_cast<OutCtx*>(p);
  if (auto st = c->out->Write(static_cast<const char*>(buf), n); !st) {
    c->error = st.error();
    archive_set_error(a, EIO, "%s", st.error().message().c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(n);
}

struct WriteFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

class ArchiveOut {
 public:
  explicit ArchiveOut(storage::ByteWriter& out) : ctx_{&out, {}}, a_(archive_write_new()) {}
  Status Open() {
    archive_write_set_format_pax_restricted(a_.get());
    archive_write_set_bytes_per_block(a_.get(), 0);  // unbuffered: big blobs go straight through
    if (archive_write_open(a_.get(), &ctx_, nullptr, OutWrite, nullptr) != ARCHIVE_OK) return Err("open");
    return Ok();
  }
  Status Dir(const std::string& path) {
    std::unique_ptr<struct archive_entry, EntryFree> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), path.c_str());
    archive_entry_set_filetype(e.get(), AE_IFDIR);
    archive_entry_set_perm(e.get(), 0755);
    archive_entry_set_mtime(e.get(), mtime_, 0);
    if (archive_write_header(a_.get(), e.get()) < ARCHIVE_WARN) return Err(path);
    return Ok();
  }
  Status Header(const std::string& path, uint64_t size) {
    std::unique_ptr<struct archive_entry, EntryFree> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), path.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
    archive_entry_set_mtime(e.get(), mtime_, 0);
    if (archive_write_header(a_.get(), e.get()) < ARCHIVE_WARN) return Err(path);
    return Ok();
  }
  Status Data(const char* p, size_t n, const std::string& path) {
    while (n) {
      la_ssize_t w = archive_write_data(a_.get(), p, n);
      if (w <= 0) return Err(path);
      p += w;
      n -= static_cast<size_t>(w);
    }
    return Ok();
  }
  Status File(const std::string& path, std::string_view data) {
    SKIFF_TRY(Header(path, data.size()));
    return Data(data.data(), data.size(), path);
  }
  Status Close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) return Err("close");
    return Ok();
  }

 private:
  Error Err(const std::string& what) {
    if (ctx_.error) return *ctx_.error;
    return Error(Errc::kInternal, "save: " + what + ": " + archive_error_string(a_.get()));
  }
  OutCtx ctx_;
  std::unique_ptr<struct archive, WriteFree> a_;
  time_t mtime_ = ::time(nullptr);
};

// Streams a layer as its uncompressed tar (decompressing stored gzip/zstd blobs).
Status CopyLayer(ArchiveOut& ar, const std::string& blob_path, const ImageStore::LayerRow& l, const std::string& name) {
  UniqueFd fd = SKIFF_TRY(OpenFile(blob_path, O_RDONLY));
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  storage::FdReader raw(fd.get());
  auto dec = SKIFF_TRY(storage::DecompressReader::Create(raw, false));
  SKIFF_TRY(ar.Header(name, l.tar_size));
  std::string buf(1 << 20, '\0');
  uint64_t total = 0;
  for (;;) {
    size_t n = SKIFF_TRY_CTX(dec->Read(buf.data(), buf.size()), "save: layer " + l.diff_id.str());
    if (n == 0) break;
    total += n;
    if (total > l.tar_size) return Error(Errc::kDataLoss, "save: layer " + l.diff_id.str() + " is larger than recorded");
    SKIFF_TRY(ar.Data(buf.data(), n, name));
  }
  if (total != l.tar_size) return Error(Errc::kDataLoss, "save: layer " + l.diff_id.str() + " is shorter than recorded");
  return Ok();
}

}  // namespace

Status ImageStore::Save(const std::vector<std::string>& refs, storage::ByteWriter& out) {
  std::shared_lock gc(gc_mu_);
  if (refs.empty()) return Error(Errc::kInvalidArgument, "save: no images given");
  // image id -> tags to write (in order of first mention)
  std::vector<Digest> order;
  std::map<std::string, std::vector<Reference>> tags;
  for (const auto& r : refs) {
    Digest id = SKIFF_TRY(Resolve(r));
    if (!tags.count(id.str())) order.push_back(id);
    auto& list = tags[id.str()];
    auto ref = ParseReference(r);
    if (ref.ok() && !LooksLikeFullId(r) && !ref->digest) {
      Reference t = ref->WithDefaultTag();
      bool dup = false;
      for (const auto& x : list) dup = dup || x.String() == t.String();
      if (!dup) list.push_back(t);
    }
  }
  ArchiveOut ar(out);
  SKIFF_TRY(ar.Open());
  SKIFF_TRY(ar.Dir("blobs/"));
  SKIFF_TRY(ar.Dir("blobs/sha256/"));
  std::set<std::string> written;
  Json manifest_json = Json::array();
  Json index = {{"schemaVersion", 2}, {"mediaType", media::kOciIndex}, {"manifests", Json::array()}};
  Json repositories = Json::object();
  for (const auto& id : order) {
    ImageConfig cfg = SKIFF_TRY(Config(id));
    auto layers = SKIFF_TRY(ImageLayers(id));
    Json oci = {{"schemaVersion", 2}, {"mediaType", media::kOciManifest},
                {"config", {{"mediaType", media::kOciConfig}, {"digest", id.str()}, {"size", cfg.raw.size()}}},
                {"layers", Json::array()}};
    Json entry = {{"Config", "blobs/sha256/" + id.hex()}, {"RepoTags", Json::array()}, {"Layers", Json::array()}};
    for (const auto& l : layers) {
      std::string name = "blobs/sha256/" + l.diff_id.hex();
      if (written.insert(name).second) SKIFF_TRY(CopyLayer(ar, cs_->BlobPath(l.blob), l, name));
      oci["layers"].push_back({{"mediaType", media::kOciLayer}, {"digest", l.diff_id.str()}, {"size", l.tar_size}});
      entry["Layers"].push_back(name);
    }
    if (written.insert("blobs/sha256/" + id.hex()).second) SKIFF_TRY(ar.File("blobs/sha256/" + id.hex(), cfg.raw));
    std::string oci_bytes = DumpJson(oci);
    Digest oci_digest = Sha256Of(oci_bytes);
    if (written.insert("blobs/sha256/" + oci_digest.hex()).second)
      SKIFF_TRY(ar.File("blobs/sha256/" + oci_digest.hex(), oci_bytes));
    Json desc = {{"mediaType", media::kOciManifest}, {"digest", oci_digest.str()}, {"size", oci_bytes.size()}};
    if (tags[id.str()].empty()) index["manifests"].push_back(desc);
    for (const auto& t : tags[id.str()]) {
      Json d = desc;
      d["annotations"] = {{"io.containerd.image.name", t.String()}, {"org.opencontainers.image.ref.name", t.tag}};
      index["manifests"].push_back(d);
      entry["RepoTags"].push_back(t.FamiliarString());
      if (!layers.empty()) repositories[t.FamiliarName()][t.tag] = ChainIds(cfg.diff_ids).back().hex();
    }
    // As Docker: the parent, when it is saved too (load restores the relation from it).
    Digest parent = SKIFF_TRY(Parent(id));
    if (!parent.empty() && tags.count(parent.str())) entry["Parent"] = parent.str();
    manifest_json.push_back(entry);
  }
  SKIFF_TRY(ar.File("index.json", DumpJson(index) + "\n"));
  SKIFF_TRY(ar.File("manifest.json", DumpJson(manifest_json) + "\n"));
  SKIFF_TRY(ar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"));
  if (!repositories.empty()) SKIFF_TRY(ar.File("repositories", DumpJson(repositories) + "\n"));
  return ar.Close();
}

}  // namespace skiff::image

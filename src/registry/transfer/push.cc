#include "registry/transfer/push.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "base/log.h"
#include "image/model.h"
#include "registry/transfer/gzip.h"
#include "storage/decompress.h"

namespace skiff::registry {
namespace {

bool IsGzipType(const std::string& t) { return t == image::media::kDockerLayerGzip || t == image::media::kOciLayerGzip; }

// Counts what passes through (the progress of an upload, in uncompressed bytes).
class CountingReader : public storage::ByteReader {
 public:
  CountingReader(storage::ByteReader& in, std::function<Status(uint64_t)> on) : in_(in), on_(std::move(on)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t got = SKIFF_TRY(in_.Read(buf, n));
    count_ += got;
    SKIFF_TRY(on_(count_));
    return got;
  }

 private:
  storage::ByteReader& in_;
  std::function<Status(uint64_t)> on_;
  uint64_t count_ = 0;
};

struct LayerPush {
  image::ImageStore::LayerRow row;
  std::string id;
  image::Descriptor out;  // what the manifest lists
  std::optional<Status> result;
};

}  // namespace

std::string Schema2Manifest(const image::Descriptor& config, const std::vector<image::Descriptor>& layers) {
  auto desc = [](const image::Descriptor& d, const std::string& indent) {
    return indent + "{\n" + indent + "   \"mediaType\": " + Json(d.media_type).dump() + ",\n" + indent +
           "   \"size\": " + std::to_string(d.size) + ",\n" + indent + "   \"digest\": " + Json(d.digest.str()).dump() +
           "\n" + indent + "}";
  };
  std::string s = "{\n   \"schemaVersion\": 2,\n   \"mediaType\": " + Json(image::media::kDockerManifest).dump() +
                  ",\n   \"config\": {\n      \"mediaType\": " + Json(config.media_type).dump() +
                  ",\n      \"size\": " + std::to_string(config.size) + ",\n      \"digest\": " +
                  Json(config.digest.str()).dump() + "\n   },\n   \"layers\": [";
  for (size_t i = 0; i < layers.size(); ++i) s += (i ? ",\n" : "\n") + desc(layers[i], "      ");
  s += layers.empty() ? "]\n}" : "\n   ]\n}";
  return s;
}

Result<std::vector<PushedTag>> Pusher::Push(const image::Reference& ref, const PushOptions& o, Progress& progress) {
  std::vector<std::pair<image::Reference, Digest>> targets;
  if (!ref.tag.empty() || ref.digest) {
    auto id = store_.Resolve(ref.String());
    if (!id.ok()) return Error(Errc::kNotFound, "An image does not exist locally with the tag: " + ref.FamiliarName());
    targets.emplace_back(ref, *id);
  } else {
    auto list = SKIFF_TRY(store_.List());
    for (auto& img : list)
      for (auto& t : img.repo_tags) {
        auto r = image::ParseReference(t);
        if (r.ok() && r->Name() == ref.Name() && !r->tag.empty()) targets.emplace_back(*r, img.id);
      }
    if (targets.empty()) return Error(Errc::kNotFound, "An image does not exist locally with the tag: " + ref.FamiliarName());
    std::sort(targets.begin(), targets.end(), [](auto& a, auto& b) { return a.first.tag < b.first.tag; });
  }
  progress.Status("The push refers to repository [" + ref.Name() + "]");
  auto client = SKIFF_TRY(Client::Create(ref.domain, o.auth, opts_, /*for_push=*/true));
  std::vector<PushedTag> out;
  for (auto& [r, id] : targets) out.push_back(SKIFF_TRY(PushOne(*client, r, id, o, progress)));
  return out;
}

Result<PushedTag> Pusher::PushOne(Client& client, const image::Reference& ref, const Digest& image_id, const PushOptions& o,
                                  Progress& progress) {
  const std::string repo = ref.path;
  auto config = SKIFF_TRY(store_.Config(image_id));
  auto rows = SKIFF_TRY(store_.ImageLayers(image_id));
  std::shared_lock gc(store_.gc_lock());
  auto& cs = store_.content();
  // dockerd lists layers from the top one down.
  std::vector<LayerPush> layers(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    layers[i].row = rows[rows.size() - 1 - i];
    layers[i].id = ShortId(layers[i].row.diff_id.hex());
  }
  for (auto& l : layers) progress.Status("Preparing", l.id);
  size_t workers = std::min<size_t>(layers.size(), std::max(1, o.max_concurrent_uploads));
  for (size_t k = workers; k < layers.size(); ++k) progress.Status("Waiting", layers[k].id);

  std::atomic<bool> stop{false};
  auto push_layer = [&](LayerPush& l) -> Status {
    const auto& row = l.row;
    auto sources = SKIFF_TRY(store_.DistributionSources(row.diff_id));
    // 1. Known in this registry: already in the target repository, or mountable from another one.
    for (auto& s : sources) {
      if (s.registry != ref.domain || !IsGzipType(s.media_type)) continue;
      if (auto st = SKIFF_TRY(client.StatBlob(repo, s.blob)); st) {
        l.out = {image::media::kDockerLayerGzip, s.blob, static_cast<int64_t>(st->size), {}, {}};
        progress.Status("Layer already exists", l.id);
        return store_.RecordDistribution(row.diff_id, {s.blob, l.out.media_type, st->size, ref.domain, repo});
      }
    }
    for (auto& s : sources) {
      if (s.registry != ref.domain || s.repo == repo || !IsGzipType(s.media_type)) continue;
      auto mounted = client.MountBlob(repo, s.blob, s.repo);
      if (mounted.ok() && *mounted) {
        l.out = {image::media::kDockerLayerGzip, s.blob, static_cast<int64_t>(s.size), {}, {}};
        progress.Status("Mounted from " + s.repo, l.id);
        return store_.RecordDistribution(row.diff_id, {s.blob, l.out.media_type, s.size, ref.domain, repo});
      }
    }
    // 2. A gzip blob in the store goes as it is (maybe the registry has it under that digest).
    if (IsGzipType(row.media_type)) {
      if (auto st = SKIFF_TRY(client.StatBlob(repo, row.blob)); st) {
        l.out = {image::media::kDockerLayerGzip, row.blob, static_cast<int64_t>(st->size), {}, {}};
        progress.Status("Layer already exists", l.id);
        return store_.RecordDistribution(row.diff_id, {row.blob, l.out.media_type, st->size, ref.domain, repo});
      }
    }
    // 3. Upload.
    std::string path = cs.BlobPath(row.blob);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::Sys("open layer blob " + path);
    storage::FdReader file(fd.get());
    uint64_t total = IsGzipType(row.media_type) ? row.blob_size : row.tar_size;
    auto on_bytes = [&](uint64_t n) -> Status {
      if (progress.cancelled()) return Error(Errc::kCancelled, "push cancelled: the client went away");
      if (stop) return Error(Errc::kCancelled, "push stopped: another layer failed");
      progress.Bytes("Pushing", l.id, n, total);
      return Ok();
    };
    Result<BlobStat> up = Error(Errc::kInternal, "no upload");
    if (IsGzipType(row.media_type)) {
      CountingReader counted(file, on_bytes);
      up = client.UploadBlob(repo, counted);
    } else {
      // Uncompressed (or zstd) in the store: the tar, gzip-compressed while it streams.
      std::unique_ptr<storage::DecompressReader> plain;
      storage::ByteReader* tar = &file;
      if (row.media_type == image::media::kOciLayerZstd) {
        plain = SKIFF_TRY(storage::DecompressReader::Create(file, false));
        tar = plain.get();
      }
      CountingReader counted(*tar, on_bytes);
      GzipReader gz(counted);
      up = client.UploadBlob(repo, gz);
    }
    if (!up.ok()) return up.error().Wrap("pushing layer " + row.diff_id.str());
    l.out = {image::media::kDockerLayerGzip, up->digest, static_cast<int64_t>(up->size), {}, {}};
    progress.Status("Pushed", l.id);
    return store_.RecordDistribution(row.diff_id, {up->digest, l.out.media_type, up->size, ref.domain, repo});
  };

  std::mutex mu;
  size_t next = 0;
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      for (;;) {
        size_t i;
        {
          std::lock_guard lk(mu);
          if (next >= layers.size() || stop) return;
          i = next++;
        }
        Status st = push_layer(layers[i]);
        if (!st.ok()) stop = true;
        std::lock_guard lk(mu);
        layers[i].result = std::move(st);
      }
    });
  for (auto& t : threads) t.join();
  std::optional<Error> err;
  for (auto& l : layers)
    if (l.result && !l.result->ok() && (!err || err->code() == Errc::kCancelled)) err = l.result->error();
  if (err) return *err;

  image::Descriptor cfg{image::media::kDockerConfig, image_id, static_cast<int64_t>(config.raw.size()), {}, {}};
  if (!SKIFF_TRY(client.StatBlob(repo, image_id))) SKIFF_TRY(client.PutBlob(repo, image_id, config.raw));
  std::vector<image::Descriptor> descs;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) descs.push_back(it->out);
  std::string manifest = Schema2Manifest(cfg, descs);
  std::string tag = ref.tag.empty() ? "latest" : ref.tag;
  auto digest = SKIFF_TRY(client.PutManifest(repo, tag, image::media::kDockerManifest, manifest));
  PushedTag pushed{tag, digest, manifest.size()};
  progress.Status(tag + ": digest: " + digest.str() + " size: " + std::to_string(manifest.size()));
  progress.Aux(Json{{"Tag", tag}, {"Digest", digest.str()}, {"Size", manifest.size()}});
  // The image now has this repo digest (as after a pull).
  image::Reference rd = ref;
  rd.tag.clear();
  rd.digest = digest;
  SKIFF_TRY(store_.CommitImage(config, rows, {rd}));
  return pushed;
}

}  // namespace skiff::registry

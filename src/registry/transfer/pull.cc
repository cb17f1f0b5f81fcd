#include "registry/transfer/pull.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "base/log.h"
#include "image/ingest.h"
#include "image/model.h"
#include "storage/tar_apply.h"

namespace skiff::registry {
namespace {

std::vector<std::string> AcceptTypes() {
  return {image::media::kDockerManifest, image::media::kDockerList, image::media::kOciManifest, image::media::kOciIndex};
}

// The manifest a reference names for the platform: (manifest bytes, the top-level digest for RepoDigests).
struct Resolved {
  image::Manifest manifest;
  Digest top_digest;
  std::string top_media_type;
  uint64_t top_size = 0;
};

Result<Resolved> Resolve(Client& c, const image::Reference& ref, const image::Platform& platform) {
  std::string want = ref.digest ? ref.digest->str() : (ref.tag.empty() ? "latest" : ref.tag);
  auto m = SKIFF_TRY(c.GetManifest(ref.path, want, AcceptTypes()));
  Resolved out;
  out.top_digest = m.digest;
  out.top_media_type = m.media_type;
  out.top_size = m.body.size();
  if (m.media_type == "application/vnd.docker.distribution.manifest.v1+json" ||
      m.media_type == "application/vnd.docker.distribution.manifest.v1+prettyjws")
    return Error(Errc::kUnsupported, "pulling " + ref.String() + ": schema 1 manifests are not supported");
  auto j = ParseJson(m.body, "manifest");
  if (!j.ok()) return Error(Errc::kInvalidArgument, "manifest for " + ref.String() + ": " + j.error().message());
  if (image::IsIndexType(m.media_type) || image::JsonIsIndex(*j)) {
    auto idx = SKIFF_TRY_CTX(image::ParseIndex(m.body), "manifest list for " + ref.String());
    auto pick = image::PickPlatform(idx, platform);
    if (!pick.ok()) {
      std::string p = platform.os + "/" + platform.architecture + (platform.variant.empty() ? "" : "/" + platform.variant);
      return Error(Errc::kNotFound, "no matching manifest for " + p + " in the manifest list entries");
    }
    m = SKIFF_TRY(c.GetManifest(ref.path, pick->digest.str(), AcceptTypes()));
  }
  out.manifest = SKIFF_TRY_CTX(image::ParseManifest(m.body), "manifest for " + ref.String());
  return out;
}

// One layer's download into the content store and a staging dir.
struct LayerJob {
  image::Descriptor desc;
  Digest diff_id;
  std::string id;  // short id for messages
  bool exists = false;
  std::optional<Result<image::IngestedLayer>> result;
};

class Downloader {
 public:
  Downloader(image::ImageStore& store, Client& c, std::string repo, Progress& p)
      : store_(store), c_(c), repo_(std::move(repo)), p_(p) {}

  // Makes every running transfer stop at its next chunk (another layer failed).
  void Stop() { stop_ = true; }

  Result<image::IngestedLayer> Run(const LayerJob& job) {
    auto& cs = store_.content();
    auto writer = SKIFF_TRY(cs.OpenResumable(job.desc.digest));
    bool have_blob = cs.Has(job.desc.digest);
    if (have_blob) writer->Discard();
    auto staging = SKIFF_TRY(store_.snapshots().NewStagingDir());
    storage::ChunkQueue queue(16 << 20);
    std::optional<Result<storage::ApplyResult>> applied;
    std::thread extractor([&] {
      applied.emplace(storage::ApplyLayer(queue, staging.path()));
      if (!applied->ok()) queue.Abandon();
      else {
        char buf[4096];
        while (queue.Read(buf, sizeof buf).value_or(0) > 0) {
        }
      }
    });
    bool extract_failed = false;
    auto feed = [&](const char* d, size_t n) {
      if (!extract_failed && !queue.Push(std::string(d, n))) extract_failed = true;
    };
    Status st = have_blob ? FeedFile(cs.BlobPath(job.desc.digest), feed) : Download(job, *writer, feed);
    if (st.ok()) queue.Close();
    else queue.Fail(st.error());
    extractor.join();
    if (!st.ok()) return std::move(st).error();
    if (!have_blob) {
      p_.Status("Verifying Checksum", job.id);
      auto committed = writer->Commit(job.desc.digest);
      if (!committed.ok()) {
        writer->Discard();
        if (committed.error().code() == Errc::kDataLoss)
          return Error(Errc::kDataLoss, "filesystem layer verification failed for digest " + job.desc.digest.str());
        return std::move(committed).error();
      }
      p_.Status("Download complete", job.id);
    }
    if (!applied->ok()) return applied->error().Wrap("extracting layer " + job.desc.digest.str());
    const auto& a = **applied;
    Digest diff = a.compression == storage::Compression::kNone && a.diff_id.empty() ? job.desc.digest : a.diff_id;
    if (diff != job.diff_id)
      return Error(Errc::kDataLoss, "layer " + job.desc.digest.str() + ": its content's digest " + diff.str() +
                                        " is not the diff ID the image config names (" + job.diff_id.str() + ")");
    image::IngestedLayer out;
    out.blob = job.desc.digest;
    out.diff_id = diff;
    out.compression = a.compression;
    out.blob_size = static_cast<uint64_t>(job.desc.size);
    out.tar_size = a.tar_bytes;
    out.size = a.unpacked_bytes;
    out.staging.emplace(std::move(staging));
    return out;
  }

 private:
  template <typename Feed>
  Status FeedFile(const std::string& path, Feed& feed) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::Sys("open " + path);
    std::string buf(1 << 20, '\0');
    for (;;) {
      ssize_t n = ::read(fd.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Error::Sys("read " + path);
      if (n == 0) return Ok();
      feed(buf.data(), static_cast<size_t>(n));
    }
  }

  template <typename Feed>
  Status Download(const LayerJob& job, image::BlobWriter& w, Feed& feed) {
    uint64_t total = static_cast<uint64_t>(job.desc.size);
    SKIFF_TRY(w.Replay([&](const char* d, size_t n) -> Status {
      feed(d, n);
      return Ok();
    }));
    if (w.size() > 0) log::Info("pull: resuming {} at byte {}", job.desc.digest.str(), w.size());
    int failures = 0;
    for (;;) {
      if (w.size() >= total && total > 0) return Ok();  // all there (checked by the commit)
      uint64_t before = w.size();
      Status st = c_.GetBlob(repo_, job.desc.digest, w.size(), [&](const char* d, size_t n) -> Status {
        if (p_.cancelled()) return Error(Errc::kCancelled, "pull cancelled: the client went away");
        if (stop_) return Error(Errc::kCancelled, "pull stopped: another layer failed");
        SKIFF_TRY(w.Write(d, n));
        feed(d, n);
        p_.Bytes("Downloading", job.id, w.size(), total);
        return Ok();
      });
      if (st.ok()) return Ok();
      if (st.error().code() != Errc::kUnavailable || p_.cancelled() || stop_) return st;
      // A dropped connection: continue from what arrived. Give up after 5 failures in a row without progress.
      failures = w.size() > before ? 0 : failures + 1;
      if (failures >= 5) return st.error().Wrap("downloading " + job.desc.digest.str());
      log::Info("pull: {}: {}; resuming at byte {}", job.desc.digest.str(), st.error().message(), w.size());
      std::this_thread::sleep_for(std::chrono::milliseconds(200 * (failures + 1)));
    }
  }

  image::ImageStore& store_;
  Client& c_;
  std::string repo_;
  Progress& p_;
  std::atomic<bool> stop_{false};
};

}  // namespace

std::string PullStatusLine(const PulledImage& p) {
  std::string name = p.ref.FamiliarString();
  return p.updated ? "Status: Downloaded newer image for " + name : "Status: Image is up to date for " + name;
}

Result<std::vector<PulledImage>> Puller::Pull(const image::Reference& ref, const PullOptions& o, Progress& progress) {
  auto client = SKIFF_TRY(Client::Create(ref.domain, o.auth, opts_));
  std::vector<image::Reference> refs;
  if (o.all_tags) {
    auto tags = SKIFF_TRY(client->ListTags(ref.path));
    for (auto& t : tags) {
      image::Reference r = ref;
      r.tag = t;
      r.digest.reset();
      refs.push_back(r);
    }
    if (refs.empty()) return Error(Errc::kNotFound, "no tags found for " + ref.FamiliarName());
  } else {
    refs.push_back(ref.digest ? ref : ref.WithDefaultTag());
  }
  std::vector<PulledImage> out;
  for (auto& r : refs) {
    auto p = SKIFF_TRY(PullOne(*client, r, o, progress));
    out.push_back(std::move(p));
  }
  return out;
}

Result<PulledImage> Puller::PullOne(Client& client, const image::Reference& ref, const PullOptions& o, Progress& progress) {
  auto resolved = SKIFF_TRY(Resolve(client, ref, o.platform));
  // After the manifest, as dockerd: a reference that resolves to nothing is a plain HTTP error.
  progress.Status("Pulling from " + ref.path, ref.digest ? ref.digest->str() : ref.tag);
  const auto& mf = resolved.manifest;
  auto& cs = store_.content();
  std::string config_raw;
  if (cs.Has(mf.config.digest)) config_raw = SKIFF_TRY(cs.Read(mf.config.digest));
  else config_raw = SKIFF_TRY(client.ReadBlob(ref.path, mf.config.digest));
  auto config = SKIFF_TRY_CTX(image::ParseImageConfig(config_raw), "image config " + mf.config.digest.str());
  if (config.diff_ids.size() != mf.layers.size())
    return Error(Errc::kInvalidArgument, "manifest for " + ref.String() + " lists " + std::to_string(mf.layers.size()) +
                                             " layers, its config " + std::to_string(config.diff_ids.size()));

  PulledImage result;
  result.ref = ref;
  result.id = config.Id();
  result.manifest_digest = resolved.top_digest;
  // Already tagged so: up to date (the tag is still re-recorded with its repo digest).
  auto before = store_.Resolve(ref.String());
  result.updated = !(before.ok() && *before == result.id);

  std::shared_lock gc(store_.gc_lock());
  image::Reference rd = ref;
  rd.tag.clear();
  rd.digest = resolved.top_digest;
  std::vector<image::Reference> names;
  if (!ref.digest) names.push_back(ref);
  names.push_back(rd);
  // The image is here already (maybe under another name): dockerd prints no layer lines then.
  if (store_.Resolve(result.id.str()).ok()) {
    auto rows = SKIFF_TRY(store_.ImageLayers(result.id));
    SKIFF_TRY(store_.CommitImage(config, rows, names));
    progress.Status("Digest: " + resolved.top_digest.str());
    return result;
  }
  std::vector<LayerJob> jobs(mf.layers.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].desc = mf.layers[i];
    jobs[i].diff_id = config.diff_ids[i];
    jobs[i].id = ShortId(mf.layers[i].digest.hex());
    auto row = SKIFF_TRY(store_.FindLayer(config.diff_ids[i]));
    jobs[i].exists = row && store_.snapshots().HasLayer(config.diff_ids[i]);
  }
  // dockerd's order: every layer's first line, then the transfers.
  for (auto& j : jobs) progress.Status(j.exists ? "Already exists" : "Pulling fs layer", j.id);
  std::vector<size_t> todo;
  for (size_t i = 0; i < jobs.size(); ++i)
    if (!jobs[i].exists) todo.push_back(i);
  size_t workers = std::min<size_t>(todo.size(), std::max(1, o.max_concurrent_downloads));
  for (size_t k = workers; k < todo.size(); ++k) progress.Status("Waiting", jobs[todo[k]].id);

  std::mutex mu;
  size_t next = 0, reported = 0;
  bool failed = false;
  // "Extracting" / "Pull complete" in layer order, as dockerd's sequential extraction prints them.
  auto report_done = [&] {
    while (reported < jobs.size()) {
      auto& j = jobs[reported];
      if (!j.exists) {
        if (!j.result) break;
        if (!j.result->ok()) break;
        progress.Bytes("Extracting", j.id, static_cast<uint64_t>(j.desc.size), static_cast<uint64_t>(j.desc.size));
        progress.Status("Pull complete", j.id);
      }
      ++reported;
    }
  };
  {
    std::lock_guard lk(mu);
    report_done();
  }
  Downloader dl(store_, client, ref.path, progress);
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (;;) {
        size_t i;
        {
          std::lock_guard lk(mu);
          if (next >= todo.size() || failed) return;
          i = todo[next++];
        }
        auto r = dl.Run(jobs[i]);
        std::lock_guard lk(mu);
        if (!r.ok()) {
          failed = true;
          dl.Stop();
        }
        jobs[i].result.emplace(std::move(r));
        report_done();
      }
    });
  }
  for (auto& t : threads) t.join();
  // The first real error in layer order (a cancellation caused by another layer's failure comes later).
  std::optional<Error> err;
  for (auto& j : jobs)
    if (j.result && !j.result->ok()) {
      if (!err || (err->code() == Errc::kCancelled && j.result->error().code() != Errc::kCancelled)) err = j.result->error();
    }
  if (err) return *err;

  std::vector<image::ImageStore::LayerRow> rows;
  for (auto& j : jobs) {
    image::ImageStore::LayerRow row;
    if (auto existing = SKIFF_TRY(store_.FindLayer(j.diff_id)); existing) row = *existing;
    else {
      auto& l = **j.result;
      row = {l.diff_id, l.blob, j.desc.media_type, l.blob_size, l.tar_size, l.size};
    }
    if (j.result && j.result->ok()) SKIFF_TRY(store_.snapshots().CommitLayer(std::move(*(*j.result)->staging), j.diff_id));
    rows.push_back(row);
  }
  SKIFF_TRY(cs.Put(config.raw, config.Id()));
  SKIFF_TRY(store_.CommitImage(config, rows, names));
  for (auto& j : jobs)
    SKIFF_TRY(store_.RecordDistribution(j.diff_id, {j.desc.digest, j.desc.media_type, static_cast<uint64_t>(j.desc.size), ref.domain, ref.path}));
  progress.Status("Digest: " + resolved.top_digest.str());
  return result;
}

Result<Json> Puller::Inspect(const image::Reference& ref, const AuthConfig& auth) {
  auto client = SKIFF_TRY(Client::Create(ref.domain, auth, opts_));
  std::string want = ref.digest ? ref.digest->str() : (ref.tag.empty() ? "latest" : ref.tag);
  auto m = SKIFF_TRY(client->GetManifest(ref.path, want, AcceptTypes()));
  Json out;
  out["Descriptor"] = {{"mediaType", m.media_type}, {"digest", m.digest.str()}, {"size", m.body.size()}};
  Json platforms = Json::array();
  auto j = ParseJson(m.body, "manifest");
  if (j.ok() && (image::IsIndexType(m.media_type) || image::JsonIsIndex(*j))) {
    auto idx = SKIFF_TRY(image::ParseIndex(m.body));
    for (auto& d : idx.manifests) {
      if (!d.platform) continue;
      Json p = {{"architecture", d.platform->architecture}, {"os", d.platform->os}};
      if (!d.platform->variant.empty()) p["variant"] = d.platform->variant;
      platforms.push_back(p);
    }
  } else {
    auto mf = SKIFF_TRY(image::ParseManifest(m.body));
    auto raw = SKIFF_TRY(client->ReadBlob(ref.path, mf.config.digest));
    auto cfg = SKIFF_TRY(image::ParseImageConfig(raw));
    Json p = {{"architecture", cfg.architecture}, {"os", cfg.os}};
    if (cfg.json.contains("variant")) p["variant"] = cfg.json["variant"];
    platforms.push_back(p);
  }
  out["Platforms"] = platforms;
  return out;
}

}  // namespace skiff::registry

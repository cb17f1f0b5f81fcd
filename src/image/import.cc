// ImageStore::Import / ImportFrom: `docker import`. A rootfs tar (plain/gzip/zstd) from a reader, a file,
// stdin or an http(s) URL (libcurl, streamed on its own thread) becomes a one-layer image whose config
// carries the --change instructions and the -m message, as Docker writes it.
#include <curl/curl.h>
#include <fcntl.h>
#include <time.h>

#include <thread>

#include "base/file.h"
#include "image/changes.h"
#include "image/image_store.h"
#include "image/ingest.h"

namespace skiff::image {
namespace {

// Streams an http(s) body through a ChunkQueue; the transfer runs on a thread owned by this object.
class UrlReader : public storage::ByteReader {
 public:
  explicit UrlReader(std::string url) : url_(std::move(url)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~UrlReader() override {
    queue_.Abandon();
    thread_.join();
  }
  Result<size_t> Read(char* buf, size_t n) override { return queue_.Read(buf, n); }

 private:
  static size_t OnData(char* p, size_t size, size_t nmemb, void* self) {
    auto* r = static_cast<UrlReader*>(self);
    return r->queue_.Push(std::string(p, size * nmemb)) ? size * nmemb : 0;
  }
  void Run() {
    CURL* c = curl_easy_init();
    if (!c) return queue_.Fail(Error(Errc::kInternal, "curl: init failed"));
    char err[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &UrlReader::OnData);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (rc == CURLE_OK) return queue_.Close();
    // Import() names the URL; say what went wrong with it.
    if (rc == CURLE_HTTP_RETURNED_ERROR && status >= 400)
      return queue_.Fail(Error(status == 404 || status == 410 ? Errc::kNotFound : Errc::kUnavailable,
                               "server answered HTTP " + std::to_string(status)));
    queue_.Fail(Error(Errc::kUnavailable, err[0] ? err : curl_easy_strerror(rc)));
  }
  std::string url_;
  storage::ChunkQueue queue_{8 << 20};
  std::thread thread_;
};

std::string NowRfc3339() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return FormatTime(ts.tv_sec, ts.tv_nsec);
}

}  // namespace

Result<Digest> ImageStore::Import(storage::ByteReader& in, const ImportOptions& opts) {
  RunConfig rc;
  SKIFF_TRY(ApplyChanges(opts.changes, rc));
  std::optional<Reference> tag;
  if (!opts.tag.empty()) {
    tag = SKIFF_TRY_CTX(ParseReference(opts.tag), "import: tag " + opts.tag);
    if (tag->digest) return Error(Errc::kInvalidArgument, "import: tag " + opts.tag + " must not have a digest");
  }
  std::shared_lock gc(gc_mu_);
  auto ingested = IngestLayer(in, *cs_, *snaps_);
  if (!ingested.ok()) {
    // dockerd words a stream that is no tar without naming the source; everything else names it.
    if (ingested.error().message().starts_with("Error processing tar file")) return ingested.error();
    return ingested.error().Wrap("import " + opts.source_name);
  }
  IngestedLayer layer = std::move(*ingested);
  std::string now = NowRfc3339();
  std::string comment = opts.message.empty() ? "Imported from " + opts.source_name : opts.message;
  Json cfg = {
      {"architecture", opts.architecture},
      {"comment", comment},
      {"config", rc.ToJson()},
      {"created", now},
      {"history", Json::array({{{"created", now}, {"comment", comment}}})},
      {"os", opts.os},
      {"rootfs", {{"type", "layers"}, {"diff_ids", Json::array({layer.diff_id.str()})}}},
  };
  ImageConfig config = SKIFF_TRY(ParseImageConfig(SerializeConfig(cfg)));
  SKIFF_TRY(cs_->Put(config.raw, config.Id()));
  LayerRow row{layer.diff_id, layer.blob, LayerMediaType(layer.compression), layer.blob_size, layer.tar_size, layer.size};
  if (auto existing = SKIFF_TRY(FindLayer(layer.diff_id)); existing) row = *existing;
  SKIFF_TRY(snaps_->CommitLayer(std::move(*layer.staging), layer.diff_id));
  std::vector<Reference> tags;
  if (tag) tags.push_back(*tag);
  SKIFF_TRY(CommitImage(config, {row}, tags));
  return config.Id();
}

Result<Digest> ImageStore::ImportFrom(const std::string& source, ImportOptions opts) {
  opts.source_name = source;
  if (source == "-") {
    storage::FdReader r(0);
    return Import(r, opts);
  }
  if (source.starts_with("http://") || source.starts_with("https://")) {
    UrlReader r(source);
    return Import(r, opts);
  }
  UniqueFd fd = SKIFF_TRY_CTX(OpenFile(source, O_RDONLY), "import");
  storage::FdReader r(fd.get());
  return Import(r, opts);
}

}  // namespace skiff::image

#include "image/ingest.h"

#include <thread>

#include "image/model.h"

namespace skiff::image {

std::string LayerMediaType(storage::Compression c) {
  switch (c) {
    case storage::Compression::kGzip: return media::kOciLayerGzip;
    case storage::Compression::kZstd: return media::kOciLayerZstd;
    case storage::Compression::kNone: break;
  }
  return media::kOciLayer;
}

Result<IngestedLayer> IngestLayer(storage::ByteReader& src, ContentStore& cs, storage::Snapshotter& snaps) {
  IngestedLayer out;
  TempDir staging = SKIFF_TRY(snaps.NewStagingDir());
  auto blob = SKIFF_TRY(cs.NewWriter());
  storage::ChunkQueue queue(16 << 20);
  std::optional<Result<storage::ApplyResult>> applied;
  std::thread extractor([&] {
    storage::ApplyOptions opts;
    opts.hash_diff_id = false;  // the raw digest is the diff ID when uncompressed
    applied.emplace(storage::ApplyLayer(queue, staging.path(), opts));
    if (!applied->ok()) queue.Abandon();
    else {
      // Consume anything after the tar's end so the producer never blocks.
      char buf[4096];
      while (queue.Read(buf, sizeof buf).value_or(0) > 0) {
      }
    }
  });
  Status st;
  for (;;) {
    std::string chunk(1 << 20, '\0');
    auto n = src.Read(chunk.data(), chunk.size());
    if (!n.ok()) {
      st = std::move(n).error();
      break;
    }
    if (*n == 0) break;
    chunk.resize(*n);
    if (auto w = blob->Write(chunk.data(), chunk.size()); !w) {
      st = std::move(w);
      break;
    }
    if (!queue.Push(std::move(chunk))) break;  // extractor failed; its error is reported below
  }
  if (st.ok())
    queue.Close();
  else
    queue.Fail(st.error());
  extractor.join();
  if (!st.ok()) return std::move(st).error();
  if (!applied->ok()) return std::move(*applied).error();
  out.blob = SKIFF_TRY(blob->Commit());
  out.blob_size = blob->size();
  out.compression = (*applied)->compression;
  out.diff_id = out.compression == storage::Compression::kNone ? out.blob : (*applied)->diff_id;
  out.tar_size = out.compression == storage::Compression::kNone ? out.blob_size : (*applied)->tar_bytes;
  out.size = (*applied)->unpacked_bytes;
  out.staging.emplace(std::move(staging));
  return out;
}

}  // namespace skiff::image

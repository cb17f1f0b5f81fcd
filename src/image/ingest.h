// Layer ingestion pipeline: one pass over a layer stream that (thread 1) hashes it and writes it into the
// content store while (thread 2) decompresses and extracts it into a staging directory. Used by load and
// import. On any error nothing of the layer remains (temp blob and staging dir are removed).
#pragma once

#include <optional>
#include <string>

#include "base/digest.h"
#include "base/file.h"
#include "image/content_store.h"
#include "storage/snapshots.h"
#include "storage/tar_apply.h"

namespace skiff::image {

struct IngestedLayer {
  Digest blob;     // digest of the bytes as given (compressed or not); stored in the content store
  Digest diff_id;  // digest of the uncompressed tar
  storage::Compression compression = storage::Compression::kNone;
  uint64_t blob_size = 0;
  uint64_t tar_size = 0;  // uncompressed
  uint64_t size = 0;      // sum of file sizes
  std::optional<TempDir> staging;  // the extracted layer, to CommitLayer() under diff_id
};

std::string LayerMediaType(storage::Compression c);

Result<IngestedLayer> IngestLayer(storage::ByteReader& src, ContentStore& cs, storage::Snapshotter& snaps);

}  // namespace skiff::image

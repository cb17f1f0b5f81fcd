// ContentStore: content-addressed blobs under <root>/blobs/sha256/<hex>. A blob is written to a temp file
// under <root>/ingest/, hashed while written, verified against the expected digest, fsynced and renamed
// into place, so it is never visible half-written; concurrent writers of the same digest both succeed
// (the rename replaces identical content). Leftover temp files are removed by RemoveIngestLeftovers().
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/fd.h"
#include "storage/stream.h"

namespace skiff::image {

// Streams one blob into the store. Owns its temp file: removed unless Commit() succeeded.
class BlobWriter : public storage::ByteWriter {
 public:
  ~BlobWriter() override;
  Status Write(const char* data, size_t n) override;
  // Verifies (when expected is set), fsyncs, renames into place. Returns the digest.
  Result<Digest> Commit(const std::optional<Digest>& expected = std::nullopt);
  uint64_t size() const { return size_; }

 private:
  friend class ContentStore;
  BlobWriter(std::string blobs_dir, std::string tmp, UniqueFd fd)
      : blobs_dir_(std::move(blobs_dir)), tmp_(std::move(tmp)), fd_(std::move(fd)) {}
  std::string blobs_dir_, tmp_;
  UniqueFd fd_;
  Sha256 hash_;
  uint64_t size_ = 0;
  uint64_t synced_ = 0;
  bool committed_ = false;
};

class ContentStore {
 public:
  static Result<std::unique_ptr<ContentStore>> Open(const std::string& root);
  Status RemoveIngestLeftovers();

  std::string BlobPath(const Digest& d) const;
  bool Has(const Digest& d) const;
  Result<uint64_t> Size(const Digest& d) const;
  // Reads a (small) blob and verifies its digest.
  Result<std::string> Read(const Digest& d) const;
  Result<Digest> Put(std::string_view data, const std::optional<Digest>& expected = std::nullopt);
  Result<std::unique_ptr<BlobWriter>> NewWriter();
  Status Remove(const Digest& d);
  std::vector<Digest> List() const;

 private:
  explicit ContentStore(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

}  // namespace skiff::image

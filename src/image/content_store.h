// ContentStore: content-addressed blobs under <root>/blobs/sha256/<hex>. A blob is written to a temp file
// under <root>/ingest/, hashed while written, verified against the expected digest, fsynced and renamed
// into place, so it is never visible half-written; concurrent writers of the same digest both succeed
// (the rename replaces identical content). Leftover temp files are removed by RemoveIngestLeftovers(),
// except the partial downloads of resumable writers (ingest/partial-<hex>), kept for a day so an
// interrupted pull continues where it stopped.
#pragma once

#include <functional>
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
  // Resumable writers: the bytes a previous writer of the same digest left. Replay() hashes them and hands
  // each chunk to `also` (so a caller can extract them again); size() then counts them. Call once, first.
  Status Replay(const std::function<Status(const char*, size_t)>& also);
  // Resumable writers: removes the partial file (a corrupt download must not be continued).
  void Discard();

 private:
  friend class ContentStore;
  BlobWriter(std::string blobs_dir, std::string tmp, UniqueFd fd, bool keep = false)
      : blobs_dir_(std::move(blobs_dir)), tmp_(std::move(tmp)), fd_(std::move(fd)), keep_(keep) {}
  std::string blobs_dir_, tmp_;
  UniqueFd fd_;
  Sha256 hash_;
  uint64_t size_ = 0;
  uint64_t synced_ = 0;
  bool committed_ = false;
  bool keep_ = false;  // resumable: the file stays when the writer is dropped uncommitted
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
  // A writer for a blob whose digest is known in advance (a download), continuing the partial file an
  // earlier writer of that digest left (call Replay() first). Holds an exclusive lock on the partial file
  // for its lifetime: a second writer of the same digest waits. Commit(d) verifies it.
  Result<std::unique_ptr<BlobWriter>> OpenResumable(const Digest& d);
  Status Remove(const Digest& d);
  std::vector<Digest> List() const;

 private:
  explicit ContentStore(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

}  // namespace skiff::image

// Transparent decompression of layer streams (plain tar, gzip, zstd), detected from the magic bytes, with
// an optional SHA-256 of the decompressed bytes (a layer's diff ID).
#pragma once

#include <memory>
#include <string>

#include "base/digest.h"
#include "storage/stream.h"

namespace skiff::storage {

enum class Compression { kNone, kGzip, kZstd };
std::string_view CompressionName(Compression c);
// Looks at the first bytes of a stream (>= 4 bytes for a sure answer).
Compression DetectCompression(std::string_view head);

// Wraps a ByteReader, decompressing what it reads. Owns its decoder state; borrows the inner reader.
// After Read returned 0, DecompressedDigest() is the sha256 of everything produced (when hashing is on).
class DecompressReader : public ByteReader {
 public:
  static Result<std::unique_ptr<DecompressReader>> Create(ByteReader& inner, bool hash_output);
  ~DecompressReader() override;
  Result<size_t> Read(char* buf, size_t n) override;
  Compression compression() const { return compression_; }
  // Reads and hashes whatever is left (e.g. tar padding after the end-of-archive blocks).
  Status Drain();
  // Stops hashing (only meaningful before the first Read).
  void DisableHashing() { hasher_.reset(); }
  Digest DecompressedDigest() { return hasher_ ? hasher_->Finish() : Digest(); }
  uint64_t decompressed_bytes() const { return out_bytes_; }

 private:
  struct Impl;
  DecompressReader(ByteReader& inner, bool hash) ;
  Result<size_t> ReadRaw(char* buf, size_t n);
  Status Fill();

  ByteReader& inner_;
  Compression compression_ = Compression::kNone;
  std::unique_ptr<Sha256> hasher_;
  std::unique_ptr<Impl> impl_;
  std::string in_;       // compressed input buffer
  size_t in_off_ = 0;
  bool in_eof_ = false;
  bool out_eof_ = false;
  bool zstd_frame_done_ = false;
  uint64_t out_bytes_ = 0;
};

}  // namespace skiff::storage

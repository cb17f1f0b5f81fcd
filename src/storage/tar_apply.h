// Applies a layer tar (plain, gzip or zstd) onto a directory, safely: nothing is ever written outside
// `dest` whatever the tar says; an entry that tries (absolute name, "..", a symlinked parent leading out,
// a hardlink to outside) fails the whole apply with an error naming the entry. The caller applies into a
// staging directory and discards it on error, so a rejected layer leaves nothing behind.
#pragma once

#include <cstdint>
#include <string>

#include "base/digest.h"
#include "storage/decompress.h"
#include "storage/stream.h"

namespace skiff::storage {

enum class WhiteoutMode {
  kOverlay,  // dest is an overlay lower/upper dir: ".wh.x" -> char dev 0:0, ".wh..wh..opq" -> opaque xattr
  kDelete,   // dest is a flat tree: ".wh.x" deletes x, ".wh..wh..opq" empties the directory of older entries
};

struct ApplyOptions {
  WhiteoutMode whiteouts = WhiteoutMode::kOverlay;
  // Hash the decompressed stream (the diff ID). When the input is uncompressed the caller may already
  // hash the raw bytes; then set this false and DiffID comes back empty for uncompressed input.
  bool hash_diff_id = true;
  // Upper bound for the sum of file sizes; 0 = the free space of dest's filesystem.
  uint64_t max_unpacked_bytes = 0;
};

struct ApplyResult {
  Digest diff_id;               // sha256 of the uncompressed tar (empty when not hashed)
  Compression compression = Compression::kNone;
  uint64_t tar_bytes = 0;       // uncompressed tar size
  uint64_t unpacked_bytes = 0;  // sum of regular file sizes written
  uint64_t entries = 0;
};

// Reads the whole stream (including trailing padding, so the digest is the digest of all of it).
Result<ApplyResult> ApplyLayer(ByteReader& in, const std::string& dest, const ApplyOptions& opts = {});

}  // namespace skiff::storage

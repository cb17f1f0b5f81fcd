// Fast gzip compression of a byte stream for layer uploads (ISA-L's igzip at level 1: several hundred MB/s
// per core even on incompressible data, where zlib manages a tenth of that). GzipReader pulls from an
// inner reader it borrows and hands out the compressed bytes; it owns its ISA-L state and buffers and
// lives for one stream.
#pragma once

#include <memory>
#include <string>

#include "storage/stream.h"

namespace skiff::registry {

class GzipReader : public storage::ByteReader {
 public:
  explicit GzipReader(storage::ByteReader& inner);
  ~GzipReader() override;
  Result<size_t> Read(char* buf, size_t n) override;
  uint64_t consumed() const { return consumed_; }  // uncompressed bytes read so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  storage::ByteReader& inner_;
  uint64_t consumed_ = 0;
};

}  // namespace skiff::registry

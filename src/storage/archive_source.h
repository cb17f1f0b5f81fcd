// Feeding libarchive from a ByteReader. ArchiveSource owns its read buffer and remembers the reader's
// error (libarchive only keeps a string); it must outlive the archive it was opened on. ArchiveReadPtr
// owns an archive read handle.
#pragma once

#include <archive.h>

#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "storage/stream.h"

namespace skiff::storage {

struct ArchiveReadFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchiveReadPtr = std::unique_ptr<struct archive, ArchiveReadFree>;

class ArchiveSource {
 public:
  ArchiveSource(ByteReader& in, size_t buffer_size) : in_(&in), buf_(buffer_size, '\0') {}
  ArchiveSource(const ArchiveSource&) = delete;
  ArchiveSource& operator=(const ArchiveSource&) = delete;
  // archive_read_open on `a` reading from this source; returns libarchive's status.
  int OpenOn(struct archive* a) { return archive_read_open(a, this, nullptr, &ArchiveSource::Read, nullptr); }
  // The reader's own error, if a read failed (more precise than archive_error_string).
  const std::optional<Error>& error() const { return error_; }
  uint64_t bytes_read() const { return bytes_; }

 private:
  static la_ssize_t Read(struct archive* a, void* p, const void** out);
  ByteReader* in_;
  std::string buf_;
  std::optional<Error> error_;
  uint64_t bytes_ = 0;
};

// dockerd's words for a stream that is not a tar (its untar runs in a child process with Go's tar
// reader): "Error processing tar file(exit status 1): unexpected EOF" when it is shorter than one header
// block, else "...: archive/tar: invalid tar header". kInvalidArgument.
Error NotATarError(uint64_t bytes);

}  // namespace skiff::storage

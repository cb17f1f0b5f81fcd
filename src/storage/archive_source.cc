#include "storage/archive_source.h"

#include <cerrno>

namespace skiff::storage {

la_ssize_t ArchiveSource::Read(struct archive* a, void* p, const void** out) {
  auto* s = static_cast<ArchiveSource*>(p);
  auto r = s->in_->Read(s->buf_.data(), s->buf_.size());
  if (!r.ok()) {
    s->error_ = r.error();
    archive_set_error(a, EIO, "%s", r.error().message().c_str());
    return -1;
  }
  *out = s->buf_.data();
  s->bytes_ += *r;
  return static_cast<la_ssize_t>(*r);
}

Error NotATarError(uint64_t bytes) {
  return Error(Errc::kInvalidArgument, std::string("Error processing tar file(exit status 1): ") +
                                           (bytes < 512 ? "unexpected EOF" : "archive/tar: invalid tar header"));
}

}  // namespace skiff::storage

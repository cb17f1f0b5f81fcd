#include "image/content_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"

namespace skiff::image {

BlobWriter::~BlobWriter() {
  if (!committed_) ::unlink(tmp_.c_str());
}

Status BlobWriter::Write(const char* data, size_t n) {
  hash_.Update(data, n);
  SKIFF_TRY_CTX(WriteAll(fd_.get(), std::string_view(data, n)), tmp_);
  size_ += n;
  // Start writeback early so the final fsync has little left to do.
  if (size_ - synced_ >= (32u << 20)) {
    ::sync_file_range(fd_.get(), static_cast<off_t>(synced_), static_cast<off_t>(size_ - synced_), SYNC_FILE_RANGE_WRITE);
    synced_ = size_;
  }
  return Ok();
}

Result<Digest> BlobWriter::Commit(const std::optional<Digest>& expected) {
  if (committed_) return Error(Errc::kInternal, "blob already committed");
  Digest d = hash_.Finish();
  if (expected && *expected != d)
    return Error(Errc::kDataLoss, "blob digest mismatch: expected " + expected->str() + ", got " + d.str());
  if (::fsync(fd_.get()) != 0) return Error::Sys("fsync " + tmp_);
  std::string dst = JoinPath(blobs_dir_, d.hex());
  if (::rename(tmp_.c_str(), dst.c_str()) != 0) return Error::Sys("rename blob into " + dst);
  committed_ = true;
  return d;
}

Result<std::unique_ptr<ContentStore>> ContentStore::Open(const std::string& root) {
  SKIFF_TRY(MkdirAll(JoinPath(root, "blobs/sha256"), 0700));
  SKIFF_TRY(MkdirAll(JoinPath(root, "ingest"), 0700));
  return std::unique_ptr<ContentStore>(new ContentStore(root));
}

Status ContentStore::RemoveIngestLeftovers() {
  std::string dir = JoinPath(root_, "ingest");
  for (const auto& n : ListDir(dir)) SKIFF_TRY(RemoveAll(JoinPath(dir, n)));
  return Ok();
}

std::string ContentStore::BlobPath(const Digest& d) const { return JoinPath(JoinPath(root_, "blobs/sha256"), d.hex()); }
bool ContentStore::Has(const Digest& d) const { return PathExists(BlobPath(d)); }

Result<uint64_t> ContentStore::Size(const Digest& d) const {
  struct stat st;
  if (::stat(BlobPath(d).c_str(), &st) != 0) {
    if (errno == ENOENT) return Error(Errc::kNotFound, "blob " + d.str() + " not found");
    return Error::Sys("stat blob " + d.str());
  }
  return static_cast<uint64_t>(st.st_size);
}

Result<std::string> ContentStore::Read(const Digest& d) const {
  auto data = ReadFile(BlobPath(d));
  if (!data.ok()) {
    if (data.error().code() == Errc::kNotFound) return Error(Errc::kNotFound, "blob " + d.str() + " not found");
    return std::move(data).error();
  }
  if (Sha256Of(*data) != d) return Error(Errc::kDataLoss, "blob " + d.str() + " is corrupt (digest mismatch)");
  return std::move(*data);
}

Result<std::unique_ptr<BlobWriter>> ContentStore::NewWriter() {
  std::string tmp = JoinPath(JoinPath(root_, "ingest"), "blob-XXXXXX");
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Error::Sys("create " + tmp);
  ::fchmod(fd, 0644);
  return std::unique_ptr<BlobWriter>(new BlobWriter(JoinPath(root_, "blobs/sha256"), tmp, UniqueFd(fd)));
}

Result<Digest> ContentStore::Put(std::string_view data, const std::optional<Digest>& expected) {
  if (expected && Has(*expected)) {
    if (Sha256Of(data) != *expected)
      return Error(Errc::kDataLoss, "blob digest mismatch: expected " + expected->str());
    return *expected;
  }
  auto w = SKIFF_TRY(NewWriter());
  SKIFF_TRY(w->Write(data.data(), data.size()));
  return w->Commit(expected);
}

Status ContentStore::Remove(const Digest& d) {
  if (::unlink(BlobPath(d).c_str()) != 0 && errno != ENOENT) return Error::Sys("remove blob " + d.str());
  return Ok();
}

std::vector<Digest> ContentStore::List() const {
  std::vector<Digest> out;
  for (const auto& n : ListDir(JoinPath(root_, "blobs/sha256")))
    if (n.size() == 64 && IsHex(n)) out.push_back(Digest::FromSha256Hex(n));
  return out;
}

}  // namespace skiff::image

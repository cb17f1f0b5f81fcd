#include "image/content_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"

namespace skiff::image {

BlobWriter::~BlobWriter() {
  if (!committed_ && !keep_) ::unlink(tmp_.c_str());
}

Status BlobWriter::Replay(const std::function<Status(const char*, size_t)>& also) {
  if (::lseek(fd_.get(), 0, SEEK_SET) < 0) return Error::Sys("seek " + tmp_);
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Sys("read " + tmp_);
    }
    if (n == 0) break;
    hash_.Update(buf.data(), static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
    if (also) SKIFF_TRY(also(buf.data(), static_cast<size_t>(n)));
  }
  synced_ = size_;
  return Ok();
}

void BlobWriter::Discard() {
  ::unlink(tmp_.c_str());
  keep_ = false;
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
  keep_ = false;
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
  time_t now = ::time(nullptr);
  for (const auto& n : ListDir(dir)) {
    std::string p = JoinPath(dir, n);
    struct stat st;
    if (n.starts_with("partial-") && ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime < 24 * 3600)
      continue;
    SKIFF_TRY(RemoveAll(p));
  }
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

Result<std::unique_ptr<BlobWriter>> ContentStore::OpenResumable(const Digest& d) {
  std::string path = JoinPath(JoinPath(root_, "ingest"), "partial-" + d.hex());
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Error::Sys("open " + path);
  UniqueFd f(fd);
  while (::flock(f.get(), LOCK_EX) != 0)
    if (errno != EINTR) return Error::Sys("lock " + path);
  // The previous holder may have committed it (renamed away): then this inode is not the one at `path`.
  struct stat a, b;
  if (::fstat(f.get(), &a) != 0) return Error::Sys("stat " + path);
  if (::stat(path.c_str(), &b) != 0 || a.st_ino != b.st_ino) return OpenResumable(d);
  return std::unique_ptr<BlobWriter>(new BlobWriter(JoinPath(root_, "blobs/sha256"), path, std::move(f), true));
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

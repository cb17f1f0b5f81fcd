// FileHashCache: sha256 of files keyed by path and validated by (dev, ino, size, mtime, ctime).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "base/file.h"
#include "build/copy/copy.h"
#include "build/copy/paths.h"

namespace skiff::build::copy {
namespace {

constexpr std::string_view kMagic = "skiff-file-hash-cache v1\n";
constexpr size_t kPruneAbove = 1'000'000;  // items; past this, Save keeps only what this process used
constexpr size_t kBuf = 1 << 20;

int64_t Ns(const struct timespec& t) { return int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

bool Same(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size && Ns(a.st_mtim) == Ns(b.st_mtim) &&
         Ns(a.st_ctim) == Ns(b.st_ctim);
}

}  // namespace

Status FileHashCache::Load() {
  std::lock_guard<std::mutex> l(mu_);
  items_.clear();
  dirty_ = false;
  auto text = ReadFile(path_);
  if (!text) return Ok();  // missing: empty
  const std::string& t = *text;
  if (!t.starts_with(kMagic)) return Ok();
  size_t i = kMagic.size();
  std::unordered_map<std::string, Item> items;
  while (i < t.size()) {
    // "<hex> <dev> <ino> <size> <mtime_ns> <ctime_ns> <pathlen> <path>\n"
    const char* p = t.c_str() + i;
    char* end;
    if (t.size() - i < 65 || t[i + 64] != ' ') return Ok();
    Item it;
    it.hex.assign(p, 64);
    if (!IsHex(it.hex)) return Ok();
    p += 65;
    it.dev = std::strtoull(p, &end, 10);
    it.ino = std::strtoull(end, &end, 10);
    it.size = std::strtoull(end, &end, 10);
    it.mtime_ns = std::strtoll(end, &end, 10);
    it.ctime_ns = std::strtoll(end, &end, 10);
    size_t len = std::strtoull(end, &end, 10);
    if (*end != ' ') return Ok();
    size_t off = static_cast<size_t>(end + 1 - t.c_str());
    if (off + len + 1 > t.size() || t[off + len] != '\n') return Ok();  // corrupt: an empty cache
    items[t.substr(off, len)] = std::move(it);
    i = off + len + 1;
  }
  items_ = std::move(items);
  return Ok();
}

void FileHashCache::Clear() {
  std::lock_guard<std::mutex> l(mu_);
  items_.clear();
  dirty_ = true;
}

Status FileHashCache::Save() {
  std::string out;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!dirty_) return Ok();
    bool prune = items_.size() > kPruneAbove;
    out.reserve(kMagic.size() + items_.size() * 160);
    out += kMagic;
    char num[160];
    for (auto& [path, it] : items_) {
      if (prune && !it.used) continue;
      int n = std::snprintf(num, sizeof num, " %llu %llu %llu %lld %lld %zu ", (unsigned long long)it.dev,
                            (unsigned long long)it.ino, (unsigned long long)it.size, (long long)it.mtime_ns,
                            (long long)it.ctime_ns, path.size());
      out += it.hex;
      out.append(num, static_cast<size_t>(n));
      out += path;
      out += '\n';
    }
    dirty_ = false;
  }
  if (auto s = MkdirAll(Dirname(path_), 0700); !s) return s;
  return WriteFileAtomic(path_, out, 0600, false);
}

size_t FileHashCache::size() {
  std::lock_guard<std::mutex> l(mu_);
  return items_.size();
}

Result<Digest> FileHashCache::HashFd(int fd, const std::string& key, const struct stat& st) {
  thread_local std::unique_ptr<char[]> buf(new char[kBuf]);
  Sha256 h;
  off_t total = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf.get(), kBuf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return GoSys("read " + key);
    }
    if (n == 0) break;
    h.Update(buf.get(), static_cast<size_t>(n));
    total += n;
    // A file read to its listed size in a short read is at its end: save the extra read.
    if (static_cast<size_t>(n) < kBuf && total == st.st_size) break;
  }
  Digest d = h.Finish();
  struct stat after;
  if (::fstat(fd, &after) != 0 || !Same(st, after) || total != st.st_size) return d;  // changed: don't cache
  std::lock_guard<std::mutex> l(mu_);
  Item it{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size),
          Ns(st.st_mtim), Ns(st.st_ctim), d.hex(), true};
  items_[key] = std::move(it);
  dirty_ = true;
  return d;
}

Result<Digest> FileHashCache::HashAt(int dirfd, const std::string& rel, const std::string& key, const struct stat& st) {
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = items_.find(key);
    if (it != items_.end()) {
      Item& c = it->second;
      if (c.dev == static_cast<uint64_t>(st.st_dev) && c.ino == static_cast<uint64_t>(st.st_ino) &&
          c.size == static_cast<uint64_t>(st.st_size) && c.mtime_ns == Ns(st.st_mtim) && c.ctime_ns == Ns(st.st_ctim)) {
        c.used = true;
        return Digest::FromSha256Hex(c.hex);
      }
    }
  }
  int fd = dirfd == AT_FDCWD ? ::open(rel.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : OpenBeneath(dirfd, rel, O_RDONLY | O_NOFOLLOW);
  if (fd < 0) return GoSys("open " + key);
  UniqueFd g(fd);
  return HashFd(fd, key, st);
}

Result<Digest> FileHashCache::Hash(const std::string& abs, const struct stat& st) {
  return HashAt(AT_FDCWD, abs, abs, st);
}

}  // namespace skiff::build::copy

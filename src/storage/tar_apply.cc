#include "storage/tar_apply.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <set>
#include <vector>

#include "base/fd.h"
#include "storage/archive_source.h"
#include "storage/beneath.h"

namespace skiff::storage {
namespace {

constexpr std::string_view kWhPrefix = ".wh.";
constexpr std::string_view kOpaque = ".wh..wh..opq";
constexpr char kOverlayOpaqueXattr[] = "trusted.overlay.opaque";

struct DirTimes {
  std::string path;
  struct timespec ts[2];
};

class Applier {
 public:
  Applier(int rootfd, const ApplyOptions& o, uint64_t budget) : root_(rootfd), opts_(o), budget_(budget) {}

  Status Entry(struct archive* a, struct archive_entry* e, ApplyResult& res);
  Status FixDirTimes();

 private:
  Result<int> Parent(const std::string& dir);
  Status WriteData(struct archive* a, int fd, int64_t size, bool sparse);
  Status Metadata(int parentfd, const std::string& base, int fd, struct archive_entry* e, bool is_link);
  Status Whiteout(const std::string& dir, const std::string& base);
  Status Opaque(const std::string& dir);
  Status Prepare(int parentfd, const std::string& base, bool keep_dir);

  int root_;
  const ApplyOptions& opts_;
  uint64_t budget_;
  std::string cached_dir_ = "\x01";
  UniqueFd cached_fd_;
  std::vector<DirTimes> dir_times_;
  std::set<std::string> written_;  // kDelete: what this layer made, spared by an opaque marker
};

Result<int> Applier::Parent(const std::string& dir) {
  if (dir == cached_dir_ && cached_fd_) return cached_fd_.get();
  cached_fd_ = SKIFF_TRY(OpenDirBeneath(root_, dir, true));
  cached_dir_ = dir;
  return cached_fd_.get();
}

Status Applier::Prepare(int parentfd, const std::string& base, bool keep_dir) {
  struct stat st;
  if (::fstatat(parentfd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Ok();
    return Error::Sys("stat");
  }
  if (S_ISDIR(st.st_mode)) {
    if (keep_dir) return Ok();
    cached_dir_ = "\x01";  // the cached fd may live below what we remove
    cached_fd_.reset();
    return RemoveAllAt(parentfd, base);
  }
  if (::unlinkat(parentfd, base.c_str(), 0) != 0) return Error::Sys("remove existing");
  return Ok();
}

Status Applier::WriteData(struct archive* a, int fd, int64_t size, bool sparse) {
  const void* buf;
  size_t len;
  la_int64_t off;
  int64_t pos = 0;
  for (;;) {
    int r = archive_read_data_block(a, &buf, &len, &off);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return Error(Errc::kDataLoss, archive_error_string(a));
    if (off != pos && ::lseek(fd, off, SEEK_SET) < 0) return Error::Sys("seek");
    const char* p = static_cast<const char*>(buf);
    size_t left = len;
    while (left) {
      ssize_t w = ::write(fd, p, left);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Error::Sys("write");
      }
      p += w;
      left -= static_cast<size_t>(w);
    }
    pos = off + static_cast<int64_t>(len);
  }
  if (pos != size) {
    if (!sparse) return Error(Errc::kDataLoss, "truncated: " + std::to_string(pos) + " of " + std::to_string(size) + " bytes");
    if (::ftruncate(fd, size) != 0) return Error::Sys("truncate");  // sparse tail
  }
  return Ok();
}

Status Applier::Metadata(int parentfd, const std::string& base, int fd, struct archive_entry* e, bool is_link) {
  uid_t uid = static_cast<uid_t>(archive_entry_uid(e));
  gid_t gid = static_cast<gid_t>(archive_entry_gid(e));
  if (::geteuid() == 0) {
    int r = fd >= 0 ? ::fchown(fd, uid, gid) : ::fchownat(parentfd, base.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW);
    if (r != 0) return Error::Sys("chown");
  }
  // xattrs (never overlay's own: a layer must not forge whiteouts/redirects that way).
  archive_entry_xattr_reset(e);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    std::string_view n(name);
    if (n.starts_with("trusted.overlay.")) continue;
    int r;
    if (fd >= 0) {
      r = ::fsetxattr(fd, name, value, size, 0);
    } else {
      std::string p = "/proc/self/fd/" + std::to_string(parentfd) + "/" + base;
      r = ::lsetxattr(p.c_str(), name, value, size, 0);
    }
    if (r != 0 && errno != ENOTSUP && errno != EPERM) return Error::Sys(std::string("set xattr ") + name);
  }
  if (!is_link) {
    mode_t mode = archive_entry_perm(e) & 07777;
    int r = fd >= 0 ? ::fchmod(fd, mode) : ::fchmodat(parentfd, base.c_str(), mode, 0);
    if (r != 0) return Error::Sys("chmod");
  }
  struct timespec ts[2];
  ts[1].tv_sec = archive_entry_mtime(e);
  ts[1].tv_nsec = archive_entry_mtime_nsec(e);
  if (archive_entry_atime_is_set(e)) {
    ts[0].tv_sec = archive_entry_atime(e);
    ts[0].tv_nsec = archive_entry_atime_nsec(e);
  } else {
    ts[0] = ts[1];
  }
  int r = fd >= 0 ? ::futimens(fd, ts) : ::utimensat(parentfd, base.c_str(), ts, AT_SYMLINK_NOFOLLOW);
  if (r != 0) return Error::Sys("set times");
  return Ok();
}

Status Applier::Whiteout(const std::string& dir, const std::string& target) {
  int pfd = SKIFF_TRY(Parent(dir));
  if (opts_.whiteouts == WhiteoutMode::kOverlay) {
    SKIFF_TRY(Prepare(pfd, target, false));
    pfd = SKIFF_TRY(Parent(dir));
    if (::mknodat(pfd, target.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0) return Error::Sys("make whiteout");
    return Ok();
  }
  UniqueFd d = SKIFF_TRY(OpenDirBeneath(root_, dir, true));
  cached_dir_ = "\x01";
  cached_fd_.reset();
  return RemoveAllAt(d.get(), target);
}

Status Applier::Opaque(const std::string& dir) {
  if (opts_.whiteouts == WhiteoutMode::kOverlay) {
    UniqueFd d = SKIFF_TRY(OpenDirBeneath(root_, dir, true, true));
    if (::fsetxattr(d.get(), kOverlayOpaqueXattr, "y", 1, 0) != 0) return Error::Sys("set opaque xattr");
    return Ok();
  }
  UniqueFd d = SKIFF_TRY(OpenDirBeneath(root_, dir, true, true));
  std::vector<std::string> names;
  DIR* dp = ::fdopendir(::dup(d.get()));
  if (!dp) return Error::Sys("opendir");
  while (struct dirent* de = ::readdir(dp)) {
    std::string n = de->d_name;
    if (n == "." || n == "..") continue;
    std::string full = dir.empty() ? n : dir + "/" + n;
    if (!written_.count(full)) names.push_back(n);
  }
  ::closedir(dp);
  cached_dir_ = "\x01";
  cached_fd_.reset();
  for (const auto& n : names) SKIFF_TRY(RemoveAllAt(d.get(), n));
  return Ok();
}

Status Applier::Entry(struct archive* a, struct archive_entry* e, ApplyResult& res) {
  const char* raw = archive_entry_pathname(e);
  std::string path = SKIFF_TRY(CleanEntryPath(raw ? raw : ""));
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  mode_t type = archive_entry_filetype(e);

  if (base.starts_with(kWhPrefix)) {
    if (base == kOpaque) return Opaque(dir);
    if (base.starts_with(".wh..wh.")) return Ok();  // aufs metadata (.wh..wh.plnk etc.): ignore
    return Whiteout(dir, base.substr(kWhPrefix.size()));
  }
  if (opts_.whiteouts == WhiteoutMode::kDelete) written_.insert(path);

  if (path.empty()) {  // the root itself: only its metadata
    if (type != AE_IFDIR) return Error(Errc::kInvalidArgument, "root entry is not a directory");
    UniqueFd rfd = SKIFF_TRY(OpenDirBeneath(root_, "", false, true));
    SKIFF_TRY(Metadata(-1, "", rfd.get(), e, false));
    return Ok();
  }

  if (const char* hl = archive_entry_hardlink(e)) {
    std::string target = SKIFF_TRY_CTX(CleanEntryPath(hl), std::string("hardlink target \"") + hl + "\"");
    if (target.empty()) return Error(Errc::kInvalidArgument, "hardlink to the root directory");
    size_t ts = target.rfind('/');
    std::string tdir = ts == std::string::npos ? "" : target.substr(0, ts);
    std::string tbase = ts == std::string::npos ? target : target.substr(ts + 1);
    UniqueFd tfd = SKIFF_TRY_CTX(OpenDirBeneath(root_, tdir, false), "hardlink target \"" + target + "\"");
    struct stat st;
    if (::fstatat(tfd.get(), tbase.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return Error::Sys("hardlink target \"" + target + "\"");
    if (S_ISDIR(st.st_mode)) return Error(Errc::kInvalidArgument, "hardlink to a directory");
    int pfd = SKIFF_TRY(Parent(dir));
    SKIFF_TRY(Prepare(pfd, base, false));
    pfd = SKIFF_TRY(Parent(dir));
    if (::linkat(tfd.get(), tbase.c_str(), pfd, base.c_str(), 0) != 0) return Error::Sys("link");
    return Ok();
  }

  int pfd = SKIFF_TRY(Parent(dir));
  switch (type) {
    case AE_IFDIR: {
      SKIFF_TRY(Prepare(pfd, base, true));
      pfd = SKIFF_TRY(Parent(dir));
      if (::mkdirat(pfd, base.c_str(), 0700) != 0 && errno != EEXIST) return Error::Sys("mkdir");
      SKIFF_TRY(Metadata(pfd, base, -1, e, false));
      DirTimes dt{path, {}};
      dt.ts[1] = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
      dt.ts[0] = archive_entry_atime_is_set(e) ? timespec{archive_entry_atime(e), archive_entry_atime_nsec(e)} : dt.ts[1];
      dir_times_.push_back(std::move(dt));
      return Ok();
    }
    case AE_IFREG: {
      int64_t size = archive_entry_size(e);
      if (size < 0) return Error(Errc::kInvalidArgument, "negative size");
      if (static_cast<uint64_t>(size) > budget_)
        return Error(Errc::kInvalidArgument, "size " + std::to_string(size) + " exceeds the space left (" +
                                                 std::to_string(budget_) + " bytes)");
      budget_ -= static_cast<uint64_t>(size);
      SKIFF_TRY(Prepare(pfd, base, false));
      pfd = SKIFF_TRY(Parent(dir));
      int fd = ::openat(pfd, base.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0) return Error::Sys("create");
      UniqueFd f(fd);
      SKIFF_TRY(WriteData(a, fd, size, archive_entry_sparse_count(e) > 0));
      SKIFF_TRY(Metadata(pfd, base, fd, e, false));
      res.unpacked_bytes += static_cast<uint64_t>(size);
      return Ok();
    }
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(e);
      SKIFF_TRY(Prepare(pfd, base, false));
      pfd = SKIFF_TRY(Parent(dir));
      if (::symlinkat(target ? target : "", pfd, base.c_str()) != 0) return Error::Sys("symlink");
      return Metadata(pfd, base, -1, e, true);
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
      SKIFF_TRY(Prepare(pfd, base, false));
      pfd = SKIFF_TRY(Parent(dir));
      mode_t m = (type == AE_IFCHR ? S_IFCHR : type == AE_IFBLK ? S_IFBLK : S_IFIFO) | 0600;
      if (::mknodat(pfd, base.c_str(), m, archive_entry_rdev(e)) != 0) return Error::Sys("mknod");
      return Metadata(pfd, base, -1, e, false);
    }
    case AE_IFSOCK:
      return Ok();  // sockets are not content
    default:
      return Error(Errc::kUnsupported, "unsupported entry type " + std::to_string(type));
  }
}

Status Applier::FixDirTimes() {
  for (auto it = dir_times_.rbegin(); it != dir_times_.rend(); ++it) {
    size_t slash = it->path.rfind('/');
    std::string dir = slash == std::string::npos ? "" : it->path.substr(0, slash);
    std::string base = slash == std::string::npos ? it->path : it->path.substr(slash + 1);
    auto pfd = OpenDirBeneath(root_, dir, false);
    if (!pfd.ok()) continue;  // removed by a later whiteout
    ::utimensat(pfd->get(), base.c_str(), it->ts, AT_SYMLINK_NOFOLLOW);
  }
  return Ok();
}

}  // namespace

Result<ApplyResult> ApplyLayer(ByteReader& in, const std::string& dest, const ApplyOptions& opts) {
  int rfd = ::open(dest.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0) return Error::Sys("open layer destination " + dest);
  UniqueFd root(rfd);
  uint64_t budget = opts.max_unpacked_bytes;
  if (budget == 0) {
    struct statvfs sv;
    if (::statvfs(dest.c_str(), &sv) != 0) return Error::Sys("statvfs " + dest);
    budget = static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize;
  }

  auto dec = SKIFF_TRY(DecompressReader::Create(in, true));
  ApplyResult res;
  res.compression = dec->compression();
  bool hash = opts.hash_diff_id || res.compression != Compression::kNone;
  if (!hash) dec->DisableHashing();
  ArchiveSource src(*dec, 1 << 18);
  ArchiveReadPtr a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_read_support_filter_none(a.get());
  if (src.OpenOn(a.get()) != ARCHIVE_OK) {
    if (src.error()) return *src.error();
    // An empty stream is an empty layer.
    if (dec->decompressed_bytes() == 0) {
      res.diff_id = dec->DecompressedDigest();
      return res;
    }
    return NotATarError(dec->decompressed_bytes());
  }
  Applier ap(root.get(), opts, budget);
  for (;;) {
    struct archive_entry* e;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (src.error()) return *src.error();
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      if (res.entries == 0 && dec->decompressed_bytes() <= 1024 * 10) break;  // all-zero empty tar
      return Error(Errc::kInvalidArgument, std::string("corrupt layer tar: ") + archive_error_string(a.get()));
    }
    const char* name = archive_entry_pathname(e);
    if (auto st = ap.Entry(a.get(), e, res); !st) {
      if (src.error()) return *src.error();
      return std::move(st).error().Wrap("layer entry \"" + std::string(name ? name : "") + "\"");
    }
    ++res.entries;
  }
  SKIFF_TRY(ap.FixDirTimes());
  SKIFF_TRY(dec->Drain());
  res.tar_bytes = dec->decompressed_bytes();
  if (hash) res.diff_id = dec->DecompressedDigest();
  return res;
}

}  // namespace skiff::storage

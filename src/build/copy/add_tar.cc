#include "build/copy/add_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "base/fd.h"
#include "base/file.h"
#include "build/copy/paths.h"
#include "build/copy/write.h"
#include "storage/archive_source.h"

namespace skiff::build::copy {
namespace {

enum class Filter { kNone, kGzip, kBzip2, kXz };

Filter Detect(int fd) {
  unsigned char h[6] = {};
  ssize_t n = ::pread(fd, h, sizeof h, 0);
  if (n >= 3 && h[0] == 0x1f && h[1] == 0x8b && h[2] == 0x08) return Filter::kGzip;
  if (n >= 3 && h[0] == 'B' && h[1] == 'Z' && h[2] == 'h') return Filter::kBzip2;
  if (n >= 6 && !std::memcmp(h, "\xfd" "7zXZ\0", 6)) return Filter::kXz;
  return Filter::kNone;
}

// An archive reading fd from offset 0 through its own dup (so the caller's offset stays).
Result<storage::ArchiveReadPtr> Open(int fd, UniqueFd& dupfd) {
  dupfd.reset(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!dupfd) return Error::Sys("dup");
  // A dup shares the offset: reopen through /proc to get an independent one.
  char p[64];
  std::snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  int own = ::open(p, O_RDONLY | O_CLOEXEC);
  if (own >= 0) dupfd.reset(own);
  else if (::lseek(dupfd.get(), 0, SEEK_SET) < 0) return Error::Sys("seek");
  storage::ArchiveReadPtr a(archive_read_new());
  switch (Detect(fd)) {
    case Filter::kGzip: archive_read_support_filter_gzip(a.get()); break;
    case Filter::kBzip2: archive_read_support_filter_bzip2(a.get()); break;
    case Filter::kXz: archive_read_support_filter_xz(a.get()); break;
    case Filter::kNone: break;
  }
  archive_read_support_format_tar(a.get());
  if (archive_read_open_fd(a.get(), dupfd.get(), 1 << 20) != ARCHIVE_OK)
    return Error(Errc::kInvalidArgument, std::string("open archive: ") + archive_error_string(a.get()));
  return a;
}

bool Escapes(const std::string& clean) { return clean == ".." || clean.starts_with("../"); }
std::string StripSlashes(const char* s) {
  std::string v = s ? s : "";
  size_t i = v.find_first_not_of('/');
  return i == std::string::npos ? std::string() : v.substr(i);
}

struct DirTime {
  std::string rel;  // resolved, beneath the destination
  EntryMeta meta;
};

class Extractor {
 public:
  Extractor(int dest, const std::string& what) : dest_(dest), what_(what) {}

  Status Entry(struct archive* a, struct archive_entry* e) {
    bool replaced = false;
    Status s = Write(a, e, replaced);
    // A directory or link made (or anything removed) may be the path of a cached parent.
    if (replaced || archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e)) InvalidateCache();
    return s;
  }

  Status Write(struct archive* a, struct archive_entry* e, bool& replaced) {
    std::string rel = CleanRel(StripSlashes(archive_entry_pathname(e)));
    if (Escapes(rel))
      return Error(Errc::kPermissionDenied,
                   "\"" + std::string(archive_entry_pathname(e)) + "\" is outside of the destination");
    mode_t type = archive_entry_filetype(e);
    const char* hl = archive_entry_hardlink(e);
    if (rel == ".") {
      if (type == AE_IFDIR && !hl) return Ok();
      rel = "";
    }
    std::string what = "/" + rel;
    int pfd = SKIFF_TRY(Parent(ParentRel(rel)));
    std::string base = BaseRel(rel);
    if (base.empty()) return Error(Errc::kInvalidArgument, "archive entry \"" + rel + "\": no name");

    EntryMeta m;
    m.set_owner = true;
    m.owner = {static_cast<uid_t>(archive_entry_uid(e)), static_cast<gid_t>(archive_entry_gid(e))};
    m.mode = archive_entry_perm(e) & 07777;
    m.mtime = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};

    struct stat cur;
    bool exists = ::fstatat(pfd, base.c_str(), &cur, AT_SYMLINK_NOFOLLOW) == 0;
    bool both_dirs = exists && S_ISDIR(cur.st_mode) && type == AE_IFDIR && !hl;
    if (exists && !both_dirs) {
      replaced = true;
      SKIFF_TRY(RemovePath(pfd, base));
    }

    if (hl) {
      std::string target = CleanRel(StripSlashes(hl));
      if (Escapes(target)) return Error(Errc::kPermissionDenied, "invalid hardlink \"" + rel + "\" -> \"" + hl + "\"");
      std::string tparent = SKIFF_TRY(FollowInScope(dest_, ParentRel(target)));
      std::string tpath = JoinRel(tparent, BaseRel(target));
      if (::linkat(dest_, tpath.c_str(), pfd, base.c_str(), 0) != 0) return GoSys("link " + tpath + " " + what);
      return Ok();
    }
    switch (type) {
      case AE_IFDIR: {
        if (!exists || !both_dirs) {
          if (::mkdirat(pfd, base.c_str(), (m.mode & 0777) | 0700) != 0) return GoSys("mkdir " + what);
        }
        if (::fchownat(pfd, base.c_str(), m.owner.uid, m.owner.gid, AT_SYMLINK_NOFOLLOW) != 0)
          return GoSys("lchown " + what);
        SKIFF_TRY(Xattrs(e, pfd, base));
        std::string parent_resolved = SKIFF_TRY(FollowInScope(dest_, ParentRel(rel)));
        dirs_.push_back({JoinRel(parent_resolved, base), m});
        return Ok();
      }
      case AE_IFREG: {
        int fd = OpenBeneath(pfd, base, O_WRONLY | O_CREAT | O_EXCL, m.mode & 0777);
        if (fd < 0) return GoSys("open " + what);
        UniqueFd out(fd);
        SKIFF_TRY(Data(a, out.get(), archive_entry_size(e), what));
        if (::fchown(out.get(), m.owner.uid, m.owner.gid) != 0) return GoSys("lchown " + what);
        if (::fchmod(out.get(), m.mode) != 0) return GoSys("chmod " + what);
        SKIFF_TRY(Xattrs(e, pfd, base));
        struct timespec ts[2] = {Atime(e, m.mtime), m.mtime};
        if (::futimens(out.get(), ts) != 0) return GoSys("chtimes " + what);
        return Ok();
      }
      case AE_IFLNK: {
        std::string target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
        std::string joined = CleanRel(JoinRel(ParentRel(rel), StripSlashes(target.c_str())));
        if (!target.empty() && target[0] != '/' && Escapes(joined))
          return Error(Errc::kPermissionDenied, "invalid symlink \"" + rel + "\" -> \"" + target + "\"");
        return WriteSymlink(target, pfd, base, m, what);
      }
      case AE_IFCHR:
      case AE_IFBLK:
      case AE_IFIFO: {
        struct stat st{};
        st.st_mode = type;
        st.st_rdev = archive_entry_rdev(e);
        return WriteSpecial(st, pfd, base, m, what);
      }
      default:
        return Ok();  // sockets and unknown types: skipped
    }
  }

  Status Finish() {
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
      EntryMeta m = it->meta;
      m.set_owner = false;
      SKIFF_TRY(ApplyDirMeta(dest_, it->rel, m, true, "/" + it->rel));
    }
    return Ok();
  }

 private:
  static struct timespec Atime(struct archive_entry* e, struct timespec mtime) {
    if (!archive_entry_atime_is_set(e)) return mtime;
    struct timespec a = {archive_entry_atime(e), archive_entry_atime_nsec(e)};
    if (a.tv_sec < mtime.tv_sec || (a.tv_sec == mtime.tv_sec && a.tv_nsec < mtime.tv_nsec)) return mtime;
    return a;
  }

  void InvalidateCache() {
    cached_.reset();
    cached_rel_ = "\x01";
  }

  // The directory `rel` (lexical, inside the destination) resolved in scope, made when missing.
  Result<int> Parent(const std::string& rel) {
    if (cached_ && rel == cached_rel_) return cached_.get();
    std::string resolved = SKIFF_TRY(FollowInScope(dest_, rel));
    cached_ = SKIFF_TRY(MkdirAllBeneath(dest_, resolved, ProcessOwner()));
    cached_rel_ = rel;
    return cached_.get();
  }

  Status Data(struct archive* a, int fd, int64_t size, const std::string& what) {
    const void* buf;
    size_t len;
    la_int64_t off;
    for (;;) {
      int r = archive_read_data_block(a, &buf, &len, &off);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return Error(Errc::kInvalidArgument, what + ": " + archive_error_string(a));
      const char* p = static_cast<const char*>(buf);
      while (len > 0) {
        ssize_t n = ::pwrite(fd, p, len, off);
        if (n < 0) {
          if (errno == EINTR) continue;
          return GoSys("write " + what);
        }
        p += n;
        len -= static_cast<size_t>(n);
        off += n;
      }
    }
    if (size > 0 && ::ftruncate(fd, size) != 0) return GoSys("truncate " + what);
    return Ok();
  }

  Status Xattrs(struct archive_entry* e, int pfd, const std::string& base) {
    if (archive_entry_xattr_reset(e) == 0) return Ok();
    const char* name;
    const void* value;
    size_t size;
    std::string path = "/proc/self/fd/" + std::to_string(pfd) + "/" + base;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
      if (::lsetxattr(path.c_str(), name, value, size, 0) != 0 && errno != ENOTSUP && errno != EPERM)
        return GoSys(std::string("lsetxattr ") + name + " /" + base);
    }
    return Ok();
  }

  int dest_;
  std::string what_;
  UniqueFd cached_;
  std::string cached_rel_ = "\x01";
  std::vector<DirTime> dirs_;
};

}  // namespace

Result<bool> IsTarArchive(int fd) {
  UniqueFd own;
  auto a = Open(fd, own);
  if (!a) return false;
  struct archive_entry* e;
  int r = archive_read_next_header(a->get(), &e);
  return r == ARCHIVE_OK || r == ARCHIVE_WARN;
}

Status ExtractTar(int fd, int dest_dirfd, const std::string& what) {
  UniqueFd own;
  auto a = SKIFF_TRY(Open(fd, own));
  Extractor x(dest_dirfd, what);
  for (;;) {
    struct archive_entry* e;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      return Error(Errc::kInvalidArgument, what + ": " + archive_error_string(a.get()));
    SKIFF_TRY(x.Entry(a.get(), e));
  }
  return x.Finish();
}

}  // namespace skiff::build::copy

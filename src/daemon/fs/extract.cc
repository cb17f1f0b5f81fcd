// Extract (PUT /containers/{id}/archive): Docker's archive.Untar, entry by entry, inside a View.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <vector>

#include "base/file.h"
#include "base/log.h"
#include "daemon/fs/archive.h"
#include "storage/archive_source.h"
#include "storage/beneath.h"

namespace skiff::daemon::fs {
namespace {

// Counts what the tar reader pulled, to tell an empty body (nothing to do, as Docker) from a broken tar.
class CountingReader : public storage::ByteReader {
 public:
  explicit CountingReader(storage::ByteReader& in) : in_(in) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t r = SKIFF_TRY(in_.Read(buf, n));
    bytes_ += r;
    return r;
  }
  uint64_t bytes() const { return bytes_; }

 private:
  storage::ByteReader& in_;
  uint64_t bytes_ = 0;
};

// `p` is `base` or below it (as paths, not as strings).
bool Within(const std::string& p, const std::string& base) {
  if (base == "/") return true;
  return p == base || (p.size() > base.size() && p.compare(0, base.size(), base) == 0 && p[base.size()] == '/');
}

Error Rejected(const std::string& msg) { return Error(Errc::kInvalidArgument, msg); }

// Metadata() of a hardlink whose mode and times Docker leaves alone.
constexpr mode_t kOwnerOnly = 1;

struct DirTime {
  std::string path;
  struct timespec ts[2];
};

class Untar {
 public:
  Untar(const View& view, const Node& dest, const ExtractOptions& o) : view_(view), dest_(dest), opts_(o) {}
  Status Entry(struct archive* a, struct archive_entry* e);
  void FixDirTimes();

 private:
  Result<const Node*> Parent(const std::string& dir);
  Status Metadata(const Node& parent, const std::string& base, int fd, struct archive_entry* e, mode_t type);
  Status WriteData(struct archive* a, int fd, int64_t size, const std::string& what);
  bool MountBelow(const std::string& path) const;

  const View& view_;
  const Node& dest_;
  const ExtractOptions& opts_;
  // The parent of the last entry: tars list a directory's entries together.
  std::string cached_dir_;
  std::optional<Node> cached_;
  std::vector<DirTime> dirs_;
};

// The entry's directory, made like MkdirAll (0755) when missing, resolved inside the container so that
// symlinks (from the container or from earlier entries) are followed there and only there.
Result<const Node*> Untar::Parent(const std::string& dir) {
  if (cached_ && cached_dir_ == dir) return &*cached_;
  cached_.reset();
  Node n = SKIFF_TRY(view_.Resolve(dir, true, View::Missing::kCreate));
  struct stat st;
  if (::fstat(n.fd.get(), &st) != 0) return Error::Sys("lstat " + dir);
  if (!S_ISDIR(st.st_mode)) return Error::FromErrno(ENOTDIR, "mkdir " + dir);
  cached_dir_ = dir;
  cached_.emplace(std::move(n));
  return &*cached_;
}

bool Untar::MountBelow(const std::string& path) const {
  for (const auto& m : view_.spec().mounts) {
    std::string d = CleanPath("/" + m.destination);
    if (d != path && Within(d, path)) return true;
  }
  return false;
}

Status Untar::WriteData(struct archive* a, int fd, int64_t size, const std::string& what) {
  const void* p;
  size_t len;
  la_int64_t off;
  int64_t pos = 0;
  for (;;) {
    int r = archive_read_data_block(a, &p, &len, &off);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return Rejected(std::string("read data of ") + what + ": " + archive_error_string(a));
    if (off != pos && ::lseek(fd, off, SEEK_SET) < 0) return Error::Sys("seek " + what);
    const char* c = static_cast<const char*>(p);
    size_t left = len;
    while (left > 0) {
      ssize_t w = ::write(fd, c, left);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Error::Sys("write " + what);
      }
      c += w;
      left -= static_cast<size_t>(w);
    }
    pos = off + static_cast<int64_t>(len);
  }
  if (pos < size && ::ftruncate(fd, size) != 0) return Error::Sys("truncate " + what);  // sparse tail
  return Ok();
}

// Owner, xattrs, mode and times, in Docker's order (chown before chmod: chown clears set-id bits).
Status Untar::Metadata(const Node& parent, const std::string& base, int fd, struct archive_entry* e, mode_t type) {
  std::string path = CleanPath(parent.path + "/" + base);
  int pfd = parent.fd.get();
  uid_t uid = opts_.copy_uid_gid ? opts_.uid : static_cast<uid_t>(archive_entry_uid(e));
  gid_t gid = opts_.copy_uid_gid ? opts_.gid : static_cast<gid_t>(archive_entry_gid(e));
  int r = fd >= 0 ? ::fchown(fd, uid, gid) : ::fchownat(pfd, base.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW);
  if (r != 0) return Error::Sys("lchown " + path);
  archive_entry_xattr_reset(e);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    std::string_view n(name);
    if (n.starts_with("trusted.overlay.")) continue;  // never forge overlay whiteouts or redirects
    std::string proc = "/proc/self/fd/" + std::to_string(pfd) + "/" + base;
    int x = fd >= 0 ? ::fsetxattr(fd, name, value, size, 0) : ::lsetxattr(proc.c_str(), name, value, size, 0);
    if (x != 0) {
      if (errno != ENOTSUP && errno != EPERM) return Error::Sys("lsetxattr " + path + " " + name);
      log::Warn("archive: ignoring xattr {} on {}: {}", name, path, std::strerror(errno));
    }
  }
  if (type == kOwnerOnly) return Ok();
  if (type != AE_IFLNK) {
    mode_t mode = archive_entry_perm(e) & 07777;
    r = fd >= 0 ? ::fchmod(fd, mode) : ::fchmodat(pfd, base.c_str(), mode, 0);
    if (r != 0) return Error::Sys("chmod " + path);
  }
  struct timespec ts[2];
  ts[1] = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
  ts[0] = ts[1];
  // The access time is never before the modification time (Docker's rule).
  if (archive_entry_atime_is_set(e) &&
      (archive_entry_atime(e) > ts[1].tv_sec ||
       (archive_entry_atime(e) == ts[1].tv_sec && archive_entry_atime_nsec(e) > ts[1].tv_nsec)))
    ts[0] = {archive_entry_atime(e), archive_entry_atime_nsec(e)};
  if (type == AE_IFDIR) {
    dirs_.push_back(DirTime{path, {ts[0], ts[1]}});
    return Ok();
  }
  r = fd >= 0 ? ::futimens(fd, ts) : ::utimensat(pfd, base.c_str(), ts, AT_SYMLINK_NOFOLLOW);
  if (r != 0) return Error::Sys("chtimes " + path);
  return Ok();
}

Status Untar::Entry(struct archive* a, struct archive_entry* e) {
  const char* raw = archive_entry_pathname(e);
  std::string name = CleanPath(raw ? raw : "");
  // Absolute names are taken relative to the extraction point (filepath.Join), "../" ones are refused.
  std::string path = CleanPath(dest_.path + "/" + name);
  if (!Within(path, dest_.path) || name == "..")
    return Rejected("\"" + name + "\" is outside of \"" + dest_.path + "\"");
  const char* hardlink = archive_entry_hardlink(e);
  mode_t type = hardlink ? 0 : archive_entry_filetype(e);
  if (path == dest_.path) {
    if (type == AE_IFDIR) return Ok();  // "./": the extraction point itself is left as it is
    return Rejected("cannot replace the extraction point \"" + dest_.path + "\" with a non-directory");
  }
  std::string dir = Dirname(path), base = Basename(path);
  const Node* parent = SKIFF_TRY(Parent(dir));
  if (view_.ReadOnly(parent->mount)) return Error::FromErrno(EROFS, "open " + path);

  auto existing = view_.Child(*parent, base);
  if (existing.ok()) {
    struct stat st;
    if (::fstat(existing->fd.get(), &st) != 0) return Error::Sys("lstat " + path);
    bool is_dir = S_ISDIR(st.st_mode), want_dir = type == AE_IFDIR;
    if (opts_.no_overwrite_dir_non_dir && is_dir && !want_dir)
      return Rejected("cannot overwrite directory \"" + path + "\" with non-directory \"" + dest_.path + "\"");
    if (opts_.no_overwrite_dir_non_dir && !is_dir && want_dir)
      return Rejected("cannot overwrite non-directory \"" + path + "\" with directory \"" + dest_.path + "\"");
    if (!(is_dir && want_dir)) {
      // Replacing a mount point (or a directory holding one) fails in the container: EBUSY.
      if (view_.MountAt(path) >= 0 || MountBelow(path)) return Error::FromErrno(EBUSY, "unlinkat " + path);
      // The cached parent stays valid: only entries below it go.
      SKIFF_TRY_CTX(storage::RemoveAllAt(parent->fd.get(), base), "remove " + path);
    } else if (int m = view_.MountAt(path); m >= 0 && view_.ReadOnly(m)) {
      return Error::FromErrno(EROFS, "chown " + path);
    }
  } else if (existing.error().sys_errno() != ENOENT) {
    return std::move(existing).error();
  }
  int pfd = parent->fd.get();
  mode_t perm = archive_entry_perm(e) & 07777;

  if (hardlink) {
    std::string lname = hardlink;
    std::string target = CleanPath(dest_.path + "/" + lname);
    if (!Within(target, dest_.path)) return Rejected("invalid hardlink \"" + target + "\" -> \"" + lname + "\"");
    Node tdir = SKIFF_TRY(view_.Resolve(Dirname(target), true));
    Node tnode = SKIFF_TRY(view_.Child(tdir, Basename(target)));
    if (tnode.mount != parent->mount) return Error::FromErrno(EXDEV, "link " + target + " " + path);
    if (::linkat(tdir.fd.get(), Basename(target).c_str(), pfd, base.c_str(), 0) != 0)
      return Error::Sys("link " + target + " " + path);
    // Docker then chowns the link; its chmod and chtimes only happen when the link name, taken relative
    // to the container's "/" (its cwd in the chroot), names a non-symlink.
    auto rooted = view_.Resolve(CleanPath("/" + lname), false);
    struct stat rst;
    bool full = rooted.ok() && ::fstat(rooted->fd.get(), &rst) == 0 && !S_ISLNK(rst.st_mode);
    return Metadata(*parent, base, -1, e, full ? AE_IFREG : kOwnerOnly);
  }
  switch (type) {
    case AE_IFDIR: {
      struct stat st;
      bool have = existing.ok() && ::fstat(existing->fd.get(), &st) == 0 && S_ISDIR(st.st_mode);
      if (!have && ::mkdirat(pfd, base.c_str(), perm) != 0) return Error::Sys("mkdir " + path);
      Node n = SKIFF_TRY(view_.Child(*parent, base));
      UniqueFd d(::openat(n.fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!d) return Error::Sys("open " + path);
      return Metadata(*parent, base, d.get(), e, type);
    }
    case AE_IFREG: {
      int fd = ::openat(pfd, base.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0) return Error::Sys("open " + path);
      UniqueFd f(fd);
      SKIFF_TRY(WriteData(a, fd, archive_entry_size(e), path));
      return Metadata(*parent, base, fd, e, type);
    }
    case AE_IFLNK: {
      const char* t = archive_entry_symlink(e);
      std::string lname = t ? t : "";
      if (!Within(CleanPath(dir + "/" + lname), dest_.path))
        return Rejected("invalid symlink \"" + path + "\" -> \"" + lname + "\"");
      if (::symlinkat(lname.c_str(), pfd, base.c_str()) != 0) return Error::Sys("symlink " + lname + " " + path);
      return Metadata(*parent, base, -1, e, type);
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
      mode_t kind = type == AE_IFCHR ? S_IFCHR : type == AE_IFBLK ? S_IFBLK : S_IFIFO;
      if (::mknodat(pfd, base.c_str(), kind | perm, archive_entry_rdev(e)) != 0) return Error::Sys("mknod " + path);
      return Metadata(*parent, base, -1, e, type);
    }
    default:
      return Rejected("unhandled tar header type for \"" + name + "\"");
  }
}

// Directory times last, deepest first: creating entries inside a directory changes its mtime.
void Untar::FixDirTimes() {
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    auto n = view_.Resolve(it->path, false);
    if (!n.ok()) continue;
    UniqueFd d(::openat(n->fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d) (void)::futimens(d.get(), it->ts);
  }
}

}  // namespace

Status Extract(const ContainerView& v, std::string_view path, storage::ByteReader& in, const ExtractOptions& o) {
  if (path.empty()) return Error(Errc::kInvalidArgument, "must specify path parameter");
  View view = SKIFF_TRY(View::Open(v));
  // The extraction point is followed to the end: extracting "to a symlink to a directory" works.
  Node dest = SKIFF_TRY(view.Resolve(CleanPath("/" + std::string(path)), true));
  struct stat st;
  if (::fstat(dest.fd.get(), &st) != 0) return Error::Sys("lstat " + dest.path);
  if (!S_ISDIR(st.st_mode)) return Error(Errc::kInvalidArgument, "extraction point is not a directory");
  if (dest.mount >= 0 && view.ReadOnly(dest.mount))
    return Error(Errc::kPermissionDenied, "mounted volume is marked read-only");
  if (dest.mount < 0 && view.ReadOnly(-1)) return Error(Errc::kPermissionDenied, "container rootfs is marked read-only");

  CountingReader counted(in);
  storage::ArchiveSource src(counted, 1 << 18);
  storage::ArchiveReadPtr a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  auto broken = [&](const char* what) -> Error {
    if (src.error()) return *src.error();
    return Rejected(std::string("Error processing tar file: ") + what + ": " + archive_error_string(a.get()));
  };
  if (src.OpenOn(a.get()) != ARCHIVE_OK) {
    if (!src.error() && counted.bytes() == 0) return Ok();  // an empty body extracts nothing
    return broken("open");
  }
  Untar untar(view, dest, o);
  for (uint64_t entries = 0;; ++entries) {
    struct archive_entry* e;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      if (!src.error() && entries == 0 && counted.bytes() == 0) break;
      return broken("read");
    }
    if (auto s = untar.Entry(a.get(), e); !s) {
      if (src.error()) return *src.error();
      Error err = std::move(s).error();
      return Error(err.code(), "Error processing tar file: " + err.message(), err.sys_errno());
    }
  }
  untar.FixDirTimes();
  return Ok();
}

}  // namespace skiff::daemon::fs

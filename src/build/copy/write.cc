#include "build/copy/write.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <memory>

#include "base/file.h"
#include "storage/beneath.h"

namespace skiff::build::copy {
namespace {

constexpr char kCapXattr[] = "security.capability";

bool NeedsChmodAfterCreate(const EntryMeta& m) {
  return (m.mode & 07000) || (m.mode & 0777 & ProcessUmask());
}

// Owner, mode, caps, times on an open regular file.
Status FinishFd(int fd, int src_fd, const EntryMeta& m, const std::string& what) {
  if (m.set_owner && ::fchown(fd, m.owner.uid, m.owner.gid) != 0) return GoSys("lchown " + what);
  if ((m.set_owner && (m.mode & 06000)) || NeedsChmodAfterCreate(m)) {
    if (::fchmod(fd, m.mode) != 0) return GoSys("chmod " + what);
  }
  if (m.copy_caps && src_fd >= 0) {
    char buf[256];
    ssize_t n = ::fgetxattr(src_fd, kCapXattr, buf, sizeof buf);
    if (n > 0 && ::fsetxattr(fd, kCapXattr, buf, static_cast<size_t>(n), 0) != 0 && errno != ENOTSUP &&
        errno != EPERM)
      return GoSys("setxattr " + what);
  }
  if (m.set_times) {
    struct timespec ts[2] = {m.mtime, m.mtime};
    if (::futimens(fd, ts) != 0) return GoSys("chtimes " + what);
  }
  return Ok();
}

// Creates dst_rel with O_EXCL, removing what is in the way once.
Result<UniqueFd> CreateExcl(int dst_dirfd, const std::string& dst_rel, mode_t mode, const std::string& what) {
  for (int attempt = 0;; ++attempt) {
    int fd = OpenBeneath(dst_dirfd, dst_rel, O_WRONLY | O_CREAT | O_EXCL, mode & 0777);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != EEXIST || attempt > 0) return GoSys("open " + what);
    SKIFF_TRY(RemovePath(dst_dirfd, dst_rel));
  }
}

bool Unsupported(int e) { return e == EXDEV || e == EINVAL || e == ENOSYS || e == EOPNOTSUPP || e == EPERM || e == ETXTBSY; }

Status CopyData(int in, int out, off_t size, const std::string& what, CopyHint* hint) {
  off_t done = 0;
  int mode = hint ? hint->mode.load(std::memory_order_relaxed) : 0;
  while (done < size && mode < 2) {
    size_t want = static_cast<size_t>(std::min<off_t>(size - done, off_t(1) << 30));
    ssize_t n = mode == 0 ? ::copy_file_range(in, nullptr, out, nullptr, want, 0) : ::sendfile(out, in, nullptr, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (done == 0 && Unsupported(errno)) {
        ++mode;
        if (hint) hint->mode.store(mode, std::memory_order_relaxed);
        continue;
      }
      return GoSys("copy " + what);
    }
    if (n == 0) return Ok();  // the file shrank since it was listed
    done += n;
  }
  if (mode < 2) return Ok();
  thread_local std::unique_ptr<char[]> buf(new char[1 << 20]);
  for (;;) {
    ssize_t n = ::read(in, buf.get(), 1 << 20);
    if (n < 0) {
      if (errno == EINTR) continue;
      return GoSys("read " + what);
    }
    if (n == 0) return Ok();
    SKIFF_TRY_CTX(WriteAll(out, std::string_view(buf.get(), static_cast<size_t>(n))), "write " + what);
  }
}

}  // namespace

Owner ProcessOwner() {
  static const Owner o{::geteuid(), ::getegid()};
  return o;
}

Status RemovePath(int dst_dirfd, const std::string& dst_rel) {
  size_t slash = dst_rel.rfind('/');
  if (slash == std::string::npos) return storage::RemoveAllAt(dst_dirfd, dst_rel);
  int pfd = OpenBeneath(dst_dirfd, dst_rel.substr(0, slash), O_PATH | O_DIRECTORY);
  if (pfd < 0) return GoSys("open /" + dst_rel.substr(0, slash));
  UniqueFd g(pfd);
  return storage::RemoveAllAt(pfd, dst_rel.substr(slash + 1));
}

Status WriteRegular(int src_dirfd, const std::string& src_rel, off_t size, int dst_dirfd, const std::string& dst_rel,
                    const EntryMeta& m, const std::string& what, CopyHint* hint) {
  int in = OpenBeneath(src_dirfd, src_rel, O_RDONLY | O_NOFOLLOW);
  if (in < 0) return GoSys("open source " + what);
  UniqueFd src(in);
  UniqueFd out = SKIFF_TRY(CreateExcl(dst_dirfd, dst_rel, m.mode, what));
  if (size > 0) SKIFF_TRY(CopyData(src.get(), out.get(), size, what, hint));
  return FinishFd(out.get(), src.get(), m, what);
}

Status WriteContent(std::string_view content, int dst_dirfd, const std::string& dst_rel, const EntryMeta& m,
                    const std::string& what) {
  UniqueFd out = SKIFF_TRY(CreateExcl(dst_dirfd, dst_rel, m.mode, what));
  SKIFF_TRY_CTX(WriteAll(out.get(), content), "write " + what);
  return FinishFd(out.get(), -1, m, what);
}

Status WriteSymlink(const std::string& target, int dst_dirfd, const std::string& dst_rel, const EntryMeta& m,
                    const std::string& what) {
  for (int attempt = 0;; ++attempt) {
    if (::symlinkat(target.c_str(), dst_dirfd, dst_rel.c_str()) == 0) break;
    if (errno != EEXIST || attempt > 0) return GoSys("symlink " + target + " " + what);
    SKIFF_TRY(RemovePath(dst_dirfd, dst_rel));
  }
  if (m.set_owner && ::fchownat(dst_dirfd, dst_rel.c_str(), m.owner.uid, m.owner.gid, AT_SYMLINK_NOFOLLOW) != 0)
    return GoSys("lchown " + what);
  if (m.set_times) {
    struct timespec ts[2] = {m.mtime, m.mtime};
    if (::utimensat(dst_dirfd, dst_rel.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0) return GoSys("lchtimes " + what);
  }
  return Ok();
}

Status WriteSpecial(const struct stat& st, int dst_dirfd, const std::string& dst_rel, const EntryMeta& m,
                    const std::string& what) {
  for (int attempt = 0;; ++attempt) {
    if (::mknodat(dst_dirfd, dst_rel.c_str(), (st.st_mode & S_IFMT) | (m.mode & 0777), st.st_rdev) == 0) break;
    if (errno != EEXIST || attempt > 0) return GoSys("mknod " + what);
    SKIFF_TRY(RemovePath(dst_dirfd, dst_rel));
  }
  // Just made by mknodat beneath a symlink-free parent: path-based calls cannot follow anything.
  if (m.set_owner && ::fchownat(dst_dirfd, dst_rel.c_str(), m.owner.uid, m.owner.gid, AT_SYMLINK_NOFOLLOW) != 0)
    return GoSys("lchown " + what);
  if (::fchmodat(dst_dirfd, dst_rel.c_str(), m.mode, 0) != 0) return GoSys("chmod " + what);
  if (m.set_times) {
    struct timespec ts[2] = {m.mtime, m.mtime};
    if (::utimensat(dst_dirfd, dst_rel.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0) return GoSys("chtimes " + what);
  }
  return Ok();
}

Result<bool> EnsureDir(int dst_dirfd, const std::string& dst_rel, mode_t mode, mode_t* cur_mode,
                       const std::string& what) {
  struct stat st;
  if (LstatAt(dst_dirfd, dst_rel, &st)) {
    if (S_ISDIR(st.st_mode)) {
      *cur_mode = st.st_mode & 07777;
      return true;
    }
    SKIFF_TRY(RemovePath(dst_dirfd, dst_rel));
  } else if (errno != ENOENT) {
    return GoSys("lstat " + what);
  }
  // Owner-writable while the copy fills it; the final mode comes with ApplyDirMeta.
  mode_t m = (mode & 0777) | 0700;
  if (::mkdirat(dst_dirfd, dst_rel.c_str(), m) != 0) return GoSys("mkdir " + what);
  *cur_mode = m & ~ProcessUmask();
  return false;
}

Status ApplyDirMeta(int dst_dirfd, const std::string& dst_rel, const EntryMeta& m, bool fix_mode,
                    const std::string& what) {
  // Through an fd opened without following links: a later entry may have put a symlink in its place.
  int fd = OpenBeneath(dst_dirfd, dst_rel, O_RDONLY | O_DIRECTORY);
  if (fd < 0) {
    if (errno == ELOOP || errno == ENOTDIR || errno == ENOENT) return Ok();  // replaced since: nothing to do
    return GoSys("open " + what);
  }
  UniqueFd dir(fd);
  if (m.set_owner && ::fchown(fd, m.owner.uid, m.owner.gid) != 0) return GoSys("lchown " + what);
  if (fix_mode && ::fchmod(fd, m.mode) != 0) return GoSys("chmod " + what);
  if (m.set_times) {
    struct timespec ts[2] = {m.mtime, m.mtime};
    if (::futimens(fd, ts) != 0) return GoSys("chtimes " + what);
  }
  return Ok();
}

}  // namespace skiff::build::copy

// Stat and Archive (GET/HEAD /containers/{id}/archive). Extract is in extract.cc.
#include "daemon/fs/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"

namespace skiff::daemon::fs {
namespace {

constexpr char kCapability[] = "security.capability";

// The requested resource, located as Docker's ResolvePath + StatPath do.
struct Located {
  std::string abs;   // cleaned absolute container path (trailing "/" or "/." dropped)
  std::string name;  // Docker's filepath.Base of the path as asked: "/" for the root, "." for "x/."
  Node node;
  struct stat st;
};

Result<Located> Locate(const View& view, std::string_view path) {
  if (path.empty()) return Error(Errc::kInvalidArgument, "must specify path parameter");
  Located l;
  l.abs = CleanPath("/" + std::string(path));
  bool dot = Basename(path) == ".";
  bool slash = path.back() == '/';
  l.name = dot ? "." : l.abs == "/" ? "/" : Basename(l.abs);
  // The parent directories are resolved and the base appended: a final symlink stays, unless the path
  // asks for the directory itself ("x/" or "x/.").
  l.node = SKIFF_TRY(view.Resolve(l.abs, dot || slash));
  if (::fstat(l.node.fd.get(), &l.st) != 0) return Error::Sys("lstat " + l.abs);
  if ((dot || slash) && !S_ISDIR(l.st.st_mode))
    return Error::FromErrno(ENOTDIR, "lstat " + std::string(path));
  return l;
}

Result<PathStat> StatOf(const View& view, const Located& l) {
  PathStat s;
  s.name = l.name;
  s.size = l.st.st_size;
  s.mode = GoFileMode(l.st.st_mode);
  s.mtime = GoTimeString(l.st.st_mtim.tv_sec, l.st.st_mtim.tv_nsec);
  if (S_ISLNK(l.st.st_mode)) s.link_target = SKIFF_TRY(view.Evaluate(l.abs));
  return s;
}

// uid/gid -> name from /etc/passwd or /etc/group text (the first line wins, as Go's os/user).
std::map<uint32_t, std::string> ParseNames(const std::string& text) {
  std::map<uint32_t, std::string> out;
  for (const auto& line : Split(text, '\n')) {
    auto f = Split(line, ':');
    if (f.size() < 3 || f[0].empty() || f[0][0] == '#') continue;
    auto id = ParseUint(f[2]);
    if (id && *id <= 0xffffffffu) out.emplace(static_cast<uint32_t>(*id), f[0]);
  }
  return out;
}

// The container's file, or nullopt when it has none (a missing or unreadable file, not an empty one).
std::optional<std::string> ContainerFile(const View& view, const char* file) {
  auto n = view.Resolve(file, true);
  if (!n.ok()) return std::nullopt;
  struct stat st;
  if (::fstat(n->fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (16 << 20)) return std::nullopt;
  UniqueFd fd(Reopen(n->fd.get(), O_RDONLY));
  if (!fd) return std::nullopt;
  auto text = ReadFd(fd.get());
  if (!text.ok()) return std::nullopt;
  return *text;
}

storage::OwnerNames NamesOf(const View& view) {
  storage::OwnerNames names;
  auto users = ContainerFile(view, "/etc/passwd");
  auto groups = ContainerFile(view, "/etc/group");
  names.users = ParseNames(users ? *users : ReadFile("/etc/passwd").value_or(""));
  names.groups = ParseNames(groups ? *groups : ReadFile("/etc/group").value_or(""));
  names.users[::geteuid()] = "root";  // Go's os/user answers the daemon's own uid from Current()
  return names;
}

struct WriteFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

// A libarchive tar writer over a ByteWriter: PAX only where ustar cannot hold a field (Go's FormatPAX),
// xattrs as SCHILY.xattr records, no padding after the two end blocks.
class TarOut {
 public:
  explicit TarOut(storage::ByteWriter& out) : out_(&out), a_(archive_write_new()) {}
  Status Open() {
    archive_write_set_format_pax_restricted(a_.get());
    (void)archive_write_set_format_option(a_.get(), "pax", "xattrheader", "SCHILY");
    archive_write_set_bytes_per_block(a_.get(), 10240);
    archive_write_set_bytes_in_last_block(a_.get(), 1);
    if (archive_write_open(a_.get(), this, nullptr, &TarOut::Cb, nullptr) != ARCHIVE_OK) return Err("open");
    return Ok();
  }
  Status Header(struct archive_entry* e, const std::string& what) {
    if (archive_write_header(a_.get(), e) < ARCHIVE_WARN) return Err("header of " + what);
    return Ok();
  }
  Status Data(const char* p, size_t n, const std::string& what) {
    while (n > 0) {
      la_ssize_t w = archive_write_data(a_.get(), p, n);
      if (w <= 0) return Err("data of " + what);
      p += w;
      n -= static_cast<size_t>(w);
    }
    return Ok();
  }
  Status Close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) return Err("close");
    return Ok();
  }

 private:
  static la_ssize_t Cb(struct archive* a, void* self, const void* buf, size_t n) {
    auto* t = static_cast<TarOut*>(self);
    if (auto st = t->out_->Write(static_cast<const char*>(buf), n); !st) {
      t->error_ = st.error();
      archive_set_error(a, EIO, "%s", st.error().message().c_str());
      return -1;
    }
    return static_cast<la_ssize_t>(n);
  }
  Error Err(const std::string& what) {
    if (error_) return *error_;
    return Error(Errc::kInternal, "tar " + what + ": " + archive_error_string(a_.get()));
  }
  storage::ByteWriter* out_;
  std::unique_ptr<struct archive, WriteFree> a_;
  std::optional<Error> error_;
};

// Walks the resource in the view (mounts included, symlinks never followed) and writes its entries.
class Walker {
 public:
  Walker(const View& view, TarOut& tar) : view_(view), tar_(tar) {
    names_ = NamesOf(view);
  }
  // `name` is the entry name without a directory's trailing slash ("" for the container root).
  Status Entry(const Node& n, const struct stat& st, const std::string& name);

 private:
  Status Children(const Node& dir, const std::string& name);
  Status FileData(int fd, int64_t size, const std::string& name);

  const View& view_;
  TarOut& tar_;
  storage::OwnerNames names_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
  std::string buf_;
};

Status Walker::Entry(const Node& n, const struct stat& st, const std::string& name) {
  if (S_ISSOCK(st.st_mode)) return Ok();  // Go's tar cannot hold sockets; Docker skips them
  std::unique_ptr<struct archive_entry, EntryFree> e(archive_entry_new());
  archive_entry_copy_stat(e.get(), &st);
  archive_entry_unset_atime(e.get());
  archive_entry_unset_ctime(e.get());
  archive_entry_unset_birthtime(e.get());
  archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, 0);  // Docker truncates to seconds
  if (auto u = names_.users.find(st.st_uid); u != names_.users.end()) archive_entry_copy_uname(e.get(), u->second.c_str());
  if (auto g = names_.groups.find(st.st_gid); g != names_.groups.end()) archive_entry_copy_gname(e.get(), g->second.c_str());
  std::string shown = S_ISDIR(st.st_mode) ? name + "/" : name;
  archive_entry_copy_pathname(e.get(), shown.c_str());
  if (!S_ISREG(st.st_mode)) archive_entry_set_size(e.get(), 0);

  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
    auto key = std::make_pair(st.st_dev, st.st_ino);
    if (auto it = links_.find(key); it != links_.end()) {
      archive_entry_copy_hardlink(e.get(), it->second.c_str());
      archive_entry_set_size(e.get(), 0);
      return tar_.Header(e.get(), name);
    }
    links_[key] = name;
  }
  if (S_ISDIR(st.st_mode)) {
    SKIFF_TRY(tar_.Header(e.get(), name));
    return Children(n, name);
  }
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t len = ::readlinkat(n.fd.get(), "", target.data(), target.size());
    if (len < 0) return Error::Sys("readlink " + n.path);
    target.resize(static_cast<size_t>(len));
    archive_entry_copy_symlink(e.get(), target.c_str());
    return tar_.Header(e.get(), name);
  }
  if (S_ISREG(st.st_mode)) {
    UniqueFd fd(Reopen(n.fd.get(), O_RDONLY | O_NOCTTY | O_NONBLOCK));
    if (!fd) return Error::Sys("open " + n.path);
    char cap[256];
    ssize_t cn = ::fgetxattr(fd.get(), kCapability, cap, sizeof cap);
    if (cn > 0) archive_entry_xattr_add_entry(e.get(), kCapability, cap, static_cast<size_t>(cn));
    SKIFF_TRY(tar_.Header(e.get(), name));
    return FileData(fd.get(), st.st_size, name);
  }
  return tar_.Header(e.get(), name);  // devices and fifos: header only
}

// Exactly `size` bytes: a file that grows while it is read is cut at its stat size, one that shrinks is
// padded with zeros (as GNU tar does), so the archive stays well-formed for a running container.
Status Walker::FileData(int fd, int64_t size, const std::string& name) {
  if (buf_.empty()) buf_.resize(1 << 18);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  int64_t left = size;
  while (left > 0) {
    ssize_t r = ::read(fd, buf_.data(), static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(buf_.size()))));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Error::Sys("read " + name);
    }
    if (r == 0) {
      log::Warn("archive: {} shrank by {} bytes while being read; padding with zeros", name, left);
      std::fill(buf_.begin(), buf_.end(), '\0');
      while (left > 0) {
        size_t n = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(buf_.size())));
        SKIFF_TRY(tar_.Data(buf_.data(), n, name));
        left -= static_cast<int64_t>(n);
      }
      break;
    }
    SKIFF_TRY(tar_.Data(buf_.data(), static_cast<size_t>(r), name));
    left -= r;
  }
  return Ok();
}

Status Walker::Children(const Node& dir, const std::string& name) {
  std::set<std::string> names;
  {
    int fd = ::openat(dir.fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      log::Warn("archive: cannot list {}: {}", dir.path, std::strerror(errno));
      return Ok();
    }
    DIR* d = ::fdopendir(fd);
    if (!d) {
      ::close(fd);
      return Error::Sys("opendir " + dir.path);
    }
    while (struct dirent* de = ::readdir(d))
      if (std::strcmp(de->d_name, ".") != 0 && std::strcmp(de->d_name, "..") != 0) names.insert(de->d_name);
    ::closedir(d);
  }
  for (auto& m : view_.MountChildren(dir.path)) names.insert(m);
  for (const auto& child : names) {  // std::set: sorted bytewise, as Go's filepath.Walk
    auto n = view_.Child(dir, child);
    struct stat st;
    if (n.ok() && ::fstat(n->fd.get(), &st) != 0) n = Error::Sys("lstat " + n->path);
    if (!n.ok()) {
      // Vanished meanwhile (a running container), or unreadable: Docker logs and goes on.
      if (n.error().sys_errno() != ENOENT) log::Warn("archive: skipping {}: {}", child, n.error().message());
      continue;
    }
    SKIFF_TRY(Entry(*n, st, name + "/" + child));
  }
  return Ok();
}

}  // namespace

uint32_t GoFileMode(uint32_t m) {
  uint32_t r = m & 0777;
  switch (m & S_IFMT) {
    case S_IFDIR: r |= 1u << 31; break;
    case S_IFLNK: r |= 1u << 27; break;
    case S_IFBLK: r |= 1u << 26; break;
    case S_IFCHR: r |= (1u << 26) | (1u << 21); break;
    case S_IFIFO: r |= 1u << 25; break;
    case S_IFSOCK: r |= 1u << 24; break;
    default: break;
  }
  if (m & S_ISUID) r |= 1u << 23;
  if (m & S_ISGID) r |= 1u << 22;
  if (m & S_ISVTX) r |= 1u << 20;
  return r;
}

std::string GoTimeString(int64_t sec, int64_t nsec) {
  time_t t = static_cast<time_t>(sec);
  struct tm tm;
  localtime_r(&t, &tm);
  char buf[80];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (nsec > 0) {
    char frac[32];
    snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nsec % 1000000000));
    std::string f(frac);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  long off = tm.tm_gmtoff;
  if (off == 0) return out + "Z";
  char z[48];
  snprintf(z, sizeof z, "%c%02ld:%02ld", off < 0 ? '-' : '+', std::labs(off) / 3600, (std::labs(off) % 3600) / 60);
  return out + z;
}

Json PathStat::ToJson() const {
  return Json{{"name", name}, {"size", size}, {"mode", mode}, {"mtime", mtime}, {"linkTarget", link_target}};
}

Result<PathStat> Stat(const ContainerView& v, std::string_view path) {
  View view = SKIFF_TRY(View::Open(v));
  Located l = SKIFF_TRY(Locate(view, path));
  return StatOf(view, l);
}

Result<storage::OwnerNames> ContainerOwners(const ContainerView& v) {
  View view = SKIFF_TRY(View::Open(v));
  return NamesOf(view);
}

Status Archive(const ContainerView& v, std::string_view path, storage::ByteWriter& out, PathStat* stat) {
  View view = SKIFF_TRY(View::Open(v));
  Located l = SKIFF_TRY(Locate(view, path));
  PathStat ps = SKIFF_TRY(StatOf(view, l));
  if (stat) *stat = ps;
  // Entries are renamed to the base name asked for; the root is "/" and its children "/bin", "/etc/...".
  std::string name = l.name == "/" ? "" : l.name;
  TarOut tar(out);
  SKIFF_TRY(tar.Open());
  Walker w(view, tar);
  SKIFF_TRY(w.Entry(l.node, l.st, name));
  return tar.Close();
}

}  // namespace skiff::daemon::fs

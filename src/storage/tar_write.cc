#include "storage/tar_write.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <vector>

#include "base/fd.h"

namespace skiff::storage {
namespace {

struct WriteCtx {
  ByteWriter* out;
  uint64_t bytes = 0;
  std::optional<Error> error;
};

la_ssize_t WriteCb(struct archive* a, void* p, const void* buf, size_t n) {
  auto* c = static_cast<WriteCtx*>(p);
  if (auto st = c->out->Write(static_cast<const char*>(buf), n); !st) {
    c->error = st.error();
    archive_set_error(a, EIO, "%s", st.error().message().c_str());
    return -1;
  }
  c->bytes += n;
  return static_cast<la_ssize_t>(n);
}

struct WriteFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

class TreeWriter {
 public:
  TreeWriter(struct archive* a, WriteCtx& ctx, TreeMode mode, const OwnerNames* names)
      : a_(a), ctx_(ctx), mode_(mode), names_(names) {}
  Status Dir(int dirfd, const std::string& prefix);

 private:
  Status Put(struct archive_entry* e, const std::string& what);
  Status Xattrs(struct archive_entry* e, int fd, const std::string& procpath, bool* opaque);
  struct archive* a_;
  WriteCtx& ctx_;
  TreeMode mode_;
  const OwnerNames* names_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;

 public:
  uint64_t entries = 0;
};

Status TreeWriter::Put(struct archive_entry* e, const std::string& what) {
  if (archive_write_header(a_, e) < ARCHIVE_WARN) {
    if (ctx_.error) return *ctx_.error;
    return Error(Errc::kInternal, "tar header for " + what + ": " + archive_error_string(a_));
  }
  ++entries;
  return Ok();
}

Status TreeWriter::Xattrs(struct archive_entry* e, int fd, const std::string& procpath, bool* opaque) {
  char names[8192];
  ssize_t n = fd >= 0 ? ::flistxattr(fd, names, sizeof names) : ::llistxattr(procpath.c_str(), names, sizeof names);
  if (n <= 0) return Ok();
  for (char* p = names; p < names + n; p += strlen(p) + 1) {
    std::string_view name(p);
    char value[65536];
    ssize_t vn = fd >= 0 ? ::fgetxattr(fd, p, value, sizeof value) : ::lgetxattr(procpath.c_str(), p, value, sizeof value);
    if (vn < 0) continue;
    if (name.starts_with("trusted.overlay.")) {
      if (name == "trusted.overlay.opaque" && vn == 1 && value[0] == 'y' && opaque) *opaque = true;
      continue;
    }
    archive_entry_xattr_add_entry(e, p, value, static_cast<size_t>(vn));
  }
  return Ok();
}

Status TreeWriter::Dir(int dirfd, const std::string& prefix) {
  std::vector<std::string> names;
  {
    DIR* d = ::fdopendir(::dup(dirfd));
    if (!d) return Error::Sys("opendir " + prefix);
    while (struct dirent* de = ::readdir(d)) {
      if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
      names.emplace_back(de->d_name);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    std::string path = prefix.empty() ? name : prefix + "/" + name;
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Error::Sys("stat " + path);
    std::unique_ptr<struct archive_entry, EntryFree> e(archive_entry_new());
    if (mode_ == TreeMode::kOverlayDiff && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
      std::string wh = prefix.empty() ? ".wh." + name : prefix + "/.wh." + name;
      archive_entry_set_pathname(e.get(), wh.c_str());
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_perm(e.get(), 0600);
      archive_entry_set_size(e.get(), 0);
      archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
      SKIFF_TRY(Put(e.get(), path));
      continue;
    }
    if (S_ISSOCK(st.st_mode)) continue;
    archive_entry_copy_stat(e.get(), &st);
    if (names_) {
      if (auto u = names_->users.find(st.st_uid); u != names_->users.end()) archive_entry_copy_uname(e.get(), u->second.c_str());
      if (auto g = names_->groups.find(st.st_gid); g != names_->groups.end()) archive_entry_copy_gname(e.get(), g->second.c_str());
    }
    archive_entry_unset_atime(e.get());
    archive_entry_unset_ctime(e.get());
    archive_entry_unset_birthtime(e.get());
    std::string shown = S_ISDIR(st.st_mode) ? path + "/" : path;
    archive_entry_set_pathname(e.get(), shown.c_str());
    std::string proc = "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
    if (S_ISREG(st.st_mode)) {
      if (st.st_nlink > 1) {
        auto key = std::make_pair(st.st_dev, st.st_ino);
        auto it = links_.find(key);
        if (it != links_.end()) {
          archive_entry_set_hardlink(e.get(), it->second.c_str());
          archive_entry_set_size(e.get(), 0);
          SKIFF_TRY(Put(e.get(), path));
          continue;
        }
        links_[key] = path;
      }
      int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return Error::Sys("open " + path);
      UniqueFd f(fd);
      SKIFF_TRY(Xattrs(e.get(), fd, "", nullptr));
      SKIFF_TRY(Put(e.get(), path));
      static thread_local std::string buf(1 << 18, '\0');
      int64_t left = st.st_size;
      while (left > 0) {
        ssize_t r = ::read(fd, buf.data(), std::min<int64_t>(left, static_cast<int64_t>(buf.size())));
        if (r < 0) {
          if (errno == EINTR) continue;
          return Error::Sys("read " + path);
        }
        if (r == 0) return Error(Errc::kDataLoss, path + ": file shrank while archiving");
        if (archive_write_data(a_, buf.data(), static_cast<size_t>(r)) < 0) {
          if (ctx_.error) return *ctx_.error;
          return Error(Errc::kInternal, "tar data for " + path + ": " + archive_error_string(a_));
        }
        left -= r;
      }
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(dirfd, name.c_str(), target.data(), target.size());
      if (n < 0) return Error::Sys("readlink " + path);
      target.resize(static_cast<size_t>(n));
      archive_entry_set_symlink(e.get(), target.c_str());
      SKIFF_TRY(Put(e.get(), path));
    } else if (S_ISDIR(st.st_mode)) {
      int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return Error::Sys("open " + path);
      UniqueFd d(fd);
      bool opaque = false;
      SKIFF_TRY(Xattrs(e.get(), fd, "", &opaque));
      SKIFF_TRY(Put(e.get(), path));
      if (opaque && mode_ == TreeMode::kOverlayDiff) {
        std::unique_ptr<struct archive_entry, EntryFree> o(archive_entry_new());
        std::string op = path + "/.wh..wh..opq";
        archive_entry_set_pathname(o.get(), op.c_str());
        archive_entry_set_filetype(o.get(), AE_IFREG);
        archive_entry_set_perm(o.get(), 0600);
        archive_entry_set_size(o.get(), 0);
        archive_entry_set_mtime(o.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        SKIFF_TRY(Put(o.get(), op));
      }
      SKIFF_TRY(Dir(fd, path));
    } else {
      SKIFF_TRY(Xattrs(e.get(), -1, proc, nullptr));
      archive_entry_set_size(e.get(), 0);
      SKIFF_TRY(Put(e.get(), path));
    }
  }
  return Ok();
}

}  // namespace

Result<WriteTreeResult> WriteTree(const std::string& dir, TreeMode mode, ByteWriter& out, const OwnerNames* names) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::Sys("open " + dir);
  UniqueFd root(fd);
  std::unique_ptr<struct archive, WriteFree> a(archive_write_new());
  archive_write_set_format_pax_restricted(a.get());
  archive_write_set_bytes_per_block(a.get(), 10240);
  archive_write_set_bytes_in_last_block(a.get(), 1);
  WriteCtx ctx{&out};
  if (archive_write_open(a.get(), &ctx, nullptr, WriteCb, nullptr) != ARCHIVE_OK)
    return Error(Errc::kInternal, std::string("tar writer: ") + archive_error_string(a.get()));
  TreeWriter w(a.get(), ctx, mode, names);
  SKIFF_TRY_CTX(w.Dir(root.get(), ""), dir);
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    if (ctx.error) return *ctx.error;
    return Error(Errc::kInternal, std::string("tar writer: ") + archive_error_string(a.get()));
  }
  return WriteTreeResult{w.entries, ctx.bytes};
}

}  // namespace skiff::storage

// Test helpers for daemon/fs: tar streams built and listed in memory (libarchive), byte sinks, and small
// file-tree builders over a TempDir.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "base/file.h"
#include "storage/stream.h"

namespace skiff::fstest {

struct TarIn {
  std::string path;
  char type = 'f';   // f file, d dir, l symlink, h hardlink, p fifo
  std::string data;  // file content, or link target
  int mode = 0644;
  long mtime = 1000000000;
  long uid = -1, gid = -1;  // -1: the test's own ids (so non-root tests can chown)
  std::map<std::string, std::string> xattrs;
};

inline std::string Tar(const std::vector<TarIn>& entries, bool gzip = false) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (gzip) archive_write_add_filter_gzip(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* p, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(p)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& e : entries) {
    struct archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.path.c_str());
    archive_entry_set_mtime(ae, e.mtime, 0);
    archive_entry_set_perm(ae, e.mode);
    archive_entry_set_uid(ae, e.uid >= 0 ? e.uid : ::getuid());
    archive_entry_set_gid(ae, e.gid >= 0 ? e.gid : ::getgid());
    for (const auto& [k, v] : e.xattrs) archive_entry_xattr_add_entry(ae, k.c_str(), v.data(), v.size());
    switch (e.type) {
      case 'd': archive_entry_set_filetype(ae, AE_IFDIR); break;
      case 'l': archive_entry_set_filetype(ae, AE_IFLNK); archive_entry_set_symlink(ae, e.data.c_str()); break;
      case 'h': archive_entry_set_filetype(ae, AE_IFREG); archive_entry_set_hardlink(ae, e.data.c_str()); break;
      case 'p': archive_entry_set_filetype(ae, AE_IFIFO); break;
      default:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_size(ae, static_cast<la_int64_t>(e.data.size()));
    }
    archive_write_header(a, ae);
    if (e.type == 'f' && !e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(ae);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

struct TarOutEntry {
  std::string name;
  char type = '?';  // f d l h c b p
  int mode = 0;     // permission bits (07777)
  long uid = 0, gid = 0;
  std::string uname, gname;
  long mtime = 0, mtime_nsec = 0;
  long long size = 0;
  std::string link;  // symlink or hardlink target
  std::string data;
  std::map<std::string, std::string> xattrs;
};

inline std::vector<TarOutEntry> ListTar(const std::string& tar) {
  std::vector<TarOutEntry> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  if (archive_read_open_memory(a, tar.data(), tar.size()) != ARCHIVE_OK) {
    archive_read_free(a);
    return out;
  }
  struct archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    TarOutEntry t;
    t.name = archive_entry_pathname(e);
    if (const char* h = archive_entry_hardlink(e)) {
      t.type = 'h';
      t.link = h;
    } else {
      switch (archive_entry_filetype(e)) {
        case AE_IFDIR: t.type = 'd'; break;
        case AE_IFLNK: t.type = 'l'; t.link = archive_entry_symlink(e); break;
        case AE_IFCHR: t.type = 'c'; break;
        case AE_IFBLK: t.type = 'b'; break;
        case AE_IFIFO: t.type = 'p'; break;
        default: t.type = 'f';
      }
    }
    t.mode = archive_entry_perm(e) & 07777;
    t.uid = archive_entry_uid(e);
    t.gid = archive_entry_gid(e);
    t.uname = archive_entry_uname(e) ? archive_entry_uname(e) : "";
    t.gname = archive_entry_gname(e) ? archive_entry_gname(e) : "";
    t.mtime = archive_entry_mtime(e);
    t.mtime_nsec = archive_entry_mtime_nsec(e);
    t.size = archive_entry_size(e);
    archive_entry_xattr_reset(e);
    const char* xn;
    const void* xv;
    size_t xs;
    while (archive_entry_xattr_next(e, &xn, &xv, &xs) == ARCHIVE_OK)
      t.xattrs[xn] = std::string(static_cast<const char*>(xv), xs);
    char buf[8192];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) t.data.append(buf, static_cast<size_t>(n));
    out.push_back(std::move(t));
  }
  archive_read_free(a);
  return out;
}

inline std::vector<std::string> Names(const std::vector<TarOutEntry>& es) {
  std::vector<std::string> out;
  for (const auto& e : es) out.push_back(e.name);
  return out;
}

struct StrWriter : storage::ByteWriter {
  std::string s;
  Status Write(const char* d, size_t n) override {
    s.append(d, n);
    return Ok();
  }
};

inline void Put(const std::string& path, const std::string& data, mode_t mode = 0644) {
  (void)MkdirAll(Dirname(path));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd >= 0) {
    (void)WriteAll(fd, data);
    ::fchmod(fd, mode);
    ::close(fd);
  }
}
inline void Link(const std::string& target, const std::string& path) {
  (void)MkdirAll(Dirname(path));
  (void)::symlink(target.c_str(), path.c_str());
}
inline std::string Slurp(const std::string& path) { return ReadFile(path).value_or("<missing>"); }
inline bool IsLink(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}
inline bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace skiff::fstest

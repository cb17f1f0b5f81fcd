// Test helper: builds tar streams in memory with libarchive (optionally gzip/zstd compressed).
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <string>
#include <vector>

namespace skiff::testing {

struct TarEntry {
  std::string path;
  char type = 'f';  // f file, d dir, l symlink, h hardlink, c chardev
  std::string data;  // file content, or link target
  int mode = 0644;
  long mtime = 1000000000;
  std::vector<std::pair<std::string, std::string>> xattrs;
  long long declared_size = -1;  // lie about the size (file entries)
};

inline std::string BuildTar(const std::vector<TarEntry>& entries, const char* filter = nullptr) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (filter && std::string(filter) == "gzip") archive_write_add_filter_gzip(a);
  if (filter && std::string(filter) == "zstd") archive_write_add_filter_zstd(a);
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
    for (const auto& [k, v] : e.xattrs) archive_entry_xattr_add_entry(ae, k.c_str(), v.data(), v.size());
    switch (e.type) {
      case 'd': archive_entry_set_filetype(ae, AE_IFDIR); break;
      case 'l': archive_entry_set_filetype(ae, AE_IFLNK); archive_entry_set_symlink(ae, e.data.c_str()); break;
      case 'h': archive_entry_set_filetype(ae, AE_IFREG); archive_entry_set_hardlink(ae, e.data.c_str()); break;
      case 'c': archive_entry_set_filetype(ae, AE_IFCHR); archive_entry_set_rdev(ae, 0x0103); break;
      default:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_size(ae, e.declared_size >= 0 ? e.declared_size : static_cast<long long>(e.data.size()));
    }
    archive_write_header(a, ae);
    if (e.type == 'f' && !e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(ae);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

}  // namespace skiff::testing

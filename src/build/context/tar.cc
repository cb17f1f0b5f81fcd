// The context as a tar stream (libarchive, PAX), entry by entry as docker's CLI archives it.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <ctime>
#include <map>
#include <memory>
#include <optional>

#include "base/fd.h"
#include "base/file.h"
#include "build/context/context.h"

namespace skiff::build::context {

namespace {

struct Sink {
  const std::function<Status(const char*, size_t)>* out;
  std::optional<Error> error;
};

la_ssize_t WriteCb(struct archive*, void* client, const void* buf, size_t n) {
  auto* s = static_cast<Sink*>(client);
  Status st = (*s->out)(static_cast<const char*>(buf), n);
  if (!st.ok()) {
    s->error = st.error();
    return -1;
  }
  return static_cast<la_ssize_t>(n);
}

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;
using EntryPtr = std::unique_ptr<archive_entry, EntryDeleter>;

class TarWriter {
 public:
  explicit TarWriter(const std::function<Status(const char*, size_t)>& out) : sink_{&out, std::nullopt} {}

  Status Open() {
    a_.reset(archive_write_new());
    if (!a_) return Error(Errc::kInternal, "tar: archive_write_new failed");
    archive_write_set_format_pax_restricted(a_.get());
    archive_write_set_bytes_per_block(a_.get(), 64 * 1024);
    archive_write_set_bytes_in_last_block(a_.get(), 1);
    if (archive_write_open(a_.get(), &sink_, nullptr, WriteCb, nullptr) != ARCHIVE_OK) return Fail("open");
    return Ok();
  }

  // Writes the header of `e`; the data follows through Data().
  Status Header(archive_entry* e) {
    if (archive_write_header(a_.get(), e) < ARCHIVE_WARN) return Fail(archive_entry_pathname(e));
    return Ok();
  }
  Status Data(const char* p, size_t n, const std::string& what) {
    while (n > 0) {
      la_ssize_t w = archive_write_data(a_.get(), p, n);
      if (w < 0) return Fail(what);
      p += w;
      n -= static_cast<size_t>(w);
    }
    return Ok();
  }
  Status Close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) return Fail("close");
    return Ok();
  }

 private:
  Status Fail(std::string_view what) {
    if (sink_.error) return *sink_.error;
    return Error(Errc::kInternal, fmt::format("tar: {}: {}", what, archive_error_string(a_.get())));
  }
  Sink sink_;
  ArchivePtr a_;
};

EntryPtr RegularEntry(const std::string& name, size_t size, time_t mtime, mode_t mode) {
  EntryPtr e(archive_entry_new());
  archive_entry_set_pathname(e.get(), name.c_str());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), mode);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
  archive_entry_set_mtime(e.get(), mtime, 0);
  return e;
}

}  // namespace

Status WriteTar(const std::string& dir, const IgnoreMatcher& ignore, const std::vector<std::string>& always,
                const std::function<Status(const char* data, size_t n)>& out, const std::string& extra_name,
                const std::string& extra_content) {
  TarWriter tw(out);
  SKIFF_TRY(tw.Open());
  std::map<std::pair<dev_t, ino_t>, std::string> first_link;  // hard links: inode -> first name
  std::string buf(256 * 1024, '\0');

  SKIFF_TRY(Walk(dir, ignore, always, [&](const Entry& en) -> Status {
    const struct stat& st = en.st;
    if (S_ISSOCK(st.st_mode)) return Ok();
    std::string full = JoinPath(dir, en.rel);
    EntryPtr e(archive_entry_new());
    archive_entry_set_pathname(e.get(), S_ISDIR(st.st_mode) ? (en.rel + "/").c_str() : en.rel.c_str());
    archive_entry_set_perm(e.get(), st.st_mode & 07777);  // owner: 0:0, as docker's CLI sends it
    archive_entry_set_mtime(e.get(), st.st_mtime, 0);  // Docker truncates to seconds
    char cap[256];
    ssize_t caplen = ::lgetxattr(full.c_str(), "security.capability", cap, sizeof cap);
    if (caplen > 0) archive_entry_xattr_add_entry(e.get(), "security.capability", cap, static_cast<size_t>(caplen));

    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
      auto [it, inserted] = first_link.try_emplace({st.st_dev, st.st_ino}, en.rel);
      if (!inserted) {
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_hardlink(e.get(), it->second.c_str());
        archive_entry_set_size(e.get(), 0);
        return tw.Header(e.get());
      }
    }
    if (S_ISDIR(st.st_mode)) {
      archive_entry_set_filetype(e.get(), AE_IFDIR);
    } else if (S_ISLNK(st.st_mode)) {
      archive_entry_set_filetype(e.get(), AE_IFLNK);
      archive_entry_set_symlink(e.get(), en.link.c_str());
    } else if (S_ISFIFO(st.st_mode)) {
      archive_entry_set_filetype(e.get(), AE_IFIFO);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      archive_entry_set_filetype(e.get(), S_ISCHR(st.st_mode) ? AE_IFCHR : AE_IFBLK);
      archive_entry_set_rdev(e.get(), st.st_rdev);
    } else if (S_ISREG(st.st_mode)) {
      UniqueFd fd(::openat(en.parent_fd, en.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd) {
        if (errno == EACCES || errno == EPERM) {
          return Error(Errc::kPermissionDenied, fmt::format("no permission to read from '{}'", full), errno);
        }
        return Error::Sys(fmt::format("open {}", full));
      }
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_size(e.get(), st.st_size);
      SKIFF_TRY(tw.Header(e.get()));
      off_t left = st.st_size;
      while (left > 0) {
        ssize_t n = ::read(fd.get(), buf.data(), std::min<off_t>(left, static_cast<off_t>(buf.size())));
        if (n < 0) {
          if (errno == EINTR) continue;
          return Error::Sys(fmt::format("read {}", full));
        }
        if (n == 0) break;  // shrank while read: libarchive pads the entry
        SKIFF_TRY(tw.Data(buf.data(), static_cast<size_t>(n), en.rel));
        left -= n;
      }
      return Ok();
    }
    return tw.Header(e.get());
  }));

  if (!extra_name.empty()) {  // docker's CLI: mode 0600, owner 0:0, mtime now
    EntryPtr e = RegularEntry(extra_name, extra_content.size(), ::time(nullptr), 0600);
    SKIFF_TRY(tw.Header(e.get()));
    SKIFF_TRY(tw.Data(extra_content.data(), extra_content.size(), extra_name));
  }
  return tw.Close();
}

}  // namespace skiff::build::context

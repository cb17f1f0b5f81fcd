#include "cli/cp_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "base/file.h"

namespace skiff::cli {
namespace {

struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using WritePtr = std::unique_ptr<archive, ArchiveWriteDeleter>;
using ReadPtr = std::unique_ptr<archive, ArchiveReadDeleter>;
using EntryPtr = std::unique_ptr<archive_entry, EntryDeleter>;

Error ArchiveError(archive* a, std::string_view what) {
  const char* msg = archive_error_string(a);
  return Error(Errc::kInternal, fmt::format("{}: {}", what, msg ? msg : "archive error"));
}

Status AddPath(archive* a, const std::string& path, const std::string& name) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return Error::Sys("lstat " + path);
  EntryPtr e(archive_entry_new());
  archive_entry_copy_stat(e.get(), &st);
  bool dir = S_ISDIR(st.st_mode);
  if (name != ".") archive_entry_set_pathname(e.get(), (dir ? name + "/" : name).c_str());
  if (S_ISLNK(st.st_mode)) {
    std::string target(4096, '\0');
    ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) return Error::Sys("readlink " + path);
    target.resize(static_cast<size_t>(n));
    archive_entry_set_symlink(e.get(), target.c_str());
    archive_entry_set_size(e.get(), 0);
  } else if (!S_ISREG(st.st_mode)) {
    archive_entry_set_size(e.get(), 0);
  }
  if (name != ".") {
    if (archive_write_header(a, e.get()) != ARCHIVE_OK) return ArchiveError(a, "tar " + path);
  }
  if (S_ISREG(st.st_mode)) {
    UniqueFd fd = SKIFF_TRY(OpenFile(path, O_RDONLY | O_CLOEXEC));
    char buf[64 * 1024];
    while (true) {
      ssize_t n = ::read(fd.get(), buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Error::Sys("read " + path);
      if (n == 0) break;
      if (archive_write_data(a, buf, static_cast<size_t>(n)) < 0) return ArchiveError(a, "tar " + path);
    }
  }
  if (dir) {
    std::vector<std::string> children = ListDir(path);
    std::sort(children.begin(), children.end());
    for (const auto& c : children) {
      SKIFF_TRY(AddPath(a, JoinPath(path, c), name == "." ? c : name + "/" + c));
    }
  }
  return Ok();
}

std::string Rebase(const std::string& name, const std::string& from, const std::string& to) {
  if (from.empty()) return name;
  std::string n = name;
  if (n.rfind("./", 0) == 0 && from != ".") n = n.substr(2);
  if (n == from || n == from + "/") return to + n.substr(from.size());
  if (n.rfind(from + "/", 0) == 0) return to + n.substr(from.size());
  return name;
}

}  // namespace

std::pair<std::string, std::string> SplitPathDirEntry(const std::string& path) {
  std::string cleaned = CleanPath(path);
  bool current_dir = path == "." || (path.size() >= 2 && path.substr(path.size() - 2) == "/.");
  if (current_dir && cleaned != ".") cleaned += "/.";
  auto slash = cleaned.rfind('/');
  if (slash == std::string::npos) return {".", cleaned};
  std::string dir = slash == 0 ? "/" : cleaned.substr(0, slash);
  return {dir, cleaned.substr(slash + 1)};
}

Result<std::unique_ptr<TarProducer>> TarProducer::Start(const std::string& path, const std::string& root_name) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::Sys("pipe");
  std::unique_ptr<TarProducer> p(new TarProducer());
  p->read_ = UniqueFd(fds[0]);
  auto* self = p.get();
  int wfd = fds[1];
  p->thread_ = std::thread([self, wfd, path, root_name] {
    UniqueFd w(wfd);
    WritePtr a(archive_write_new());
    archive_write_set_format_pax_restricted(a.get());
    if (archive_write_open_fd(a.get(), w.get()) != ARCHIVE_OK) {
      self->result_ = ArchiveError(a.get(), "tar");
      return;
    }
    Status st = AddPath(a.get(), path, root_name);
    if (archive_write_close(a.get()) != ARCHIVE_OK && st.ok()) st = ArchiveError(a.get(), "tar");
    self->result_ = st;
  });
  return p;
}

TarProducer::~TarProducer() {
  read_.reset();  // a blocked writer gets EPIPE and stops
  if (thread_.joinable()) thread_.join();
}

Status TarProducer::Finish() {
  if (thread_.joinable()) thread_.join();
  return result_;
}

Status ExtractTar(const ByteSource& src, const std::string& dst_dir, const std::string& from_base,
                  const std::string& to_base) {
  struct Ctx {
    const ByteSource* src;
    std::string buf;
    Error err{Errc::kInternal, ""};
    bool failed = false;
  } ctx{&src, std::string(64 * 1024, '\0')};
  ReadPtr r(archive_read_new());
  archive_read_support_format_tar(r.get());
  archive_read_support_format_gnutar(r.get());
  archive_read_support_filter_all(r.get());
  auto reader = [](archive*, void* data, const void** out) -> la_ssize_t {
    auto* c = static_cast<Ctx*>(data);
    auto n = (*c->src)(c->buf.data(), c->buf.size());
    if (!n.ok()) {
      c->err = n.error();
      c->failed = true;
      return -1;
    }
    *out = c->buf.data();
    return static_cast<la_ssize_t>(*n);
  };
  if (archive_read_open(r.get(), &ctx, nullptr, reader, nullptr) != ARCHIVE_OK) {
    if (ctx.failed) return ctx.err;
    return ArchiveError(r.get(), "untar");
  }
  // Entries are written relative to dst_dir (the working directory meanwhile) so libarchive's checks
  // against ".." and symlinked components apply to the archive's names only.
  UniqueFd old_cwd(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!old_cwd) return Error::Sys("open current directory");
  if (::chdir(dst_dir.c_str()) != 0) return Error::Sys("chdir " + dst_dir);
  struct Restore {
    int fd;
    ~Restore() { (void)!::fchdir(fd); }
  } restore{old_cwd.get()};
  WritePtr w(archive_write_disk_new());
  archive_write_disk_set_options(w.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                              ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  archive_write_disk_set_standard_lookup(w.get());
  while (true) {
    archive_entry* e = nullptr;
    int rc = archive_read_next_header(r.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      if (ctx.failed) return ctx.err;
      return ArchiveError(r.get(), "untar");
    }
    std::string name = Rebase(archive_entry_pathname(e), from_base, to_base);
    archive_entry_set_pathname(e, name.c_str());
    if (const char* hl = archive_entry_hardlink(e)) {
      archive_entry_set_hardlink(e, Rebase(hl, from_base, to_base).c_str());
    }
    if (archive_write_header(w.get(), e) != ARCHIVE_OK) return ArchiveError(w.get(), "untar " + name);
    const void* block;
    size_t size;
    la_int64_t offset;
    while ((rc = archive_read_data_block(r.get(), &block, &size, &offset)) == ARCHIVE_OK) {
      if (archive_write_data_block(w.get(), block, size, offset) != ARCHIVE_OK) {
        return ArchiveError(w.get(), "untar " + name);
      }
    }
    if (rc != ARCHIVE_EOF) {
      if (ctx.failed) return ctx.err;
      return ArchiveError(r.get(), "untar " + name);
    }
    if (archive_write_finish_entry(w.get()) != ARCHIVE_OK) return ArchiveError(w.get(), "untar " + name);
  }
  if (archive_write_close(w.get()) != ARCHIVE_OK) return ArchiveError(w.get(), "untar");
  return Ok();
}

}  // namespace skiff::cli

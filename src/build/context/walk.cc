// Walking a context directory: one open fd per directory level, entries sorted by name (Go's
// filepath.Walk order), the ignore rules applied as docker's archive walk applies them.
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "base/fd.h"
#include "base/file.h"
#include "build/context/context.h"

namespace skiff::build::context {

namespace {

Result<std::vector<std::string>> ReadNames(int dfd) {
  int dup = ::fcntl(dfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return Error::Sys("dup");
  DIR* d = ::fdopendir(dup);
  if (d == nullptr) {
    ::close(dup);
    return Error::Sys("fdopendir");
  }
  ::rewinddir(d);
  std::vector<std::string> names;
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return Error::FromErrno(err, "readdir");
  std::sort(names.begin(), names.end());
  return names;
}

// Docker's wording (ValidateContextDirectory), with the errno's code.
Error CantStat(int err, const std::string& path) {
  return Error(Error::FromErrno(err, "").code(), fmt::format("can't stat '{}'", path), err);
}

struct Walker {
  const IgnoreMatcher& ignore;
  const std::function<Status(const Entry&)>& visit;
  std::string root;

  Status Dir(int dfd, const std::string& prefix) {
    auto names = ReadNames(dfd);
    if (!names.ok()) {
      return CantStat(names.error().sys_errno(), prefix.empty() ? root : JoinPath(root, prefix));
    }
    for (const std::string& name : *names) {
      Entry e;
      e.rel = prefix.empty() ? name : prefix + "/" + name;
      e.name = name;
      e.parent_fd = dfd;
      if (::fstatat(dfd, name.c_str(), &e.st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;  // removed while walking
        return CantStat(errno, JoinPath(root, e.rel));
      }
      bool is_dir = S_ISDIR(e.st.st_mode);
      if (ignore.Excluded(e.rel)) {
        if (!is_dir || !ignore.MayReinclude(e.rel)) continue;
      } else {
        if (S_ISLNK(e.st.st_mode)) {
          std::string buf(e.st.st_size > 0 ? e.st.st_size + 1 : 256, '\0');
          for (;;) {
            ssize_t n = ::readlinkat(dfd, name.c_str(), buf.data(), buf.size());
            if (n < 0) return Error::Sys(fmt::format("readlink {}", JoinPath(root, e.rel)));
            if (static_cast<size_t>(n) < buf.size()) {
              buf.resize(n);
              break;
            }
            buf.resize(buf.size() * 2);
          }
          e.link = std::move(buf);
        }
        SKIFF_TRY(visit(e));
      }
      if (is_dir) {
        UniqueFd sub(::openat(dfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub) {
          if (errno == ENOENT) continue;
          return CantStat(errno, JoinPath(root, e.rel));
        }
        SKIFF_TRY(Dir(sub.get(), e.rel));
      }
    }
    return Ok();
  }
};

}  // namespace

Status Walk(const std::string& dir, const IgnoreMatcher& ignore, const std::vector<std::string>& always,
            const std::function<Status(const Entry&)>& visit) {
  UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::Sys(fmt::format("open build context {}", dir));
  IgnoreMatcher m = always.empty() ? ignore : ignore.WithExceptions(always);
  Walker w{m, visit, dir};
  return w.Dir(root.get(), "");
}

}  // namespace skiff::build::context

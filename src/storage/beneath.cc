#include "storage/beneath.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace skiff::storage {
namespace {

int OpenAt2(int dirfd, const char* path, uint64_t flags) {
  struct open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  for (;;) {
    long r = ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (r >= 0 || errno != EAGAIN) return static_cast<int>(r);
  }
}

}  // namespace

Result<std::string> CleanEntryPath(std::string_view name) {
  if (name.empty()) return Error(Errc::kInvalidArgument, "empty path");
  if (name.front() == '/') return Error(Errc::kInvalidArgument, "absolute path not allowed");
  std::string out;
  size_t i = 0;
  while (i <= name.size()) {
    size_t j = name.find('/', i);
    if (j == std::string_view::npos) j = name.size();
    std::string_view comp = name.substr(i, j - i);
    if (comp == "..") return Error(Errc::kInvalidArgument, "path contains \"..\"");
    if (!comp.empty() && comp != ".") {
      if (!out.empty()) out += '/';
      out += comp;
    }
    i = j + 1;
  }
  return out;
}

Result<UniqueFd> OpenDirBeneath(int rootfd, const std::string& rel, bool create, bool readable) {
  uint64_t flags = O_DIRECTORY | (readable ? O_RDONLY : O_PATH);
  const char* p = rel.empty() ? "." : rel.c_str();
  int fd = OpenAt2(rootfd, p, flags);
  if (fd >= 0) return UniqueFd(fd);
  if (errno == EXDEV) return Error(Errc::kPermissionDenied, "\"" + rel + "\" resolves outside the root", EXDEV);
  if (errno != ENOENT || !create) return Error::Sys("open directory \"" + rel + "\"");
  // Create the missing components one by one, each resolved from the root again.
  size_t pos = 0;
  for (;;) {
    size_t slash = rel.find('/', pos);
    std::string prefix = rel.substr(0, slash);
    int dfd = OpenAt2(rootfd, prefix.c_str(), O_DIRECTORY | O_PATH);
    if (dfd < 0) {
      if (errno == EXDEV)
        return Error(Errc::kPermissionDenied, "\"" + prefix + "\" resolves outside the root", EXDEV);
      if (errno != ENOENT) return Error::Sys("open directory \"" + prefix + "\"");
      std::string parent = prefix.rfind('/') == std::string::npos ? "" : prefix.substr(0, prefix.rfind('/'));
      std::string base = prefix.substr(prefix.rfind('/') == std::string::npos ? 0 : prefix.rfind('/') + 1);
      int pfd = OpenAt2(rootfd, parent.empty() ? "." : parent.c_str(), O_DIRECTORY | O_PATH);
      if (pfd < 0) return Error::Sys("open directory \"" + parent + "\"");
      UniqueFd pg(pfd);
      if (::mkdirat(pfd, base.c_str(), 0755) != 0 && errno != EEXIST) return Error::Sys("mkdir \"" + prefix + "\"");
    } else {
      ::close(dfd);
    }
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  fd = OpenAt2(rootfd, p, flags);
  if (fd < 0) return Error::Sys("open directory \"" + rel + "\"");
  return UniqueFd(fd);
}

Status RemoveAllAt(int dirfd, const std::string& name) {
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Ok();
    return Error::Sys("stat " + name);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) return Error::Sys("unlink " + name);
    return Ok();
  }
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Error::Sys("open " + name);
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return Error::Sys("opendir " + name);
  }
  Status result;
  while (struct dirent* e = ::readdir(d)) {
    if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
    if (auto s = RemoveAllAt(::dirfd(d), e->d_name); !s) {
      result = std::move(s).error().Wrap(name);
      break;
    }
  }
  ::closedir(d);
  if (!result) return result;
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) return Error::Sys("rmdir " + name);
  return Ok();
}

}  // namespace skiff::storage

#include "base/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace skiff {

Result<UniqueFd> OpenFile(const std::string& path, int flags, mode_t mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return Error::Sys("open " + path);
  return UniqueFd(fd);
}

Result<std::string> ReadFd(int fd) {
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Sys("read");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<std::string> ReadFile(const std::string& path) {
  UniqueFd fd = SKIFF_TRY(OpenFile(path, O_RDONLY));
  return SKIFF_TRY_CTX(ReadFd(fd.get()), path);
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Sys("write");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

Result<std::string> ReadExactly(int fd, size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, out.data() + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Error::Sys("read");
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode, bool sync) {
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Error::Sys("create temp file for " + path);
  UniqueFd guard(fd);
  auto fail = [&](std::string_view what) {
    Error e = Error::Sys(std::string(what) + " " + tmp);
    ::unlink(tmp.c_str());
    return e;
  };
  if (auto st = WriteAll(fd, data); !st) {
    ::unlink(tmp.c_str());
    return std::move(st).error().Wrap(path);
  }
  if (::fchmod(fd, mode) != 0) return fail("chmod");
  if (sync && ::fsync(fd) != 0) return fail("fsync");
  guard.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename");
  return Ok();
}

Status WriteFileString(const std::string& path, std::string_view data) {
  UniqueFd fd = SKIFF_TRY(OpenFile(path, O_WRONLY | O_TRUNC));
  // Kernel knobs want one write(2) with the whole value.
  ssize_t n = ::write(fd.get(), data.data(), data.size());
  if (n < 0) return Error::Sys("write " + path);
  return Ok();
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status MkdirAll(const std::string& path, mode_t mode) {
  if (path.empty()) return Ok();
  if (IsDirectory(path)) return Ok();
  std::string parent = Dirname(path);
  if (parent != path) SKIFF_TRY(MkdirAll(parent, mode));
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return Error::Sys("mkdir " + path);
  return Ok();
}

namespace {
Status RemoveAllAt(int dirfd, const char* name, dev_t dev, const std::string& shown) {
  struct stat st;
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Ok();
    return Error::Sys("stat " + shown);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, name, 0) != 0 && errno != ENOENT) return Error::Sys("unlink " + shown);
    return Ok();
  }
  if (st.st_dev != dev) return Error(Errc::kConflict, shown + ": is a mount point, not removing");
  int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Error::Sys("open " + shown);
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return Error::Sys("opendir " + shown);
  }
  Status result;
  while (struct dirent* e = ::readdir(d)) {
    if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
    if (auto st2 = RemoveAllAt(::dirfd(d), e->d_name, dev, shown + "/" + e->d_name); !st2) {
      result = std::move(st2);
      break;
    }
  }
  ::closedir(d);
  if (!result) return result;
  if (::unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) return Error::Sys("rmdir " + shown);
  return Ok();
}
}  // namespace

Status RemoveAll(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Ok();
    return Error::Sys("stat " + path);
  }
  return RemoveAllAt(AT_FDCWD, path.c_str(), st.st_dev, path);
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = ::opendir(path.c_str());
  if (!d) return out;
  while (struct dirent* e = ::readdir(d)) {
    if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
    out.emplace_back(e->d_name);
  }
  ::closedir(d);
  return out;
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (out != "/") out += '/';
  out += b;
  return out;
}

std::string CleanPath(std::string_view path) {
  bool abs = !path.empty() && path[0] == '/';
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part.empty() || part == ".") {
    } else if (part == "..") {
      if (!out.empty() && out.back() != "..") out.pop_back();
      else if (!abs) out.push_back(part);
    } else {
      out.push_back(part);
    }
    i = j + 1;
  }
  std::string s = abs ? "/" : "";
  for (size_t k = 0; k < out.size(); ++k) {
    if (k) s += '/';
    s += out[k];
  }
  return s.empty() ? "." : s;
}

std::string Dirname(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto pos = path.rfind('/');
  if (pos == std::string_view::npos) return ".";
  if (pos == 0) return "/";
  return std::string(path.substr(0, pos));
}

std::string Basename(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto pos = path.rfind('/');
  if (pos == std::string_view::npos) return std::string(path);
  return std::string(path.substr(pos + 1));
}

Result<TempDir> TempDir::Create(const std::string& parent, std::string_view prefix) {
  std::string tmpl = JoinPath(parent, std::string(prefix) + "XXXXXX");
  if (!::mkdtemp(tmpl.data())) return Error::Sys("mkdtemp " + tmpl);
  return TempDir(std::move(tmpl));
}

TempDir::~TempDir() {
  if (!path_.empty()) (void)RemoveAll(path_);
}

}  // namespace skiff

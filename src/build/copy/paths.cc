#include "build/copy/paths.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

namespace skiff::build::copy {

std::vector<std::string> SplitRel(std::string_view p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (j > i) out.emplace_back(p.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string ParentRel(const std::string& rel) {
  size_t s = rel.rfind('/');
  return s == std::string::npos ? std::string() : rel.substr(0, s);
}

std::string BaseRel(const std::string& rel) {
  size_t s = rel.rfind('/');
  return s == std::string::npos ? rel : rel.substr(s + 1);
}

int OpenBeneath(int dirfd, const std::string& rel, int flags, mode_t mode) {
  struct open_how how{};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  const char* p = rel.empty() ? "." : rel.c_str();
  for (;;) {
    long r = ::syscall(SYS_openat2, dirfd, p, &how, sizeof how);
    if (r >= 0 || errno != EAGAIN) return static_cast<int>(r);
  }
}

std::string CleanRel(std::string_view path) {
  std::vector<std::string> out;
  size_t ups = 0;
  for (auto& c : SplitRel(path)) {
    if (c == ".") continue;
    if (c == "..") {
      if (!out.empty()) out.pop_back();
      else ++ups;
      continue;
    }
    out.push_back(c);
  }
  std::string s;
  for (size_t i = 0; i < ups; ++i) s += s.empty() ? ".." : "/..";
  for (auto& c : out) {
    if (!s.empty()) s += '/';
    s += c;
  }
  return s.empty() ? "." : s;
}

std::string JoinRel(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string s(a);
  s += '/';
  s += b;
  return s;
}

Error GoSys(std::string_view context, int err) {
  Error e = Error::FromErrno(err, "");
  return Error(e.code(), std::string(context) + ": " + GoErrnoText(err), err);
}

bool LstatAt(int dirfd, const std::string& rel, struct stat* st) {
  return ::fstatat(dirfd, rel.empty() ? "." : rel.c_str(), st, AT_SYMLINK_NOFOLLOW | (rel.empty() ? AT_EMPTY_PATH : 0)) ==
         0;
}

Result<std::string> FollowInScope(int rootfd, std::string_view path, const context::IgnoreMatcher* ignore) {
  std::vector<std::string> todo = SplitRel(path);
  std::reverse(todo.begin(), todo.end());
  std::string resolved;
  bool missing = false;  // from here on, nothing exists: the rest is lexical
  UniqueFd cur;          // O_PATH of `resolved` while it exists
  auto reopen = [&]() -> Status {
    int fd = OpenBeneath(rootfd, resolved, O_PATH | O_DIRECTORY);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        missing = true;
        return Ok();
      }
      return Error::Sys("resolve \"/" + resolved + "\"");
    }
    cur.reset(fd);
    return Ok();
  };
  SKIFF_TRY(reopen());
  int links = 0;
  while (!todo.empty()) {
    std::string comp = std::move(todo.back());
    todo.pop_back();
    if (comp == ".") continue;
    if (comp == "..") {
      resolved = ParentRel(resolved);
      missing = false;
      SKIFF_TRY(reopen());
      continue;
    }
    std::string next = JoinRel(resolved, comp);
    if (missing) {
      resolved = std::move(next);
      continue;
    }
    if (ignore && ignore->Excluded(next)) {
      struct stat st;
      bool is_dir = ::fstatat(cur.get(), comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
      if (!(is_dir && ignore->MayReinclude(next))) {
        missing = true;
        resolved = std::move(next);
        continue;
      }
    }
    char buf[4097];
    ssize_t n = ::readlinkat(cur.get(), comp.c_str(), buf, sizeof buf - 1);
    if (n >= 0) {
      if (++links > 255) return Error(Errc::kInvalidArgument, "resolve \"" + std::string(path) + "\": too many links", ELOOP);
      std::string target(buf, static_cast<size_t>(n));
      std::vector<std::string> parts = SplitRel(target);
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_back(*it);
      if (!target.empty() && target[0] == '/') {
        resolved.clear();
        SKIFF_TRY(reopen());
      }
      continue;
    }
    if (errno == ENOENT || errno == ENOTDIR) {
      missing = true;
      resolved = std::move(next);
      continue;
    }
    if (errno != EINVAL) return Error::Sys("readlink \"/" + next + "\"");
    resolved = std::move(next);
    if (!todo.empty()) {
      int fd = OpenBeneath(cur.get(), comp, O_PATH | O_DIRECTORY);
      if (fd < 0) {
        if (errno != ENOTDIR && errno != ENOENT) return Error::Sys("open \"/" + resolved + "\"");
        missing = true;
      } else {
        cur.reset(fd);
      }
    }
  }
  return resolved;
}

Result<UniqueFd> MkdirAllBeneath(int rootfd, const std::string& rel, std::optional<Owner> chown_new) {
  int fd = OpenBeneath(rootfd, rel, O_PATH | O_DIRECTORY);
  if (fd >= 0) return UniqueFd(fd);
  if (errno == ENOTDIR) return Error(Errc::kInvalidArgument, "mkdir /" + rel + ": not a directory", ENOTDIR);
  if (errno != ENOENT) return Error::Sys("open /" + rel);
  UniqueFd cur(OpenBeneath(rootfd, "", O_PATH | O_DIRECTORY));
  if (!cur) return Error::Sys("open the destination root");
  std::string prefix;
  mode_t um = ProcessUmask();
  for (auto& comp : SplitRel(rel)) {
    prefix = JoinRel(prefix, comp);
    int nfd = OpenBeneath(cur.get(), comp, O_PATH | O_DIRECTORY);
    if (nfd < 0 && errno == ENOENT) {
      if (::mkdirat(cur.get(), comp.c_str(), 0755) != 0 && errno != EEXIST) return Error::Sys("mkdir /" + prefix);
      if (um & 0755) ::fchmodat(cur.get(), comp.c_str(), 0755, 0);
      if (chown_new && ::fchownat(cur.get(), comp.c_str(), chown_new->uid, chown_new->gid, AT_SYMLINK_NOFOLLOW) != 0)
        return Error::Sys("chown /" + prefix);
      nfd = OpenBeneath(cur.get(), comp, O_PATH | O_DIRECTORY);
    }
    if (nfd < 0) {
      if (errno == ENOTDIR || errno == EEXIST || errno == ELOOP)
        return Error(Errc::kInvalidArgument, "mkdir /" + prefix + ": not a directory", ENOTDIR);
      return Error::Sys("open /" + prefix);
    }
    cur.reset(nfd);
  }
  return cur;
}

mode_t ProcessUmask() {
  static const mode_t um = [] {
    mode_t v = 022;
    if (FILE* f = std::fopen("/proc/self/status", "re")) {
      char line[256];
      while (std::fgets(line, sizeof line, f)) {
        unsigned o;
        if (std::sscanf(line, "Umask: %o", &o) == 1) {
          v = static_cast<mode_t>(o);
          break;
        }
      }
      std::fclose(f);
    }
    return v;
  }();
  return um;
}

}  // namespace skiff::build::copy

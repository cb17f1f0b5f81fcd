#include "sys/resolve.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/strings.h"

namespace skiff::sys {

Result<UniqueFd> OpenInRoot(int root_fd, std::string_view path, int flags, mode_t mode) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string p(path);
  while (!p.empty() && p.front() == '/') p.erase(0, 1);
  if (p.empty()) p = ".";
  for (;;) {
    long fd = ::syscall(SYS_openat2, root_fd, p.c_str(), &how, sizeof how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno == EINTR || errno == EAGAIN) continue;
    return Error::Sys("open " + std::string(path) + " in container root");
  }
}

Result<UniqueFd> CreateInRoot(int root_fd, std::string_view path, bool dir, mode_t mode) {
  std::vector<std::string> parts;
  for (auto& c : Split(path, '/'))
    if (!c.empty() && c != ".") parts.push_back(c);
  UniqueFd cur = SKIFF_TRY(OpenInRoot(root_fd, ".", O_PATH | O_DIRECTORY));
  std::string walked;
  for (size_t i = 0; i < parts.size(); ++i) {
    walked += "/" + parts[i];
    bool last = i + 1 == parts.size();
    auto next = OpenInRoot(root_fd, walked, O_PATH);
    if (!next.ok() && next.error().sys_errno() == ENOENT) {
      // Parent was resolved in-root, so creating relative to its fd cannot escape.
      std::string parent_path = i == 0 ? std::string(".") : walked.substr(0, walked.rfind('/'));
      UniqueFd parent = SKIFF_TRY(OpenInRoot(root_fd, parent_path, O_PATH | O_DIRECTORY));
      if (last && !dir) {
        int fd = ::openat(parent.get(), parts[i].c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0 && errno != EEXIST) return Error::Sys("create " + walked + " in container root");
        if (fd >= 0) ::close(fd);
      } else if (::mkdirat(parent.get(), parts[i].c_str(), mode) != 0 && errno != EEXIST) {
        return Error::Sys("mkdir " + walked + " in container root");
      }
      next = OpenInRoot(root_fd, walked, O_PATH);
    }
    if (!next.ok()) return std::move(next).error();
    cur = std::move(next).value();
    if (!last) {
      struct stat st;
      if (::fstat(cur.get(), &st) == 0 && !S_ISDIR(st.st_mode))
        return Error(Errc::kInvalidArgument, walked + " in container root is not a directory");
    }
  }
  return cur;
}

std::string FdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace skiff::sys

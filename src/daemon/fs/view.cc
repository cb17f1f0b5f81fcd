#include "daemon/fs/view.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <deque>

#include "base/file.h"
#include "base/strings.h"
#include "sys/resolve.h"

namespace skiff::daemon::fs {
namespace {

// Docker's FollowSymlinkInScope gives up after 255 links.
constexpr int kMaxLinks = 255;

std::string JoinChild(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

UniqueFd Dup(int fd) { return UniqueFd(::fcntl(fd, F_DUPFD_CLOEXEC, 0)); }

Result<std::string> ReadLink(int opath_fd, const std::string& what) {
  std::string buf(256, '\0');
  for (;;) {
    ssize_t n = ::readlinkat(opath_fd, "", buf.data(), buf.size());
    if (n < 0) return Error::Sys("readlink " + what);
    if (static_cast<size_t>(n) < buf.size()) {
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
    buf.resize(buf.size() * 2);
  }
}

}  // namespace

int OpenComponent(int dirfd, const char* name, int extra_flags) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(O_PATH | O_NOFOLLOW | O_CLOEXEC | extra_flags);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  for (int tries = 0;; ++tries) {
    long fd = ::syscall(SYS_openat2, dirfd, name, &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if ((errno == EAGAIN || errno == EINTR) && tries < 64) continue;
    return -1;
  }
}

int Reopen(int opath_fd, int flags) { return ::open(sys::FdPath(opath_fd).c_str(), flags | O_CLOEXEC); }

Result<View> View::Open(const ContainerView& v) {
  View view;
  view.spec_ = v;
  int fd = ::open(v.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::Sys("open container rootfs " + v.rootfs);
  view.root_.reset(fd);
  for (const auto& m : v.mounts) {
    view.dests_.push_back(CleanPath("/" + m.destination));
    int s = ::open(m.source.c_str(), O_PATH | O_CLOEXEC);
    view.source_errno_.push_back(s < 0 ? errno : 0);
    view.sources_.emplace_back(s);
  }
  return view;
}

int View::MountAt(std::string_view path) const {
  for (size_t i = 0; i < dests_.size(); ++i)
    if (dests_[i] == path) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> View::MountChildren(std::string_view path) const {
  std::vector<std::string> out;
  for (const auto& d : dests_)
    if (d != "/" && Dirname(d) == path) out.push_back(Basename(d));
  return out;
}

bool View::ReadOnly(int mount) const {
  if (mount < 0) return spec_.read_only_rootfs;
  return spec_.mounts[static_cast<size_t>(mount)].read_only;
}

Result<UniqueFd> View::MountFd(int i) const {
  const auto& src = sources_[static_cast<size_t>(i)];
  if (!src.valid())
    return Error::FromErrno(source_errno_[static_cast<size_t>(i)],
                            "source " + spec_.mounts[static_cast<size_t>(i)].source + " of the mount at " +
                                dests_[static_cast<size_t>(i)]);
  UniqueFd d = Dup(src.get());
  if (!d) return Error::Sys("dup mount fd");
  return d;
}

Result<Node> View::Child(const Node& dir, const std::string& name) const {
  std::string path = JoinChild(dir.path, name);
  if (int m = MountAt(path); m >= 0) return Node{path, SKIFF_TRY(MountFd(m)), m};
  int fd = OpenComponent(dir.fd.get(), name.c_str());
  if (fd < 0) return Error::Sys("lstat " + path);
  return Node{path, UniqueFd(fd), dir.mount};
}

Result<Node> View::Resolve(std::string_view path, bool follow_final, Missing missing) const {
  return Run(path, follow_final, missing, false);
}

Result<std::string> View::Evaluate(std::string_view path) const {
  Node n = SKIFF_TRY(Run(path, true, Missing::kFail, true));
  return n.path;
}

// Walks the components of `path` from the container's "/". The stack holds the resolved chain, so ".."
// (from the path or from a link target) returns to the real parent of where resolution is, as in the
// container's mount namespace. In lenient mode components below a missing one are kept lexically (nodes
// without an fd).
Result<Node> View::Run(std::string_view path, bool follow_final, Missing missing, bool lenient) const {
  struct Item {
    std::string name;
    bool from_link;
  };
  std::vector<Node> stack;
  {
    Node root;
    root.path = "/";
    int m = MountAt("/");
    root.mount = m;
    root.fd = m >= 0 ? SKIFF_TRY(MountFd(m)) : Dup(root_.get());
    if (!root.fd) return Error::Sys("dup rootfs fd");
    stack.push_back(std::move(root));
  }
  std::deque<Item> todo;
  for (auto& c : Split(path, '/'))
    if (!c.empty() && c != ".") todo.push_back({c, false});
  int links = 0;
  while (!todo.empty()) {
    Item it = std::move(todo.front());
    todo.pop_front();
    if (it.name.empty() || it.name == ".") continue;
    if (it.name == "..") {
      if (stack.size() > 1) stack.pop_back();
      continue;
    }
    const std::string child = JoinChild(stack.back().path, it.name);
    const int cur_mount = stack.back().mount;
    const int cur_fd = stack.back().fd.get();
    if (int m = MountAt(child); m >= 0) {
      stack.push_back(Node{child, SKIFF_TRY(MountFd(m)), m});
      continue;
    }
    if (cur_fd < 0) {  // lenient: below a component that does not exist
      stack.push_back(Node{child, UniqueFd(), cur_mount});
      continue;
    }
    int fd = OpenComponent(cur_fd, it.name.c_str());
    if (fd < 0) {
      int err = errno;
      if (err == ENOENT && lenient) {
        stack.push_back(Node{child, UniqueFd(), cur_mount});
        continue;
      }
      if (err != ENOENT || missing != Missing::kCreate) return Error::FromErrno(err, "lstat " + child);
      // mkdir -p never creates through a symlink: mkdir(2) on a dangling link is EEXIST.
      if (it.from_link) return Error::FromErrno(EEXIST, "mkdir " + child);
      if (ReadOnly(cur_mount)) return Error::FromErrno(EROFS, "mkdir " + child);
      if (::mkdirat(cur_fd, it.name.c_str(), 0755) != 0 && errno != EEXIST) return Error::Sys("mkdir " + child);
      fd = OpenComponent(cur_fd, it.name.c_str());
      if (fd < 0) return Error::Sys("lstat " + child);
    }
    UniqueFd f(fd);
    struct stat st;
    if (::fstat(fd, &st) != 0) return Error::Sys("lstat " + child);
    bool last = todo.empty();
    if (S_ISLNK(st.st_mode) && (!last || follow_final)) {
      if (++links > kMaxLinks) return Error::FromErrno(ELOOP, "resolve " + std::string(path));
      std::string target = SKIFF_TRY(ReadLink(fd, child));
      if (target.empty()) return Error::FromErrno(ENOENT, "lstat " + child);
      if (target[0] == '/') stack.resize(1);
      auto parts = Split(target, '/');
      for (auto p = parts.rbegin(); p != parts.rend(); ++p)
        if (!p->empty() && *p != ".") todo.push_front({*p, true});
      continue;
    }
    stack.push_back(Node{child, std::move(f), cur_mount});
  }
  return std::move(stack.back());
}

}  // namespace skiff::daemon::fs

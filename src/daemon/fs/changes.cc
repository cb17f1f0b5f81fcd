#include "daemon/fs/changes.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "base/fd.h"

namespace skiff::daemon::fs {
namespace {

constexpr char kOpaque[] = "trusted.overlay.opaque";
constexpr char kCapability[] = "security.capability";

bool IsWhiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

std::string At(int dirfd, const std::string& rel) { return "/proc/self/fd/" + std::to_string(dirfd) + "/" + rel; }

std::string Xattr(const std::string& path, const char* name) {
  char buf[1024];
  ssize_t n = ::lgetxattr(path.c_str(), name, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

bool SameTime(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && (a.tv_nsec == b.tv_nsec || a.tv_nsec == 0 || b.tv_nsec == 0);
}

// Docker's statDifferent: sizes and mtimes of directories are no measure of change.
bool Different(const struct stat& o, const struct stat& n) {
  if (o.st_mode != n.st_mode || o.st_uid != n.st_uid || o.st_gid != n.st_gid || o.st_rdev != n.st_rdev) return true;
  return !S_ISDIR(o.st_mode) && (!SameTime(o.st_mtim, n.st_mtim) || o.st_size != n.st_size);
}

std::string JoinRel(const std::string& rel, const std::string& name) { return rel.empty() ? name : rel + "/" + name; }

class Differ {
 public:
  Status Open(const std::vector<std::string>& lowers) {
    for (const auto& l : lowers) {
      int fd = ::open(l.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) return Error::Sys("open lower layer " + l);
      layers_.emplace_back(fd);
    }
    return Ok();
  }
  // The layers whose root is part of the merged lower root (down to the first opaque one).
  std::vector<int> RootLayers() const {
    std::vector<int> out;
    for (int i = 0; i < static_cast<int>(layers_.size()); ++i) {
      out.push_back(i);
      if (Opaque(i, ".")) break;
    }
    return out;
  }
  // Changes below the upper directory `fd` (container path `path`, layer-relative `rel`), given the layers
  // in which it is a visible lower directory (top-most first) and whether it hides them (it, or a directory
  // above it, is opaque in the upper dir).
  Result<std::vector<Change>> Dir(int fd, const std::string& path, const std::string& rel,
                                  const std::vector<int>& lower, bool opaque) const;

 private:
  struct Lower {
    bool found = false;
    int layer = -1;           // the layer whose entry is visible
    struct stat st {};
    std::vector<int> dirs;    // for a directory: the layers merged into it
  };
  bool Opaque(int layer, const std::string& rel) const { return Xattr(At(layers_[layer].get(), rel), kOpaque) == "y"; }
  Lower Lookup(const std::vector<int>& lower, const std::string& rel) const;
  // Names a merged lower directory shows (whiteouts hide the names of the layers below them).
  std::set<std::string> LowerNames(const std::vector<int>& lower, const std::string& rel) const;

  std::vector<UniqueFd> layers_;
};

// overlayfs lookup of one entry among the layers of its (visible) parent directory.
Differ::Lower Differ::Lookup(const std::vector<int>& lower, const std::string& rel) const {
  Lower out;
  for (int l : lower) {
    struct stat st;
    if (::fstatat(layers_[l].get(), rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (IsWhiteout(st)) break;
    if (!out.found) {
      out.found = true;
      out.layer = l;
      out.st = st;
      if (!S_ISDIR(st.st_mode)) break;
    } else if (!S_ISDIR(st.st_mode)) {
      break;  // a non-directory below a directory is hidden, and so is all below it
    }
    out.dirs.push_back(l);
    if (Opaque(l, rel)) break;
  }
  return out;
}

std::set<std::string> Differ::LowerNames(const std::vector<int>& lower, const std::string& rel) const {
  std::map<std::string, bool> seen;  // name -> visible
  for (int l : lower) {
    int fd = ::openat(layers_[l].get(), rel.empty() ? "." : rel.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    DIR* d = ::fdopendir(fd);
    if (!d) {
      ::close(fd);
      continue;
    }
    while (struct dirent* de = ::readdir(d)) {
      if (!std::strcmp(de->d_name, ".") || !std::strcmp(de->d_name, "..") || seen.count(de->d_name)) continue;
      struct stat st;
      bool visible = ::fstatat(::dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !IsWhiteout(st);
      seen.emplace(de->d_name, visible);
    }
    ::closedir(d);
  }
  std::set<std::string> out;
  for (auto& [n, v] : seen)
    if (v) out.insert(n);
  return out;
}

Result<std::vector<Change>> Differ::Dir(int fd, const std::string& path, const std::string& rel,
                                        const std::vector<int>& lower, bool opaque) const {
  std::map<std::string, struct stat> upper;
  {
    int dfd = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return Error::Sys("open " + path);
    DIR* d = ::fdopendir(dfd);
    if (!d) {
      ::close(dfd);
      return Error::Sys("opendir " + path);
    }
    while (struct dirent* de = ::readdir(d)) {
      if (!std::strcmp(de->d_name, ".") || !std::strcmp(de->d_name, "..")) continue;
      struct stat st;
      if (::fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;  // removed meanwhile by the running container
        int err = errno;
        ::closedir(d);
        return Error::FromErrno(err, "lstat " + path + "/" + de->d_name);
      }
      upper.emplace(de->d_name, st);
    }
    ::closedir(d);
  }
  // In an opaque directory nothing of the lower one shows: each of its entries the upper lacks is gone.
  std::set<std::string> names;
  std::set<std::string> deleted;
  for (auto& [n, st] : upper) names.insert(n);
  if (opaque && !lower.empty()) {
    for (const auto& n : LowerNames(lower, rel)) {
      auto u = upper.find(n);
      if (u == upper.end() || IsWhiteout(u->second)) {
        deleted.insert(n);
        names.insert(n);
      }
    }
  }
  std::vector<Change> out;
  for (const auto& name : names) {
    std::string child = path == "/" ? "/" + name : path + "/" + name;
    std::string crel = JoinRel(rel, name);
    if (deleted.count(name)) {
      out.push_back({child, ChangeKind::kDeleted});
      continue;
    }
    const struct stat& ust = upper.at(name);
    Lower le = lower.empty() ? Lower{} : Lookup(lower, crel);
    if (IsWhiteout(ust)) {
      if (!opaque && le.found) out.push_back({child, ChangeKind::kDeleted});
      continue;
    }
    std::optional<ChangeKind> own;
    if (!le.found) {
      own = ChangeKind::kAdded;
    } else if (Different(le.st, ust) ||
               (S_ISREG(ust.st_mode) && Xattr(At(layers_[le.layer].get(), crel), kCapability) !=
                                            Xattr(At(fd, name), kCapability))) {
      own = ChangeKind::kModified;
    }
    std::vector<Change> sub;
    if (S_ISDIR(ust.st_mode)) {
      UniqueFd cfd(::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (cfd) {
        // Below an opaque directory nothing of the lower layers shows, opaque mark or not.
        char v[4];
        bool copaque = opaque || (::fgetxattr(cfd.get(), kOpaque, v, sizeof v) == 1 && v[0] == 'y');
        std::vector<int> clower = le.found && S_ISDIR(le.st.st_mode) ? le.dirs : std::vector<int>{};
        sub = SKIFF_TRY(Dir(cfd.get(), child, crel, clower, copaque));
      } else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP) {
        return Error::Sys("open " + child);
      }
      if (!own && !sub.empty()) own = ChangeKind::kModified;
    }
    if (own) out.push_back({child, *own});
    out.insert(out.end(), std::make_move_iterator(sub.begin()), std::make_move_iterator(sub.end()));
  }
  return out;
}

}  // namespace

Result<std::vector<Change>> Changes(const std::string& upper, const std::vector<std::string>& lowers) {
  Differ d;
  SKIFF_TRY(d.Open(lowers));
  UniqueFd root(::open(upper.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::Sys("open upper dir " + upper);
  char v[4];
  bool opaque = ::fgetxattr(root.get(), kOpaque, v, sizeof v) == 1 && v[0] == 'y';
  return d.Dir(root.get(), "/", "", d.RootLayers(), opaque);
}

char ChangeLetter(ChangeKind k) {
  switch (k) {
    case ChangeKind::kModified: return 'C';
    case ChangeKind::kAdded: return 'A';
    case ChangeKind::kDeleted: return 'D';
  }
  return '?';
}

Json ChangesToJson(const std::vector<Change>& changes) {
  Json out = Json::array();
  for (const auto& c : changes) out.push_back({{"Path", c.path}, {"Kind", static_cast<int>(c.kind)}});
  return out;
}

}  // namespace skiff::daemon::fs

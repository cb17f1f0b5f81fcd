#include "storage/snapshots.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "base/fd.h"
#include "base/strings.h"

namespace skiff::storage {
namespace {

Status CheckId(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 128 && std::isalnum(static_cast<unsigned char>(id[0]));
  for (char c : id) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  if (!ok) return Error(Errc::kInvalidArgument, "invalid snapshot id \"" + id + "\"");
  return Ok();
}

Status SizeAt(int dirfd, std::set<std::pair<dev_t, ino_t>>& seen, uint64_t& total) {
  DIR* d = ::fdopendir(::dup(dirfd));
  if (!d) return Error::Sys("opendir");
  std::vector<std::string> subdirs;
  while (struct dirent* e = ::readdir(d)) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    struct stat st;
    if (::fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      subdirs.emplace_back(e->d_name);
      continue;
    }
    if (st.st_nlink > 1 && !seen.insert({st.st_dev, st.st_ino}).second) continue;
    if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) total += static_cast<uint64_t>(st.st_size);
  }
  ::closedir(d);
  for (const auto& s : subdirs) {
    int fd = ::openat(dirfd, s.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    UniqueFd g(fd);
    SKIFF_TRY(SizeAt(fd, seen, total));
  }
  return Ok();
}

}  // namespace

Result<uint64_t> TreeSize(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::Sys("open " + dir);
  UniqueFd g(fd);
  std::set<std::pair<dev_t, ino_t>> seen;
  uint64_t total = 0;
  SKIFF_TRY_CTX(SizeAt(fd, seen, total), dir);
  return total;
}

Result<std::unique_ptr<Snapshotter>> Snapshotter::Open(const std::string& root) {
  for (const char* sub : {"layers", "snapshots", "staging", "empty"}) SKIFF_TRY(MkdirAll(JoinPath(root, sub), 0700));
  return std::unique_ptr<Snapshotter>(new Snapshotter(root));
}

Status Snapshotter::RemoveStagingLeftovers() {
  std::string staging = JoinPath(root_, "staging");
  // Mounts below staging (a snapshot moved here while still mounted) are detached first, deepest first.
  auto mounts = ReadFile("/proc/self/mountinfo").value_or("");
  std::vector<std::string> below;
  for (const auto& line : Split(mounts, '\n')) {
    auto f = Split(line, ' ');
    if (f.size() > 4 && (f[4].rfind(staging + "/", 0) == 0)) below.push_back(f[4]);
  }
  std::sort(below.rbegin(), below.rend());
  for (const auto& m : below) (void)Unmount(m, true);
  for (const auto& name : ListDir(staging)) SKIFF_TRY(RemoveAll(JoinPath(staging, name)));
  return Ok();
}

std::string Snapshotter::LayerDir(const Digest& d) const { return JoinPath(JoinPath(root_, "layers"), d.hex()); }
bool Snapshotter::HasLayer(const Digest& d) const { return IsDirectory(LayerDir(d)); }

std::vector<Digest> Snapshotter::ListLayers() const {
  std::vector<Digest> out;
  for (const auto& n : ListDir(JoinPath(root_, "layers")))
    if (n.size() == 64 && IsHex(n)) out.push_back(Digest::FromSha256Hex(n));
  return out;
}

Result<TempDir> Snapshotter::NewStagingDir() const { return TempDir::Create(JoinPath(root_, "staging"), "layer-"); }

Status Snapshotter::CommitLayer(TempDir staging, const Digest& diff_id) {
  std::string dst = LayerDir(diff_id);
  if (::rename(staging.path().c_str(), dst.c_str()) == 0) {
    staging.Release();
    return Ok();
  }
  if (errno == EEXIST || errno == ENOTEMPTY) return Ok();  // same content already there; staging dies
  return Error::Sys("commit layer " + diff_id.str());
}

Status Snapshotter::RemoveLayer(const Digest& diff_id) {
  // Rename into staging first so a crash never leaves a half-deleted layer under layers/.
  std::string dst = LayerDir(diff_id);
  if (!PathExists(dst)) return Ok();
  auto tmp = SKIFF_TRY(TempDir::Create(JoinPath(root_, "staging"), "rm-"));
  std::string victim = JoinPath(tmp.path(), "layer");
  if (::rename(dst.c_str(), victim.c_str()) != 0) return Error::Sys("remove layer " + diff_id.str());
  return Ok();  // tmp's destructor deletes it
}

Status Snapshotter::CreateSnapshot(const std::string& id) {
  SKIFF_TRY(CheckId(id));
  std::string dir = JoinPath(JoinPath(root_, "snapshots"), id);
  if (PathExists(dir)) return Error(Errc::kAlreadyExists, "snapshot " + id + " already exists");
  auto tmp = SKIFF_TRY(TempDir::Create(JoinPath(root_, "staging"), "snap-"));
  for (const char* sub : {"upper", "work", "merged", "init"})
    if (::mkdir(JoinPath(tmp.path(), sub).c_str(), 0755) != 0) return Error::Sys("mkdir snapshot " + id);
  if (::rename(tmp.path().c_str(), dir.c_str()) != 0) return Error::Sys("create snapshot " + id);
  tmp.Release();
  return Ok();
}

std::string Snapshotter::SnapshotInit(const std::string& id) const {
  return JoinPath(JoinPath(JoinPath(root_, "snapshots"), id), "init");
}

bool Snapshotter::HasSnapshot(const std::string& id) const {
  return CheckId(id).ok() && IsDirectory(JoinPath(JoinPath(root_, "snapshots"), id));
}

std::vector<std::string> Snapshotter::ListSnapshots() const { return ListDir(JoinPath(root_, "snapshots")); }

std::string Snapshotter::SnapshotUpper(const std::string& id) const {
  return JoinPath(JoinPath(JoinPath(root_, "snapshots"), id), "upper");
}
std::string Snapshotter::SnapshotMerged(const std::string& id) const {
  return JoinPath(JoinPath(JoinPath(root_, "snapshots"), id), "merged");
}

Result<std::vector<std::string>> Snapshotter::Lowers(const std::vector<Digest>& layers) const {
  // A layer that appears twice (the same diff made by two steps, e.g. `COPY f /x` repeated) is one
  // directory: overlayfs refuses a lower given twice (ELOOP). Only its top-most place is kept, which
  // gives the same tree: everything the lower copy has (files, whiteouts), the upper one has above it.
  std::vector<std::string> lowers;
  std::set<std::string> seen;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    std::string d = LayerDir(*it);
    if (!IsDirectory(d)) return Error(Errc::kNotFound, "layer " + it->str() + " is not in the store");
    if (seen.insert(d).second) lowers.push_back(d);
  }
  if (lowers.empty()) lowers.push_back(JoinPath(root_, "empty"));
  return lowers;
}

Result<std::string> Snapshotter::MountSnapshot(const std::string& id, const std::vector<Digest>& layers) {
  SKIFF_TRY(CheckId(id));
  if (!HasSnapshot(id)) return Error(Errc::kNotFound, "no snapshot " + id);
  std::string merged = SnapshotMerged(id);
  if (IsMountPoint(merged)) return merged;
  OverlaySpec spec;
  spec.lowers = SKIFF_TRY(Lowers(layers));
  std::string dir = JoinPath(JoinPath(root_, "snapshots"), id);
  if (IsDirectory(JoinPath(dir, "init"))) spec.lowers.insert(spec.lowers.begin(), JoinPath(dir, "init"));
  spec.upper = JoinPath(dir, "upper");
  spec.work = JoinPath(dir, "work");
  SKIFF_TRY_CTX(MountOverlay(spec, merged), "snapshot " + id);
  return merged;
}

Status Snapshotter::UnmountSnapshot(const std::string& id) {
  SKIFF_TRY(CheckId(id));
  std::string merged = SnapshotMerged(id);
  // Detached (MNT_DETACH, as Docker's overlay2 driver): a copy of the mount in a container namespace
  // being set up at this moment must not make this fail with EBUSY.
  while (IsMountPoint(merged)) SKIFF_TRY(Unmount(merged, true));
  return Ok();
}

Status Snapshotter::RemoveSnapshot(const std::string& id) {
  SKIFF_TRY(CheckId(id));
  std::string dir = JoinPath(JoinPath(root_, "snapshots"), id);
  if (!PathExists(dir)) return Ok();
  SKIFF_TRY(UnmountSnapshot(id));
  auto tmp = SKIFF_TRY(TempDir::Create(JoinPath(root_, "staging"), "rm-"));
  if (::rename(dir.c_str(), JoinPath(tmp.path(), "snap").c_str()) != 0) return Error::Sys("remove snapshot " + id);
  return Ok();
}

Result<ScopedMount> Snapshotter::MountReadOnly(const std::vector<Digest>& layers, const std::string& target) const {
  OverlaySpec spec;
  spec.lowers = SKIFF_TRY(Lowers(layers));
  if (spec.lowers.size() == 1) spec.lowers.push_back(JoinPath(root_, "empty"));  // ro overlay wants 2 lowers
  spec.read_only = true;
  SKIFF_TRY(MountOverlay(spec, target));
  return ScopedMount(target);
}

}  // namespace skiff::storage

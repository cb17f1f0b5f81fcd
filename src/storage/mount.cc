#include "storage/mount.h"

#include <fcntl.h>
// Not <sys/mount.h>: src/sys/mount.h shadows it on the include path; use the raw syscalls.
#include <linux/mount.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fd.h"
#include "base/file.h"
#include "base/strings.h"

namespace skiff::storage {
namespace {

int fsopen(const char* fs, unsigned flags) { return static_cast<int>(::syscall(SYS_fsopen, fs, flags)); }
int fsconfig(int fd, unsigned cmd, const char* key, const void* value, int aux) {
  return static_cast<int>(::syscall(SYS_fsconfig, fd, cmd, key, value, aux));
}
int fsmount(int fd, unsigned flags, unsigned attrs) { return static_cast<int>(::syscall(SYS_fsmount, fd, flags, attrs)); }
int move_mount(int from, const char* fp, int to, const char* tp, unsigned flags) {
  return static_cast<int>(::syscall(SYS_move_mount, from, fp, to, tp, flags));
}
int mount(const char* src, const char* tgt, const char* type, unsigned long flags, const void* data) {
  return static_cast<int>(::syscall(SYS_mount, src, tgt, type, flags, data));
}
int umount2(const char* tgt, int flags) { return static_cast<int>(::syscall(SYS_umount2, tgt, flags)); }

// New mount API: one fsconfig call per lower layer.
Status MountWithFsconfig(const OverlaySpec& spec, const std::string& target) {
  int fs = fsopen("overlay", FSOPEN_CLOEXEC);
  if (fs < 0) return Error::Sys("fsopen overlay");
  UniqueFd fsfd(fs);
  auto set = [&](const char* key, const std::string& value) -> Status {
    if (fsconfig(fsfd.get(), FSCONFIG_SET_STRING, key, value.c_str(), 0) != 0)
      return Error::Sys(std::string("overlay option ") + key + "=" + value);
    return Ok();
  };
  (void)set("source", "overlay");  // what /proc/mounts shows as the device, as with Docker
  for (const auto& l : spec.lowers) SKIFF_TRY(set("lowerdir+", l));
  if (!spec.upper.empty()) {
    SKIFF_TRY(set("upperdir", spec.upper));
    SKIFF_TRY(set("workdir", spec.work));
  }
  // Plain whiteouts and no redirects/metacopy, so upper dirs diff into portable layers.
  (void)set("redirect_dir", "off");
  (void)set("index", "off");
  (void)set("metacopy", "off");
  if (fsconfig(fsfd.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) return Error::Sys("create overlay");
  int m = fsmount(fsfd.get(), FSMOUNT_CLOEXEC, spec.read_only ? MOUNT_ATTR_RDONLY : 0);
  if (m < 0) return Error::Sys("fsmount overlay");
  UniqueFd mfd(m);
  if (move_mount(mfd.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    return Error::Sys("move_mount overlay to " + target);
  return Ok();
}

// Classic mount(2): lowers relative to their common parent directory to keep the option string short.
Status MountLegacy(const OverlaySpec& spec, const std::string& target) {
  std::string common = spec.lowers.empty() ? "/" : Dirname(spec.lowers[0]);
  bool relative = true;
  for (const auto& l : spec.lowers) relative = relative && Dirname(l) == common;
  std::vector<std::string> ls;
  for (const auto& l : spec.lowers) ls.push_back(relative ? Basename(l) : l);
  std::string data = "lowerdir=" + Join(ls, ":");
  if (!spec.upper.empty()) data += ",upperdir=" + spec.upper + ",workdir=" + spec.work;
  if (data.size() >= 4000)
    return Error(Errc::kUnsupported, "overlay: " + std::to_string(spec.lowers.size()) +
                                         " layers exceed the mount option limit and fsconfig is unavailable");
  pid_t pid = ::fork();
  if (pid < 0) return Error::Sys("fork");
  if (pid == 0) {
    if (relative && ::chdir(common.c_str()) != 0) ::_exit(errno);
    unsigned long flags = spec.read_only ? MS_RDONLY : 0;
    ::_exit(mount("overlay", target.c_str(), "overlay", flags, data.c_str()) == 0 ? 0 : errno);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status)) return Error(Errc::kInternal, "overlay mount helper died");
  if (WEXITSTATUS(status) != 0) return Error::FromErrno(WEXITSTATUS(status), "mount overlay on " + target);
  return Ok();
}

}  // namespace

Status MountOverlay(const OverlaySpec& spec, const std::string& target) {
  if (spec.lowers.empty()) return Error(Errc::kInvalidArgument, "overlay on " + target + ": no lower layers");
  Status st = MountWithFsconfig(spec, target);
  if (st.ok()) return st;
  if (st.error().sys_errno() != ENOSYS && st.error().sys_errno() != EINVAL) return st;
  return MountLegacy(spec, target);
}

Status Unmount(const std::string& target, bool lazy) {
  if (umount2(target.c_str(), lazy ? 2 /* MNT_DETACH */ : 0) != 0) {
    if (errno == EINVAL || errno == ENOENT) return Ok();  // not mounted
    return Error::Sys("umount " + target);
  }
  return Ok();
}

bool IsMountPoint(const std::string& target) {
  // statx knows mount roots directly (bind mounts on the same filesystem included), kernel 5.8+.
  struct statx sx {};
  if (::statx(AT_FDCWD, target.c_str(), AT_SYMLINK_NOFOLLOW, 0, &sx) == 0 && (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) {
    return (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  }
  struct stat a, b;
  if (::lstat(target.c_str(), &a) != 0) return false;
  if (::lstat(JoinPath(target, "..").c_str(), &b) != 0) return false;
  if (a.st_dev != b.st_dev || a.st_ino == b.st_ino) return true;
  // Same-device mounts (bind/overlay on the same fs are still a different st_dev for overlay; keep simple).
  return false;
}

}  // namespace skiff::storage

#include "runtime/linux/rootfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"
#include "sys/mounts.h"
#include "sys/resolve.h"

namespace skiff::runtime::platform {
namespace {

using sys::FdPath;

// Flags the kernel keeps locked on a mount (nosuid/nodev/noexec/ro/atime), so a bind remount must repeat them.
unsigned long MountFlagsOf(const std::string& path) {
  struct statvfs st;
  if (::statvfs(path.c_str(), &st) != 0) return 0;
  unsigned long f = 0;
  if (st.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) f |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

// Resolves `dest` inside the rootfs (creating it) and returns an fd whose /proc path targets it.
Result<UniqueFd> Target(int root_fd, const std::string& dest, bool dir) {
  return sys::CreateInRoot(root_fd, dest, dir);
}

Status BindRemount(int root_fd, const std::string& dest, unsigned long flags) {
  UniqueFd fd = SKIFF_TRY(sys::OpenInRoot(root_fd, dest, O_PATH));
  std::string path = FdPath(fd.get());
  flags |= MountFlagsOf(path);
  return sys::Mount("", path, "", MS_BIND | MS_REMOUNT | flags);
}

Status ApplyPropagation(int root_fd, const std::string& dest, unsigned long propagation) {
  if (!propagation) return Ok();
  UniqueFd fd = SKIFF_TRY(sys::OpenInRoot(root_fd, dest, O_PATH));
  return sys::Mount("", FdPath(fd.get()), "", propagation);
}

Status BindMount(int root_fd, const MountSpec& m, const sys::MountOptions& o) {
  struct stat st;
  if (::stat(m.source.c_str(), &st) != 0) return Error::Sys("mount source " + m.source);
  UniqueFd dst = SKIFF_TRY(Target(root_fd, m.destination, S_ISDIR(st.st_mode)));
  SKIFF_TRY(sys::Mount(m.source, FdPath(dst.get()), "", MS_BIND | (o.recursive ? MS_REC : 0)));
  unsigned long extra = o.flags & ~(MS_REMOUNT);
  if (extra) SKIFF_TRY(BindRemount(root_fd, m.destination, extra));
  return ApplyPropagation(root_fd, m.destination, o.propagation);
}

Status MountCgroupV1Style(int root_fd, const MountSpec& m, const sys::MountOptions& o, const RootfsContext& ctx) {
  unsigned long flags = o.flags & ~(MS_RDONLY | MS_REMOUNT);
  UniqueFd dst = SKIFF_TRY(Target(root_fd, m.destination, true));
  SKIFF_TRY(sys::Mount("tmpfs", FdPath(dst.get()), "tmpfs", flags, "mode=755"));
  // Like runc: the v1 hierarchies only (a hybrid host's cgroup2 mount stays out), each read-only as
  // asked while the tmpfs holding them stays writable.
  for (const auto& [h, host_dir] : ctx.cgroup_dirs) {
    if (h.v2) continue;
    std::vector<std::string> ctrls;
    for (auto& c : h.controllers) ctrls.push_back(c.starts_with("name=") ? c.substr(5) : c);
    std::string name = Join(ctrls, ",");
    if (name.empty()) continue;
    std::string sub = JoinPath(m.destination, name);
    UniqueFd sfd = SKIFF_TRY(Target(root_fd, sub, true));
    if (ctx.new_cgroupns) {
      SKIFF_TRY(sys::Mount("cgroup", FdPath(sfd.get()), "cgroup", flags | (o.flags & MS_RDONLY), Join(h.controllers, ",")));
    } else {
      SKIFF_TRY(sys::Mount(host_dir, FdPath(sfd.get()), "", MS_BIND | MS_REC));
      SKIFF_TRY(BindRemount(root_fd, sub, flags | (o.flags & MS_RDONLY)));
    }
    // Controllers mounted together (cpu,cpuacct) are also reachable by each name.
    if (name.find(',') != std::string::npos) {
      UniqueFd parent = SKIFF_TRY(sys::OpenInRoot(root_fd, m.destination, O_PATH | O_DIRECTORY));
      for (auto& c : Split(name, ',')) ::symlinkat(name.c_str(), parent.get(), c.c_str());
    }
  }
  return Ok();
}

Status MountCgroup(int root_fd, const MountSpec& m, const sys::MountOptions& o, const RootfsContext& ctx) {
  bool pure_v2 = ctx.cgroup_dirs.size() == 1 && ctx.cgroup_dirs[0].first.v2;
  if (!pure_v2) return MountCgroupV1Style(root_fd, m, o, ctx);
  UniqueFd dst = SKIFF_TRY(Target(root_fd, m.destination, true));
  unsigned long flags = o.flags & ~MS_REMOUNT;
  if (ctx.new_cgroupns) return sys::Mount("cgroup2", FdPath(dst.get()), "cgroup2", flags);
  SKIFF_TRY(sys::Mount(ctx.cgroup_dirs[0].second, FdPath(dst.get()), "", MS_BIND | MS_REC));
  return BindRemount(root_fd, m.destination, flags);
}

Status MountOne(int root_fd, const MountSpec& m, const RootfsContext& ctx) {
  sys::MountOptions o = sys::ParseMountOptions(m.options);
  if (m.type == "bind" || o.bind) return BindMount(root_fd, m, o);
  if (m.type == "cgroup") return MountCgroup(root_fd, m, o, ctx);
  UniqueFd dst = SKIFF_TRY(Target(root_fd, m.destination, true));
  std::string data = o.data;
  auto st = sys::Mount(m.source, FdPath(dst.get()), m.type, o.flags & ~MS_REMOUNT, data);
  if (!st.ok() && st.error().sys_errno() == EPERM && (m.type == "sysfs" || m.type == "mqueue")) {
    // Without the matching namespace the kernel refuses a fresh instance: bind the host's, as runc does.
    MountSpec b = m;
    b.source = m.type == "sysfs" ? "/sys" : "/dev/mqueue";
    sys::MountOptions bo = o;
    bo.bind = bo.recursive = true;
    return BindMount(root_fd, b, bo);
  }
  SKIFF_TRY(std::move(st));
  return ApplyPropagation(root_fd, m.destination, o.propagation);
}

struct DefaultDevice {
  const char* path;
  int major, minor;
};
constexpr DefaultDevice kDefaultDevices[] = {
    {"/dev/null", 1, 3}, {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/tty", 5, 0},  {"/dev/urandom", 1, 9}, {"/dev/random", 1, 8},
};

Status CreateDevice(int root_fd, const DeviceSpec& d, bool bind_instead) {
  std::string parent = Dirname(d.path);
  UniqueFd pfd = SKIFF_TRY(sys::CreateInRoot(root_fd, parent, true));
  std::string name = Basename(d.path);
  if (bind_instead) {
    UniqueFd dst = SKIFF_TRY(Target(root_fd, d.path, false));
    return sys::Mount(d.path, FdPath(dst.get()), "", MS_BIND);
  }
  mode_t type = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
  mode_t mode = (d.file_mode ? *d.file_mode : 0666) & 07777;
  ::unlinkat(pfd.get(), name.c_str(), 0);
  if (::mknodat(pfd.get(), name.c_str(), type | mode,
                makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor))) != 0)
    return Error::Sys("mknod " + d.path);
  if (::fchownat(pfd.get(), name.c_str(), d.uid.value_or(0), d.gid.value_or(0), AT_SYMLINK_NOFOLLOW) != 0)
    return Error::Sys("chown " + d.path);
  if (::fchmodat(pfd.get(), name.c_str(), mode, 0) != 0) return Error::Sys("chmod " + d.path);
  return Ok();
}

bool BindsHostDev(const Spec& spec) {
  for (const auto& m : spec.mounts) {
    if (m.destination != "/dev") continue;
    sys::MountOptions o = sys::ParseMountOptions(m.options);
    if (m.type == "bind" || o.bind) return true;
  }
  return false;
}

Status SetupDev(int root_fd, const Spec& spec, const RootfsContext& ctx) {
  if (BindsHostDev(spec)) return Ok();
  for (const auto& dd : kDefaultDevices) {
    bool overridden = false;
    for (const auto& d : spec.devices) overridden |= d.path == dd.path;
    if (overridden) continue;
    DeviceSpec d;
    d.path = dd.path;
    d.major = dd.major;
    d.minor = dd.minor;
    d.file_mode = 0666;
    SKIFF_TRY(CreateDevice(root_fd, d, ctx.in_userns));
  }
  for (const auto& d : spec.devices) SKIFF_TRY(CreateDevice(root_fd, d, ctx.in_userns));
  UniqueFd dev = SKIFF_TRY(sys::CreateInRoot(root_fd, "/dev", true));
  const std::pair<const char*, const char*> links[] = {
      {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
      {"/proc/self/fd/2", "stderr"}};
  for (auto [target, name] : links)
    if (::symlinkat(target, dev.get(), name) != 0 && errno != EEXIST) return Error::Sys(std::string("symlink /dev/") + name);
  if (PathExists("/proc/kcore")) ::symlinkat("/proc/kcore", dev.get(), "core");
  // With a private devpts, /dev/ptmx must point at its ptmx.
  struct stat st;
  if (::fstatat(dev.get(), "pts/ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0) {
    ::unlinkat(dev.get(), "ptmx", 0);
    if (::symlinkat("pts/ptmx", dev.get(), "ptmx") != 0) return Error::Sys("symlink /dev/ptmx");
  }
  return Ok();
}

// pivot_root refuses a new root whose parent mount is shared: make that one mount private.
Status MakeParentMountPrivate(const std::string& rootfs) {
  std::string info = SKIFF_TRY(ReadFile("/proc/self/mountinfo"));
  std::string best;
  bool shared = false;
  std::string parent = Dirname(rootfs);
  for (auto& line : Split(info, '\n')) {
    auto f = Split(line, ' ');
    if (f.size() < 7) continue;
    const std::string& mp = f[4];
    bool prefix = parent == mp || mp == "/" || (parent.starts_with(mp) && parent[mp.size()] == '/');
    if (prefix && mp.size() >= best.size()) {
      best = mp;
      shared = false;
      for (size_t i = 6; i < f.size() && f[i] != "-"; ++i) shared |= f[i].starts_with("shared:");
    }
  }
  if (!best.empty() && shared) return sys::Mount("", best, "", MS_PRIVATE);
  return Ok();
}

}  // namespace

Status PrepareRootfs(const Spec& spec, const RootfsContext& ctx) {
  ::umask(0);
  unsigned long prop = spec.rootfs_propagation.empty() ? (MS_SLAVE | MS_REC)
                                                       : sys::PropagationFlags(spec.rootfs_propagation);
  SKIFF_TRY(sys::Mount("", "/", "", prop));
  SKIFF_TRY(MakeParentMountPrivate(spec.root_path));
  SKIFF_TRY(sys::Mount(spec.root_path, spec.root_path, "", MS_BIND | MS_REC));
  UniqueFd root = SKIFF_TRY(OpenFile(spec.root_path, O_PATH | O_DIRECTORY));
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    const MountSpec& m = spec.mounts[i];
    auto st = MountOne(root.get(), m, ctx);
    if (!st.ok())
      return std::move(st).error().Wrap("mounts[" + std::to_string(i) + "] (" + m.destination + ")");
  }
  SKIFF_TRY(SetupDev(root.get(), spec, ctx));
  return Ok();
}

Status EnterRootfs(const Spec& spec, bool no_pivot) {
  if (no_pivot) {
    if (::chdir(spec.root_path.c_str()) != 0) return Error::Sys("chdir " + spec.root_path);
    SKIFF_TRY(sys::Mount(spec.root_path, "/", "", MS_MOVE));
    if (::chroot(".") != 0) return Error::Sys("chroot");
    if (::chdir("/") != 0) return Error::Sys("chdir /");
    return Ok();
  }
  UniqueFd old_root = SKIFF_TRY(OpenFile("/", O_DIRECTORY | O_RDONLY));
  UniqueFd new_root = SKIFF_TRY(OpenFile(spec.root_path, O_DIRECTORY | O_RDONLY));
  if (::fchdir(new_root.get()) != 0) return Error::Sys("chdir " + spec.root_path);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return Error::Sys("pivot_root " + spec.root_path);
  // The old root is now stacked under "."; detach it without propagating the unmount to the host.
  if (::fchdir(old_root.get()) != 0) return Error::Sys("chdir old root");
  SKIFF_TRY(sys::Mount("", ".", "", MS_SLAVE | MS_REC));
  SKIFF_TRY(sys::Umount(".", MNT_DETACH));
  if (::chdir("/") != 0) return Error::Sys("chdir /");
  return Ok();
}

Status ChrootOnly(const Spec& spec) {
  if (::chroot(spec.root_path.c_str()) != 0) return Error::Sys("chroot " + spec.root_path);
  if (::chdir("/") != 0) return Error::Sys("chdir /");
  return Ok();
}

Status FinalizeRootfs(const Spec& spec) {
  for (const auto& p : spec.readonly_paths) {
    if (!PathExists(p)) continue;
    SKIFF_TRY_CTX(sys::Mount(p, p, "", MS_BIND | MS_REC), "linux.readonlyPaths");
    SKIFF_TRY_CTX(sys::Mount("", p, "", MS_BIND | MS_REMOUNT | MS_RDONLY | MountFlagsOf(p)), "linux.readonlyPaths");
  }
  for (const auto& p : spec.masked_paths) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      SKIFF_TRY_CTX(sys::Mount("tmpfs", p, "tmpfs", MS_RDONLY), "linux.maskedPaths");
    } else {
      SKIFF_TRY_CTX(sys::Mount("/dev/null", p, "", MS_BIND), "linux.maskedPaths");
    }
  }
  if (spec.root_readonly)
    SKIFF_TRY_CTX(sys::Mount("", "/", "", MS_BIND | MS_REMOUNT | MS_RDONLY | MountFlagsOf("/")), "root.readonly");
  return Ok();
}

}  // namespace skiff::runtime::platform

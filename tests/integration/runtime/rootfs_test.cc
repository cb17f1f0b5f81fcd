// Root filesystem, mounts, /dev, masked and read-only paths.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

namespace skiff::runtime::testing {
namespace {

class Rootfs : public RuntimeTest {};

Json Mount(const std::string& dest, const std::string& type, const std::string& source,
           const std::vector<std::string>& options) {
  return {{"destination", dest}, {"type", type}, {"source", source}, {"options", options}};
}

// The mountinfo line of the container mount at `dest` (printed by the script below).
const char* kMountLine = "awk -v d=\"$MP\" '$5 == d' /proc/self/mountinfo";

TEST_F(Rootfs, ReadonlyRoot) {
  Result r = h().RunSh("touch /x 2>&1; echo rc=$?; touch /dev/shm/ok && echo shm-writable",
                       [](Json& c) { c["root"]["readonly"] = true; });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_NE(r.out.find("Read-only file system"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("rc=0"), std::string::npos) << r;
  EXPECT_NE(r.out.find("shm-writable"), std::string::npos) << "mounts over a read-only root stay writable: " << r;
}

TEST_F(Rootfs, WritableRootByDefaultInHarness) {
  Result r = h().RunSh("touch /x && echo ok");
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(Trim(r.out), "ok");
}

TEST_F(Rootfs, TmpfsSizeAndMode) {
  Result r = h().RunSh(
      "stat -c %a /scratch; MP=/scratch; " + std::string(kMountLine) +
          "; dd if=/dev/zero of=/scratch/f bs=1024 count=2048 2>&1; echo dd=$?",
      [](Json& c) { c["mounts"].push_back(Mount("/scratch", "tmpfs", "tmpfs", {"size=1m", "mode=1770", "nosuid"})); });
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_GE(l.size(), 3u) << r;
  EXPECT_EQ(l[0], "1770");
  EXPECT_NE(l[1].find(" tmpfs "), std::string::npos) << l[1];
  EXPECT_NE(l[1].find("size=1024k"), std::string::npos) << l[1];
  EXPECT_NE(l[1].find("nosuid"), std::string::npos) << l[1];
  EXPECT_NE(r.out.find("No space left on device"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("dd=0"), std::string::npos) << r;
}

TEST_F(Rootfs, BindMountHostDirReadWrite) {
  std::string host = h().MakeDir("hostdir");
  WriteText(host + "/from-host", "host-data\n");
  Result r = h().RunSh("cat /mnt/b/from-host; echo inside > /mnt/b/from-container && echo wrote",
                       [&](Json& c) { c["mounts"].push_back(Mount("/mnt/b", "bind", host, {"bind"})); });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "host-data\nwrote\n");
  EXPECT_EQ(ReadText(host + "/from-container"), "inside\n");
}

// A host dir with a tmpfs submount holding a file: rbind carries the submount, bind doesn't.
std::string DirWithSubmount(Harness& h) {
  std::string host = h.MakeDir("withsub");
  std::string sub = host + "/sub";
  ::mkdir(sub.c_str(), 0755);
  EXPECT_EQ(::mount("tmpfs", sub.c_str(), "tmpfs", 0, "size=64k"), 0) << strerror(errno);
  WriteText(sub + "/in-submount", "deep\n");
  return host;  // the harness unmounts it at teardown
}

TEST_F(Rootfs, RbindCarriesSubmounts) {
  std::string host = DirWithSubmount(h());
  Result r = h().RunSh("cat /mnt/r/sub/in-submount",
                       [&](Json& c) { c["mounts"].push_back(Mount("/mnt/r", "bind", host, {"rbind"})); });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "deep\n");
}

TEST_F(Rootfs, PlainBindDoesNotCarrySubmounts) {
  std::string host = DirWithSubmount(h());
  Result r = h().RunSh("ls -A /mnt/r/sub | wc -l",
                       [&](Json& c) { c["mounts"].push_back(Mount("/mnt/r", "bind", host, {"bind"})); });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(Trim(r.out), "0") << "non-recursive bind must show the empty directory under the submount";
}

TEST_F(Rootfs, ReadonlyBind) {
  std::string host = h().MakeDir("rodir");
  WriteText(host + "/f", "x\n");
  Result r = h().RunSh("cat /ro/f; touch /ro/new 2>&1; echo rc=$?",
                       [&](Json& c) { c["mounts"].push_back(Mount("/ro", "bind", host, {"rbind", "ro"})); });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_TRUE(r.out.starts_with("x\n")) << r;
  EXPECT_NE(r.out.find("Read-only file system"), std::string::npos) << r;
  EXPECT_FALSE(Exists(host + "/new"));
  // The host's view stays writable (the ro applies to the container's bind only).
  WriteText(host + "/host-write", "ok");
  EXPECT_EQ(ReadText(host + "/host-write"), "ok");
}

TEST_F(Rootfs, NoexecNosuidBind) {
  std::string host = h().MakeDir("nx");
  Result cp = Exec({"/bin/cp", RootfsTemplate() + "/bin/busybox", host + "/busybox"});
  ASSERT_EQ(cp.code, 0) << cp;
  Result r = h().RunSh(
      "MP=/nx; " + std::string(kMountLine) + "; /nx/busybox true 2>&1; echo rc=$?; MP=/ok; " + kMountLine +
          "; /ok/busybox echo exec-ok",
      [&](Json& c) {
        c["mounts"].push_back(Mount("/nx", "bind", host, {"rbind", "noexec", "nosuid", "nodev"}));
        c["mounts"].push_back(Mount("/ok", "bind", host, {"rbind"}));
      });
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_GE(l.size(), 4u) << r;
  EXPECT_NE(l[0].find("noexec"), std::string::npos) << l[0];
  EXPECT_NE(l[0].find("nosuid"), std::string::npos) << l[0];
  EXPECT_NE(l[0].find("nodev"), std::string::npos) << l[0];
  EXPECT_NE(r.out.find("Permission denied"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("rc=0"), std::string::npos) << r;
  EXPECT_EQ(l.back(), "exec-ok") << r;
}

TEST_F(Rootfs, NoexecTmpfs) {
  Result r = h().RunSh("cp /bin/busybox /t/busybox && /t/busybox true 2>&1; echo rc=$?",
                       [](Json& c) { c["mounts"].push_back(Mount("/t", "tmpfs", "tmpfs", {"noexec", "size=4m"})); });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_NE(r.out.find("Permission denied"), std::string::npos) << r;
}

TEST_F(Rootfs, PropagationOptions) {
  std::string host = h().MakeDir("prop");
  Result r = h().RunSh(
      "MP=/shared; " + std::string(kMountLine) + "; echo; MP=/private; " + kMountLine,
      [&](Json& c) {
        c["mounts"].push_back(Mount("/shared", "bind", host, {"rbind", "rshared"}));
        c["mounts"].push_back(Mount("/private", "bind", host, {"rbind", "rprivate"}));
      });
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_EQ(l.size(), 3u) << r;
  // Optional fields (before " - ") carry the propagation: shared:N for shared, nothing for private.
  auto optional = [](const std::string& line) { return line.substr(0, line.find(" - ")); };
  EXPECT_NE(optional(l[0]).find("shared:"), std::string::npos) << l[0];
  EXPECT_EQ(optional(l[2]).find("shared:"), std::string::npos) << l[2];
  EXPECT_EQ(optional(l[2]).find("master:"), std::string::npos) << l[2];
}

TEST_F(Rootfs, RootfsPropagationPrivateIsolatesHost) {
  // A mount the container makes must never appear on the host.
  std::string host = h().MakeDir("iso");
  Result r = h().RunSh("mount -t tmpfs tmpfs /iso && echo mounted",
                       [&](Json& c) {
                         c["linux"]["rootfsPropagation"] = "rprivate";
                         c["process"]["capabilities"]["bounding"].push_back("CAP_SYS_ADMIN");
                         c["process"]["capabilities"]["effective"].push_back("CAP_SYS_ADMIN");
                         c["process"]["capabilities"]["permitted"].push_back("CAP_SYS_ADMIN");
                         c["mounts"].push_back(Mount("/iso", "bind", host, {"rbind"}));
                       });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(Trim(r.out), "mounted");
  for (const auto& mp : MountPoints()) EXPECT_NE(mp, host) << "container mount leaked to the host";
}

TEST_F(Rootfs, DefaultDevices) {
  Result r = h().RunSh(
      "for d in null zero full tty urandom random; do stat -c '%n %F %t %T %a' /dev/$d; done; "
      "head -c 3 /dev/zero | od -An -tx1 | tr -d ' '; echo x > /dev/null && echo null-ok");
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out,
            "/dev/null character special file 1 3 666\n"
            "/dev/zero character special file 1 5 666\n"
            "/dev/full character special file 1 7 666\n"
            "/dev/tty character special file 5 0 666\n"
            "/dev/urandom character special file 1 9 666\n"
            "/dev/random character special file 1 8 666\n"
            "000000\n"
            "null-ok\n");
}

TEST_F(Rootfs, ExtraDevices) {
  Result r = h().RunSh(
      "stat -c '%n %F %t %T %a %u %g' /dev/fuse /dev/skitzero; head -c 2 /dev/skitzero | od -An -tx1 | tr -d ' '",
      [](Json& c) {
        c["linux"]["devices"] = {
            {{"path", "/dev/fuse"}, {"type", "c"}, {"major", 10}, {"minor", 229}, {"fileMode", 0640},
             {"uid", 1000}, {"gid", 1001}},
            {{"path", "/dev/skitzero"}, {"type", "c"}, {"major", 1}, {"minor", 5}, {"fileMode", 0600},
             {"uid", 0}, {"gid", 0}}};
      });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out,
            "/dev/fuse character special file a e5 640 1000 1001\n"
            "/dev/skitzero character special file 1 5 600 0 0\n"
            "0000\n");
}

TEST_F(Rootfs, DevSymlinks) {
  Result r = h().RunSh("for l in fd stdin stdout stderr ptmx; do echo $l=$(readlink /dev/$l); done");
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out,
            "fd=/proc/self/fd\nstdin=/proc/self/fd/0\nstdout=/proc/self/fd/1\nstderr=/proc/self/fd/2\n"
            "ptmx=pts/ptmx\n");
}

TEST_F(Rootfs, MaskedPaths) {
  // /proc/kcore where the kernel has it (this test VM's kernel may not), else /proc/timer_list: both are
  // in the default maskedPaths and non-empty on the host.
  std::string file = Exists("/proc/kcore") ? "/proc/kcore" : "/proc/timer_list";
  if (file == "/proc/timer_list") {
    ASSERT_FALSE(ReadText(file).empty());
  }
  Bundle b = h().MakeBundle({"sh", "-c",
                             "wc -c < " + file + "; ls -A /secret | wc -l; touch /secret/x 2>&1; echo rc=$?; "
                             "MP=/secret; " + std::string(kMountLine)});
  ::mkdir((b.rootfs + "/secret").c_str(), 0755);
  WriteText(b.rootfs + "/secret/key", "hidden");
  b.config["linux"]["maskedPaths"].push_back("/secret");
  b.Save();
  Result r = h().Runtime({"run", "--bundle", b.path, h().NewId()});
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_GE(l.size(), 4u) << r;
  EXPECT_EQ(Trim(l[0]), "0") << file << " must read as empty: " << r;
  EXPECT_EQ(Trim(l[1]), "0") << "masked dir must look empty";
  EXPECT_NE(r.out.find("Read-only file system"), std::string::npos) << r;
  EXPECT_NE(l.back().find(" tmpfs "), std::string::npos) << l.back();
  EXPECT_NE(l.back().find(" ro"), std::string::npos) << l.back();
  EXPECT_EQ(ReadText(b.rootfs + "/secret/key"), "hidden");
}

TEST_F(Rootfs, ReadonlyPaths) {
  Result r = h().RunSh("{ echo skit > /proc/sys/kernel/hostname; } 2>&1; echo rc=$?; hostname");
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_NE(r.out.find("Read-only file system"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("rc=0"), std::string::npos) << r;
  EXPECT_EQ(Lines(r.out).back(), "skiff") << "hostname must be unchanged";
}

TEST_F(Rootfs, SymlinkEscapeStaysInRootfs) {
  std::string name = "skit-escape-" + std::to_string(::getpid());
  ASSERT_FALSE(Exists("/etc/" + name));
  Bundle b = h().MakeBundle({"sh", "-c", "ls -d /etc/" + name + " 2>&1; true"});
  ASSERT_EQ(::symlink("/etc", (b.rootfs + "/evil").c_str()), 0);
  b.config["mounts"].push_back(Mount("/evil/" + name, "tmpfs", "tmpfs", {"size=64k"}));
  b.Save();
  auto before = MountPoints();
  Result r = h().Runtime({"run", "--bundle", b.path, h().NewId()});
  // Either the mount lands inside the rootfs (as runc: the symlink resolves in the container root) or
  // create fails; the host's /etc must be untouched either way.
  EXPECT_FALSE(Exists("/etc/" + name)) << "created a directory in the host's /etc: " << r;
  for (const auto& mp : MountPoints()) EXPECT_NE(mp, "/etc/" + name);
  if (r.code == 0) {
    EXPECT_TRUE(Exists(b.rootfs + "/etc/" + name)) << "mount point should be created inside the rootfs";
  }
  ::rmdir(("/etc/" + name).c_str());
}

TEST_F(Rootfs, BindSourceSymlinkDestinationEscape) {
  // A destination whose parent is a symlink to / must not bind over the host's files.
  std::string name = "skit-escape2-" + std::to_string(::getpid());
  std::string host = h().MakeDir("src");
  WriteText(host + "/f", "x");
  Bundle b = h().MakeBundle({"true"});
  ASSERT_EQ(::symlink("/", (b.rootfs + "/up").c_str()), 0);
  b.config["mounts"].push_back(Mount("/up/tmp/" + name, "bind", host, {"rbind"}));
  b.Save();
  Result r = h().Runtime({"run", "--bundle", b.path, h().NewId()});
  EXPECT_FALSE(Exists("/tmp/" + name)) << r;
  ::rmdir(("/tmp/" + name).c_str());
}

}  // namespace
}  // namespace skiff::runtime::testing

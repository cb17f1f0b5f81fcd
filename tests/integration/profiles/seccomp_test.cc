// The default seccomp profile in real containers run by skiff-runtime: busybox works, what Docker blocks
// fails with EPERM, and CAP_SYS_ADMIN opens mount.
#include <gtest/gtest.h>

#include "daemon/profiles/defaults.h"
#include "daemon/profiles/seccomp.h"
#include "integration/runtime/harness.h"

namespace skiff::daemon::profiles {
namespace {

using skiff::runtime::testing::Harness;
using skiff::runtime::testing::RuntimeTest;
using Caps = std::vector<std::string>;

class SeccompContainer : public RuntimeTest {
 protected:
  // Runs `sh -c script` as Docker would run an unprivileged container: capabilities `caps`, the default
  // profile for `profile_caps` (defaults to caps), no no_new_privs.
  skiff::runtime::testing::Result Run(const std::string& script, const Caps& caps,
                                      const Caps* profile_caps = nullptr) {
    return h().RunSh(script, [&](nlohmann::json& c) {
      for (const char* set : {"bounding", "effective", "permitted"}) c["process"]["capabilities"][set] = caps;
      c["process"]["capabilities"].erase("inheritable");
      c["process"]["capabilities"].erase("ambient");
      c["process"]["noNewPrivileges"] = false;
      c["linux"]["seccomp"] = DefaultSeccomp(profile_caps ? *profile_caps : caps);
      c["linux"]["maskedPaths"] = DefaultMaskedPaths();
      c["linux"]["readonlyPaths"] = DefaultReadonlyPaths();
    });
  }
};

TEST_F(SeccompContainer, BusyboxWorks) {
  auto r = Run(
      "set -e; grep -q '^Seccomp:.*2' /proc/self/status; ls / >/dev/null; sleep 0.1; ps >/dev/null;"
      " wget --help 2>&1 | grep -q 'Usage: wget'; echo a > /tmp/f; cat /tmp/f; chroot / true;"
      " (sleep 0.1 &) ; wait; nc -l -p 8080 </dev/null & sleep 0.1; kill $!; id -u; echo done",
      DefaultCapabilities());
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "a\n0\ndone\n") << r;
}

TEST_F(SeccompContainer, NamespacesAndMountsNeedSysAdmin) {
  auto r = Run("unshare -U true; echo unshare=$?; mkdir -p /mnt; mount -t tmpfs none /mnt; echo mount=$?",
               DefaultCapabilities());
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_NE(r.out.find("unshare=1"), std::string::npos) << r;
  EXPECT_NE(r.out.find("mount=1"), std::string::npos) << r;
  EXPECT_NE(r.err.find("unshare(0x10000000): Operation not permitted"), std::string::npos) << r;
  EXPECT_NE(r.err.find("mount: permission denied"), std::string::npos) << r;  // busybox's words for EPERM
}

TEST_F(SeccompContainer, ProfileWithoutSysAdminBlocksMountEvenWithTheCapability) {
  Caps with_admin = DefaultCapabilities();
  with_admin.push_back("CAP_SYS_ADMIN");
  Caps defaults = DefaultCapabilities();
  auto r = Run("mkdir -p /mnt; mount -t tmpfs none /mnt; echo mount=$?", with_admin, &defaults);
  EXPECT_NE(r.out.find("mount=1"), std::string::npos) << r;
  EXPECT_NE(r.err.find("mount: permission denied"), std::string::npos) << r;
}

TEST_F(SeccompContainer, SysAdminProfileAllowsMount) {
  Caps with_admin = DefaultCapabilities();
  with_admin.push_back("CAP_SYS_ADMIN");
  auto r = Run("set -e; mkdir -p /mnt; mount -t tmpfs none /mnt; echo x > /mnt/y; grep -q ' /mnt tmpfs' "
               "/proc/mounts; umount /mnt; unshare -m true; echo ok",
               with_admin);
  EXPECT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "ok\n") << r;
}

}  // namespace
}  // namespace skiff::daemon::profiles

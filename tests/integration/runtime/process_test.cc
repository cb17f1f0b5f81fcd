// process.* and the per-process linux settings, checked from inside.
#include "harness.h"

namespace skiff::runtime::testing {
namespace {

class Process : public RuntimeTest {};

// "CapEff:\t0000000000000021" -> the hex value.
std::string StatusField(const std::string& status, const std::string& key) {
  for (const auto& l : Lines(status))
    if (l.starts_with(key + ":")) return Trim(l.substr(key.size() + 1));
  return "<missing " + key + ">";
}

void SetCaps(Json& c, const std::vector<std::string>& caps) {
  Json arr = caps;
  c["process"]["capabilities"] = {{"bounding", arr}, {"effective", arr}, {"permitted", arr}};
}

TEST_F(Process, Env) {
  Result r = h().RunSh("echo \"$FOO|$EMPTY|$PATH\"", [](Json& c) {
    c["process"]["env"] = {"PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="};
  });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "bar baz||/bin:/usr/bin\n");
}

TEST_F(Process, Cwd) {
  Result r = h().RunSh("pwd", [](Json& c) { c["process"]["cwd"] = "/tmp/work/dir"; });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "/tmp/work/dir\n");
}

TEST_F(Process, UserUidGidAdditionalGids) {
  Result r = h().RunSh("id -u; id -g; id -G; grep -E '^(Uid|Gid|Groups):' /proc/self/status", [](Json& c) {
    c["process"]["user"] = {{"uid", 1000}, {"gid", 1001}, {"additionalGids", {10, 20}}};
  });
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_EQ(l.size(), 6u) << r;
  EXPECT_EQ(l[0], "1000");
  EXPECT_EQ(l[1], "1001");
  EXPECT_NE(l[2].find("10"), std::string::npos) << l[2];
  EXPECT_NE(l[2].find("20"), std::string::npos) << l[2];
  EXPECT_EQ(StatusField(r.out, "Uid"), "1000\t1000\t1000\t1000");
  EXPECT_EQ(StatusField(r.out, "Gid"), "1001\t1001\t1001\t1001");
  EXPECT_EQ(StatusField(r.out, "Groups"), "10 20");
}

TEST_F(Process, NonRootUserHasNoEffectiveCaps) {
  Result r = h().RunSh("grep CapEff /proc/self/status", [](Json& c) {
    c["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
    c["process"]["capabilities"].erase("ambient");
  });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(StatusField(r.out, "CapEff"), "0000000000000000");
}

TEST_F(Process, Umask) {
  Result r = h().RunSh("umask; touch /tmp/f; stat -c %a /tmp/f",
                       [](Json& c) { c["process"]["user"]["umask"] = 077; });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "0077\n600\n");
}

TEST_F(Process, DefaultUmaskIs022) {
  Result r = h().RunSh("umask");
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "0022\n");
}

TEST_F(Process, Rlimits) {
  Result r = h().RunSh("ulimit -n; ulimit -Hn; grep 'Max open files' /proc/self/limits; grep 'Max processes' /proc/self/limits",
                       [](Json& c) {
                         c["process"]["rlimits"] = {
                             {{"type", "RLIMIT_NOFILE"}, {"soft", 123}, {"hard", 456}},
                             {{"type", "RLIMIT_NPROC"}, {"soft", 777}, {"hard", 888}}};
                       });
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_EQ(l.size(), 4u) << r;
  EXPECT_EQ(l[0], "123");
  EXPECT_EQ(l[1], "456");
  EXPECT_NE(l[2].find("123"), std::string::npos) << l[2];
  EXPECT_NE(l[2].find("456"), std::string::npos) << l[2];
  EXPECT_NE(l[3].find("777"), std::string::npos) << l[3];
  EXPECT_NE(l[3].find("888"), std::string::npos) << l[3];
}

TEST_F(Process, CapabilitiesMatchConfig) {
  // CAP_CHOWN = 0, CAP_KILL = 5, CAP_NET_RAW = 13 -> 0x2021.
  Result r = h().RunSh("grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status",
                       [](Json& c) { SetCaps(c, {"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"}); });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(StatusField(r.out, "CapEff"), "0000000000002021") << r;
  EXPECT_EQ(StatusField(r.out, "CapPrm"), "0000000000002021") << r;
  EXPECT_EQ(StatusField(r.out, "CapBnd"), "0000000000002021") << r;
  EXPECT_EQ(StatusField(r.out, "CapAmb"), "0000000000000000") << r;
  EXPECT_EQ(StatusField(r.out, "CapInh"), "0000000000000000") << r;
}

TEST_F(Process, AmbientCapabilitiesForNonRoot) {
  Result r = h().RunSh("grep -E '^Cap(Eff|Amb):' /proc/self/status", [](Json& c) {
    Json arr = {"CAP_NET_BIND_SERVICE"};
    c["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
    c["process"]["capabilities"] = {
        {"bounding", arr}, {"effective", arr}, {"permitted", arr}, {"inheritable", arr}, {"ambient", arr}};
  });
  ASSERT_EQ(r.code, 0) << r;
  // CAP_NET_BIND_SERVICE = 10.
  EXPECT_EQ(StatusField(r.out, "CapAmb"), "0000000000000400") << r;
  EXPECT_EQ(StatusField(r.out, "CapEff"), "0000000000000400") << r;
}

TEST_F(Process, DroppedCapChownCannotChown) {
  Result with = h().RunSh("touch /tmp/f && chown 1234:1234 /tmp/f 2>&1; echo rc=$?",
                          [](Json& c) { SetCaps(c, {"CAP_CHOWN"}); });
  ASSERT_EQ(with.code, 0) << with;
  EXPECT_EQ(Trim(with.out), "rc=0") << with;
  Result without = h().RunSh("touch /tmp/f && chown 1234:1234 /tmp/f 2>&1; echo rc=$?",
                             [](Json& c) { SetCaps(c, {"CAP_KILL"}); });
  ASSERT_EQ(without.code, 0) << without;
  EXPECT_NE(without.out.find("Operation not permitted"), std::string::npos) << without;
  EXPECT_EQ(without.out.find("rc=0"), std::string::npos) << without;
}

TEST_F(Process, NoNewPrivileges) {
  Result on = h().RunSh("grep NoNewPrivs /proc/self/status", [](Json& c) { c["process"]["noNewPrivileges"] = true; });
  ASSERT_EQ(on.code, 0) << on;
  EXPECT_EQ(StatusField(on.out, "NoNewPrivs"), "1");
  Result off =
      h().RunSh("grep NoNewPrivs /proc/self/status", [](Json& c) { c["process"]["noNewPrivileges"] = false; });
  ASSERT_EQ(off.code, 0) << off;
  EXPECT_EQ(StatusField(off.out, "NoNewPrivs"), "0");
}

TEST_F(Process, OomScoreAdj) {
  Result r = h().RunSh("cat /proc/self/oom_score_adj", [](Json& c) { c["process"]["oomScoreAdj"] = 123; });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(Trim(r.out), "123");
}

TEST_F(Process, SysctlInNewNetAndIpcNamespaces) {
  std::string host_fwd = ReadText("/proc/sys/net/ipv4/ip_forward");
  std::string host_shmmax = ReadText("/proc/sys/kernel/shmmax");
  std::string want_fwd = Trim(host_fwd) == "1" ? "0" : "1";
  Result r = h().RunSh("cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax", [&](Json& c) {
    c["linux"]["sysctl"] = {{"net.ipv4.ip_forward", want_fwd}, {"kernel.shmmax", "12345678"}};
  });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, want_fwd + "\n12345678\n");
  EXPECT_EQ(ReadText("/proc/sys/net/ipv4/ip_forward"), host_fwd) << "host sysctl changed";
  EXPECT_EQ(ReadText("/proc/sys/kernel/shmmax"), host_shmmax) << "host sysctl changed";
}

TEST_F(Process, SeccompErrnoOnMkdir) {
  Result r = h().RunSh("mkdir /tmp/d 2>&1; echo rc=$?; touch /tmp/f && echo touch-ok", [](Json& c) {
    c["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
        {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
  });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_NE(r.out.find("Operation not permitted"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("rc=0"), std::string::npos) << r;
  EXPECT_NE(r.out.find("touch-ok"), std::string::npos) << "other syscalls must stay allowed: " << r;
}

TEST_F(Process, SeccompErrnoRet) {
  Result r = h().RunSh("mkdir /tmp/d 2>&1; echo rc=$?", [](Json& c) {
    c["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 28}}}}};
  });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_NE(r.out.find("No space left on device"), std::string::npos) << r;
}

TEST_F(Process, PersonalityLinux32) {
  Result r = h().RunSh("uname -m", [](Json& c) { c["linux"]["personality"] = {{"domain", "LINUX32"}}; });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(Trim(r.out), "i686");
}

TEST_F(Process, ArgsPathLookupAndMissingBinary) {
  Bundle b = h().MakeBundle({"no-such-binary"});
  Result r = h().Runtime({"run", "--bundle", b.path, h().NewId()});
  EXPECT_NE(r.code, 0) << r;
  EXPECT_NE(r.err.find("no-such-binary"), std::string::npos) << r;
}

}  // namespace
}  // namespace skiff::runtime::testing

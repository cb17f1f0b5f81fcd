// Root-only: loads seccomp profiles in forked children and checks what the kernel then does.
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "base/file.h"
#include "integration/sys/child.h"
#include "sys/rlimit.h"
#include "sys/seccomp.h"

namespace skiff::sys {
namespace {

using testing::RunInChild;
using testing::Say;

#define REQUIRE_ROOT() \
  if (geteuid() != 0) GTEST_SKIP() << "needs root"

SeccompProfile Profile(const std::string& json) {
  auto p = ParseSeccomp(Json::parse(json));
  EXPECT_TRUE(p.ok()) << p.error().message();
  return p.ok() ? std::move(p).value() : SeccompProfile();
}

int Fail(int out, const Error& e) {
  Say(out, "error: " + e.message());
  return 1;
}

// "rc errno" of a raw syscall result, formatted without allocating.
std::string Outcome(long rc) {
  char buf[64];
  snprintf(buf, sizeof buf, "%s", rc < 0 ? strerrorname_np(errno) : "ok");
  return buf;
}

// No core files from the children this file kills on purpose.
void NoCore() {
  (void)ApplyRlimits({Rlimit{RLIMIT_CORE, 0, 0}});
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

TEST(SeccompIntegration, MkdirDeniedOtherCallsWork) {
  REQUIRE_ROOT();
  auto dir = TempDir::Create();
  ASSERT_TRUE(dir.ok());
  SeccompProfile p = Profile(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]})");
  std::string a = dir->path() + "/a", b = dir->path() + "/b";
  auto r = RunInChild([&](int out) {
    auto fd = LoadSeccomp(p);
    if (!fd.ok()) return Fail(out, fd.error());
    if (fd->valid()) return Fail(out, Error(Errc::kInternal, "unexpected notify fd"));
    std::string s = "mkdir=" + Outcome(syscall(SYS_mkdir, a.c_str(), 0755));
    s += " mkdirat=" + Outcome(syscall(SYS_mkdirat, AT_FDCWD, b.c_str(), 0755));
    s += " rmdir=" + Outcome(syscall(SYS_rmdir, b.c_str()));
    s += " getpid=" + Outcome(syscall(SYS_getpid));
    Say(out, s);
    return 0;
  });
  ASSERT_TRUE(r.Exited(0)) << r.Describe();
  EXPECT_EQ(r.output, "mkdir=EPERM mkdirat=ok rmdir=ENOSYS getpid=ok");
  EXPECT_FALSE(PathExists(a));
  EXPECT_TRUE(IsDirectory(b));
  // The parent is unaffected.
  EXPECT_EQ(mkdir(a.c_str(), 0755), 0);
}

TEST(SeccompIntegration, PersonalityArgsWithDefaultErrnoAndEnosysStub) {
  REQUIRE_ROOT();
  // Only personality(0xffffffff) (query) and personality(0) are allowed; everything else unlisted fails with
  // EPERM, except syscalls numbered above the highest one named (exit_group, 231), which get ENOSYS.
  SeccompProfile p = Profile(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["exit_group", "exit", "write", "rt_sigreturn", "brk", "mmap", "munmap", "madvise"],
       "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
          {"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"},
          {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]}]})");
  auto r = RunInChild([&](int out) {
    char buf[256];
    auto fd = LoadSeccomp(p);
    if (!fd.ok()) return Fail(out, fd.error());
    long q = syscall(SYS_personality, 0xffffffffUL);
    int e1 = errno;
    long z = syscall(SYS_personality, 0UL);
    int e2 = errno;
    long w = syscall(SYS_personality, 8UL /* PER_LINUX32 */);
    int e3 = errno;
    long g = syscall(SYS_getppid);
    int e4 = errno;
    long o = syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY);
    int e5 = errno;
    snprintf(buf, sizeof buf, "query=%s zero=%s linux32=%s getppid=%s openat=%s",
             q < 0 ? strerrorname_np(e1) : "ok", z < 0 ? strerrorname_np(e2) : "ok",
             w < 0 ? strerrorname_np(e3) : "ok", g < 0 ? strerrorname_np(e4) : "ok",
             o < 0 ? strerrorname_np(e5) : "ok");
    Say(out, buf);
    return 0;
  });
  ASSERT_TRUE(r.Exited(0)) << r.Describe();
  EXPECT_EQ(r.output, "query=ok zero=ok linux32=EPERM getppid=EPERM openat=ENOSYS");
}

class SeccompKill : public ::testing::TestWithParam<const char*> {};

TEST_P(SeccompKill, ChildDiesWithSigsys) {
  REQUIRE_ROOT();
  SeccompProfile p = Profile(std::string(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["getppid"], "action": ")") + GetParam() + R"("}]})");
  auto r = RunInChild([&](int out) {
    NoCore();
    auto fd = LoadSeccomp(p);
    if (!fd.ok()) return Fail(out, fd.error());
    Say(out, "loaded");
    syscall(SYS_getppid);
    Say(out, " survived");
    return 0;
  });
  EXPECT_TRUE(r.Signaled(SIGSYS)) << r.Describe();
  EXPECT_EQ(r.output, "loaded");
}

INSTANTIATE_TEST_SUITE_P(Actions, SeccompKill,
                         ::testing::Values("SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS",
                                           "SCMP_ACT_TRAP"));

class SeccompNotify : public ::testing::TestWithParam<bool> {};

// The listener fd works: a grandchild's getppid is answered by the child acting as the seccomp agent.
TEST_P(SeccompNotify, ListenerFdAnswersCalls) {
  REQUIRE_ROOT();
  std::string flags = GetParam() ? R"(, "flags": ["SECCOMP_FILTER_FLAG_TSYNC"])" : "";
  SeccompProfile p = Profile(R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/skiff-test.sock")" +
                             flags + R"(, "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_NOTIFY"}]})");
  ASSERT_TRUE(p.UsesNotify());
  auto r = RunInChild([&](int out) {
    auto fd = LoadSeccomp(p);
    if (!fd.ok()) return Fail(out, fd.error());
    if (!fd->valid()) return Fail(out, Error(Errc::kInternal, "no listener fd"));
    if (!(fcntl(fd->get(), F_GETFD) & FD_CLOEXEC)) return Fail(out, Error(Errc::kInternal, "fd not cloexec"));
    pid_t pid = fork();
    if (pid == 0) _exit(syscall(SYS_getppid) == 4242 ? 0 : 1);
    if (pid < 0) return Fail(out, Error::Sys("fork"));
    struct pollfd pfd = {fd->get(), POLLIN, 0};
    if (poll(&pfd, 1, 10000) != 1) return Fail(out, Error(Errc::kInternal, "no notification within 10s"));
    seccomp_notif* req = nullptr;
    seccomp_notif_resp* resp = nullptr;
    if (seccomp_notify_alloc(&req, &resp) != 0) return Fail(out, Error(Errc::kInternal, "notify_alloc"));
    int rc = seccomp_notify_receive(fd->get(), req);
    std::string s = "received=" + std::to_string(rc) + " nr_is_getppid=" + std::to_string(req->data.nr == SYS_getppid) +
                    " from_grandchild=" + std::to_string(static_cast<pid_t>(req->pid) == pid);
    resp->id = req->id;
    resp->val = 4242;
    resp->error = 0;
    resp->flags = 0;
    rc = seccomp_notify_respond(fd->get(), resp);
    seccomp_notify_free(req, resp);
    int status = 0;
    waitpid(pid, &status, 0);
    s += " responded=" + std::to_string(rc) + " grandchild_exit=" + std::to_string(WEXITSTATUS(status));
    Say(out, s);
    return 0;
  });
  ASSERT_TRUE(r.Exited(0)) << r.Describe();
  EXPECT_EQ(r.output, "received=0 nr_is_getppid=1 from_grandchild=1 responded=0 grandchild_exit=0");
}

INSTANTIATE_TEST_SUITE_P(Tsync, SeccompNotify, ::testing::Bool());

TEST(SeccompIntegration, UnprivilegedNeedsNoNewPrivs) {
  REQUIRE_ROOT();
  SeccompProfile p = Profile(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})");
  auto r = RunInChild([&](int out) {
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) {
      return Fail(out, Error::Sys("switch user"));
    }
    auto first = LoadSeccomp(p);
    if (first.ok()) return Fail(out, Error(Errc::kInternal, "loaded without no_new_privs"));
    Say(out, first.error().message() + "\n");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Fail(out, Error::Sys("no_new_privs"));
    auto second = LoadSeccomp(p);
    if (!second.ok()) return Fail(out, second.error());
    Say(out, "getppid=" + Outcome(syscall(SYS_getppid)));
    return 0;
  });
  ASSERT_TRUE(r.Exited(0)) << r.Describe();
  EXPECT_EQ(r.output,
            "linux.seccomp: load seccomp filter (needs no_new_privs or CAP_SYS_ADMIN): Permission denied\n"
            "getppid=EPERM");
}

TEST(SeccompIntegration, FlagsAreAcceptedAndFilterIsVisible) {
  REQUIRE_ROOT();
  SeccompProfile p = Profile(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
      "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_LOG"},
                   {"names": ["acct"], "action": "SCMP_ACT_ERRNO"}]})");
  auto r = RunInChild([&](int out) {
    auto fd = LoadSeccomp(p);
    if (!fd.ok()) return Fail(out, fd.error());
    std::string s = "getppid=" + Outcome(syscall(SYS_getppid));
    auto st = ReadFile("/proc/self/status");
    if (!st.ok()) return Fail(out, st.error());
    s += st->find("Seccomp:\t2\n") != std::string::npos ? " mode=filter" : " mode=?";
    s += st->find("Seccomp_filters:\t1\n") != std::string::npos ? " filters=1" : " filters=?";
    Say(out, s);
    return 0;
  });
  ASSERT_TRUE(r.Exited(0)) << r.Describe();
  EXPECT_EQ(r.output, "getppid=ok mode=filter filters=1");
}

// A profile shaped like Docker's default (ERRNO default, allow list, conditional rules) loads into the real
// kernel and a normal program still runs under it; blocked and too-new calls fail as Docker users expect.
TEST(SeccompIntegration, DockerStyleProfileRunsAProgram) {
  REQUIRE_ROOT();
  Json allow = Json::array();
  for (const char* n :
       {"access", "arch_prctl", "brk", "close", "dup2", "dup3", "execve", "exit", "exit_group", "fcntl", "fstat",
        "futex", "getcwd", "getdents64", "getegid", "geteuid", "getgid", "getpid", "getppid", "getrandom",
        "getuid", "ioctl", "lseek", "madvise", "mmap", "mprotect", "munmap", "newfstatat", "openat", "pread64",
        "prlimit64", "read", "readlink", "rseq", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
        "set_robust_list", "set_tid_address", "statx", "uname", "write", "writev", "no_such_syscall_yet"}) {
    allow.push_back(n);
  }
  Json profile = {
      {"defaultAction", "SCMP_ACT_ERRNO"},
      {"defaultErrnoRet", 1},
      {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
      {"syscalls",
       {{{"names", allow}, {"action", "SCMP_ACT_ALLOW"}},
        {{"names", {"personality"}},
         {"action", "SCMP_ACT_ALLOW"},
         {"args", {{{"index", 0}, {"value", 4294967295u}, {"op", "SCMP_CMP_EQ"}}}}},
        {{"names", {"clone"}},
         {"action", "SCMP_ACT_ALLOW"},
         {"args", {{{"index", 0}, {"value", 2114060288}, {"valueTwo", 0}, {"op", "SCMP_CMP_MASKED_EQ"}}}}}}}};
  auto parsed = ParseSeccomp(profile);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  auto r = RunInChild([&](int out) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Fail(out, Error::Sys("no_new_privs"));
    auto fd = LoadSeccomp(*parsed);
    if (!fd.ok()) return Fail(out, fd.error());
    std::string s = "mount=" + Outcome(syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, nullptr));
    s += " unshare=" + Outcome(syscall(SYS_unshare, 0x10000000));
    s += " clone3=" + Outcome(syscall(SYS_clone3, nullptr, 0));
    s += "\n";
    Say(out, s);
    dup2(out, 1);
    execl("/bin/echo", "echo", "hello from the filter", static_cast<char*>(nullptr));
    return Fail(out, Error::Sys("exec echo"));
  });
  ASSERT_TRUE(r.Exited(0)) << r.Describe();
  EXPECT_EQ(r.output, "mount=EPERM unshare=EPERM clone3=ENOSYS\nhello from the filter\n");
}

TEST(SeccompIntegration, KernelSupport) {
  EXPECT_TRUE(KernelSupportsSeccomp());
}

}  // namespace
}  // namespace skiff::sys

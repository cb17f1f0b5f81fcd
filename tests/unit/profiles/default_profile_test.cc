// The default seccomp profile: its shape, every name real, and what the kernel does with it loaded
// (in a forked child with no_new_privs; no root needed).
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "daemon/profiles/defaults.h"
#include "daemon/profiles/seccomp.h"
#include "sys/caps.h"
#include "sys/seccomp.h"

namespace skiff::daemon::profiles {
namespace {

using Caps = std::vector<std::string>;
const SeccompHost kAmd64{"amd64", "SCMP_ARCH_X86_64", 6, 1};

Caps DefaultPlus(std::initializer_list<const char*> more) {
  Caps c = DefaultCapabilities();
  for (const char* m : more) c.push_back(m);
  return c;
}

Caps EveryCapability() {
  Caps c;
  for (int i = 0; i <= sys::kMaxKnownCap; ++i) c.push_back(sys::CapName(i));
  return c;
}

// Names some rule allows without conditions on arguments.
std::set<std::string> Unconditional(const Json& oci) {
  std::set<std::string> out;
  for (const auto& r : oci["syscalls"]) {
    if (r["action"] != "SCMP_ACT_ALLOW" || r.contains("args")) continue;
    for (const auto& n : r["names"]) out.insert(n.get<std::string>());
  }
  return out;
}

// Every rule naming `name`.
std::vector<Json> RulesFor(const Json& oci, const std::string& name) {
  std::vector<Json> out;
  for (const auto& r : oci["syscalls"]) {
    for (const auto& n : r["names"]) {
      if (n == name) out.push_back(r);
    }
  }
  return out;
}

TEST(DefaultSeccomp, Shape) {
  Json o = DefaultSeccomp(DefaultCapabilities(), kAmd64);
  ASSERT_TRUE(o.is_object());
  EXPECT_EQ(o["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(o["defaultErrnoRet"], 1);
  EXPECT_EQ(o["architectures"], Json::parse(R"(["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"])"));
  EXPECT_EQ(o, *SeccompFromDockerProfile(DefaultDockerSeccompProfile(), DefaultCapabilities(), kAmd64));
  for (const Caps& caps : {Caps{}, DefaultCapabilities(), EveryCapability()}) {
    auto p = sys::ParseSeccomp(DefaultSeccomp(caps, kAmd64));
    ASSERT_TRUE(p.ok()) << p.error().message();
    auto bpf = sys::ExportSeccompBpf(*p);
    ASSERT_TRUE(bpf.ok()) << bpf.error().message();
    EXPECT_FALSE(bpf->empty());
  }
}

TEST(DefaultSeccomp, EveryNameIsASyscall) {
  // Names newer than the libseccomp this builds with (they are skipped when loading, and newer than every
  // name it knows, so the runtime's stub answers ENOSYS for them and libc falls back).
  const std::set<std::string> newer = {"fchmodat2", "futex_wake", "futex_wait", "futex_requeue",
                                       "map_shadow_stack", "mseal", "cachestat", "getxattrat", "setxattrat",
                                       "listxattrat", "removexattrat", "riscv_hwprobe", "memfd_secret",
                                       "set_mempolicy_home_node"};
  std::vector<uint32_t> arches;
  for (const auto& a : DefaultDockerSeccompProfile()["archMap"]) {
    arches.push_back(*sys::SeccompArchFromName(a["architecture"].get<std::string>()));
    for (const auto& s : a["subArchitectures"]) arches.push_back(*sys::SeccompArchFromName(s.get<std::string>()));
  }
  for (const auto& r : DefaultDockerSeccompProfile()["syscalls"]) {
    for (const auto& jn : r["names"]) {
      std::string n = jn;
      bool known = false;
      for (uint32_t a : arches) known = known || seccomp_syscall_resolve_name_arch(a, n.c_str()) != __NR_SCMP_ERROR;
      if (newer.count(n)) continue;
      EXPECT_TRUE(known) << n << " (" << r["comment"] << ") is not a syscall libseccomp knows";
    }
  }
}

TEST(DefaultSeccomp, OrdinaryProgramsSyscallsAllowed) {
  auto ok = Unconditional(DefaultSeccomp(DefaultCapabilities(), kAmd64));
  for (const char* n :
       {"read", "write", "openat", "close", "newfstatat", "statx", "getdents64", "execve", "exit_group", "wait4",
        "fork", "vfork", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "mmap", "mprotect", "munmap", "brk",
        "futex", "set_robust_list", "rseq", "set_tid_address", "prlimit64", "getrandom", "arch_prctl",
        "bind", "listen", "accept4", "connect", "epoll_wait", "epoll_pwait", "epoll_ctl", "sendfile",
        "setsockopt", "sched_getaffinity", "clock_gettime", "clock_nanosleep", "uname", "chroot", "capget",
        "capset", "setuid", "setgroups", "prctl", "pipe2", "dup3", "fcntl", "ioctl", "chown", "fchownat",
        "mknodat", "kill", "tgkill", "ptrace", "seccomp", "memfd_create", "shmget", "mq_open", "io_submit",
        "inotify_add_watch", "utimensat", "fallocate", "fsync", "sysinfo", "getcwd", "umask", "setsid",
        "setpgid", "pidfd_open", "sched_yield", "timerfd_create", "eventfd2", "signalfd4", "socketpair",
        "recvmsg", "sendmmsg"}) {
    EXPECT_TRUE(ok.count(n)) << n;
  }
}

TEST(DefaultSeccomp, NeverAllowed) {
  // Not even for a container holding every capability.
  auto ok = Unconditional(DefaultSeccomp(EveryCapability(), kAmd64));
  for (const char* n : {"keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load", "swapon", "swapoff",
                        "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "uselib",
                        "ustat", "sysfs", "_sysctl", "nfsservctl", "create_module", "get_kernel_syms",
                        "query_module", "vm86", "vm86old"}) {
    EXPECT_FALSE(ok.count(n)) << n;
    EXPECT_TRUE(RulesFor(DefaultSeccomp(EveryCapability(), kAmd64), n).empty()) << n;
  }
}

TEST(DefaultSeccomp, CapabilitiesOpenTheirSyscalls) {
  struct Case {
    const char* cap;
    std::vector<const char*> names;
  };
  for (const Case& c : std::vector<Case>{
           {"CAP_SYS_ADMIN", {"mount", "umount2", "unshare", "setns", "sethostname", "bpf", "perf_event_open",
                              "fsopen", "move_mount", "open_tree", "quotactl", "fanotify_init", "name_to_handle_at",
                              "syslog", "pivot_root", "clone", "clone3"}},
           {"CAP_SYS_PTRACE", {"kcmp", "process_vm_readv", "process_vm_writev", "pidfd_getfd"}},
           {"CAP_SYS_MODULE", {"init_module", "finit_module", "delete_module"}},
           {"CAP_SYS_BOOT", {"reboot"}},
           {"CAP_SYS_PACCT", {"acct"}},
           {"CAP_SYS_RAWIO", {"iopl", "ioperm"}},
           {"CAP_SYS_TIME", {"settimeofday", "clock_settime"}},
           {"CAP_SYS_TTY_CONFIG", {"vhangup"}},
           {"CAP_SYS_NICE", {"mbind", "set_mempolicy", "get_mempolicy", "move_pages"}},
           {"CAP_SYSLOG", {"syslog"}},
           {"CAP_BPF", {"bpf"}},
           {"CAP_PERFMON", {"perf_event_open"}},
           {"CAP_DAC_READ_SEARCH", {"open_by_handle_at", "name_to_handle_at"}},
       }) {
    auto without = Unconditional(DefaultSeccomp(DefaultCapabilities(), kAmd64));
    auto with = Unconditional(DefaultSeccomp(DefaultPlus({c.cap}), kAmd64));
    for (const char* n : c.names) {
      EXPECT_FALSE(without.count(n)) << n << " without " << c.cap;
      EXPECT_TRUE(with.count(n)) << n << " with " << c.cap;
    }
  }
  // CAP_SYS_CHROOT is a default capability; without it, no chroot.
  Caps no_chroot = DefaultCapabilities();
  std::erase(no_chroot, "CAP_SYS_CHROOT");
  EXPECT_FALSE(Unconditional(DefaultSeccomp(no_chroot, kAmd64)).count("chroot"));
}

TEST(DefaultSeccomp, CloneAndClone3) {
  Json o = DefaultSeccomp(DefaultCapabilities(), kAmd64);
  auto clone = RulesFor(o, "clone");
  ASSERT_EQ(clone.size(), 1u);
  EXPECT_EQ(clone[0]["args"], Json::parse(R"([{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}])"));
  auto clone3 = RulesFor(o, "clone3");
  ASSERT_EQ(clone3.size(), 1u);
  EXPECT_EQ(clone3[0]["action"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(clone3[0]["errnoRet"], 38);
  // s390 passes the flags in argument 1.
  Json s390 = DefaultSeccomp(DefaultCapabilities(), {"s390x", "SCMP_ARCH_S390X", 6, 1});
  EXPECT_EQ(s390["architectures"], Json::parse(R"(["SCMP_ARCH_S390X","SCMP_ARCH_S390"])"));
  ASSERT_EQ(RulesFor(s390, "clone").size(), 1u);
  EXPECT_EQ(RulesFor(s390, "clone")[0]["args"][0]["index"], 1);
  // CAP_SYS_ADMIN: both unrestricted, no ENOSYS rule.
  Json admin = DefaultSeccomp(DefaultPlus({"CAP_SYS_ADMIN"}), kAmd64);
  for (const char* n : {"clone", "clone3"}) {
    auto rules = RulesFor(admin, n);
    ASSERT_EQ(rules.size(), 1u) << n;
    EXPECT_EQ(rules[0]["action"], "SCMP_ACT_ALLOW");
    EXPECT_FALSE(rules[0].contains("args"));
  }
}

TEST(DefaultSeccomp, PtraceFromKernel48AndArchitectures) {
  EXPECT_FALSE(Unconditional(DefaultSeccomp(DefaultCapabilities(), {"amd64", "SCMP_ARCH_X86_64", 4, 4})).count("ptrace"));
  EXPECT_TRUE(Unconditional(DefaultSeccomp(DefaultCapabilities(), {"amd64", "SCMP_ARCH_X86_64", 4, 8})).count("ptrace"));
  Json arm = DefaultSeccomp(DefaultCapabilities(), {"arm64", "SCMP_ARCH_AARCH64", 5, 10});
  EXPECT_EQ(arm["architectures"], Json::parse(R"(["SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"])"));
  auto ok = Unconditional(arm);
  EXPECT_TRUE(ok.count("set_tls"));
  EXPECT_FALSE(ok.count("arch_prctl"));
  EXPECT_FALSE(Unconditional(DefaultSeccomp(DefaultPlus({"CAP_SYS_RAWIO"}), {"arm64", "SCMP_ARCH_AARCH64", 5, 10}))
                   .count("iopl"));
}

// ---- loaded into a real process --------------------------------------------------------------------------

// Runs `call` in a forked child under the filter; returns its errno (0 on success), or -1000 - signal if the
// child died, -2000 if the filter did not load.
int Probe(const Json& oci, const std::function<long()>& call) {
  auto parsed = sys::ParseSeccomp(oci);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message();
  if (!parsed.ok()) return -2000;
  int fds[2];
  if (pipe(fds) != 0) return -2000;
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    int result = -2000;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && sys::LoadSeccomp(*parsed).ok()) {
      errno = 0;
      long rc = call();
      result = rc < 0 ? errno : 0;
    }
    (void)!write(fds[1], &result, sizeof result);
    _exit(0);
  }
  close(fds[1]);
  int result = -2000;
  ssize_t n = read(fds[0], &result, sizeof result);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (n != sizeof result) return WIFSIGNALED(status) ? -1000 - WTERMSIG(status) : -2000;
  return result;
}

// A clone(flags) whose child exits at once; returns as a syscall does.
long CloneAndReap(unsigned long flags) {
  long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) _exit(0);
  if (pid > 0) waitpid(static_cast<pid_t>(pid), nullptr, 0);
  return pid;
}

TEST(DefaultSeccompLoaded, BlocksWhatDockerBlocks) {
  if (!sys::KernelSupportsSeccomp()) GTEST_SKIP() << "kernel without seccomp";
  Json o = DefaultSeccomp(DefaultCapabilities());
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_keyctl, 0 /*KEYCTL_GET_KEYRING_ID*/, -3 /*session*/, 0); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_add_key, "user", "k", "v", 1, -3); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_request_key, "user", "k", nullptr, 0); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_unshare, CLONE_NEWUSER); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_unshare, 0x1 /*invalid*/); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_mount, "none", "/nonexistent-skiff", "tmpfs", 0, nullptr); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_umount2, "/nonexistent-skiff", 0); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_setns, -1, 0); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_bpf, 9999, nullptr, 0); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_userfaultfd, 0); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_io_uring_setup, 0, nullptr); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_init_module, nullptr, 0, ""); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_reboot, 0, 0, 0, nullptr); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_swapon, "/nonexistent-skiff", 0); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_acct, "/nonexistent-skiff"); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_clock_settime, CLOCK_REALTIME, nullptr); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_open_by_handle_at, -1, nullptr, 0); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, 0, 0); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_personality, ADDR_NO_RANDOMIZE); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_socket, AF_VSOCK, SOCK_STREAM, 0); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return CloneAndReap(CLONE_NEWUSER); }), EPERM);
  EXPECT_EQ(Probe(o, [] { return CloneAndReap(CLONE_NEWNS); }), EPERM);
  // clone3 answers ENOSYS, so libc falls back to clone.
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_clone3, nullptr, 0); }), ENOSYS);
}

TEST(DefaultSeccompLoaded, OrdinaryCallsWork) {
  if (!sys::KernelSupportsSeccomp()) GTEST_SKIP() << "kernel without seccomp";
  Json o = DefaultSeccomp(DefaultCapabilities());
  EXPECT_EQ(Probe(o, [] { return static_cast<long>(getpid()); }), 0);
  EXPECT_EQ(Probe(o, [] { return CloneAndReap(0); }), 0);
  EXPECT_EQ(Probe(o, [] {
              pid_t p = fork();
              if (p == 0) _exit(0);
              return p > 0 ? static_cast<long>(waitpid(p, nullptr, 0)) : -1L;
            }),
            0);
  // glibc's pthread_create tries clone3 first.
  EXPECT_EQ(Probe(o, [] {
              int v = 0;
              std::thread t([&] { v = 1; });
              t.join();
              return v == 1 ? 0L : -1L;
            }),
            0);
  EXPECT_EQ(Probe(o, [] {
              int s = socket(AF_INET, SOCK_STREAM, 0);
              if (s >= 0) close(s);
              return static_cast<long>(s);
            }),
            0);
  EXPECT_EQ(Probe(o, [] {
              int s = socket(AF_UNIX, SOCK_DGRAM, 0);
              if (s >= 0) close(s);
              return static_cast<long>(s);
            }),
            0);
  EXPECT_EQ(Probe(o, [] {
              int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
              char buf[64];
              long n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
              if (fd >= 0) close(fd);
              return n;
            }),
            0);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_personality, 0xffffffffUL); }), 0);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_ptrace, 1 /*PEEKTEXT*/, 0, 0, 0); }), ESRCH);
  EXPECT_EQ(Probe(o, [] { return syscall(SYS_chroot, "/nonexistent-skiff"); }), ENOENT);
}

TEST(DefaultSeccompLoaded, CapabilitiesOpenTheirSyscalls) {
  if (!sys::KernelSupportsSeccomp()) GTEST_SKIP() << "kernel without seccomp";
  Json admin = DefaultSeccomp(DefaultPlus({"CAP_SYS_ADMIN"}));
  EXPECT_EQ(Probe(admin, [] { return syscall(SYS_mount, "none", "/nonexistent-skiff", "tmpfs", 0, nullptr); }),
            ENOENT);  // the filter let it through: the kernel looks the path up before checking capabilities
  EXPECT_EQ(Probe(admin, [] { return syscall(SYS_unshare, 0x1 /*invalid*/); }), EINVAL);
  EXPECT_EQ(Probe(admin, [] { return syscall(SYS_setns, -1, 0); }), EBADF);
  EXPECT_EQ(Probe(admin, [] { return syscall(SYS_clone3, nullptr, 0); }), EINVAL);
  EXPECT_EQ(Probe(admin, [] { return syscall(SYS_keyctl, 0, -3, 0); }), EPERM);
  Json ptrace = DefaultSeccomp(DefaultPlus({"CAP_SYS_PTRACE"}));
  EXPECT_EQ(Probe(ptrace, [] { return syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, 0, 0); }), 0);
}

}  // namespace
}  // namespace skiff::daemon::profiles

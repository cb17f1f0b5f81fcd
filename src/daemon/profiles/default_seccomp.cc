// Skiff's default seccomp profile, written as Docker-format rules grouped by what the syscalls are for.
//
// Policy: a syscall is allowed for everyone when the kernel already confines it to the caller's own
// resources (files it can open, its own memory, processes it may signal); it is allowed only with a
// capability when its damage reaches outside the container and the kernel's own check is the capability
// in the container's user namespace; it is never allowed when it reaches kernel-global state that
// namespaces do not isolate. Never allowed (left to the default EPERM): the key management calls (keyctl,
// add_key, request_key - the keyring is not namespaced), kexec_load / kexec_file_load, swapon / swapoff,
// userfaultfd (a tool for winning kernel races), io_uring_* (a large attack surface that bypasses this
// filter for the operations it submits), obsolete calls (uselib, ustat, sysfs, _sysctl, nfsservctl,
// create_module, get_kernel_syms, query_module, vm86, vm86old), and everything not listed below.
#include <initializer_list>
#include <linux/sched.h>
#include <sys/socket.h>

#include "base/log.h"
#include "daemon/profiles/seccomp.h"

namespace skiff::daemon::profiles {
namespace {

using Names = std::initializer_list<const char*>;

// ---- allowed for every container -----------------------------------------------------------------------

constexpr Names kFileIo = {
    "open", "openat", "openat2", "creat", "close", "close_range", "read", "readv", "pread64", "preadv",
    "preadv2", "write", "writev", "pwrite64", "pwritev", "pwritev2", "lseek", "_llseek", "sendfile",
    "sendfile64", "splice", "tee", "vmsplice", "copy_file_range", "dup", "dup2", "dup3", "pipe", "pipe2",
    "fcntl", "fcntl64", "ioctl", "flock", "fsync", "fdatasync", "sync", "syncfs", "sync_file_range",
    "fallocate", "fadvise64", "fadvise64_64", "readahead", "truncate", "truncate64", "ftruncate",
    "ftruncate64", "cachestat",
};

constexpr Names kFileNames = {
    "stat", "stat64", "lstat", "lstat64", "fstat", "fstat64", "fstatat64", "newfstatat", "statx", "statfs",
    "statfs64", "fstatfs", "fstatfs64", "access", "faccessat", "faccessat2", "readlink", "readlinkat",
    "getdents", "getdents64", "getcwd", "chdir", "fchdir", "mkdir", "mkdirat", "mknod", "mknodat", "rmdir",
    "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "unlink", "unlinkat",
    "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "chown32", "fchown", "fchown32", "fchownat",
    "lchown", "lchown32", "umask", "utime", "utimes", "utimensat", "utimensat_time64", "futimesat",
};

constexpr Names kXattrs = {
    "getxattr",  "lgetxattr",  "fgetxattr",  "getxattrat",  "listxattr",    "llistxattr",   "flistxattr",
    "listxattrat", "setxattr", "lsetxattr",  "fsetxattr",   "setxattrat",   "removexattr",  "lremovexattr",
    "fremovexattr", "removexattrat",
};

// fanotify_init is CAP_SYS_ADMIN's; marking needs a group from it.
constexpr Names kNotify = {"inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_mark"};

constexpr Names kWaiting = {
    "select", "_newselect", "pselect6", "pselect6_time64", "poll", "ppoll", "ppoll_time64", "epoll_create",
    "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_wait", "epoll_wait_old", "epoll_pwait",
    "epoll_pwait2", "eventfd", "eventfd2", "signalfd", "signalfd4", "timerfd_create", "timerfd_settime",
    "timerfd_settime64", "timerfd_gettime", "timerfd_gettime64", "io_setup", "io_destroy", "io_submit",
    "io_cancel", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
};

constexpr Names kMemory = {
    "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "pkey_mprotect", "pkey_alloc", "pkey_free",
    "madvise", "mincore", "mlock", "mlock2", "mlockall", "munlock", "munlockall", "msync", "membarrier",
    "memfd_create", "memfd_secret", "remap_file_pages", "map_shadow_stack", "mseal",
};

// clone, clone3 and personality have rules of their own below; unshare and setns are CAP_SYS_ADMIN's.
constexpr Names kProcesses = {
    "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "waitpid", "getpid",
    "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid", "set_tid_address",
    "set_robust_list", "get_robust_list", "futex", "futex_time64", "futex_waitv", "futex_wake", "futex_wait",
    "futex_requeue", "rseq", "prctl", "sched_yield", "sched_getaffinity", "sched_setaffinity",
    "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler", "sched_get_priority_max",
    "sched_get_priority_min", "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_getattr",
    "sched_setattr", "getpriority", "setpriority", "ioprio_get", "ioprio_set", "getrlimit", "ugetrlimit",
    "setrlimit", "prlimit64", "getrusage", "times", "capget", "capset", "pidfd_open", "pidfd_send_signal",
    "process_mrelease", "restart_syscall", "seccomp", "landlock_create_ruleset", "landlock_add_rule",
    "landlock_restrict_self",
};

constexpr Names kSignalsAndTimers = {
    "kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
    "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
    "sigaction", "sigprocmask", "sigreturn", "sigpending", "sigsuspend", "sigaltstack", "signal", "pause",
    "alarm", "getitimer", "setitimer", "nanosleep", "clock_nanosleep", "clock_nanosleep_time64",
    "timer_create", "timer_delete", "timer_settime", "timer_settime64", "timer_gettime", "timer_gettime64",
    "timer_getoverrun",
};

// Reading clocks; adjtimex/clock_adjtime only change a clock with CAP_SYS_TIME (the kernel checks).
constexpr Names kClocks = {
    "time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres", "clock_getres_time64",
    "adjtimex", "clock_adjtime", "clock_adjtime64",
};

constexpr Names kIdentity = {
    "getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid", "getegid32", "getresuid",
    "getresuid32", "getresgid", "getresgid32", "getgroups", "getgroups32", "setuid", "setuid32", "setgid",
    "setgid32", "setreuid", "setreuid32", "setregid", "setregid32", "setresuid", "setresuid32", "setresgid",
    "setresgid32", "setgroups", "setgroups32", "setfsuid", "setfsuid32", "setfsgid", "setfsgid32",
};

constexpr Names kSystemInfo = {"uname", "sysinfo", "getcpu", "getrandom"};

// socket itself has a rule of its own (no AF_VSOCK). socketcall (32-bit x86) multiplexes all of these and
// cannot be filtered by family.
constexpr Names kSockets = {
    "socketpair", "bind", "connect", "listen", "accept", "accept4", "getsockname", "getpeername",
    "setsockopt", "getsockopt", "sendto", "recvfrom", "send", "recv", "sendmsg", "recvmsg", "sendmmsg",
    "recvmmsg", "recvmmsg_time64", "shutdown", "socketcall",
};

constexpr Names kIpc = {
    "shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semtimedop_time64", "semctl",
    "msgget", "msgsnd", "msgrcv", "msgctl", "ipc", "mq_open", "mq_unlink", "mq_timedsend",
    "mq_timedsend_time64", "mq_timedreceive", "mq_timedreceive_time64", "mq_notify", "mq_getsetattr",
};

// ---- per architecture ------------------------------------------------------------------------------------

constexpr Names kX86 = {"arch_prctl", "modify_ldt", "set_thread_area", "get_thread_area"};
constexpr Names kArm = {"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
                        "set_tls"};
constexpr Names kPpc = {"sync_file_range2"};
constexpr Names kS390 = {"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"};
constexpr Names kRiscv = {"riscv_flush_icache", "riscv_hwprobe"};

// ---- needing a capability ------------------------------------------------------------------------------

// Mounts, namespaces, host identity, quotas, file handles, the kernel log and tracing.
constexpr Names kSysAdmin = {
    "mount", "umount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount",
    "fspick", "mount_setattr", "setns", "unshare", "clone", "clone3", "sethostname", "setdomainname",
    "quotactl", "quotactl_fd", "lookup_dcookie", "fanotify_init", "name_to_handle_at", "bpf",
    "perf_event_open", "syslog",
};
// Reading or changing other processes (ptrace itself is allowed for everyone from 4.8, see below).
constexpr Names kSysPtrace = {"ptrace", "kcmp", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
                              "process_madvise"};
constexpr Names kSysModule = {"init_module", "finit_module", "delete_module"};
constexpr Names kSysBoot = {"reboot"};
constexpr Names kSysChroot = {"chroot"};
constexpr Names kSysPacct = {"acct"};
constexpr Names kSysRawio = {"iopl", "ioperm"};
constexpr Names kSysTime = {"settimeofday", "stime", "clock_settime", "clock_settime64"};
constexpr Names kSysTtyConfig = {"vhangup"};
constexpr Names kSysNice = {"get_mempolicy", "set_mempolicy", "set_mempolicy_home_node", "mbind", "move_pages",
                            "migrate_pages"};
constexpr Names kSyslog = {"syslog"};
constexpr Names kBpf = {"bpf"};
constexpr Names kPerfmon = {"perf_event_open"};
constexpr Names kDacReadSearch = {"open_by_handle_at", "name_to_handle_at"};

// Namespace flags clone, clone3 and unshare take; clone() without any of them only makes a process or a
// thread. CLONE_NEWTIME shares its bit with CSIGNAL in clone(), so it is not part of clone's mask.
constexpr uint64_t kCloneNamespaceFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
                                          CLONE_NEWNET | CLONE_NEWCGROUP;

// personality(2) values that only select Linux behaviour: PER_LINUX, PER_LINUX32, UNAME26 with either, and
// the query 0xffffffff. Everything else (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, other personalities) is
// refused.
constexpr uint64_t kPerLinux = 0x0000, kPerLinux32 = 0x0008, kUname26 = 0x0020000, kPersonalityQuery = 0xffffffff;

constexpr int kEnosys = 38;

Json Rule(const char* comment, Names names, Json includes = nullptr, Json excludes = nullptr) {
  Json r = {{"names", Json::array()}, {"action", "SCMP_ACT_ALLOW"}, {"comment", comment}};
  for (const char* n : names) r["names"].push_back(n);
  if (!includes.is_null()) r["includes"] = std::move(includes);
  if (!excludes.is_null()) r["excludes"] = std::move(excludes);
  return r;
}

Json Caps(const char* cap) { return {{"caps", Json::array({cap})}}; }
Json Arches(std::initializer_list<const char*> arches) {
  Json a = Json::array();
  for (const char* n : arches) a.push_back(n);
  return {{"arches", a}};
}

Json Arg(unsigned index, uint64_t value, const char* op, uint64_t value_two = 0) {
  return {{"index", index}, {"value", value}, {"valueTwo", value_two}, {"op", op}};
}

}  // namespace

Json DefaultDockerSeccompProfile() {
  Json p = {{"defaultAction", "SCMP_ACT_ERRNO"}, {"defaultErrnoRet", 1}};
  p["archMap"] = Json::array({
      {{"architecture", "SCMP_ARCH_X86_64"}, {"subArchitectures", Json::array({"SCMP_ARCH_X86", "SCMP_ARCH_X32"})}},
      {{"architecture", "SCMP_ARCH_AARCH64"}, {"subArchitectures", Json::array({"SCMP_ARCH_ARM"})}},
      {{"architecture", "SCMP_ARCH_X86"}, {"subArchitectures", Json::array()}},
      {{"architecture", "SCMP_ARCH_ARM"}, {"subArchitectures", Json::array()}},
      {{"architecture", "SCMP_ARCH_PPC64LE"}, {"subArchitectures", Json::array()}},
      {{"architecture", "SCMP_ARCH_S390X"}, {"subArchitectures", Json::array({"SCMP_ARCH_S390"})}},
      {{"architecture", "SCMP_ARCH_RISCV64"}, {"subArchitectures", Json::array()}},
  });
  Json& s = p["syscalls"];
  s = Json::array();
  s.push_back(Rule("file I/O", kFileIo));
  s.push_back(Rule("file names and metadata", kFileNames));
  s.push_back(Rule("extended attributes", kXattrs));
  s.push_back(Rule("file change notification", kNotify));
  s.push_back(Rule("waiting for events, asynchronous I/O", kWaiting));
  s.push_back(Rule("memory", kMemory));
  s.push_back(Rule("processes and threads", kProcesses));
  s.push_back(Rule("signals and timers", kSignalsAndTimers));
  s.push_back(Rule("clocks", kClocks));
  s.push_back(Rule("user and group ids", kIdentity));
  s.push_back(Rule("system information", kSystemInfo));
  s.push_back(Rule("sockets", kSockets));
  s.push_back(Rule("System V and POSIX IPC", kIpc));

  Json sock = Rule("sockets of every family but AF_VSOCK (host-guest channels)", {"socket"});
  sock["args"] = Json::array({Arg(0, AF_VSOCK, "SCMP_CMP_NE")});
  s.push_back(std::move(sock));

  for (uint64_t v : {kPerLinux, kPerLinux32, kUname26, kUname26 | kPerLinux32, kPersonalityQuery}) {
    Json r = Rule("personality: Linux behaviour only", {"personality"});
    r["args"] = Json::array({Arg(0, v, "SCMP_CMP_EQ")});
    s.push_back(std::move(r));
  }

  // Without CAP_SYS_ADMIN: clone only without namespace flags (the flags are argument 1 on s390), and clone3,
  // whose flags live in memory a filter cannot read, fails with ENOSYS so libc falls back to clone.
  Json clone = Rule("clone without namespace flags", {"clone"}, Json(nullptr),
                    {{"caps", Json::array({"CAP_SYS_ADMIN"})}, {"arches", Json::array({"s390", "s390x"})}});
  clone["args"] = Json::array({Arg(0, kCloneNamespaceFlags, "SCMP_CMP_MASKED_EQ", 0)});
  s.push_back(std::move(clone));
  Json clone_s390 = Rule("clone without namespace flags (s390: flags are argument 1)", {"clone"},
                         Arches({"s390", "s390x"}), Caps("CAP_SYS_ADMIN"));
  clone_s390["args"] = Json::array({Arg(1, kCloneNamespaceFlags, "SCMP_CMP_MASKED_EQ", 0)});
  s.push_back(std::move(clone_s390));
  Json clone3 = Rule("clone3: ENOSYS so that libc uses clone", {"clone3"}, Json(nullptr), Caps("CAP_SYS_ADMIN"));
  clone3["action"] = "SCMP_ACT_ERRNO";
  clone3["errnoRet"] = kEnosys;
  s.push_back(std::move(clone3));

  // ptrace could bypass seccomp before 4.8 (a tracer could change a syscall after the filter ran).
  Json ptrace = Rule("ptrace (safe with seccomp from 4.8)", {"ptrace"});
  ptrace["includes"] = Json{{"minKernel", "4.8"}};
  s.push_back(std::move(ptrace));

  s.push_back(Rule("x86", kX86, Arches({"amd64", "x32", "386"})));
  s.push_back(Rule("arm", kArm, Arches({"arm", "arm64"})));
  s.push_back(Rule("powerpc", kPpc, Arches({"ppc64le"})));
  s.push_back(Rule("s390", kS390, Arches({"s390", "s390x"})));
  s.push_back(Rule("riscv", kRiscv, Arches({"riscv64"})));

  s.push_back(Rule("CAP_SYS_ADMIN: mounts, namespaces, host names, quotas, handles, tracing", kSysAdmin,
                   Caps("CAP_SYS_ADMIN")));
  s.push_back(Rule("CAP_SYS_PTRACE: other processes' memory and files", kSysPtrace, Caps("CAP_SYS_PTRACE")));
  s.push_back(Rule("CAP_SYS_MODULE: kernel modules", kSysModule, Caps("CAP_SYS_MODULE")));
  s.push_back(Rule("CAP_SYS_BOOT: reboot", kSysBoot, Caps("CAP_SYS_BOOT")));
  s.push_back(Rule("CAP_SYS_CHROOT: chroot", kSysChroot, Caps("CAP_SYS_CHROOT")));
  s.push_back(Rule("CAP_SYS_PACCT: process accounting", kSysPacct, Caps("CAP_SYS_PACCT")));
  Json rawio = Rule("CAP_SYS_RAWIO: I/O ports", kSysRawio, Caps("CAP_SYS_RAWIO"));
  rawio["includes"]["arches"] = Json::array({"amd64", "x32", "386"});
  s.push_back(std::move(rawio));
  s.push_back(Rule("CAP_SYS_TIME: setting clocks", kSysTime, Caps("CAP_SYS_TIME")));
  s.push_back(Rule("CAP_SYS_TTY_CONFIG: vhangup", kSysTtyConfig, Caps("CAP_SYS_TTY_CONFIG")));
  s.push_back(Rule("CAP_SYS_NICE: NUMA memory policy", kSysNice, Caps("CAP_SYS_NICE")));
  s.push_back(Rule("CAP_SYSLOG: kernel log", kSyslog, Caps("CAP_SYSLOG")));
  s.push_back(Rule("CAP_BPF: bpf", kBpf, Caps("CAP_BPF")));
  s.push_back(Rule("CAP_PERFMON: perf events", kPerfmon, Caps("CAP_PERFMON")));
  s.push_back(Rule("CAP_DAC_READ_SEARCH: file handles", kDacReadSearch, Caps("CAP_DAC_READ_SEARCH")));
  return p;
}

Json DefaultSeccomp(const std::vector<std::string>& caps) { return DefaultSeccomp(caps, CurrentSeccompHost()); }

Json DefaultSeccomp(const std::vector<std::string>& caps, const SeccompHost& host) {
  // The profile is built here, so a conversion error is a bug in the tables above (unit tests cover it).
  // Fail closed: a profile that refuses every syscall, so the container cannot start unconfined.
  auto r = SeccompFromDockerProfile(DefaultDockerSeccompProfile(), caps, host);
  if (r.ok()) return std::move(r).value();
  log::Err("default seccomp profile: {}", r.error().message());
  return Json{{"defaultAction", "SCMP_ACT_ERRNO"}, {"defaultErrnoRet", 1}};
}

}  // namespace skiff::daemon::profiles

#include "sys/seccomp.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/syscall.h>

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace skiff::sys {
namespace {

Json J(const std::string& text) { return Json::parse(text); }

// ---- A small classic-BPF interpreter, enough for libseccomp's output and our stub. It lets the unit tests
// check what a filter decides for a given syscall without loading it.
struct Call {
  uint32_t arch = AUDIT_ARCH_X86_64;
  int nr = 0;
  uint64_t args[6] = {};
};

uint32_t RunBpf(const std::string& bytes, const Call& c) {
  std::vector<sock_filter> prog(bytes.size() / sizeof(sock_filter));
  std::memcpy(prog.data(), bytes.data(), bytes.size());
  seccomp_data data{};
  data.nr = c.nr;
  data.arch = c.arch;
  for (int i = 0; i < 6; ++i) data.args[i] = c.args[i];
  const auto* raw = reinterpret_cast<const unsigned char*>(&data);
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& f = prog[pc];
    uint32_t src = BPF_SRC(f.code) == BPF_X ? x : f.k;
    switch (BPF_CLASS(f.code)) {
      case BPF_LD:
        if (BPF_MODE(f.code) == BPF_ABS) {
          if (f.k + 4 > sizeof(data)) return 0xdeadbeef;
          std::memcpy(&a, raw + f.k, 4);
        } else if (BPF_MODE(f.code) == BPF_IMM) {
          a = f.k;
        } else if (BPF_MODE(f.code) == BPF_MEM) {
          a = mem[f.k];
        } else {
          return 0xdeadbeef;
        }
        break;
      case BPF_LDX:
        if (BPF_MODE(f.code) == BPF_IMM) x = f.k;
        else if (BPF_MODE(f.code) == BPF_MEM) x = mem[f.k];
        else return 0xdeadbeef;
        break;
      case BPF_ST: mem[f.k] = a; break;
      case BPF_STX: mem[f.k] = x; break;
      case BPF_ALU:
        switch (BPF_OP(f.code)) {
          case BPF_ADD: a += src; break;
          case BPF_SUB: a -= src; break;
          case BPF_AND: a &= src; break;
          case BPF_OR: a |= src; break;
          case BPF_LSH: a <<= src; break;
          case BPF_RSH: a >>= src; break;
          case BPF_NEG: a = -a; break;
          default: return 0xdeadbeef;
        }
        break;
      case BPF_JMP: {
        bool cond = false;
        switch (BPF_OP(f.code)) {
          case BPF_JA: pc += f.k; continue;
          case BPF_JEQ: cond = a == src; break;
          case BPF_JGT: cond = a > src; break;
          case BPF_JGE: cond = a >= src; break;
          case BPF_JSET: cond = (a & src) != 0; break;
          default: return 0xdeadbeef;
        }
        pc += cond ? f.jt : f.jf;
        break;
      }
      case BPF_RET: return BPF_RVAL(f.code) == BPF_A ? a : f.k;
      case BPF_MISC:
        if (BPF_MISCOP(f.code) == BPF_TAX) x = a;
        else a = x;
        break;
      default: return 0xdeadbeef;
    }
  }
  return 0xdeadbeef;  // fell off the end: invalid program
}

std::string Bpf(const std::string& json) {
  auto p = ParseSeccomp(J(json));
  EXPECT_TRUE(p.ok()) << p.error().message();
  if (!p.ok()) return {};
  auto b = ExportSeccompBpf(*p);
  EXPECT_TRUE(b.ok()) << b.error().message();
  return b.ok() ? *b : std::string();
}

Call Sys(int nr, uint64_t a0 = 0, uint64_t a1 = 0) {
  Call c;
  c.nr = nr;
  c.args[0] = a0;
  c.args[1] = a1;
  return c;
}

// ---- Parsing -------------------------------------------------------------------------------------------

TEST(Seccomp, DisabledWhenAbsentOrEmpty) {
  for (const char* text : {"null", "{}", R"({"architectures": ["SCMP_ARCH_X86_64"]})",
                           R"({"defaultAction": "", "syscalls": []})"}) {
    auto p = ParseSeccomp(J(text));
    ASSERT_TRUE(p.ok()) << text << ": " << p.error().message();
    EXPECT_FALSE(SeccompEnabled(*p)) << text;
    auto fd = LoadSeccomp(*p);  // loads nothing
    ASSERT_TRUE(fd.ok());
    EXPECT_FALSE(fd->valid());
  }
}

TEST(Seccomp, ParsesSpecExample) {
  auto p = ParseSeccomp(J(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    "syscalls": [{"names": ["getcwd", "chmod"], "action": "SCMP_ACT_ERRNO"},
                 {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
                  "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_NE"},
                           {"index": 1, "value": 7, "valueTwo": 3, "op": "SCMP_CMP_MASKED_EQ"}]}]})"));
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_TRUE(SeccompEnabled(*p));
  EXPECT_EQ(p->default_action, SeccompAction::kAllow);
  EXPECT_FALSE(p->default_errno_ret.has_value());
  EXPECT_EQ(p->architectures, (std::vector<uint32_t>{SCMP_ARCH_X86, SCMP_ARCH_X32}));
  EXPECT_EQ(p->flags, kSeccompFlagLog | kSeccompFlagSpecAllow);
  ASSERT_EQ(p->syscalls.size(), 3u);
  EXPECT_EQ(p->syscalls[0].name, "getcwd");
  EXPECT_EQ(p->syscalls[0].nr, SYS_getcwd);
  EXPECT_EQ(p->syscalls[1].name, "chmod");
  EXPECT_EQ(p->syscalls[1].action, SeccompAction::kErrno);
  EXPECT_EQ(p->syscalls[1].field, "linux.seccomp.syscalls[0]");
  const auto& pers = p->syscalls[2];
  EXPECT_EQ(pers.errno_ret, 22u);
  ASSERT_EQ(pers.args.size(), 2u);
  EXPECT_EQ(pers.args[0].op, SeccompOp::kNe);
  EXPECT_EQ(pers.args[0].value, 0xffffffffu);
  EXPECT_EQ(pers.args[1].index, 1u);
  EXPECT_EQ(pers.args[1].op, SeccompOp::kMaskedEq);
  EXPECT_EQ(pers.args[1].value_two, 3u);
  EXPECT_FALSE(p->UsesNotify());
}

TEST(Seccomp, ActionNamesAndValues) {
  EXPECT_EQ(*SeccompActionFromName("SCMP_ACT_KILL"), SeccompAction::kKillThread);
  EXPECT_EQ(*SeccompActionFromName("SCMP_ACT_KILL_PROCESS"), SeccompAction::kKillProcess);
  EXPECT_EQ(*SeccompActionFromName("SCMP_ACT_NOTIFY"), SeccompAction::kNotify);
  EXPECT_FALSE(SeccompActionFromName("SCMP_ACT_FOO").ok());
  EXPECT_EQ(SeccompActionValue(SeccompAction::kErrno, std::nullopt), SCMP_ACT_ERRNO(EPERM));
  EXPECT_EQ(SeccompActionValue(SeccompAction::kErrno, 38u), SCMP_ACT_ERRNO(38));
  EXPECT_EQ(SeccompActionValue(SeccompAction::kTrace, std::nullopt), SCMP_ACT_TRACE(EPERM));
  EXPECT_EQ(SeccompActionValue(SeccompAction::kKillThread, std::nullopt), SCMP_ACT_KILL_THREAD);
  EXPECT_EQ(*SeccompArchFromName("SCMP_ARCH_AARCH64"), SCMP_ARCH_AARCH64);
  EXPECT_EQ(SeccompArchFromName("SCMP_ARCH_VAX").error().code(), Errc::kInvalidArgument);
}

TEST(Seccomp, UnknownSyscallNamesAreSkipped) {
  auto p = ParseSeccomp(J(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["read", "not_a_syscall_xyz", "write"], "action": "SCMP_ACT_ALLOW"}]})"));
  ASSERT_TRUE(p.ok()) << p.error().message();
  ASSERT_EQ(p->syscalls.size(), 2u);
  EXPECT_EQ(p->syscalls[1].name, "write");
  EXPECT_EQ(p->skipped_names, std::vector<std::string>{"not_a_syscall_xyz"});
}

TEST(Seccomp, AcceptsSignedIntegersFromJsonBuiltInCode) {
  // A daemon building the profile with nlohmann stores ints as signed; non-negative ones are fine.
  Json j = {{"defaultAction", "SCMP_ACT_ERRNO"},
            {"defaultErrnoRet", 1},
            {"syscalls", {{{"names", {"personality"}},
                           {"action", "SCMP_ACT_ALLOW"},
                           {"args", {{{"index", 0}, {"value", 8}, {"valueTwo", 0}, {"op", "SCMP_CMP_EQ"}}}}}}}};
  ASSERT_TRUE(j["defaultErrnoRet"].is_number_integer() && !j["defaultErrnoRet"].is_number_unsigned());
  auto p = ParseSeccomp(j);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->default_errno_ret, 1u);
  EXPECT_EQ(p->syscalls.at(0).args.at(0).value, 8u);
  j["defaultErrnoRet"] = -1;
  EXPECT_EQ(ParseSeccomp(j).error().message(), "linux.seccomp.defaultErrnoRet: expected unsigned integer");
}

TEST(Seccomp, NotifyNeedsListener) {
  auto p = ParseSeccomp(J(R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock",
      "listenerMetadata": "m", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]})"));
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_TRUE(p->UsesNotify());
  EXPECT_EQ(p->listener_path, "/run/agent.sock");
  EXPECT_EQ(p->listener_metadata, "m");
}

struct BadCase {
  std::string json;
  std::string message;
};

TEST(Seccomp, BadInputNamesTheField) {
  const std::string syscall_ok = R"({"names": ["read"], "action": "SCMP_ACT_ALLOW"})";
  auto with = [&](const std::string& call) {
    return R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [)" + syscall_ok + "," + syscall_ok + "," +
           syscall_ok + "," + call + "]}";
  };
  const std::string s3 = "linux.seccomp.syscalls[3]";
  const BadCase cases[] = {
      {R"([1])", "linux.seccomp: expected object"},
      {R"({"syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})", "linux.seccomp.defaultAction: required"},
      {R"({"defaultAction": "SCMP_ACT_FOO"})", "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\""},
      {R"({"defaultAction": 3})", "linux.seccomp.defaultAction: expected string"},
      {R"({"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/x"})",
       "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as default action"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1})",
       "linux.seccomp.defaultErrnoRet: expected unsigned integer"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 70000})",
       "linux.seccomp.defaultErrnoRet: errno 70000 out of range (max 65535)"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1})",
       "linux.seccomp.defaultErrnoRet: not valid with defaultAction SCMP_ACT_ALLOW (only SCMP_ACT_ERRNO and "
       "SCMP_ACT_TRACE take an errno)"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": "SCMP_ARCH_X86"})",
       "linux.seccomp.architectures: expected array of strings"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_PDP11"]})",
       "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_PDP11\""},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_X"]})",
       "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_X\""},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": 5})", "linux.seccomp.listenerPath: expected string"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "x"})",
       "linux.seccomp.listenerMetadata: must not be set without listenerPath"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]})",
       "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used"},
      {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}})", "linux.seccomp.syscalls: expected array"},
      {with(R"(7)"), s3 + ": expected object"},
      {with(R"({"action": "SCMP_ACT_ALLOW"})"), s3 + ".names: required"},
      {with(R"({"names": "read", "action": "SCMP_ACT_ALLOW"})"), s3 + ".names: expected array of strings"},
      {with(R"({"names": [], "action": "SCMP_ACT_ALLOW"})"), s3 + ".names: must contain at least one entry"},
      {with(R"({"names": ["read", 4], "action": "SCMP_ACT_ALLOW"})"), s3 + ".names[1]: expected string"},
      {with(R"({"names": [""], "action": "SCMP_ACT_ALLOW"})"), s3 + ".names[0]: empty string is not a valid syscall"},
      {with(R"({"names": ["read"]})"), s3 + ".action: required"},
      {with(R"({"names": ["read"], "action": "SCMP_ACT_FOO"})"), s3 + ".action: unknown action \"SCMP_ACT_FOO\""},
      {with(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1})"),
       s3 + ".errnoRet: not valid with action SCMP_ACT_ALLOW (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno)"},
      {with(R"({"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": "EPERM"})"),
       s3 + ".errnoRet: expected unsigned integer"},
      {with(R"({"names": ["write"], "action": "SCMP_ACT_NOTIFY"})"),
       s3 + ".names[0]: SCMP_ACT_NOTIFY cannot be used for the write syscall"},
      {with(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": {}})"), s3 + ".args: expected array"},
      {with(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"value": 1, "op": "SCMP_CMP_EQ"}]})"),
       s3 + ".args[0].index: required"},
      {with(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]})"),
       s3 + ".args[0].index: 6 out of range (a syscall has at most 6 arguments)"},
      {with(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "op": "SCMP_CMP_EQ"}]})"),
       s3 + ".args[0].value: required"},
      {with(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": -5, "op": "SCMP_CMP_EQ"}]})"),
       s3 + ".args[0].value: expected unsigned 64-bit integer"},
      {with(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "valueTwo": "2", "op": "SCMP_CMP_EQ"}]})"),
       s3 + ".args[0].valueTwo: expected unsigned 64-bit integer"},
      {with(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1}]})"),
       s3 + ".args[0].op: required"},
      {with(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]})"),
       s3 + ".args[0].op: unknown operator \"SCMP_CMP_LIKE\""},
  };
  for (const auto& c : cases) {
    auto r = ParseSeccomp(J(c.json));
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.error().code(), Errc::kInvalidArgument) << c.json;
    EXPECT_EQ(r.error().message(), c.message) << c.json;
  }
}

TEST(Seccomp, CustomFieldNameAndUnsupportedArch) {
  auto r = ParseSeccomp(J(R"({"defaultAction": "SCMP_ACT_BAD"})"), "profile");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "profile.defaultAction: unknown action \"SCMP_ACT_BAD\"");
#if SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR < 6
  // In the spec, but libseccomp 2.5 cannot filter for it.
  auto u = ParseSeccomp(J(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_M68K"]})"));
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code(), Errc::kUnsupported);
  EXPECT_EQ(u.error().message().rfind("linux.seccomp.architectures[0]: architecture \"SCMP_ARCH_M68K\"", 0), 0u)
      << u.error().message();
#endif
}

// ---- Filter semantics, via the exported BPF ------------------------------------------------------------

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;
constexpr uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;

TEST(SeccompBpf, DenyOneSyscall) {
  std::string b = Bpf(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
                   {"names": ["getppid"], "action": "SCMP_ACT_KILL"},
                   {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]})");
  EXPECT_EQ(RunBpf(b, Sys(SYS_mkdir)), kEperm);
  EXPECT_EQ(RunBpf(b, Sys(SYS_mkdirat)), kAllow);
  EXPECT_EQ(RunBpf(b, Sys(SYS_getppid)), SECCOMP_RET_KILL_THREAD);
  EXPECT_EQ(RunBpf(b, Sys(SYS_getpid)), kAllow);  // same as default: skipped, still allowed
  EXPECT_EQ(RunBpf(b, Sys(1000)), kAllow);        // permissive default: no -ENOSYS stub
  Call other_arch = Sys(SYS_mkdir);
  other_arch.arch = AUDIT_ARCH_AARCH64;
  EXPECT_EQ(RunBpf(b, other_arch), SECCOMP_RET_KILL_THREAD);  // bad-arch action
}

TEST(SeccompBpf, ArgsSameIndexAreOredDifferentIndexesAnded) {
  std::string b = Bpf(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
          {"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
      {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [
          {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 1, "op": "SCMP_CMP_EQ"}]},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [
          {"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "args": [
          {"index": 1, "value": 9, "op": "SCMP_CMP_GE"}]}]})");
  EXPECT_EQ(RunBpf(b, Sys(SYS_personality, 0xffffffff)), kAllow);
  EXPECT_EQ(RunBpf(b, Sys(SYS_personality, 8)), kAllow);
  EXPECT_EQ(RunBpf(b, Sys(SYS_personality, 0)), kEperm);
  EXPECT_EQ(RunBpf(b, Sys(SYS_socket, 1, 1)), kAllow);
  EXPECT_EQ(RunBpf(b, Sys(SYS_socket, 1, 2)), kEperm);
  EXPECT_EQ(RunBpf(b, Sys(SYS_socket, 2, 1)), kEperm);
  EXPECT_EQ(RunBpf(b, Sys(SYS_clone, 0x11 /* SIGCHLD|... */)), kAllow);
  EXPECT_EQ(RunBpf(b, Sys(SYS_clone, 0x20000 /* CLONE_NEWNS */)), kEperm);
  EXPECT_EQ(RunBpf(b, Sys(SYS_kill, 1, 15)), SECCOMP_RET_ERRNO | 13);
  EXPECT_EQ(RunBpf(b, Sys(SYS_kill, 1, 2)), kEperm);
}

TEST(SeccompBpf, EnosysStubForSyscallsNewerThanTheProfile) {
  // Highest syscall named is personality (135 on x86_64, 136 on i386).
  std::string b = Bpf(R"({"defaultAction": "SCMP_ACT_KILL_PROCESS",
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      "syscalls": [{"names": ["read", "personality"], "action": "SCMP_ACT_ALLOW"}]})");
  EXPECT_EQ(RunBpf(b, Sys(SYS_read)), kAllow);
  EXPECT_EQ(RunBpf(b, Sys(SYS_personality)), kAllow);
  EXPECT_EQ(RunBpf(b, Sys(SYS_getppid)), SECCOMP_RET_KILL_PROCESS);  // 110 <= 135: default action
  EXPECT_EQ(RunBpf(b, Sys(SYS_openat)), kEnosys);                     // 257 > 135: newer than the profile
  EXPECT_EQ(RunBpf(b, Sys(435 /* clone3 */)), kEnosys);
  Call i386 = Sys(3 /* read on i386 */);
  i386.arch = AUDIT_ARCH_I386;
  EXPECT_EQ(RunBpf(b, i386), kAllow);
  i386.nr = 137;
  EXPECT_EQ(RunBpf(b, i386), kEnosys);
  i386.nr = 120;
  EXPECT_EQ(RunBpf(b, i386), SECCOMP_RET_KILL_PROCESS);
  // x32 is not in the profile: x32 calls hit libseccomp's bad-arch action, not the stub.
  Call x32 = Sys(0x40000000 | 300);
  EXPECT_EQ(RunBpf(b, x32), SECCOMP_RET_KILL_THREAD);

  // defaultErrnoRet ENOSYS makes the stub pointless; runc leaves it out.
  std::string n = Bpf(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
      "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})");
  EXPECT_EQ(RunBpf(n, Sys(SYS_openat)), kEnosys);
  EXPECT_EQ(RunBpf(n, Sys(SYS_write)), kEnosys);
  EXPECT_LT(n.size(), b.size());
}

TEST(SeccompBpf, X32InProfile) {
  std::string b = Bpf(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"],
      "syscalls": [{"names": ["read", "mkdir"], "action": "SCMP_ACT_ALLOW"}]})");
  EXPECT_EQ(RunBpf(b, Sys(0x40000000 | SYS_read)), kAllow);
  EXPECT_EQ(RunBpf(b, Sys(0x40000000 | SYS_getppid)), kEnosys);  // 110 > mkdir (83)
  EXPECT_EQ(RunBpf(b, Sys(0x40000000 | SYS_write)), kEperm);
  EXPECT_EQ(RunBpf(b, Sys(SYS_getppid)), kEnosys);
  EXPECT_EQ(RunBpf(b, Sys(SYS_write)), kEperm);
}

// A profile shaped like Docker's default (as dockerd hands it to the runtime): ERRNO default, three
// x86 architectures, ~300 names (some newer than libseccomp or only on other arches), conditional rules.
std::string DockerStyleProfile() {
  const char* allowed[] = {
      "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget", "capset",
      "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
      "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64",
      "close", "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
      "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
      "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
      "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat",
      "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr",
      "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
      "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_requeue", "futex_time64",
      "futex_wait", "futex_waitv", "futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64",
      "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
      "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
      "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list", "getrusage",
      "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday", "getuid",
      "getuid32", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
      "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
      "ioprio_get", "ioprio_set", "io_setup", "io_submit", "io_uring_enter", "io_uring_register",
      "io_uring_setup", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
      "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr",
      "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
      "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat",
      "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr",
      "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
      "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync",
      "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open",
      "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc",
      "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
      "prlimit64", "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2",
      "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
      "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat", "renameat2",
      "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
      "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
      "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
      "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
      "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
      "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
      "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid",
      "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority",
      "setregid", "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid",
      "setreuid32", "setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
      "set_tid_address", "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
      "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair",
      "splice", "stat", "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync",
      "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
      "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
      "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64",
      "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat",
      "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid",
      "waitpid", "write", "writev", "arch_prctl", "modify_ldt", "some_syscall_from_2030"};
  Json names = Json::array();
  for (const char* n : allowed) names.push_back(n);
  Json syscalls = Json::array();
  syscalls.push_back({{"names", names}, {"action", "SCMP_ACT_ALLOW"}});
  syscalls.push_back({{"names", {"process_vm_readv", "process_vm_writev", "ptrace"}}, {"action", "SCMP_ACT_ALLOW"}});
  syscalls.push_back({{"names", {"socket"}},
                      {"action", "SCMP_ACT_ALLOW"},
                      {"args", {{{"index", 0}, {"value", 40}, {"valueTwo", 0}, {"op", "SCMP_CMP_NE"}}}}});
  for (uint64_t v : {0ull, 8ull, 131072ull, 131080ull, 4294967295ull}) {
    syscalls.push_back({{"names", {"personality"}},
                        {"action", "SCMP_ACT_ALLOW"},
                        {"args", {{{"index", 0}, {"value", v}, {"valueTwo", 0}, {"op", "SCMP_CMP_EQ"}}}}});
  }
  syscalls.push_back(
      {{"names", {"clone"}},
       {"action", "SCMP_ACT_ALLOW"},
       {"args", {{{"index", 0}, {"value", 2114060288}, {"valueTwo", 0}, {"op", "SCMP_CMP_MASKED_EQ"}}}}});
  syscalls.push_back({{"names", {"clone3"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 38}});
  Json profile = {{"defaultAction", "SCMP_ACT_ERRNO"},
                  {"defaultErrnoRet", 1},
                  {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
                  {"syscalls", syscalls}};
  return profile.dump();
}

TEST(SeccompBpf, DockerStyleProfile) {
  auto p = ParseSeccomp(J(DockerStyleProfile()));
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_GT(p->syscalls.size(), 300u);
  EXPECT_EQ(p->architectures.size(), 3u);
  // Names no libseccomp knows are skipped, names of other arches (chown32, _llseek) are kept.
  EXPECT_NE(std::find(p->skipped_names.begin(), p->skipped_names.end(), "some_syscall_from_2030"),
            p->skipped_names.end());
  bool has_llseek = false;
  for (const auto& s : p->syscalls) has_llseek |= s.name == "_llseek";
  EXPECT_TRUE(has_llseek);

  auto bpf = ExportSeccompBpf(*p);
  ASSERT_TRUE(bpf.ok()) << bpf.error().message();
  const std::string& b = *bpf;
  EXPECT_EQ(RunBpf(b, Sys(SYS_read)), kAllow);
  EXPECT_EQ(RunBpf(b, Sys(SYS_mount)), SECCOMP_RET_ERRNO | 1);
  EXPECT_EQ(RunBpf(b, Sys(SYS_reboot)), SECCOMP_RET_ERRNO | 1);
  EXPECT_EQ(RunBpf(b, Sys(SYS_clone3)), kEnosys);
  EXPECT_EQ(RunBpf(b, Sys(SYS_personality, 0xffffffff)), kAllow);
  EXPECT_EQ(RunBpf(b, Sys(SYS_personality, 0x0040000)), SECCOMP_RET_ERRNO | 1);
  EXPECT_EQ(RunBpf(b, Sys(SYS_socket, 2 /* AF_INET */)), kAllow);
  EXPECT_EQ(RunBpf(b, Sys(SYS_socket, 40 /* AF_VSOCK */)), SECCOMP_RET_ERRNO | 1);
  EXPECT_EQ(RunBpf(b, Sys(SYS_clone, 0x01200011)), kAllow);                     // fork()-like flags
  EXPECT_EQ(RunBpf(b, Sys(SYS_clone, 0x10000000 /* NEWUSER */)), SECCOMP_RET_ERRNO | 1);
  EXPECT_EQ(RunBpf(b, Sys(2000)), kEnosys);  // far beyond anything the profile names
  Call i386 = Sys(102 /* socketcall */);
  i386.arch = AUDIT_ARCH_I386;
  EXPECT_EQ(RunBpf(b, i386), kAllow);
  i386.nr = 21; /* mount on i386 */
  EXPECT_EQ(RunBpf(b, i386), SECCOMP_RET_ERRNO | 1);
  EXPECT_EQ(RunBpf(b, Sys(0x40000000 | SYS_read)), kAllow);  // x32
}

}  // namespace
}  // namespace skiff::sys

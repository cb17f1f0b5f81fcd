#include "sys/seccomp.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "base/file.h"
#include "base/log.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

namespace skiff::sys {
namespace {

constexpr unsigned kMaxSyscallArgs = 6;
constexpr uint32_t kX32SyscallBit = 0x40000000u;

constexpr std::array<std::pair<std::string_view, SeccompAction>, 9> kActions = {{
    {"SCMP_ACT_KILL", SeccompAction::kKillThread},  // runc: SCMP_ACT_KILL is KILL_THREAD
    {"SCMP_ACT_KILL_PROCESS", SeccompAction::kKillProcess},
    {"SCMP_ACT_KILL_THREAD", SeccompAction::kKillThread},
    {"SCMP_ACT_TRAP", SeccompAction::kTrap},
    {"SCMP_ACT_ERRNO", SeccompAction::kErrno},
    {"SCMP_ACT_TRACE", SeccompAction::kTrace},
    {"SCMP_ACT_ALLOW", SeccompAction::kAllow},
    {"SCMP_ACT_LOG", SeccompAction::kLog},
    {"SCMP_ACT_NOTIFY", SeccompAction::kNotify},
}};

constexpr std::array<std::pair<std::string_view, SeccompOp>, 7> kOps = {{
    {"SCMP_CMP_NE", SeccompOp::kNe},
    {"SCMP_CMP_LT", SeccompOp::kLt},
    {"SCMP_CMP_LE", SeccompOp::kLe},
    {"SCMP_CMP_EQ", SeccompOp::kEq},
    {"SCMP_CMP_GE", SeccompOp::kGe},
    {"SCMP_CMP_GT", SeccompOp::kGt},
    {"SCMP_CMP_MASKED_EQ", SeccompOp::kMaskedEq},
}};

// Spec architecture names -> libseccomp's arch names.
constexpr std::array<std::pair<std::string_view, const char*>, 23> kArches = {{
    {"SCMP_ARCH_X86", "x86"},
    {"SCMP_ARCH_X86_64", "x86_64"},
    {"SCMP_ARCH_X32", "x32"},
    {"SCMP_ARCH_ARM", "arm"},
    {"SCMP_ARCH_AARCH64", "aarch64"},
    {"SCMP_ARCH_MIPS", "mips"},
    {"SCMP_ARCH_MIPS64", "mips64"},
    {"SCMP_ARCH_MIPS64N32", "mips64n32"},
    {"SCMP_ARCH_MIPSEL", "mipsel"},
    {"SCMP_ARCH_MIPSEL64", "mipsel64"},
    {"SCMP_ARCH_MIPSEL64N32", "mipsel64n32"},
    {"SCMP_ARCH_PPC", "ppc"},
    {"SCMP_ARCH_PPC64", "ppc64"},
    {"SCMP_ARCH_PPC64LE", "ppc64le"},
    {"SCMP_ARCH_S390", "s390"},
    {"SCMP_ARCH_S390X", "s390x"},
    {"SCMP_ARCH_PARISC", "parisc"},
    {"SCMP_ARCH_PARISC64", "parisc64"},
    {"SCMP_ARCH_RISCV64", "riscv64"},
    {"SCMP_ARCH_LOONGARCH64", "loongarch64"},
    {"SCMP_ARCH_M68K", "m68k"},
    {"SCMP_ARCH_SH", "sh"},
    {"SCMP_ARCH_SHEB", "sheb"},
}};

constexpr std::array<std::pair<std::string_view, uint32_t>, 4> kFlags = {{
    {"SECCOMP_FILTER_FLAG_TSYNC", kSeccompFlagTsync},
    {"SECCOMP_FILTER_FLAG_LOG", kSeccompFlagLog},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", kSeccompFlagSpecAllow},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", kSeccompFlagWaitKillableRecv},
}};

// A non-negative integer: text JSON parses those as unsigned, JSON built in code may hold them signed.
bool IsUnsigned(const Json& j) {
  return j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0);
}

Error Invalid(const std::string& field, std::string_view msg) {
  return Error(Errc::kInvalidArgument, field + ": " + std::string(msg));
}

// An optional string member; absent or null -> empty.
Result<std::string> OptString(const Json& obj, const char* key, const std::string& field) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Invalid(field + "." + key, "expected string");
  return it->get<std::string>();
}

// An optional errno member (uint that fits SECCOMP_RET_DATA).
Result<std::optional<uint32_t>> OptErrno(const Json& obj, const char* key, const std::string& field) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<uint32_t>();
  if (!IsUnsigned(*it)) return Invalid(field + "." + key, "expected unsigned integer");
  uint64_t v = it->get<uint64_t>();
  if (v > SECCOMP_RET_DATA) {
    return Invalid(field + "." + key, fmt::format("errno {} out of range (max {})", v, SECCOMP_RET_DATA));
  }
  return std::optional<uint32_t>(static_cast<uint32_t>(v));
}

Result<SeccompAction> ActionMember(const Json& obj, const char* key, const std::string& field) {
  std::string f = field + "." + key;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Invalid(f, "required");
  if (!it->is_string()) return Invalid(f, "expected string");
  return SKIFF_TRY_CTX(SeccompActionFromName(it->get_ref<const std::string&>()), f);
}

bool AcceptsErrno(SeccompAction a) { return a == SeccompAction::kErrno || a == SeccompAction::kTrace; }

Result<SeccompArg> ParseArg(const Json& a, const std::string& f) {
  if (!a.is_object()) return Invalid(f, "expected object");
  SeccompArg arg;
  auto idx = a.find("index");
  if (idx == a.end() || idx->is_null()) return Invalid(f + ".index", "required");
  if (!IsUnsigned(*idx)) return Invalid(f + ".index", "expected unsigned integer");
  if (idx->get<uint64_t>() >= kMaxSyscallArgs) {
    return Invalid(f + ".index", fmt::format("{} out of range (a syscall has at most {} arguments)",
                                             idx->get<uint64_t>(), kMaxSyscallArgs));
  }
  arg.index = idx->get<unsigned>();
  auto val = a.find("value");
  if (val == a.end() || val->is_null()) return Invalid(f + ".value", "required");
  if (!IsUnsigned(*val)) return Invalid(f + ".value", "expected unsigned 64-bit integer");
  arg.value = val->get<uint64_t>();
  auto two = a.find("valueTwo");
  if (two != a.end() && !two->is_null()) {
    if (!IsUnsigned(*two)) return Invalid(f + ".valueTwo", "expected unsigned 64-bit integer");
    arg.value_two = two->get<uint64_t>();
  }
  auto op = a.find("op");
  if (op == a.end() || op->is_null()) return Invalid(f + ".op", "required");
  if (!op->is_string()) return Invalid(f + ".op", "expected string");
  arg.op = SKIFF_TRY_CTX(SeccompOpFromName(op->get_ref<const std::string&>()), f + ".op");
  return arg;
}

// Parses syscalls[i] and appends one SeccompSyscall per known name.
Status ParseSyscallEntry(const Json& e, const std::string& f, SeccompProfile& p, bool& notify) {
  if (!e.is_object()) return Invalid(f, "expected object");
  auto names = e.find("names");
  if (names == e.end() || names->is_null()) return Invalid(f + ".names", "required");
  if (!names->is_array()) return Invalid(f + ".names", "expected array of strings");
  if (names->empty()) return Invalid(f + ".names", "must contain at least one entry");
  SeccompAction action = SKIFF_TRY(ActionMember(e, "action", f));
  auto errno_ret = SKIFF_TRY(OptErrno(e, "errnoRet", f));
  if (errno_ret && !AcceptsErrno(action)) {
    return Invalid(f + ".errnoRet", fmt::format("not valid with action {} (only SCMP_ACT_ERRNO and "
                                                "SCMP_ACT_TRACE take an errno)",
                                                SeccompActionName(action)));
  }
  std::vector<SeccompArg> args;
  auto jargs = e.find("args");
  if (jargs != e.end() && !jargs->is_null()) {
    if (!jargs->is_array()) return Invalid(f + ".args", "expected array");
    for (size_t i = 0; i < jargs->size(); ++i) {
      args.push_back(SKIFF_TRY(ParseArg((*jargs)[i], f + ".args[" + std::to_string(i) + "]")));
    }
  }
  if (action == SeccompAction::kNotify) notify = true;
  for (size_t i = 0; i < names->size(); ++i) {
    const Json& n = (*names)[i];
    std::string nf = f + ".names[" + std::to_string(i) + "]";
    if (!n.is_string()) return Invalid(nf, "expected string");
    const auto& name = n.get_ref<const std::string&>();
    if (name.empty()) return Invalid(nf, "empty string is not a valid syscall");
    if (action == SeccompAction::kNotify && name == "write") {
      // The runtime writes the container state to the agent; notifying on write could deadlock it.
      return Invalid(nf, "SCMP_ACT_NOTIFY cannot be used for the write syscall");
    }
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) {
      log::Debug("{}: unknown seccomp syscall \"{}\" ignored", nf, name);
      p.skipped_names.push_back(name);
      continue;
    }
    p.syscalls.push_back(SeccompSyscall{name, nr, action, errno_ret, args, f});
  }
  return Ok();
}

struct CtxRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using CtxPtr = std::unique_ptr<void, CtxRelease>;

scmp_compare CompareOf(SeccompOp op) {
  switch (op) {
    case SeccompOp::kNe: return SCMP_CMP_NE;
    case SeccompOp::kLt: return SCMP_CMP_LT;
    case SeccompOp::kLe: return SCMP_CMP_LE;
    case SeccompOp::kEq: return SCMP_CMP_EQ;
    case SeccompOp::kGe: return SCMP_CMP_GE;
    case SeccompOp::kGt: return SCMP_CMP_GT;
    case SeccompOp::kMaskedEq: return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

Status AddRule(scmp_filter_ctx ctx, const SeccompSyscall& s, uint32_t default_action) {
  uint32_t act = SeccompActionValue(s.action, s.errno_ret);
  if (act == default_action) return Ok();  // redundant; libseccomp would reject it
  std::vector<scmp_arg_cmp> conds;
  std::array<unsigned, kMaxSyscallArgs> per_index{};
  bool repeated_index = false;
  for (const auto& a : s.args) {
    conds.push_back(scmp_arg_cmp{a.index, CompareOf(a.op), a.value, a.value_two});
    repeated_index |= ++per_index[a.index] > 1;
  }
  auto fail = [&](int rc) {
    return Error::FromErrno(-rc, fmt::format("{}: add seccomp rule for syscall \"{}\"", s.field, s.name));
  };
  if (!repeated_index) {
    int rc = seccomp_rule_add_array(ctx, act, s.nr, static_cast<unsigned>(conds.size()),
                                    conds.empty() ? nullptr : conds.data());
    if (rc < 0) return fail(rc);
    return Ok();
  }
  // runc: several conditions on one argument cannot be ANDed by libseccomp; add each as its own rule.
  for (const auto& c : conds) {
    int rc = seccomp_rule_add_array(ctx, act, s.nr, 1, &c);
    if (rc < 0) return fail(rc);
  }
  return Ok();
}

Result<CtxPtr> BuildFilter(const SeccompProfile& p) {
  uint32_t def = SeccompActionValue(p.default_action, p.default_errno_ret);
  CtxPtr ctx(seccomp_init(def));
  if (!ctx) {
    return Error(Errc::kUnsupported, fmt::format("{}.defaultAction: libseccomp rejected {} on this kernel",
                                                 p.field, SeccompActionName(p.default_action)));
  }
  for (size_t i = 0; i < p.architectures.size(); ++i) {
    int rc = seccomp_arch_add(ctx.get(), p.architectures[i]);
    if (rc < 0 && rc != -EEXIST) {
      return Error::FromErrno(-rc, fmt::format("{}.architectures[{}]: add architecture", p.field, i));
    }
  }
  for (const auto& s : p.syscalls) SKIFF_TRY(AddRule(ctx.get(), s, def));
  return ctx;
}

Result<std::vector<sock_filter>> ExportProgram(scmp_filter_ctx ctx, const std::string& field) {
  UniqueFd mem(memfd_create("skiff-seccomp", MFD_CLOEXEC));
  if (!mem) return Error::Sys(field + ": memfd_create");
  int rc = seccomp_export_bpf(ctx, mem.get());
  if (rc < 0) return Error::FromErrno(-rc, field + ": export seccomp filter");
  if (lseek(mem.get(), 0, SEEK_SET) != 0) return Error::Sys(field + ": lseek");
  std::string bytes = SKIFF_TRY(ReadFd(mem.get()));
  if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0) {
    return Error(Errc::kInternal, fmt::format("{}: libseccomp exported {} bytes of BPF", field, bytes.size()));
  }
  std::vector<sock_filter> prog(bytes.size() / sizeof(sock_filter));
  std::memcpy(prog.data(), bytes.data(), bytes.size());
  return prog;
}

// ---- runc's -ENOSYS stub -------------------------------------------------------------------------------
// Syscalls numbered above the highest one the profile names (per architecture) are newer than the profile;
// they return ENOSYS so that libc falls back (clone3 -> clone) instead of hitting the default action.

struct StubInsn {
  sock_filter insn;
  int jt_label = -1, jf_label = -1, k_label = -1;  // -1: no label (fall through / literal k)
};

// A tiny forward-only BPF assembler: jumps name labels, resolved to relative offsets by Finish().
class StubBuilder {
 public:
  int NewLabel() {
    labels_.push_back(-1);
    return static_cast<int>(labels_.size()) - 1;
  }
  void Bind(int label) { labels_[label] = static_cast<int>(insns_.size()); }
  void Stmt(uint16_t code, uint32_t k) { insns_.push_back({BPF_STMT(code, k)}); }
  // Conditional jump; a label of -1 means "the next instruction".
  void Jump(uint16_t code, uint32_t k, int jt, int jf) {
    StubInsn i{BPF_JUMP(code, k, 0, 0)};
    i.jt_label = jt;
    i.jf_label = jf;
    insns_.push_back(i);
  }
  void JumpAlways(int label) {
    StubInsn i{BPF_STMT(BPF_JMP | BPF_JA, 0)};
    i.k_label = label;
    insns_.push_back(i);
  }
  // Resolves all labels; `end_label` is bound to the position right after the stub.
  Result<std::vector<sock_filter>> Finish(int end_label) {
    Bind(end_label);
    std::vector<sock_filter> out;
    for (size_t i = 0; i < insns_.size(); ++i) {
      const StubInsn& s = insns_[i];
      sock_filter f = s.insn;
      auto off = [&](int label) { return label < 0 ? 0 : labels_[label] - static_cast<int>(i) - 1; };
      int jt = off(s.jt_label), jf = off(s.jf_label), k = off(s.k_label);
      if (jt < 0 || jt > 255 || jf < 0 || jf > 255 || k < 0) {
        return Error(Errc::kInternal, "seccomp -ENOSYS stub: bad jump");
      }
      f.jt = static_cast<uint8_t>(jt);
      f.jf = static_cast<uint8_t>(jf);
      if (s.k_label >= 0) f.k = static_cast<uint32_t>(k);
      out.push_back(f);
    }
    return out;
  }

 private:
  std::vector<StubInsn> insns_;
  std::vector<int> labels_;
};

// Highest syscall number (per libseccomp arch token) among every name in the profile; -1 if none.
int64_t LastSyscall(const SeccompProfile& p, uint32_t arch) {
  int64_t last = -1;
  for (const auto& s : p.syscalls) {
    int nr = seccomp_syscall_resolve_name_arch(arch, s.name.c_str());
    if (nr >= 0) last = std::max<int64_t>(last, nr);
  }
  return last;
}

bool WantsStub(const SeccompProfile& p) {
  switch (p.default_action) {
    case SeccompAction::kAllow:
    case SeccompAction::kLog:
    case SeccompAction::kTrace:  // a good tracer handles every syscall
      return false;
    default: break;
  }
  return !(p.default_action == SeccompAction::kErrno && p.default_errno_ret == uint32_t{ENOSYS});
}

Result<std::vector<sock_filter>> EnosysStub(const SeccompProfile& p) {
  std::vector<uint32_t> arches{seccomp_arch_native()};
  for (uint32_t a : p.architectures) {
    if (std::find(arches.begin(), arches.end(), a) == arches.end()) arches.push_back(a);
  }
  auto has = [&](uint32_t a) { return std::find(arches.begin(), arches.end(), a) != arches.end(); };
  StubBuilder b;
  int original = b.NewLabel();
  int enosys = b.NewLabel();
  b.Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
  for (uint32_t arch : arches) {
    if (arch == SCMP_ARCH_X32) continue;  // x32 calls arrive as AUDIT_ARCH_X86_64 with the x32 bit set
    int64_t last = LastSyscall(p, arch);
    bool x32 = arch == SCMP_ARCH_X86_64;
    int64_t last_x32 = x32 && has(SCMP_ARCH_X32) ? LastSyscall(p, SCMP_ARCH_X32) : -1;
    if (last < 0 && last_x32 < 0) continue;
    int next_arch = b.NewLabel();
    b.Jump(BPF_JMP | BPF_JEQ | BPF_K, arch, -1, next_arch);
    b.Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
    if (x32) {
      // Without x32 in the profile, x32 calls are left to libseccomp (bad-arch action).
      int x32_part = b.NewLabel();
      b.Jump(BPF_JMP | BPF_JSET | BPF_K, kX32SyscallBit, x32_part, -1);
      if (last >= 0) {
        b.Jump(BPF_JMP | BPF_JGT | BPF_K, static_cast<uint32_t>(last), enosys, -1);
      }
      b.JumpAlways(original);
      b.Bind(x32_part);
      if (last_x32 >= 0) {
        b.Jump(BPF_JMP | BPF_JGT | BPF_K, static_cast<uint32_t>(last_x32), enosys, -1);
      }
      b.JumpAlways(original);
    } else {
      b.Jump(BPF_JMP | BPF_JGT | BPF_K, static_cast<uint32_t>(last), enosys, -1);
      b.JumpAlways(original);
    }
    b.Bind(next_arch);
  }
  b.JumpAlways(original);
  b.Bind(enosys);
  b.Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
  return b.Finish(original);
}

Result<std::vector<sock_filter>> FullProgram(const SeccompProfile& p) {
  CtxPtr ctx = SKIFF_TRY(BuildFilter(p));
  std::vector<sock_filter> prog = SKIFF_TRY(ExportProgram(ctx.get(), p.field));
  if (!WantsStub(p)) return prog;
  std::vector<sock_filter> stub = SKIFF_TRY(EnosysStub(p));
  stub.insert(stub.end(), prog.begin(), prog.end());
  if (stub.size() > BPF_MAXINSNS) {
    return Error(Errc::kInvalidArgument,
                 fmt::format("{}: filter has {} BPF instructions (kernel max {})", p.field, stub.size(),
                             BPF_MAXINSNS));
  }
  return stub;
}

}  // namespace

bool SeccompProfile::UsesNotify() const {
  return std::any_of(syscalls.begin(), syscalls.end(),
                     [](const SeccompSyscall& s) { return s.action == SeccompAction::kNotify; });
}

Result<SeccompAction> SeccompActionFromName(std::string_view name) {
  for (const auto& [n, a] : kActions) {
    if (n == name) return a;
  }
  return Error(Errc::kInvalidArgument, fmt::format("unknown action \"{}\"", name));
}

std::string_view SeccompActionName(SeccompAction action) {
  if (action == SeccompAction::kKillThread) return "SCMP_ACT_KILL_THREAD";
  for (const auto& [n, a] : kActions) {
    if (a == action) return n;
  }
  return "SCMP_ACT_UNKNOWN";
}

Result<SeccompOp> SeccompOpFromName(std::string_view name) {
  for (const auto& [n, o] : kOps) {
    if (n == name) return o;
  }
  return Error(Errc::kInvalidArgument, fmt::format("unknown operator \"{}\"", name));
}

Result<uint32_t> SeccompArchFromName(std::string_view name) {
  for (const auto& [n, lib] : kArches) {
    if (n != name) continue;
    uint32_t token = seccomp_arch_resolve_name(lib);
    if (token == 0) {
      return Error(Errc::kUnsupported, fmt::format("architecture \"{}\" is not supported by libseccomp {}.{}.{}",
                                                   name, SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO));
    }
    return token;
  }
  return Error(Errc::kInvalidArgument, fmt::format("unknown architecture \"{}\"", name));
}

uint32_t SeccompActionValue(SeccompAction action, std::optional<uint32_t> errno_ret) {
  switch (action) {
    case SeccompAction::kKillThread: return SCMP_ACT_KILL_THREAD;
    case SeccompAction::kKillProcess: return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::kTrap: return SCMP_ACT_TRAP;
    case SeccompAction::kErrno: return SCMP_ACT_ERRNO(errno_ret.value_or(EPERM));
    case SeccompAction::kTrace: return SCMP_ACT_TRACE(errno_ret.value_or(EPERM));
    case SeccompAction::kAllow: return SCMP_ACT_ALLOW;
    case SeccompAction::kLog: return SCMP_ACT_LOG;
    case SeccompAction::kNotify: return SCMP_ACT_NOTIFY;
  }
  return SCMP_ACT_KILL_THREAD;
}

Result<SeccompProfile> ParseSeccomp(const Json& j, std::string_view field) {
  SeccompProfile p;
  std::string f(field);
  p.field = f;
  if (j.is_null()) return p;
  if (!j.is_object()) return Invalid(f, "expected object");
  auto def = j.find("defaultAction");
  auto calls = j.find("syscalls");
  if (calls != j.end() && !calls->is_null() && !calls->is_array()) return Invalid(f + ".syscalls", "expected array");
  bool has_default =
      def != j.end() && !def->is_null() && !(def->is_string() && def->get_ref<const std::string&>().empty());
  bool has_calls = calls != j.end() && calls->is_array() && !calls->empty();
  if (!has_default && !has_calls) return p;  // runc: no default action and no syscalls = seccomp disabled
  p.enabled = true;
  p.default_action = SKIFF_TRY(ActionMember(j, "defaultAction", f));
  if (p.default_action == SeccompAction::kNotify) {
    return Invalid(f + ".defaultAction", "SCMP_ACT_NOTIFY cannot be used as default action");
  }
  p.default_errno_ret = SKIFF_TRY(OptErrno(j, "defaultErrnoRet", f));
  if (p.default_errno_ret && !AcceptsErrno(p.default_action)) {
    return Invalid(f + ".defaultErrnoRet",
                   fmt::format("not valid with defaultAction {} (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take "
                               "an errno)",
                               SeccompActionName(p.default_action)));
  }
  if (auto a = j.find("architectures"); a != j.end() && !a->is_null()) {
    if (!a->is_array()) return Invalid(f + ".architectures", "expected array of strings");
    for (size_t i = 0; i < a->size(); ++i) {
      std::string af = f + ".architectures[" + std::to_string(i) + "]";
      if (!(*a)[i].is_string()) return Invalid(af, "expected string");
      uint32_t token = SKIFF_TRY_CTX(SeccompArchFromName((*a)[i].get_ref<const std::string&>()), af);
      if (std::find(p.architectures.begin(), p.architectures.end(), token) == p.architectures.end()) {
        p.architectures.push_back(token);
      }
    }
  }
  if (auto fl = j.find("flags"); fl != j.end() && !fl->is_null()) {
    if (!fl->is_array()) return Invalid(f + ".flags", "expected array of strings");
    for (size_t i = 0; i < fl->size(); ++i) {
      std::string ff = f + ".flags[" + std::to_string(i) + "]";
      if (!(*fl)[i].is_string()) return Invalid(ff, "expected string");
      const auto& name = (*fl)[i].get_ref<const std::string&>();
      auto it = std::find_if(kFlags.begin(), kFlags.end(), [&](const auto& e) { return e.first == name; });
      if (it == kFlags.end()) return Invalid(ff, fmt::format("unknown flag \"{}\"", name));
      p.flags |= it->second;
    }
  }
  p.listener_path = SKIFF_TRY(OptString(j, "listenerPath", f));
  p.listener_metadata = SKIFF_TRY(OptString(j, "listenerMetadata", f));
  if (!p.listener_metadata.empty() && p.listener_path.empty()) {
    return Invalid(f + ".listenerMetadata", "must not be set without listenerPath");
  }
  bool notify = false;
  if (calls != j.end() && !calls->is_null()) {
    if (!calls->is_array()) return Invalid(f + ".syscalls", "expected array");
    for (size_t i = 0; i < calls->size(); ++i) {
      SKIFF_TRY(ParseSyscallEntry((*calls)[i], f + ".syscalls[" + std::to_string(i) + "]", p, notify));
    }
  }
  if (notify && p.listener_path.empty()) {
    return Invalid(f + ".listenerPath", "required when SCMP_ACT_NOTIFY is used");
  }
  return p;
}

Result<std::string> ExportSeccompBpf(const SeccompProfile& profile) {
  if (!profile.enabled) return std::string();
  std::vector<sock_filter> prog = SKIFF_TRY(FullProgram(profile));
  return std::string(reinterpret_cast<const char*>(prog.data()), prog.size() * sizeof(sock_filter));
}

Result<SeccompProgram> CompileSeccomp(const SeccompProfile& profile, std::string_view prebuilt) {
  SeccompProgram out;
  out.field = profile.field;
  if (!profile.enabled) return out;
  const std::string& f = profile.field;
  out.enabled = true;
  out.notify = profile.UsesNotify();
  if (out.notify && seccomp_api_get() < 6) {
    return Error(Errc::kUnsupported, fmt::format("{}: SCMP_ACT_NOTIFY needs libseccomp API level 6, have {}", f,
                                                 seccomp_api_get()));
  }
  if (!prebuilt.empty() && prebuilt.size() % sizeof(sock_filter) == 0 && prebuilt.size() / sizeof(sock_filter) <= BPF_MAXINSNS) {
    out.prog.resize(prebuilt.size() / sizeof(sock_filter));
    std::memcpy(out.prog.data(), prebuilt.data(), prebuilt.size());
  } else {
    out.prog = SKIFF_TRY(FullProgram(profile));
  }
  unsigned long flags = 0;
  if (profile.flags & kSeccompFlagTsync) flags |= SECCOMP_FILTER_FLAG_TSYNC;
  if (profile.flags & kSeccompFlagLog) flags |= SECCOMP_FILTER_FLAG_LOG;
  if (profile.flags & kSeccompFlagSpecAllow) flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  if (out.notify) {
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    // TSYNC reports a failing thread id in the return value, which NEW_LISTENER needs for the fd.
    if (flags & SECCOMP_FILTER_FLAG_TSYNC) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    if (profile.flags & kSeccompFlagWaitKillableRecv) flags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  } else if (profile.flags & kSeccompFlagWaitKillableRecv) {
    log::Debug("{}.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored: no SCMP_ACT_NOTIFY rule", f);
  }
  out.flags = flags;
  return out;
}

Result<UniqueFd> LoadSeccompProgram(const SeccompProgram& p) {
  if (!p.enabled) return UniqueFd();
  const std::string& f = p.field;
  sock_fprog fprog{static_cast<unsigned short>(p.prog.size()), const_cast<sock_filter*>(p.prog.data())};
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p.flags, &fprog);
  if (rc < 0) {
    int err = errno;
    std::string hint;
    if (err == EACCES) hint = " (needs no_new_privs or CAP_SYS_ADMIN)";
    if (err == EINVAL) hint = fmt::format(" (kernel rejected flags 0x{:x} or the program)", p.flags);
    return Error::FromErrno(err, fmt::format("{}: load seccomp filter{}", f, hint));
  }
  if (!p.notify) return UniqueFd();
  if (rc == 0) return Error(Errc::kInternal, f + ": seccomp(2) returned no listener fd");
  return UniqueFd(static_cast<int>(rc));
}

Result<UniqueFd> LoadSeccomp(const SeccompProfile& profile) {
  return LoadSeccompProgram(SKIFF_TRY(CompileSeccomp(profile)));
}

bool SeccompEnabled(const SeccompProfile& profile) { return profile.enabled; }

bool KernelSupportsSeccomp() {
  auto status = ReadFile("/proc/self/status");
  if (status.ok()) return status->find("\nSeccomp:") != std::string::npos;
  return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 || errno != EINVAL;
}

}  // namespace skiff::sys

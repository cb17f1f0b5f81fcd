// Seccomp for the OCI runtime: parsing linux.seccomp and loading it as runc 1.1 does. The filter is built
// with libseccomp, exported as cBPF, prefixed (for non-permissive default actions) with runc's -ENOSYS stub
// so syscalls newer than anything the profile names fail with ENOSYS instead of the default action, and
// loaded with seccomp(2). no_new_privs is NOT set here: the caller sets it (or keeps CAP_SYS_ADMIN).
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/fd.h"
#include "base/json.h"

namespace skiff::sys {

enum class SeccompAction { kKillThread, kKillProcess, kTrap, kErrno, kTrace, kAllow, kLog, kNotify };
enum class SeccompOp { kNe, kLt, kLe, kEq, kGe, kGt, kMaskedEq };

// linux.seccomp.flags, as bits.
enum SeccompFlag : uint32_t {
  kSeccompFlagTsync = 1u << 0,
  kSeccompFlagLog = 1u << 1,
  kSeccompFlagSpecAllow = 1u << 2,
  kSeccompFlagWaitKillableRecv = 1u << 3,
};

// One argument condition. For kMaskedEq, value is the mask and value_two the datum (as libseccomp).
struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  SeccompOp op = SeccompOp::kEq;
};

// One syscall rule, after expanding syscalls[].names (one entry per name libseccomp knows).
struct SeccompSyscall {
  std::string name;
  int nr = 0;  // libseccomp's number for the native arch (negative pseudo numbers for other-arch-only calls)
  SeccompAction action = SeccompAction::kAllow;
  std::optional<uint32_t> errno_ret;
  std::vector<SeccompArg> args;
  std::string field;  // "linux.seccomp.syscalls[3]", for load-time errors
};

// Parsed linux.seccomp. enabled=false when the object is absent/null or has neither defaultAction nor
// syscalls (runc treats that as "no seccomp").
struct SeccompProfile {
  bool enabled = false;
  SeccompAction default_action = SeccompAction::kAllow;
  std::optional<uint32_t> default_errno_ret;
  std::vector<uint32_t> architectures;  // SCMP_ARCH_* tokens, in profile order
  uint32_t flags = 0;                   // SeccompFlag bits
  std::string listener_path;
  std::string listener_metadata;
  std::vector<SeccompSyscall> syscalls;
  std::vector<std::string> skipped_names;  // names libseccomp does not know (not an error)
  std::string field = "linux.seccomp";

  // True when any rule uses SCMP_ACT_NOTIFY (LoadSeccomp then returns a listener fd).
  bool UsesNotify() const;
};

// Parses linux.seccomp. Validates defaultAction, defaultErrnoRet, architectures, flags, listenerPath /
// listenerMetadata and every syscalls[] entry; errors are InvalidArgument (Unsupported for things the spec
// allows but this libseccomp/kernel cannot do) naming the field. Unknown syscall names are skipped with a
// debug log. NOTIFY as defaultAction, NOTIFY on "write", NOTIFY without listenerPath, errnoRet with an
// action other than ERRNO/TRACE, and listenerMetadata without listenerPath are errors.
Result<SeccompProfile> ParseSeccomp(const Json& j, std::string_view field = "linux.seccomp");

// Builds the filter and loads it into the calling thread (all threads with the TSYNC flag). Returns the
// notify listener fd (O_CLOEXEC) when the profile uses SCMP_ACT_NOTIFY, else an invalid UniqueFd. A
// disabled profile loads nothing. Rules whose action equals the default action are skipped; when one rule
// has several conditions on the same argument index each condition becomes its own rule (OR), otherwise
// the conditions of a rule are ANDed - both as runc does.
Result<UniqueFd> LoadSeccomp(const SeccompProfile& profile);
// LoadSeccomp in two steps: the build (libseccomp, the expensive part: milliseconds for Docker's profile)
// and the load (one syscall), so a container's init can build before it waits for `start`.
struct SeccompProgram {
  bool enabled = false, notify = false;
  unsigned long flags = 0;  // SECCOMP_FILTER_FLAG_*
  std::vector<sock_filter> prog;
  std::string field;
};
// `prebuilt`: the cBPF bytes an earlier build of the same profile gave (ExportSeccompBpf's form), used
// instead of building again when they look like a program.
Result<SeccompProgram> CompileSeccomp(const SeccompProfile& profile, std::string_view prebuilt = {});
Result<UniqueFd> LoadSeccompProgram(const SeccompProgram& program);

// Builds the filter as LoadSeccomp would (stub included) and returns the cBPF program as raw
// struct sock_filter bytes (empty for a disabled profile), without loading anything. For tests and debugging.
Result<std::string> ExportSeccompBpf(const SeccompProfile& profile);

// Whether the profile asks for a filter at all.
bool SeccompEnabled(const SeccompProfile& profile);
// Whether the running kernel supports seccomp filters (the "Seccomp:" line in /proc/self/status).
bool KernelSupportsSeccomp();

// Spec names <-> values.
Result<SeccompAction> SeccompActionFromName(std::string_view name);
std::string_view SeccompActionName(SeccompAction action);
Result<SeccompOp> SeccompOpFromName(std::string_view name);
// "SCMP_ARCH_X86_64" -> SCMP_ARCH_X86_64 token; names the spec lists but this libseccomp lacks are
// Unsupported, other names InvalidArgument.
Result<uint32_t> SeccompArchFromName(std::string_view name);
// The libseccomp action value (SCMP_ACT_*) for an action and optional errno (default EPERM).
uint32_t SeccompActionValue(SeccompAction action, std::optional<uint32_t> errno_ret);

}  // namespace skiff::sys

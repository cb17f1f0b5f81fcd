// Seccomp profiles for containers: Skiff's own default profile and the conversion of profiles in Docker's
// JSON format (`--security-opt seccomp=<file>`) into the OCI linux.seccomp object the runtime loads.
// Docker's format adds, per syscall rule, conditions on the container's capabilities, the machine's
// architecture and the kernel version (includes/excludes); the conversion resolves them for one container.
// Pure functions over JSON values: nothing is owned, nothing is kept between calls.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"

namespace skiff::daemon::profiles {

// What a Docker-format profile's conditions are resolved against.
struct SeccompHost {
  std::string go_arch;    // the architecture as Docker's includes/excludes.arches name it: "amd64", "arm64"
  std::string scmp_arch;  // the same as a seccomp architecture: "SCMP_ARCH_X86_64"
  int kernel_major = 0;   // running kernel "6.1.0-18-amd64" -> 6, 1
  int kernel_minor = 0;
};

// The build's architecture and the running kernel's version (uname).
SeccompHost CurrentSeccompHost();

// Skiff's default profile in Docker's format (archMap for every architecture it knows, rules grouped by
// purpose, with includes/excludes on capabilities, architectures and kernel versions). What `DefaultSeccomp`
// converts; also a starting point for users writing their own profile.
Json DefaultDockerSeccompProfile();

// The OCI linux.seccomp object for a container whose bounding set is `caps` ("CAP_CHOWN", ...): default
// action EPERM, an allowlist of the syscalls ordinary programs use, more syscalls for the capabilities the
// container holds (mount with CAP_SYS_ADMIN, ptrace helpers with CAP_SYS_PTRACE, ...), clone without
// namespace flags and clone3 failing with ENOSYS (so libc falls back to clone) unless CAP_SYS_ADMIN.
// Never null: should the built-in tables ever fail to convert, it logs and returns a deny-everything
// profile (fail closed).
Json DefaultSeccomp(const std::vector<std::string>& caps);
Json DefaultSeccomp(const std::vector<std::string>& caps, const SeccompHost& host);

// `--security-opt seccomp=<file>`: a profile in Docker's JSON format (defaultAction, defaultErrnoRet,
// architectures or archMap, flags, listenerPath, listenerMetadata, syscalls[] with names or name, action,
// errnoRet, args, includes/excludes with caps/arches/minKernel, comment) -> the OCI linux.seccomp object
// for these caps on this host. Bad input is InvalidArgument naming the field:
// `seccomp profile: syscalls[3].action: unknown action "X"`. Unknown members and syscall names unknown
// to libseccomp are accepted (as Docker does); an empty profile `{}` yields an object without
// defaultAction, which the runtime treats as "no seccomp" (as runc does).
Result<Json> SeccompFromDockerProfile(const Json& profile, const std::vector<std::string>& caps);
Result<Json> SeccompFromDockerProfile(const Json& profile, const std::vector<std::string>& caps,
                                      const SeccompHost& host);

}  // namespace skiff::daemon::profiles

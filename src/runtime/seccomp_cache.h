// Built seccomp programs kept by profile under <runtime root>/.seccomp-cache/<sha256 of the profile>.bpf: a daemon
// gives every container the same profile, and building Docker's takes libseccomp milliseconds per
// container. An entry is written atomically once and read back only for the identical profile text (and
// libseccomp version); an unreadable or odd-sized entry is rebuilt. Stateless.
#pragma once

#include <string>

#include "base/error.h"
#include "base/json.h"
#include "sys/seccomp.h"

namespace skiff::runtime {

Result<sys::SeccompProgram> CachedSeccompProgram(const sys::SeccompProfile& profile, const Json& profile_json,
                                                 const std::string& dir);

}  // namespace skiff::runtime

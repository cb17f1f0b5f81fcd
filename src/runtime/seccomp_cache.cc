#include "runtime/seccomp_cache.h"

#include <seccomp.h>

#include <fmt/format.h>

#include "base/digest.h"
#include "base/file.h"

namespace skiff::runtime {

Result<sys::SeccompProgram> CachedSeccompProgram(const sys::SeccompProfile& profile, const Json& profile_json,
                                                 const std::string& dir) {
  if (!sys::SeccompEnabled(profile) || profile.UsesNotify()) return sys::CompileSeccomp(profile);
  std::string key = Sha256Of(fmt::format("libseccomp {}.{}.{}\n{}", SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO,
                                         profile_json.dump())).hex();
  std::string path = dir + "/" + key + ".bpf";
  if (auto cached = ReadFile(path); cached.ok() && !cached->empty()) return sys::CompileSeccomp(profile, *cached);
  auto program = SKIFF_TRY(sys::CompileSeccomp(profile));
  if (MkdirAll(dir, 0700).ok()) {
    std::string bytes(reinterpret_cast<const char*>(program.prog.data()), program.prog.size() * sizeof(sock_filter));
    (void)WriteFileAtomic(path, bytes, 0600, false);
  }
  return program;
}

}  // namespace skiff::runtime

// The OCI runtime configuration (config.json) as typed values. ParseSpec validates everything up front so a
// bad config fails before any side effect, with an error naming the field ("process.args: must not be
// empty"). Sections owned by other modules (capabilities, rlimits, seccomp, cgroup resources) are parsed by
// those modules' parsers and held here in their types.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "runtime/cgroups/resources.h"
#include "sys/caps.h"
#include "sys/rlimit.h"
#include "sys/seccomp.h"

namespace skiff::runtime {

struct IdMapping {
  uint32_t container_id = 0, host_id = 0, size = 0;
};

struct NamespaceSpec {
  std::string type;  // "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"
  std::string path;  // empty: create a new one; else join this one
  int clone_flag = 0;
};

struct MountSpec {
  std::string destination, type, source;
  std::vector<std::string> options;
};

struct DeviceSpec {
  std::string path;
  char type = 'c';  // c, b, u, p
  int64_t major = 0, minor = 0;
  std::optional<uint32_t> file_mode, uid, gid;
};

struct HookSpec {
  std::string path;
  std::vector<std::string> args, env;
  std::optional<int> timeout;  // seconds
};

struct Hooks {
  std::vector<HookSpec> prestart, create_runtime, create_container, start_container, poststart, poststop;
};

struct UserSpec {
  uint32_t uid = 0, gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
};

struct ProcessSpec {
  bool terminal = false;
  unsigned console_height = 0, console_width = 0;
  UserSpec user;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  sys::CapSets caps;
  std::vector<sys::Rlimit> rlimits;
  bool no_new_privileges = false;
  std::string apparmor_profile, selinux_label;
  std::optional<int> oom_score_adj;
  // Returns the value of NAME in env, if set.
  std::optional<std::string> Getenv(const std::string& name) const;
};

struct Spec {
  std::string oci_version;
  std::string root_path;  // absolute (resolved against the bundle)
  bool root_readonly = false;
  std::string hostname, domainname;
  bool has_process = false;
  ProcessSpec process;
  std::vector<MountSpec> mounts;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  // linux
  std::vector<NamespaceSpec> namespaces;
  std::vector<IdMapping> uid_mappings, gid_mappings;
  std::vector<DeviceSpec> devices;
  std::string cgroups_path;
  cgroups::Resources resources;
  std::map<std::string, std::string> sysctl;
  sys::SeccompProfile seccomp;
  std::string rootfs_propagation;
  std::vector<std::string> masked_paths, readonly_paths;
  std::map<std::string, std::pair<int64_t, uint32_t>> time_offsets;  // clock -> (secs, nanosecs)
  std::string personality_domain;  // "", "LINUX", "LINUX32"

  const NamespaceSpec* FindNamespace(const std::string& type) const;
  // Namespaces to create (paths empty), as a CLONE_NEW* mask.
  int NewNamespaceFlags() const;
};

// Parses a whole config.json. `bundle` resolves a relative root.path.
Result<Spec> ParseSpec(const Json& j, const std::string& bundle);
// Parses a "process" object (config.json's, or `exec --process`'s).
Result<ProcessSpec> ParseProcess(const Json& j, std::string_view field = "process");
// Parses a hooks object ("hooks"), validating each hook has an absolute path.
Result<Hooks> ParseHooks(const Json& j);
// runc's default spec (`skiff-runtime spec`), optionally rootless.
Json DefaultSpec(bool rootless);

}  // namespace skiff::runtime

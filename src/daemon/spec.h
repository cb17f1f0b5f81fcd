// The OCI runtime spec (config.json) of a container, built as dockerd 20.10 builds it: Docker's default
// mounts, masked/read-only paths, capabilities, seccomp profile, cgroup resources from HostConfig, the
// container's namespaces, its mounts (binds, volumes, tmpfs, /etc/hosts & co.), and the process (user,
// env, cwd, rlimits, terminal, --init). Also the process object of an exec. Pure functions over values.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "daemon/container.h"
#include "daemon/userinfo.h"

namespace skiff::daemon {

struct SpecContext {
  std::string rootfs;          // the mounted snapshot
  std::string cgroup_parent;   // daemon default ("/skiff"); HostConfig.CgroupParent overrides
  std::string init_path;       // bind-mounted at /sbin/docker-init for --init
  std::string runtime_path;    // skiff-runtime: its `hook loopback` brings lo up in a new network namespace
  bool cgroup_v2 = false;
  ExecUser user;
  // Namespaces joined by path: "network" -> /proc/<pid>/ns/net of another container (container:<x>
  // modes). A type mapped to "host" is not unshared at all.
  std::map<std::string, std::string> ns_paths;
};

Result<Json> BuildSpec(const ContainerRecord& c, const SpecContext& ctx);

// The environment Docker gives the container's processes: PATH default, HOSTNAME, TERM for a tty, then
// the container's Env, then HOME when missing.
std::vector<std::string> ContainerEnv(const ContainerRecord& c, const ExecUser& user, bool tty);

// The OCI process of `docker exec`: exec_config is the exec create body (Cmd, Env, User, WorkingDir,
// Tty, Privileged). `base` is the container spec's process (caps, rlimits, apparmor...).
Result<Json> BuildExecProcess(const ContainerRecord& c, const Json& base, const Json& exec_config,
                              const ExecUser& user);

// Capabilities a container gets (HostConfig CapAdd/CapDrop/Privileged over Docker's default set).
Result<std::vector<std::string>> ContainerCaps(const Json& host_config);

}  // namespace skiff::daemon

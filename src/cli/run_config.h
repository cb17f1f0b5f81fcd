// The flags of `run` and `create` (docker's containerOptions) and their translation into the
// POST /containers/create body exactly as docker 20.10 sends it: Config fields, then HostConfig, then
// NetworkingConfig, in Go's field order, with Go's omitempty choices (null vs [] vs {} as docker sends).
// ContainerFlags is plain data the command owns; DefineContainerFlags binds it to a FlagSet.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "cli/flags.h"
#include "cli/opts.h"

namespace skiff::cli {

struct ContainerFlags {
  // run-only
  bool detach = false;
  std::string detach_keys;
  bool sig_proxy = true;
  // shared with create
  std::vector<std::string> attach, add_host, cap_add, cap_drop, device, device_cgroup_rule, dns, dns_option,
      dns_search, env, env_file, expose, group_add, label, label_file, link, link_local_ip, log_opt, mounts,
      network_alias, publish, security_opt, storage_opt, sysctl, tmpfs, volume, volumes_from;
  std::vector<OJson> mount_values, ulimit_values, device_values, gpu_values, blkio_weight_device, device_read_bps,
      device_read_iops, device_write_bps, device_write_iops;
  std::vector<std::string> networks;
  std::string cgroup_parent, cgroupns, cidfile, cpuset_cpus, cpuset_mems, domainname, entrypoint, health_cmd,
      hostname, ip, ip6, ipc, isolation, log_driver, mac_address, name, pid, platform, pull = "missing",
      restart = "no", runtime, stop_signal = "SIGTERM", user, userns, uts, volume_driver, workdir;
  int64_t cpu_period = 0, cpu_quota = 0, cpu_rt_period = 0, cpu_rt_runtime = 0, cpu_shares = 0, health_retries = 0,
          memory_swappiness = -1, oom_score_adj = 0, pids_limit = 0, stop_timeout = 0, cpu_count = 0,
          cpu_percent = 0;
  uint64_t blkio_weight = 0;
  int64_t memory = 0, memory_reservation = 0, memory_swap = 0, kernel_memory = 0, shm_size = 0, nano_cpus = 0;
  int64_t health_interval = 0, health_timeout = 0, health_start_period = 0;
  bool init = false, interactive = false, no_healthcheck = false, oom_kill_disable = false, privileged = false,
       publish_all = false, read_only = false, rm = false, tty = false, disable_content_trust = true, help = false;
};

// A docker "bytes" flag (go-units RAMInBytes; swap: "-1" allowed), as --memory and friends.
void BytesFlag(FlagSet& flags, int64_t* dst, std::string_view names, std::string help, bool swap = false);

// run=true adds -d, --detach-keys, --sig-proxy.
void DefineContainerFlags(FlagSet& flags, ContainerFlags* f, bool run);

struct CreateRequest {
  OJson body;            // the JSON body
  std::string name;      // ?name=
  std::string platform;  // ?platform=
  std::string image;
};

// Validates and builds the create body from the parsed flags and positionals (IMAGE [COMMAND] [ARG...]).
// Errors carry docker's texts (the caller reports them as "skiff: <msg>.\nSee 'skiff run --help'.").
Result<CreateRequest> BuildCreateRequest(const FlagSet& flags, const ContainerFlags& f,
                                         const std::vector<std::string>& args);

// The Resources part of a create or update body (devices: the create's parsed --device list).
OJson ResourcesJson(const ContainerFlags& f, bool update, const OJson& devices);

// Go's encoding/json output of an ordered value: compact (json.Marshal), or with indent >= 0 one tab per
// level as json.MarshalIndent(v, "", "\t"); <, >, & escaped as \u003c, \u003e, \u0026.
std::string GoJsonDump(const OJson& j, int indent = -1);

}  // namespace skiff::cli

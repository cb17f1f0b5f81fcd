#include "cli/run_config.h"

#include <cstring>

#include <fmt/format.h>

#include "base/file.h"
#include "base/strings.h"
#include "base/units.h"

namespace skiff::cli {
namespace {

Error Invalid(std::string msg) { return Error(Errc::kInvalidArgument, std::move(msg)); }

// ListOpts.GetAll(): null when nothing was given.
OJson ListOrNull(const std::vector<std::string>& v) {
  if (v.empty()) return nullptr;
  return OJson(v);
}
// GetAllOrEmpty(): [] when nothing was given.
OJson ListOrEmpty(const std::vector<std::string>& v) { return v.empty() ? OJson::array() : OJson(v); }

OJson SortedMap(const std::map<std::string, std::string>& m) {
  OJson o = OJson::object();
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

bool IsUserDefinedNetwork(std::string_view n) {
  return !(n == "default" || n == "bridge" || n == "host" || n == "none" || n.rfind("container:", 0) == 0);
}

struct NetworkAttachment {
  std::string target;
  std::vector<std::string> aliases, links, link_local_ips;
  std::string ipv4, ipv6;
  std::map<std::string, std::string> driver_opts;
};

Result<NetworkAttachment> ParseNetworkOpt(const std::string& value) {
  NetworkAttachment n;
  if (value.find('=') == std::string::npos) {
    n.target = value;
    return n;
  }
  auto fields = SKIFF_TRY(ParseCsvLine(value));
  for (const auto& field : fields) {
    auto kv = SplitN(field, '=', 2);
    if (kv.size() < 2) return Invalid(fmt::format("invalid field {}", field));
    std::string key = ToLower(Trim(kv[0]));
    std::string val = std::string(Trim(kv[1]));
    if (key == "name") n.target = val;
    else if (key == "alias") n.aliases.push_back(val);
    else if (key == "ip") n.ipv4 = val;
    else if (key == "ip6") n.ipv6 = val;
    else if (key == "driver-opt") {
      auto o = SplitN(val, '=', 2);
      n.driver_opts[o[0]] = o.size() == 2 ? o[1] : "";
    } else {
      return Invalid(fmt::format("invalid field key {}", key));
    }
  }
  return n;
}

// Go's json.Compact of a seccomp profile file.
Result<std::string> CompactJsonFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return Invalid(GoPathError("open", path, text.error().sys_errno()));
  try {
    return OJson::parse(*text).dump();
  } catch (const std::exception& ex) {
    return Invalid(ex.what());
  }
}

}  // namespace

std::string GoJsonDump(const OJson& j, int indent) {
  std::string s = j.dump(indent, '\t', false, nlohmann::ordered_json::error_handler_t::replace);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else if (c == '\xE2' && i + 2 < s.size() && s[i + 1] == '\x80' && (s[i + 2] == '\xA8' || s[i + 2] == '\xA9')) {
      out += s[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else out += c;
  }
  return out;
}

void BytesFlag(FlagSet& flags, int64_t* dst, std::string_view names, std::string help, bool swap) {
  flags.Add(names, "bytes", std::move(help), "", [dst, swap](const std::string& v) -> Status {
    *dst = SKIFF_TRY(ParseMemBytes(v, swap));
    return Ok();
  });
}

void DefineContainerFlags(FlagSet& fl, ContainerFlags* f, bool run) {
  auto bytes = [&](int64_t* dst, std::string_view names, std::string help, bool swap = false) {
    BytesFlag(fl, dst, names, std::move(help), swap);
  };
  auto duration = [&](int64_t* dst, std::string_view names, std::string help) {
    fl.Add(names, "duration", std::move(help), "0s", [dst](const std::string& v) -> Status {
      *dst = SKIFF_TRY(ParseGoDuration(v));
      return Ok();
    });
  };
  if (run) {
    fl.Bool(&f->detach, "d,detach", "Run container in background and print container ID");
    fl.String(&f->detach_keys, "detach-keys", "Override the key sequence for detaching a container");
    fl.Bool(&f->sig_proxy, "sig-proxy", "Proxy received signals to the process", true);
  }
  fl.List(&f->add_host, "add-host", "Add a custom host-to-IP mapping (host:ip)", "list", ValidateExtraHost);
  fl.Add("a,attach", "list", "Attach to STDIN, STDOUT or STDERR", "", [f](const std::string& v) -> Status {
    f->attach.push_back(SKIFF_TRY(ValidateAttach(v)));
    return Ok();
  });
  fl.Uint(&f->blkio_weight, "blkio-weight", "Block IO (relative weight), between 10 and 1000, or 0 to disable", 0,
          "uint16");
  // "path:value" device limits (docker's WeightdeviceOpt / ThrottledeviceOpt).
  auto device_limit = [&](std::vector<OJson>* dst, std::string_view name, std::string help, const char* field,
                          bool bytes_value, bool weight) {
    fl.Add(name, "list", std::move(help), "[]", [dst, field, bytes_value, weight](const std::string& v) -> Status {
      auto colon = v.rfind(':');
      if (colon == std::string::npos || colon == 0) {
        return Error(Errc::kInvalidArgument, fmt::format("bad format: {}", v));
      }
      std::string path = v.substr(0, colon), val = v.substr(colon + 1);
      if (path.rfind("/dev/", 0) != 0) return Error(Errc::kInvalidArgument, fmt::format("bad format for device path: {}", v));
      OJson o = OJson::object();
      o["Path"] = path;
      if (bytes_value) {
        auto n = units::RAMInBytes(val);
        if (!n.ok() || *n < 0) {
          return Error(Errc::kInvalidArgument, fmt::format("invalid rate for device: {}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb", v));
        }
        o[field] = *n;
      } else {
        auto n = ParseUint(val);
        if (!n || (weight && (*n < 10 || *n > 1000) && *n != 0)) {
          return Error(Errc::kInvalidArgument, weight ? fmt::format("invalid weight for device: {}", v)
                                                      : fmt::format("invalid rate for device: {}. The correct format is <device-path>:<number>. Number must be a positive integer", v));
        }
        o[field] = *n;
      }
      dst->push_back(o);
      return Ok();
    });
  };
  device_limit(&f->blkio_weight_device, "blkio-weight-device", "Block IO weight (relative device weight)", "Weight",
               false, true);
  device_limit(&f->device_read_bps, "device-read-bps", "Limit read rate (bytes per second) from a device", "Rate",
               true, false);
  device_limit(&f->device_read_iops, "device-read-iops", "Limit read rate (IO per second) from a device", "Rate",
               false, false);
  device_limit(&f->device_write_bps, "device-write-bps", "Limit write rate (bytes per second) to a device", "Rate",
               true, false);
  device_limit(&f->device_write_iops, "device-write-iops", "Limit write rate (IO per second) to a device", "Rate",
               false, false);
  fl.List(&f->cap_add, "cap-add", "Add Linux capabilities");
  fl.List(&f->cap_drop, "cap-drop", "Drop Linux capabilities");
  fl.String(&f->cgroup_parent, "cgroup-parent", "Optional parent cgroup for the container");
  fl.String(&f->cgroupns, "cgroupns", "Cgroup namespace to use (host|private)");
  fl.String(&f->cidfile, "cidfile", "Write the container ID to the file");
  fl.Int(&f->cpu_count, "cpu-count", "CPU count (Windows only)");
  fl.Int(&f->cpu_percent, "cpu-percent", "CPU percent (Windows only)");
  fl.Int(&f->cpu_period, "cpu-period", "Limit CPU CFS (Completely Fair Scheduler) period");
  fl.Int(&f->cpu_quota, "cpu-quota", "Limit CPU CFS (Completely Fair Scheduler) quota");
  fl.Int(&f->cpu_rt_period, "cpu-rt-period", "Limit CPU real-time period in microseconds");
  fl.Int(&f->cpu_rt_runtime, "cpu-rt-runtime", "Limit CPU real-time runtime in microseconds");
  fl.Int(&f->cpu_shares, "c,cpu-shares", "CPU shares (relative weight)");
  fl.Add("cpus", "decimal", "Number of CPUs", "", [f](const std::string& v) -> Status {
    f->nano_cpus = SKIFF_TRY(ParseNanoCpus(v));
    return Ok();
  });
  fl.String(&f->cpuset_cpus, "cpuset-cpus", "CPUs in which to allow execution (0-3, 0,1)");
  fl.String(&f->cpuset_mems, "cpuset-mems", "MEMs in which to allow execution (0-3, 0,1)");
  fl.List(&f->device, "device", "Add a host device to the container");
  fl.List(&f->device_cgroup_rule, "device-cgroup-rule", "Add a rule to the cgroup allowed devices list");
  fl.Bool(&f->disable_content_trust, "disable-content-trust", "Skip image verification", true);
  fl.List(&f->dns, "dns", "Set custom DNS servers", "list", ValidateIPAddress);
  fl.List(&f->dns_option, "dns-option", "Set DNS options");
  fl.List(&f->dns_search, "dns-search", "Set custom DNS search domains", "list", ValidateDNSSearch);
  fl.String(&f->domainname, "domainname", "Container NIS domain name");
  fl.String(&f->entrypoint, "entrypoint", "Overwrite the default ENTRYPOINT of the image");
  fl.Add("e,env", "list", "Set environment variables", "", [f](const std::string& v) -> Status {
    f->env.push_back(SKIFF_TRY(ValidateEnv(v)));
    return Ok();
  });
  fl.List(&f->env_file, "env-file", "Read in a file of environment variables");
  fl.List(&f->expose, "expose", "Expose a port or a range of ports");
  fl.Add("gpus", "gpu-request", "GPU devices to add to the container ('all' to pass all GPUs)", "",
         [f](const std::string& v) -> Status {
           f->gpu_values.push_back(SKIFF_TRY(ParseGpus(v)));
           return Ok();
         });
  fl.List(&f->group_add, "group-add", "Add additional groups to join");
  fl.String(&f->health_cmd, "health-cmd", "Command to run to check health");
  duration(&f->health_interval, "health-interval", "Time between running the check (ms|s|m|h)");
  fl.Int(&f->health_retries, "health-retries", "Consecutive failures needed to report unhealthy");
  duration(&f->health_start_period, "health-start-period",
           "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h)");
  duration(&f->health_timeout, "health-timeout", "Maximum time to allow one check to run (ms|s|m|h)");
  fl.Bool(&f->help, "help", "Print usage");
  fl.String(&f->hostname, "h,hostname", "Container host name");
  fl.Bool(&f->init, "init", "Run an init inside the container that forwards signals and reaps processes");
  fl.Bool(&f->interactive, "i,interactive", "Keep STDIN open even if not attached");
  fl.String(&f->ip, "ip", "IPv4 address (e.g., 172.30.100.104)");
  fl.String(&f->ip6, "ip6", "IPv6 address (e.g., 2001:db8::33)");
  fl.String(&f->ipc, "ipc", "IPC mode to use");
  fl.String(&f->isolation, "isolation", "Container isolation technology");
  bytes(&f->kernel_memory, "kernel-memory", "Kernel memory limit");
  fl.List(&f->label, "l,label", "Set meta data on a container");
  fl.List(&f->label_file, "label-file", "Read in a line delimited file of labels");
  fl.List(&f->link, "link", "Add link to another container");
  fl.List(&f->link_local_ip, "link-local-ip", "Container IPv4/IPv6 link-local addresses");
  fl.String(&f->log_driver, "log-driver", "Logging driver for the container");
  fl.List(&f->log_opt, "log-opt", "Log driver options");
  fl.String(&f->mac_address, "mac-address", "Container MAC address (e.g., 92:d0:c6:0a:29:33)");
  bytes(&f->memory, "m,memory", "Memory limit");
  bytes(&f->memory_reservation, "memory-reservation", "Memory soft limit");
  bytes(&f->memory_swap, "memory-swap", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", true);
  fl.Int(&f->memory_swappiness, "memory-swappiness", "Tune container memory swappiness (0 to 100)", -1);
  fl.Add("mount", "mount", "Attach a filesystem mount to the container", "", [f](const std::string& v) -> Status {
    f->mount_values.push_back(SKIFF_TRY(ParseMountSpec(v)));
    return Ok();
  });
  fl.String(&f->name, "name", "Assign a name to the container");
  fl.Add("network", "network", "Connect a container to a network", "", [f](const std::string& v) -> Status {
    f->networks.push_back(v);
    return Ok();
  });
  fl.Add("net", "network", "Connect a container to a network", "", [f](const std::string& v) -> Status {
    f->networks.push_back(v);
    return Ok();
  });
  fl.List(&f->network_alias, "network-alias", "Add network-scoped alias for the container");
  fl.List(&f->network_alias, "net-alias", "Add network-scoped alias for the container");
  fl.Hide("net");
  fl.Hide("net-alias");
  fl.Hide("cpu-count");
  fl.Hide("cpu-percent");
  fl.Bool(&f->no_healthcheck, "no-healthcheck", "Disable any container-specified HEALTHCHECK");
  fl.Bool(&f->oom_kill_disable, "oom-kill-disable", "Disable OOM Killer");
  fl.Int(&f->oom_score_adj, "oom-score-adj", "Tune host's OOM preferences (-1000 to 1000)");
  fl.String(&f->pid, "pid", "PID namespace to use");
  fl.Int(&f->pids_limit, "pids-limit", "Tune container pids limit (set -1 for unlimited)");
  fl.String(&f->platform, "platform", "Set platform if server is multi-platform capable");
  fl.Bool(&f->privileged, "privileged", "Give extended privileges to this container");
  fl.List(&f->publish, "p,publish", "Publish a container's port(s) to the host");
  fl.Bool(&f->publish_all, "P,publish-all", "Publish all exposed ports to random ports");
  fl.String(&f->pull, "pull", std::string("Pull image before ") + (run ? "running" : "creating") +
                                  " (\"always\"|\"missing\"|\"never\")",
            "missing");
  fl.Bool(&f->read_only, "read-only", "Mount the container's root filesystem as read only");
  fl.String(&f->restart, "restart", "Restart policy to apply when a container exits", "no");
  fl.Bool(&f->rm, "rm", "Automatically remove the container when it exits");
  fl.String(&f->runtime, "runtime", "Runtime to use for this container");
  fl.List(&f->security_opt, "security-opt", "Security Options");
  bytes(&f->shm_size, "shm-size", "Size of /dev/shm");
  fl.String(&f->stop_signal, "stop-signal", "Signal to stop a container", "SIGTERM");
  fl.Int(&f->stop_timeout, "stop-timeout", "Timeout (in seconds) to stop a container");
  fl.List(&f->storage_opt, "storage-opt", "Storage driver options for the container");
  fl.Add("sysctl", "map", "Sysctl options", "map[]", [f](const std::string& v) -> Status {
    f->sysctl.push_back(SKIFF_TRY(ValidateSysctl(v)));
    return Ok();
  });
  fl.List(&f->tmpfs, "tmpfs", "Mount a tmpfs directory");
  fl.Bool(&f->tty, "t,tty", "Allocate a pseudo-TTY");
  fl.Add("ulimit", "ulimit", "Ulimit options", "[]", [f](const std::string& v) -> Status {
    f->ulimit_values.push_back(SKIFF_TRY(ParseUlimit(v)));
    return Ok();
  });
  fl.String(&f->user, "u,user", "Username or UID (format: <name|uid>[:<group|gid>])");
  fl.String(&f->userns, "userns", "User namespace to use");
  fl.String(&f->uts, "uts", "UTS namespace to use");
  fl.List(&f->volume, "v,volume", "Bind mount a volume");
  fl.String(&f->volume_driver, "volume-driver", "Optional volume driver for the container");
  fl.List(&f->volumes_from, "volumes-from", "Mount volumes from the specified container(s)");
  fl.String(&f->workdir, "w,workdir", "Working directory inside the container");
}

OJson ResourcesJson(const ContainerFlags& f, bool update, const OJson& devices) {
  // Go's container.Resources in field order. An update sends the pointer and slice fields it does not change
  // as null; a create sends docker's defaults for them.
  auto list = [](const std::vector<OJson>& v) { return v.empty() ? OJson(nullptr) : OJson(v); };
  OJson r = OJson::object();
  r["CpuShares"] = f.cpu_shares;
  r["Memory"] = f.memory;
  r["NanoCpus"] = f.nano_cpus;
  r["CgroupParent"] = f.cgroup_parent;
  r["BlkioWeight"] = f.blkio_weight;
  r["BlkioWeightDevice"] = update ? OJson(nullptr)
                                  : f.blkio_weight_device.empty() ? OJson::array() : OJson(f.blkio_weight_device);
  r["BlkioDeviceReadBps"] = list(f.device_read_bps);
  r["BlkioDeviceWriteBps"] = list(f.device_write_bps);
  r["BlkioDeviceReadIOps"] = list(f.device_read_iops);
  r["BlkioDeviceWriteIOps"] = list(f.device_write_iops);
  r["CpuPeriod"] = f.cpu_period;
  r["CpuQuota"] = f.cpu_quota;
  r["CpuRealtimePeriod"] = f.cpu_rt_period;
  r["CpuRealtimeRuntime"] = f.cpu_rt_runtime;
  r["CpusetCpus"] = f.cpuset_cpus;
  r["CpusetMems"] = f.cpuset_mems;
  r["Devices"] = update ? OJson(nullptr) : devices;
  r["DeviceCgroupRules"] = ListOrNull(f.device_cgroup_rule);
  r["DeviceRequests"] = list(f.gpu_values);
  r["KernelMemory"] = f.kernel_memory;
  r["KernelMemoryTCP"] = 0;
  r["MemoryReservation"] = f.memory_reservation;
  r["MemorySwap"] = f.memory_swap;
  r["MemorySwappiness"] = update ? OJson(nullptr) : OJson(f.memory_swappiness);
  r["OomKillDisable"] = update ? OJson(nullptr) : OJson(f.oom_kill_disable);
  r["PidsLimit"] = update && f.pids_limit == 0 ? OJson(nullptr) : OJson(f.pids_limit);
  r["Ulimits"] = list(f.ulimit_values);
  r["CpuCount"] = f.cpu_count;
  r["CpuPercent"] = f.cpu_percent;
  r["IOMaximumIOps"] = 0;
  r["IOMaximumBandwidth"] = 0;
  return r;
}

Result<CreateRequest> BuildCreateRequest(const FlagSet& flags, const ContainerFlags& f,
                                         const std::vector<std::string>& args) {
  CreateRequest req;
  req.image = args.at(0);
  req.name = f.name;
  req.platform = f.platform;

  bool attach_stdin = false, attach_stdout = false, attach_stderr = false;
  for (const auto& a : f.attach) {
    if (a == "stdin") attach_stdin = true;
    if (a == "stdout") attach_stdout = true;
    if (a == "stderr") attach_stderr = true;
  }
  if (!f.mac_address.empty() && !IsValidMac(f.mac_address)) {
    return Invalid(f.mac_address + " is not a valid mac address");
  }
  if (f.interactive) attach_stdin = true;
  if (f.attach.empty()) {
    attach_stdout = true;
    attach_stderr = true;
  }
  if (f.memory_swappiness != -1 && (f.memory_swappiness < 0 || f.memory_swappiness > 100)) {
    return Invalid(fmt::format("invalid value: {}. Valid memory swappiness range is 0-100", f.memory_swappiness));
  }

  // Volumes: specs with a source are binds, the others anonymous volumes.
  std::vector<std::string> binds;
  std::map<std::string, std::string> volumes;
  for (const auto& v : f.volume) {
    auto colon = v.find(':');
    if (colon != std::string::npos && colon > 0) binds.push_back(v);
    else volumes[v] = "";
  }

  std::map<std::string, std::string> tmpfs;
  for (const auto& t : f.tmpfs) {
    auto parts = SplitN(t, ':', 2);
    tmpfs[parts[0]] = parts.size() > 1 ? parts[1] : "";
  }

  OJson cmd = nullptr;
  if (args.size() > 1) cmd = OJson(std::vector<std::string>(args.begin() + 1, args.end()));
  OJson entrypoint = nullptr;
  if (!f.entrypoint.empty()) entrypoint = OJson::array({f.entrypoint});
  else if (flags.Changed("entrypoint")) entrypoint = OJson::array({""});

  std::set<std::string> exposed;
  std::map<std::string, std::vector<PortBinding>> bindings;
  auto publish = SKIFF_TRY(ConvertPortsToStandardNotation(f.publish));
  SKIFF_TRY(ParsePortSpecs(publish, &exposed, &bindings));
  for (const auto& e : f.expose) SKIFF_TRY(ParseExpose(e, &exposed));

  // Devices.
  OJson devices = OJson::array();
  for (const auto& d : f.device) devices.push_back(SKIFF_TRY(ParseDevice(SKIFF_TRY(ValidateDevice(d)))));

  // Env: files first, then -e.
  std::vector<std::string> env;
  for (const auto& file : f.env_file) {
    auto lines = SKIFF_TRY(ParseEnvFile(file));
    env.insert(env.end(), lines.begin(), lines.end());
  }
  env.insert(env.end(), f.env.begin(), f.env.end());
  std::vector<std::string> labels;
  for (const auto& file : f.label_file) {
    auto lines = SKIFF_TRY(ParseLabelFile(file));
    labels.insert(labels.end(), lines.begin(), lines.end());
  }
  labels.insert(labels.end(), f.label.begin(), f.label.end());

  // Logging options.
  auto log_opts = KVListToMap(f.log_opt);
  if (f.log_driver == "none" && !f.log_opt.empty()) {
    return Invalid(fmt::format("invalid logging opts for driver {}", f.log_driver));
  }

  // Security options (seccomp profiles are read and compacted here, as docker does).
  std::vector<std::string> security = f.security_opt;
  for (auto& opt : security) {
    auto con = SplitN(opt, '=', 2);
    if (con.size() == 1 && con[0] != "no-new-privileges") {
      if (opt.find(':') != std::string::npos) con = SplitN(opt, ':', 2);
      else return Invalid(fmt::format("Invalid --security-opt: \"{}\"", opt));
    }
    if (con[0] == "seccomp" && con.size() > 1 && con[1] != "unconfined") {
      auto compact = CompactJsonFile(con[1]);
      if (!compact.ok()) {
        return Invalid(fmt::format("opening seccomp profile ({}) failed: {}", con[1], compact.error().message()));
      }
      opt = "seccomp=" + *compact;
    }
  }
  bool system_paths_unconfined = false;
  std::vector<std::string> filtered;
  for (const auto& opt : security) {
    if (opt == "systempaths=unconfined") system_paths_unconfined = true;
    else filtered.push_back(opt);
  }
  OJson security_json = f.security_opt.empty() ? OJson(nullptr) : OJson(filtered);

  std::map<std::string, std::string> storage;
  for (const auto& s : f.storage_opt) {
    auto kv = SplitN(s, '=', 2);
    if (kv.size() != 2) return Invalid(fmt::format("invalid storage option"));
    storage[kv[0]] = kv[1];
  }

  auto restart = SKIFF_TRY(ParseRestartPolicy(f.restart));
  std::string restart_name = restart["Name"].get<std::string>();
  if (f.rm && !(restart_name.empty() || restart_name == "no")) {
    return Invalid("Conflicting options: --restart and --rm");
  }

  // Healthcheck.
  OJson health = nullptr;
  bool have_health = !f.health_cmd.empty() || f.health_interval != 0 || f.health_timeout != 0 ||
                     f.health_start_period != 0 || f.health_retries != 0;
  if (f.no_healthcheck) {
    if (have_health) return Invalid("--no-healthcheck conflicts with --health-* options");
    health = OJson::object();
    health["Test"] = OJson::array({"NONE"});
  } else if (have_health) {
    if (f.health_interval < 0) return Invalid("--health-interval cannot be negative");
    if (f.health_timeout < 0) return Invalid("--health-timeout cannot be negative");
    if (f.health_retries < 0) return Invalid("--health-retries cannot be negative");
    if (f.health_start_period < 0) return Invalid("--health-start-period cannot be negative");
    health = OJson::object();
    if (!f.health_cmd.empty()) health["Test"] = OJson::array({"CMD-SHELL", f.health_cmd});
    if (f.health_interval) health["Interval"] = f.health_interval;
    if (f.health_timeout) health["Timeout"] = f.health_timeout;
    if (f.health_start_period) health["StartPeriod"] = f.health_start_period;
    if (f.health_retries) health["Retries"] = f.health_retries;
  }

  // Namespace modes.
  if (!(f.pid.empty() || f.pid == "host" || (f.pid.rfind("container:", 0) == 0 && f.pid.size() > 10))) {
    return Invalid("--pid: invalid PID mode");
  }
  if (!(f.uts.empty() || f.uts == "host")) return Invalid("--uts: invalid UTS mode");
  if (!(f.userns.empty() || f.userns == "host")) return Invalid("--userns: invalid USER mode");
  if (!(f.cgroupns.empty() || f.cgroupns == "host" || f.cgroupns == "private")) {
    return Invalid("--cgroupns: invalid CGROUP mode");
  }
  if (!f.ip.empty()) {
    auto ip = ValidateIPAddress(f.ip);
    if (!ip.ok() || f.ip.find(':') != std::string::npos) return Invalid(f.ip + " is not an ip address");
  }
  if (!f.ip6.empty() && (!ValidateIPAddress(f.ip6).ok() || f.ip6.find(':') == std::string::npos)) {
    return Invalid(f.ip6 + " is not an ip address");
  }

  // Networks.
  std::string network_mode = "default";
  OJson endpoints = OJson::object();
  bool user_defined = false, non_user_defined = false;
  for (size_t i = 0; i < f.networks.size(); ++i) {
    auto n = SKIFF_TRY(ParseNetworkOpt(f.networks[i]));
    if (i == 0) network_mode = n.target;
    if (IsUserDefinedNetwork(n.target)) user_defined = true;
    else non_user_defined = true;
    if (i == 0) {
      if (!n.aliases.empty() && !f.network_alias.empty()) {
        return Invalid("conflicting options: cannot specify both --network-alias and per-network alias");
      }
      if (!f.network_alias.empty()) n.aliases = f.network_alias;
      if (!f.link.empty()) n.links = f.link;
      if (!f.ip.empty()) n.ipv4 = f.ip;
      if (!f.ip6.empty()) n.ipv6 = f.ip6;
      if (!f.link_local_ip.empty()) n.link_local_ips = f.link_local_ip;
    }
    if (Trim(n.target).empty()) return Invalid("no name set for network");
    if (!IsUserDefinedNetwork(n.target)) {
      if (!n.aliases.empty()) return Invalid("network-scoped aliases are only supported for user-defined networks");
      if (!n.links.empty()) return Invalid("links are only supported for user-defined networks");
    }
    bool empty = n.aliases.empty() && n.links.empty() && n.ipv4.empty() && n.ipv6.empty() &&
                 n.link_local_ips.empty() && n.driver_opts.empty();
    if (endpoints.contains(n.target)) {
      return Invalid(fmt::format("network \"{}\" is specified multiple times", n.target));
    }
    if (i == 0 && f.networks.size() == 1 && empty) continue;
    OJson ep = OJson::object();
    if (!n.ipv4.empty() || !n.ipv6.empty() || !n.link_local_ips.empty()) {
      OJson ipam = OJson::object();
      if (!n.ipv4.empty()) ipam["IPv4Address"] = n.ipv4;
      if (!n.ipv6.empty()) ipam["IPv6Address"] = n.ipv6;
      if (!n.link_local_ips.empty()) ipam["LinkLocalIPs"] = n.link_local_ips;
      ep["IPAMConfig"] = ipam;
    } else {
      ep["IPAMConfig"] = nullptr;
    }
    ep["Links"] = ListOrNull(n.links);
    ep["Aliases"] = ListOrNull(n.aliases);
    ep["NetworkID"] = "";
    ep["EndpointID"] = "";
    ep["Gateway"] = "";
    ep["IPAddress"] = "";
    ep["IPPrefixLen"] = 0;
    ep["IPv6Gateway"] = "";
    ep["GlobalIPv6Address"] = "";
    ep["GlobalIPv6PrefixLen"] = 0;
    ep["MacAddress"] = "";
    ep["DriverOpts"] = n.driver_opts.empty() ? OJson(nullptr) : SortedMap(n.driver_opts);
    endpoints[n.target] = ep;
  }
  if (user_defined && non_user_defined) {
    return Invalid("conflicting options: cannot attach both user-defined and non-user-defined network-modes");
  }

  // --- Config ---
  OJson c = OJson::object();
  c["Hostname"] = f.hostname;
  c["Domainname"] = f.domainname;
  c["User"] = f.user;
  c["AttachStdin"] = attach_stdin;
  c["AttachStdout"] = attach_stdout;
  c["AttachStderr"] = attach_stderr;
  if (!exposed.empty()) {
    OJson e = OJson::object();
    for (const auto& p : exposed) e[p] = OJson::object();
    c["ExposedPorts"] = e;
  }
  c["Tty"] = f.tty;
  c["OpenStdin"] = f.interactive;
  c["StdinOnce"] = f.interactive && attach_stdin;
  c["Env"] = ListOrNull(env);
  c["Cmd"] = cmd;
  if (!health.is_null()) c["Healthcheck"] = health;
  c["Image"] = req.image;
  OJson vols = OJson::object();
  for (const auto& [k, v] : volumes) vols[k] = OJson::object();
  c["Volumes"] = vols;
  c["WorkingDir"] = f.workdir;
  c["Entrypoint"] = entrypoint;
  if (!f.mac_address.empty()) c["MacAddress"] = f.mac_address;
  c["OnBuild"] = nullptr;
  c["Labels"] = SortedMap(KVListToMap(labels));
  if (flags.Changed("stop-signal")) c["StopSignal"] = f.stop_signal;
  if (flags.Changed("stop-timeout")) c["StopTimeout"] = f.stop_timeout;

  // --- HostConfig ---
  OJson h = OJson::object();
  h["Binds"] = ListOrNull(binds);
  h["ContainerIDFile"] = f.cidfile;
  OJson log = OJson::object();
  log["Type"] = f.log_driver;
  log["Config"] = SortedMap(log_opts);
  h["LogConfig"] = log;
  h["NetworkMode"] = network_mode;
  OJson pb = OJson::object();
  for (const auto& [port, list] : bindings) {
    OJson arr = OJson::array();
    for (const auto& b : list) {
      OJson o = OJson::object();
      o["HostIp"] = b.host_ip;
      o["HostPort"] = b.host_port;
      arr.push_back(o);
    }
    pb[port] = arr;
  }
  h["PortBindings"] = pb;
  h["RestartPolicy"] = restart;
  h["AutoRemove"] = f.rm;
  h["VolumeDriver"] = f.volume_driver;
  h["VolumesFrom"] = ListOrNull(f.volumes_from);
  h["CapAdd"] = ListOrNull(f.cap_add);
  h["CapDrop"] = ListOrNull(f.cap_drop);
  h["CgroupnsMode"] = f.cgroupns;
  h["Dns"] = ListOrEmpty(f.dns);
  h["DnsOptions"] = ListOrEmpty(f.dns_option);
  h["DnsSearch"] = ListOrEmpty(f.dns_search);
  h["ExtraHosts"] = ListOrNull(f.add_host);
  h["GroupAdd"] = ListOrNull(f.group_add);
  h["IpcMode"] = f.ipc;
  h["Cgroup"] = "";
  h["Links"] = ListOrNull(f.link);
  h["OomScoreAdj"] = f.oom_score_adj;
  h["PidMode"] = f.pid;
  h["Privileged"] = f.privileged;
  h["PublishAllPorts"] = f.publish_all;
  h["ReadonlyRootfs"] = f.read_only;
  h["SecurityOpt"] = security_json;
  if (!storage.empty()) h["StorageOpt"] = SortedMap(storage);
  if (!tmpfs.empty()) h["Tmpfs"] = SortedMap(tmpfs);
  h["UTSMode"] = f.uts;
  h["UsernsMode"] = f.userns;
  h["ShmSize"] = f.shm_size;
  if (!f.sysctl.empty()) h["Sysctls"] = SortedMap(KVListToMap(f.sysctl));
  if (!f.runtime.empty()) h["Runtime"] = f.runtime;
  h["ConsoleSize"] = OJson::array({0, 0});
  h["Isolation"] = f.isolation;
  OJson resources = ResourcesJson(f, false, devices);
  for (auto& [k, v] : resources.items()) h[k] = v;
  if (!f.mount_values.empty()) h["Mounts"] = OJson(f.mount_values);
  h["MaskedPaths"] = system_paths_unconfined ? OJson::array() : OJson(nullptr);
  h["ReadonlyPaths"] = system_paths_unconfined ? OJson::array() : OJson(nullptr);
  if (flags.Changed("init")) h["Init"] = f.init;

  c["HostConfig"] = h;
  OJson net = OJson::object();
  net["EndpointsConfig"] = endpoints;
  c["NetworkingConfig"] = net;
  req.body = std::move(c);
  return req;
}

}  // namespace skiff::cli

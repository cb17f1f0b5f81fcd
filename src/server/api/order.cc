#include "server/api/order.h"

#include <map>
#include <vector>

namespace skiff::server::api {
namespace {

using OJson = nlohmann::ordered_json;

// A schema: the order of an object's keys and the schemas of its members (by key), of array items
// ("[]"), or of every value of a map-like object ("*").
struct Schema {
  std::vector<std::string> keys;
  std::map<std::string, const Schema*> members;
};

OJson Convert(const Json& j, const Schema* s) {
  if (j.is_object()) {
    OJson o = OJson::object();
    auto member = [&](const std::string& k) -> const Schema* {
      if (!s) return nullptr;
      if (auto it = s->members.find(k); it != s->members.end()) return it->second;
      if (auto it = s->members.find("*"); it != s->members.end()) return it->second;
      return nullptr;
    };
    if (s) {
      for (auto& k : s->keys) {
        if (j.contains(k)) o[k] = Convert(j[k], member(k));
      }
    }
    for (auto& [k, v] : j.items()) {
      if (!o.contains(k)) o[k] = Convert(v, member(k));
    }
    return o;
  }
  if (j.is_array()) {
    OJson a = OJson::array();
    const Schema* item = nullptr;
    if (s) {
      if (auto it = s->members.find("[]"); it != s->members.end()) item = it->second;
    }
    for (auto& e : j) a.push_back(Convert(e, item));
    return a;
  }
  return OJson::parse(j.dump());  // scalars keep their exact number types
}

const Schema kHealthLog{{"Start", "End", "ExitCode", "Output"}, {}};
const Schema kHealthLogs{{}, {{"[]", &kHealthLog}}};
const Schema kHealth{{"Status", "FailingStreak", "Log"}, {{"Log", &kHealthLogs}}};
const Schema kState{{"Status", "Running", "Paused", "Restarting", "OOMKilled", "Dead", "Pid", "ExitCode", "Error",
                     "StartedAt", "FinishedAt", "Health"},
                    {{"Health", &kHealth}}};
const Schema kHealthcheck{{"Test", "Interval", "Timeout", "StartPeriod", "Retries"}, {}};
const Schema kConfig{{"Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts", "Tty",
                      "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes", "WorkingDir",
                      "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild", "Labels", "StopSignal", "StopTimeout", "Shell"},
                     {{"Healthcheck", &kHealthcheck}}};
const Schema kLogConfig{{"Type", "Config"}, {}};
const Schema kRestartPolicy{{"Name", "MaximumRetryCount"}, {}};
const Schema kUlimit{{"Name", "Hard", "Soft"}, {}};
const Schema kUlimits{{}, {{"[]", &kUlimit}}};
const Schema kDevice{{"PathOnHost", "PathInContainer", "CgroupPermissions"}, {}};
const Schema kDevices{{}, {{"[]", &kDevice}}};
const Schema kHostConfig{
    {"Binds", "ContainerIDFile", "LogConfig", "NetworkMode", "PortBindings", "RestartPolicy", "AutoRemove", "VolumeDriver",
     "VolumesFrom", "CapAdd", "CapDrop", "CgroupnsMode", "Dns", "DnsOptions", "DnsSearch", "ExtraHosts", "GroupAdd",
     "IpcMode", "Cgroup", "Links", "OomScoreAdj", "PidMode", "Privileged", "PublishAllPorts", "ReadonlyRootfs",
     "SecurityOpt", "StorageOpt", "Tmpfs", "UTSMode", "UsernsMode", "ShmSize", "Sysctls", "Runtime", "ConsoleSize",
     "Isolation", "CpuShares", "Memory", "NanoCpus", "CgroupParent", "BlkioWeight", "BlkioWeightDevice",
     "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "CpuPeriod", "CpuQuota",
     "CpuRealtimePeriod", "CpuRealtimeRuntime", "CpusetCpus", "CpusetMems", "Devices", "DeviceCgroupRules",
     "DeviceRequests", "KernelMemory", "KernelMemoryTCP", "MemoryReservation", "MemorySwap", "MemorySwappiness",
     "OomKillDisable", "PidsLimit", "Ulimits", "CpuCount", "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth", "Mounts",
     "MaskedPaths", "ReadonlyPaths", "Init"},
    {{"LogConfig", &kLogConfig}, {"RestartPolicy", &kRestartPolicy}, {"Ulimits", &kUlimits}, {"Devices", &kDevices}}};
const Schema kGraphData{{"LowerDir", "MergedDir", "UpperDir", "WorkDir"}, {}};
const Schema kGraphDriver{{"Data", "Name"}, {{"Data", &kGraphData}}};
const Schema kMount{{"Type", "Name", "Source", "Destination", "Driver", "Mode", "RW", "Propagation"}, {}};
const Schema kMounts{{}, {{"[]", &kMount}}};
const Schema kEndpoint{{"IPAMConfig", "Links", "Aliases", "NetworkID", "EndpointID", "Gateway", "IPAddress", "IPPrefixLen",
                        "IPv6Gateway", "GlobalIPv6Address", "GlobalIPv6PrefixLen", "MacAddress", "DriverOpts"},
                       {}};
const Schema kNetworks{{}, {{"*", &kEndpoint}}};
const Schema kNetworkSettings{{"Bridge", "SandboxID", "HairpinMode", "LinkLocalIPv6Address", "LinkLocalIPv6PrefixLen", "Ports",
                               "SandboxKey", "SecondaryIPAddresses", "SecondaryIPv6Addresses", "EndpointID", "Gateway",
                               "GlobalIPv6Address", "GlobalIPv6PrefixLen", "IPAddress", "IPPrefixLen", "IPv6Gateway",
                               "MacAddress", "Networks"},
                              {{"Networks", &kNetworks}}};
const Schema kContainer{{"Id", "Created", "Path", "Args", "State", "Image", "ResolvConfPath", "HostnamePath", "HostsPath",
                         "LogPath", "Name", "RestartCount", "Driver", "Platform", "MountLabel", "ProcessLabel",
                         "AppArmorProfile", "ExecIDs", "HostConfig", "GraphDriver", "SizeRw", "SizeRootFs", "Mounts",
                         "Config", "NetworkSettings"},
                        {{"State", &kState},
                         {"HostConfig", &kHostConfig},
                         {"GraphDriver", &kGraphDriver},
                         {"Mounts", &kMounts},
                         {"Config", &kConfig},
                         {"NetworkSettings", &kNetworkSettings}}};
const Schema kPort{{"IP", "PrivatePort", "PublicPort", "Type"}, {}};
const Schema kPorts{{}, {{"[]", &kPort}}};
const Schema kListNetworkSettings{{"Networks"}, {{"Networks", &kNetworks}}};
const Schema kContainerSummary{{"Id", "Names", "Image", "ImageID", "Command", "Created", "Ports", "SizeRw", "SizeRootFs",
                                "Labels", "State", "Status", "HostConfig", "NetworkSettings", "Mounts"},
                               {{"Ports", &kPorts}, {"NetworkSettings", &kListNetworkSettings}, {"Mounts", &kMounts}}};
const Schema kRootFs{{"Type", "Layers"}, {}};
const Schema kImage{{"Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created", "Container", "ContainerConfig",
                     "DockerVersion", "Author", "Config", "Architecture", "Variant", "Os", "OsVersion", "Size", "VirtualSize",
                     "GraphDriver", "RootFS", "Metadata"},
                    {{"ContainerConfig", &kConfig}, {"Config", &kConfig}, {"GraphDriver", &kGraphDriver}, {"RootFS", &kRootFs}}};
const Schema kProcessConfig{{"tty", "entrypoint", "arguments", "privileged", "user"}, {}};
const Schema kExec{{"ID", "Running", "ExitCode", "ProcessConfig", "OpenStdin", "OpenStderr", "OpenStdout", "CanRemove",
                    "ContainerID", "DetachKeys", "Pid"},
                   {{"ProcessConfig", &kProcessConfig}}};

}  // namespace

std::string DumpInDockerOrder(const Json& j, DocKind kind) {
  const Schema* s = nullptr;
  switch (kind) {
    case DocKind::kContainer: s = &kContainer; break;
    case DocKind::kContainerList: s = &kContainerSummary; break;
    case DocKind::kImage: s = &kImage; break;
    case DocKind::kExec: s = &kExec; break;
  }
  OJson o;
  if (j.is_array()) {
    o = OJson::array();
    for (auto& e : j) o.push_back(Convert(e, s));
  } else {
    o = Convert(j, s);
  }
  return o.dump(-1, ' ', false, OJson::error_handler_t::replace);
}

}  // namespace skiff::server::api

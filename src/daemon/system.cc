// GET /info, GET /version, GET /system/df.
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "base/file.h"
#include "base/strings.h"
#include "daemon/daemon.h"
#include "daemon/live.h"
#include "storage/snapshots.h"

#ifndef SKIFF_VERSION
#define SKIFF_VERSION "0.1.0"
#endif

namespace skiff::daemon {
namespace {

// dockerd's RegistryConfig: insecure CIDRs (127.0.0.0/8 always), per-index configs, mirrors with a slash.
Json RegistryConfig(const registry::RegistryOptions& o) {
  Json cidrs = Json::array({"127.0.0.0/8"}), mirrors = Json::array();
  for (auto& m : o.mirrors) mirrors.push_back(m.ends_with("/") ? m : m + "/");
  Json indexes = {{"docker.io", {{"Name", "docker.io"}, {"Mirrors", mirrors}, {"Secure", true}, {"Official", true}}}};
  for (auto& i : o.insecure) {
    if (i.find('/') != std::string::npos) cidrs.push_back(i);
    else indexes[i] = {{"Name", i}, {"Mirrors", Json::array()}, {"Secure", false}, {"Official", false}};
  }
  return {{"AllowNondistributableArtifactsCIDRs", Json::array()},
          {"AllowNondistributableArtifactsHostnames", Json::array()},
          {"InsecureRegistryCIDRs", cidrs},
          {"IndexConfigs", indexes},
          {"Mirrors", mirrors}};
}

std::string OsPrettyName() {
  auto text = ReadFile("/etc/os-release").value_or("");
  for (auto& line : Split(text, '\n')) {
    if (line.starts_with("PRETTY_NAME=")) {
      std::string v = line.substr(12);
      if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "Linux";
}

std::string OsVersion() {
  auto text = ReadFile("/etc/os-release").value_or("");
  for (auto& line : Split(text, '\n')) {
    if (line.starts_with("VERSION_ID=")) {
      std::string v = line.substr(11);
      if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "";
}

int64_t MemTotal() {
  auto info = ReadFile("/proc/meminfo").value_or("");
  for (auto& line : Split(info, '\n')) {
    if (line.starts_with("MemTotal:")) {
      auto w = Split(std::string(Trim(line.substr(9))), ' ');
      return static_cast<int64_t>(ParseUint(w[0]).value_or(0) * 1024);
    }
  }
  return 0;
}

std::string BackingFs(const std::string& path) {
  struct statfs s;
  if (::statfs(path.c_str(), &s) != 0) return "unknown";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53: return "extfs";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs";
    case 0x794c7630: return "overlayfs";
    default: return "unknown";
  }
}

}  // namespace

Json Daemon::Info() {
  int total = 0, running = 0, paused = 0, stopped = 0;
  for (auto& c : All()) {
    std::lock_guard l(c->mu);
    if (c->removed) continue;
    ++total;
    if (c->rec.state.status == ContainerStatus::kPaused) ++paused;
    else if (c->rec.running() || c->rec.state.status == ContainerStatus::kRestarting) ++running;
    else ++stopped;
  }
  int64_t images = 0;
  if (auto list = images_->List(); list.ok()) images = static_cast<int64_t>(list->size());
  struct utsname u{};
  ::uname(&u);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  int ncpu = static_cast<int>(std::thread::hardware_concurrency());
  bool v2 = cgroup_v2_;
  return {
      {"ID", engine_id_},
      {"Containers", total},
      {"ContainersRunning", running},
      {"ContainersPaused", paused},
      {"ContainersStopped", stopped},
      {"Images", images},
      {"Driver", "overlay2"},
      {"DriverStatus", Json::array({Json::array({"Backing Filesystem", BackingFs(opts_.data_root)}),
                                    Json::array({"Supports d_type", "true"}), Json::array({"Native Overlay Diff", "true"}),
                                    Json::array({"userxattr", "false"})})},
      {"Plugins", {{"Volume", {"local"}}, {"Network", {"host", "none"}}, {"Authorization", nullptr}, {"Log", {"json-file", "none"}}}},
      {"MemoryLimit", true},
      {"SwapLimit", PathExists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") || v2},
      {"KernelMemory", !v2},
      {"KernelMemoryTCP", !v2},
      {"CpuCfsPeriod", true},
      {"CpuCfsQuota", true},
      {"CPUShares", true},
      {"CPUSet", true},
      {"PidsLimit", true},
      {"IPv4Forwarding", Trim(ReadFile("/proc/sys/net/ipv4/ip_forward").value_or("0")) == "1"},
      {"BridgeNfIptables", Trim(ReadFile("/proc/sys/net/bridge/bridge-nf-call-iptables").value_or("0")) == "1"},
      {"BridgeNfIp6tables", Trim(ReadFile("/proc/sys/net/bridge/bridge-nf-call-ip6tables").value_or("0")) == "1"},
      {"Debug", false},
      {"NFd", static_cast<int>(ListDir("/proc/self/fd").size())},
      {"OomKillDisable", !v2},
      {"NGoroutines", 0},
      {"SystemTime", FormatTimeNs(NowNs())},
      {"LoggingDriver", opts_.log_driver},
      {"CgroupDriver", "cgroupfs"},
      {"CgroupVersion", v2 ? "2" : "1"},
      {"NEventsListener", 0},
      {"KernelVersion", u.release},
      {"OperatingSystem", OsPrettyName()},
      {"OSVersion", OsVersion()},
      {"OSType", "linux"},
      {"Architecture", u.machine},
      {"IndexServerAddress", "https://index.docker.io/v1/"},
      {"RegistryConfig", RegistryConfig(opts_.registry)},
      {"NCPU", ncpu},
      {"MemTotal", MemTotal()},
      {"GenericResources", nullptr},
      {"DockerRootDir", opts_.data_root},
      {"HttpProxy", ""},
      {"HttpsProxy", ""},
      {"NoProxy", ""},
      {"Name", host},
      {"Labels", Json::array()},
      {"ExperimentalBuild", false},
      {"ServerVersion", SKIFF_VERSION},
      {"Runtimes", {{"skiff", {{"path", opts_.runtime}}}, {"runc", {{"path", opts_.runtime}}}}},
      {"DefaultRuntime", "skiff"},
      {"Swarm",
       {{"NodeID", ""}, {"NodeAddr", ""}, {"LocalNodeState", "inactive"}, {"ControlAvailable", false}, {"Error", ""}, {"RemoteManagers", nullptr}}},
      {"LiveRestoreEnabled", true},
      {"Isolation", ""},
      {"InitBinary", "docker-init"},
      {"ContainerdCommit", {{"ID", ""}, {"Expected", ""}}},
      {"RuncCommit", {{"ID", ""}, {"Expected", ""}}},
      {"InitCommit", {{"ID", ""}, {"Expected", ""}}},
      {"SecurityOptions", {"name=seccomp,profile=default"}},
      {"Warnings", Json::array()}};
}

Json Daemon::Version() {
  struct utsname u{};
  ::uname(&u);
  std::string arch = std::string(u.machine) == "x86_64" ? "amd64" : std::string(u.machine) == "aarch64" ? "arm64" : u.machine;
  Json details = {{"ApiVersion", "1.41"}, {"Arch", arch},         {"BuildTime", __DATE__ " " __TIME__},
                  {"Experimental", "false"}, {"GitCommit", ""},    {"GoVersion", "n/a (C++20)"},
                  {"KernelVersion", u.release}, {"MinAPIVersion", "1.12"}, {"Os", "linux"}};
  return {{"Platform", {{"Name", "Skiff Engine"}}},
          {"Components",
           {{{"Name", "Engine"}, {"Version", SKIFF_VERSION}, {"Details", details}},
            {{"Name", "skiff-runtime"}, {"Version", SKIFF_VERSION}, {"Details", {{"GitCommit", ""}}}}}},
          {"Version", SKIFF_VERSION},
          {"ApiVersion", "1.41"},
          {"MinAPIVersion", "1.12"},
          {"GitCommit", ""},
          {"GoVersion", "n/a (C++20)"},
          {"Os", "linux"},
          {"Arch", arch},
          {"KernelVersion", u.release},
          {"BuildTime", __DATE__ " " __TIME__}};
}

Result<Json> Daemon::DiskUsage() {
  auto list = SKIFF_TRY(images_->List());
  Json images = Json::array();
  uint64_t layers = 0;
  std::map<std::string, int64_t> counts;
  for (auto& c : All()) {
    std::lock_guard l(c->mu);
    if (!c->removed) ++counts[c->rec.image_id];
  }
  std::set<std::string> seen;
  for (auto& s : list) {
    // Intermediate images (untagged parents of others: the legacy build cache) are not listed, as in
    // `docker images`; their layers count.
    bool intermediate = s.repo_tags.empty() && s.children > 0;
    for (auto& l : images_->ImageLayers(s.id).value_or({})) {
      if (seen.insert(l.diff_id.str()).second) layers += l.size;
    }
    if (intermediate) continue;
    Json labels = nullptr;
    if (!s.labels.empty()) {
      labels = Json::object();
      for (auto& [k, v] : s.labels) labels[k] = v;
    }
    images.push_back({{"Containers", counts[s.id.str()]},
                      {"Created", s.created},
                      {"Id", s.id.str()},
                      {"Labels", labels},
                      {"ParentId", ""},
                      {"RepoDigests", s.repo_digests},
                      {"RepoTags", s.repo_tags.empty() ? Json::array({"<none>:<none>"}) : Json(s.repo_tags)},
                      {"SharedSize", s.shared_size},
                      {"Size", s.size},
                      {"VirtualSize", s.size}});
  }
  Json containers = SKIFF_TRY(List(true, 0, true, Filters()));
  std::map<std::string, int64_t> refs;
  for (auto& c : All()) {
    std::lock_guard l(c->mu);
    for (auto& m : c->rec.mounts) {
      if (m.type == "volume") ++refs[m.name];
    }
  }
  Json vols = Json::array();
  for (auto& v : SKIFF_TRY(volumes_->List())) {
    vols.push_back(v.ToJson(refs[v.name], static_cast<int64_t>(storage::TreeSize(v.mountpoint).value_or(0))));
  }
  return Json{{"LayersSize", layers}, {"Images", images}, {"Containers", containers}, {"Volumes", vols}, {"BuildCache", BuildCacheUsage().value_or(Json::array())}};
}

}  // namespace skiff::daemon

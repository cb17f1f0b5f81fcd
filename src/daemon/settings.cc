#include "daemon/settings.h"

#include <set>

#include <fmt/format.h>

#include "base/strings.h"
#include "sys/process.h"

namespace skiff::daemon {

std::vector<std::string> Strings(const Json& j) {
  std::vector<std::string> out;
  if (j.is_string()) {
    out.push_back(j.get<std::string>());
  } else if (j.is_array()) {
    for (auto& e : j) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
  }
  return out;
}

namespace {

// Fields Docker always prints, with their zero values.
const Json& ConfigTemplate() {
  static const Json t = {{"Hostname", ""},      {"Domainname", ""},      {"User", ""},      {"AttachStdin", false},
                         {"AttachStdout", false}, {"AttachStderr", false}, {"Tty", false},    {"OpenStdin", false},
                         {"StdinOnce", false},  {"Env", nullptr},        {"Cmd", nullptr},  {"Image", ""},
                         {"Volumes", nullptr},  {"WorkingDir", ""},      {"Entrypoint", nullptr}, {"OnBuild", nullptr},
                         {"Labels", Json::object()}};
  return t;
}
// Fields Docker leaves out when empty (Go omitempty).
const char* const kConfigOmitEmpty[] = {"ExposedPorts", "Healthcheck", "ArgsEscaped", "NetworkDisabled",
                                        "MacAddress",   "StopSignal",  "StopTimeout", "Shell"};

const Json& HostConfigTemplate() {
  static const Json t = {
      {"Binds", nullptr},          {"ContainerIDFile", ""},
      {"LogConfig", {{"Type", ""}, {"Config", Json::object()}}},
      {"NetworkMode", "default"},  {"PortBindings", Json::object()},
      {"RestartPolicy", {{"Name", ""}, {"MaximumRetryCount", 0}}},
      {"AutoRemove", false},       {"VolumeDriver", ""},
      {"VolumesFrom", nullptr},    {"CapAdd", nullptr},
      {"CapDrop", nullptr},        {"CgroupnsMode", ""},
      {"Dns", Json::array()},      {"DnsOptions", Json::array()},
      {"DnsSearch", Json::array()}, {"ExtraHosts", nullptr},
      {"GroupAdd", nullptr},       {"IpcMode", ""},
      {"Cgroup", ""},              {"Links", nullptr},
      {"OomScoreAdj", 0},          {"PidMode", ""},
      {"Privileged", false},       {"PublishAllPorts", false},
      {"ReadonlyRootfs", false},   {"SecurityOpt", nullptr},
      {"UTSMode", ""},             {"UsernsMode", ""},
      {"ShmSize", 0},              {"Runtime", ""},
      {"ConsoleSize", {0, 0}},     {"Isolation", ""},
      {"CpuShares", 0},            {"Memory", 0},
      {"NanoCpus", 0},             {"CgroupParent", ""},
      {"BlkioWeight", 0},          {"BlkioWeightDevice", Json::array()},
      {"BlkioDeviceReadBps", nullptr}, {"BlkioDeviceWriteBps", nullptr},
      {"BlkioDeviceReadIOps", nullptr}, {"BlkioDeviceWriteIOps", nullptr},
      {"CpuPeriod", 0},            {"CpuQuota", 0},
      {"CpuRealtimePeriod", 0},    {"CpuRealtimeRuntime", 0},
      {"CpusetCpus", ""},          {"CpusetMems", ""},
      {"Devices", Json::array()},  {"DeviceCgroupRules", nullptr},
      {"DeviceRequests", nullptr}, {"KernelMemory", 0},
      {"KernelMemoryTCP", 0},      {"MemoryReservation", 0},
      {"MemorySwap", 0},           {"MemorySwappiness", nullptr},
      {"OomKillDisable", false},   {"PidsLimit", nullptr},
      {"Ulimits", nullptr},        {"CpuCount", 0},
      {"CpuPercent", 0},           {"IOMaximumIOps", 0},
      {"IOMaximumBandwidth", 0}};
  return t;
}

int64_t Int(const Json& j, const char* k) {
  if (!j.contains(k) || !j[k].is_number()) return 0;
  return j[k].get<int64_t>();
}

std::string Str(const Json& j, const char* k) {
  if (!j.contains(k) || !j[k].is_string()) return "";
  return j[k].get<std::string>();
}

std::string EnvKey(const std::string& kv) { return kv.substr(0, kv.find('=')); }

Error Invalid(std::string msg) { return Error(Errc::kInvalidArgument, std::move(msg)); }

}  // namespace

Json NormalizeConfig(const Json& in) {
  Json out = ConfigTemplate();
  if (in.is_object()) {
    for (auto& [k, v] : in.items()) out[k] = v;
  }
  for (const char* k : kConfigOmitEmpty) {
    if (!out.contains(k)) continue;
    const Json& v = out[k];
    bool empty = v.is_null() || (v.is_string() && v.get<std::string>().empty()) || (v.is_boolean() && !v.get<bool>()) ||
                 ((v.is_object() || v.is_array()) && v.empty()) || (v.is_number() && v.get<double>() == 0);
    if (empty) out.erase(k);
  }
  if (out["Labels"].is_null()) out["Labels"] = Json::object();
  return out;
}

Json NormalizeHostConfig(const Json& in, const std::string& log_driver,
                         const std::map<std::string, std::string>& log_opts, bool cgroup_v2) {
  Json out = HostConfigTemplate();
  if (in.is_object()) {
    for (auto& [k, v] : in.items()) out[k] = v;
  }
  if (!out["NetworkMode"].is_string() || out["NetworkMode"].get<std::string>().empty()) out["NetworkMode"] = "default";
  if (!out["RestartPolicy"].is_object()) out["RestartPolicy"] = {{"Name", ""}, {"MaximumRetryCount", 0}};
  if (!out["RestartPolicy"].contains("Name")) out["RestartPolicy"]["Name"] = "";
  if (!out["RestartPolicy"].contains("MaximumRetryCount")) out["RestartPolicy"]["MaximumRetryCount"] = 0;
  if (Str(out, "IpcMode").empty()) out["IpcMode"] = "private";
  if (Str(out, "CgroupnsMode").empty()) out["CgroupnsMode"] = cgroup_v2 ? "private" : "host";
  if (Int(out, "ShmSize") == 0) out["ShmSize"] = 64 * 1024 * 1024;
  if (Str(out, "Runtime").empty()) out["Runtime"] = "skiff";
  if (out["PidsLimit"].is_number() && out["PidsLimit"].get<int64_t>() <= 0) out["PidsLimit"] = nullptr;
  // Memory swap: unset with a memory limit means twice the limit (dockerd's adaptContainerSettings).
  if (Int(out, "Memory") > 0 && Int(out, "MemorySwap") == 0) out["MemorySwap"] = Int(out, "Memory") * 2;
  // Log config: the daemon default, with its options, when the container names none or the same driver.
  Json& lc = out["LogConfig"];
  if (!lc.is_object()) lc = {{"Type", ""}, {"Config", Json::object()}};
  if (!lc.contains("Config") || !lc["Config"].is_object()) lc["Config"] = Json::object();
  if (Str(lc, "Type").empty()) lc["Type"] = log_driver;
  if (lc["Type"] == log_driver) {
    for (auto& [k, v] : log_opts) {
      if (!lc["Config"].contains(k)) lc["Config"][k] = v;
    }
  }
  if (!out.contains("MaskedPaths") || out["MaskedPaths"].is_null()) out.erase("MaskedPaths");
  if (!out.contains("ReadonlyPaths") || out["ReadonlyPaths"].is_null()) out.erase("ReadonlyPaths");
  return out;
}

Json MergeImageConfig(Json user, const Json& image_in) {
  static const Json kEmpty = Json::object();
  const Json& image = image_in.is_object() ? image_in : kEmpty;
  auto has = [&](const char* k) { return user.contains(k) && !user[k].is_null(); };
  auto empty = [&](const char* k) {
    return !has(k) || ((user[k].is_array() || user[k].is_object()) && user[k].empty()) ||
           (user[k].is_string() && user[k].get<std::string>().empty());
  };
  static const Json kNull = nullptr;
  auto img = [&](const char* k) -> const Json& { return image.contains(k) ? image[k] : kNull; };
  if (empty("User") && img("User").is_string()) user["User"] = img("User");
  if (img("ExposedPorts").is_object()) {
    if (empty("ExposedPorts")) {
      user["ExposedPorts"] = img("ExposedPorts");
    } else {
      for (auto& [p, v] : img("ExposedPorts").items()) {
        if (!user["ExposedPorts"].contains(p)) user["ExposedPorts"][p] = v;
      }
    }
  }
  if (empty("Env")) {
    user["Env"] = img("Env");
  } else {
    for (auto& e : Strings(img("Env"))) {
      bool found = false;
      for (auto& u : Strings(user["Env"])) found = found || EnvKey(u) == EnvKey(e);
      if (!found) user["Env"].push_back(e);
    }
  }
  if (!user.contains("Labels") || !user["Labels"].is_object()) user["Labels"] = Json::object();
  if (img("Labels").is_object()) {
    for (auto& [k, v] : img("Labels").items()) {
      if (!user["Labels"].contains(k)) user["Labels"][k] = v;
    }
  }
  if (empty("Entrypoint")) {
    if (empty("Cmd")) {
      user["Cmd"] = img("Cmd");
      if (image.contains("ArgsEscaped")) user["ArgsEscaped"] = image["ArgsEscaped"];
    }
    if (!has("Entrypoint")) user["Entrypoint"] = img("Entrypoint");
  }
  if (img("Healthcheck").is_object()) {
    if (!user.contains("Healthcheck") || !user["Healthcheck"].is_object()) {
      user["Healthcheck"] = img("Healthcheck");
    } else {
      Json& h = user["Healthcheck"];
      const Json& ih = image["Healthcheck"];
      if (!h.contains("Test") || h["Test"].empty()) h["Test"] = ih.value("Test", Json(nullptr));
      for (const char* k : {"Interval", "Timeout", "StartPeriod", "Retries"}) {
        if (Int(h, k) == 0 && ih.contains(k)) h[k] = ih[k];
      }
    }
  }
  if (empty("WorkingDir") && img("WorkingDir").is_string()) user["WorkingDir"] = img("WorkingDir");
  if (empty("Volumes")) {
    user["Volumes"] = img("Volumes");
  } else if (img("Volumes").is_object()) {
    for (auto& [k, v] : img("Volumes").items()) user["Volumes"][k] = v;
  }
  if (empty("StopSignal") && img("StopSignal").is_string()) user["StopSignal"] = img("StopSignal");
  if (empty("Shell") && img("Shell").is_array()) user["Shell"] = img("Shell");
  if (empty("OnBuild") && img("OnBuild").is_array()) user["OnBuild"] = img("OnBuild");
  // The "reset" entrypoint [""] (`--entrypoint ""`) kept the image's Cmd and Entrypoint out; now it
  // means no entrypoint at all, as Docker shows it.
  if (user.contains("Entrypoint") && user["Entrypoint"].is_array() && user["Entrypoint"].size() == 1 &&
      user["Entrypoint"][0] == "") {
    user["Entrypoint"] = nullptr;
  }
  return user;
}

Status ValidateSettings(const Json& config, const Json& hc, int online_cpus) {
  // Restart policy (dockerd's validateRestartPolicy).
  const Json& rp = hc["RestartPolicy"];
  std::string policy = Str(rp, "Name");
  int64_t retries = Int(rp, "MaximumRetryCount");
  static const std::set<std::string> policies = {"", "no", "always", "unless-stopped", "on-failure"};
  if (!policies.count(policy)) return Invalid("invalid restart policy '" + policy + "'");
  if (policy == "on-failure" && retries < 0) return Invalid("maximum retry count cannot be negative");
  if (policy != "on-failure" && retries != 0) {
    return Invalid("maximum retry count cannot be used with restart policy '" + policy + "'");
  }
  if (hc.value("AutoRemove", false) && policy != "" && policy != "no") {
    return Invalid("can't create 'AutoRemove' container with restart policy");
  }
  // Resources.
  int64_t mem = Int(hc, "Memory");
  if (mem < 0) return Invalid("invalid memory limit");
  if (mem > 0 && mem < 6 * 1024 * 1024) return Invalid("Minimum memory limit allowed is 6MB");
  int64_t swap = Int(hc, "MemorySwap");
  if (mem > 0 && swap > 0 && swap < mem) {
    return Invalid("Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (mem == 0 && swap > 0) return Invalid("You should always set the Memory limit when using Memoryswap limit, see usage");
  int64_t res = Int(hc, "MemoryReservation");
  if (res > 0 && res < 6 * 1024 * 1024) return Invalid("Minimum memory reservation allowed is 6MB");
  if (mem > 0 && res > 0 && mem < res) {
    return Invalid("Minimum memory limit can not be less than memory reservation limit, see usage");
  }
  int64_t nano = Int(hc, "NanoCpus");
  if (nano > 0 && (Int(hc, "CpuPeriod") > 0 || Int(hc, "CpuQuota") > 0)) {
    return Invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  }
  if (nano < 0 || nano > static_cast<int64_t>(online_cpus) * 1000000000) {
    return Invalid(fmt::format("Range of CPUs is from 0.01 to {}.00, as there are only {} CPUs available", online_cpus,
                               online_cpus));
  }
  int64_t period = Int(hc, "CpuPeriod");
  if (period != 0 && (period < 1000 || period > 1000000)) {
    return Invalid("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  }
  int64_t quota = Int(hc, "CpuQuota");
  if (quota > 0 && quota < 1000) return Invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  int64_t oom = Int(hc, "OomScoreAdj");
  if (oom < -1000 || oom > 1000) return Invalid("Invalid value " + std::to_string(oom) + ", range for oom score adj is [-1000, 1000]");
  if (hc.contains("ShmSize") && Int(hc, "ShmSize") < 0) return Invalid("SHM size can not be less than 0");
  // What Skiff does not do yet, refused rather than ignored.
  std::string net = Str(hc, "NetworkMode");
  if (net != "default" && net != "bridge" && net != "none" && net != "host" && !net.starts_with("container:")) {
    return Error(Errc::kNotFound, "network " + net + " not found");
  }
  if (hc.contains("PortBindings") && hc["PortBindings"].is_object() && !hc["PortBindings"].empty()) {
    return Error(Errc::kUnsupported, "publishing ports (-p) is not supported by Skiff yet");
  }
  if (hc.value("PublishAllPorts", false)) {
    return Error(Errc::kUnsupported, "publishing ports (-P) is not supported by Skiff yet");
  }
  if (hc.contains("Links") && hc["Links"].is_array() && !hc["Links"].empty()) {
    return Error(Errc::kUnsupported, "legacy container links (--link) are not supported by Skiff");
  }
  if (hc.contains("DeviceRequests") && hc["DeviceRequests"].is_array() && !hc["DeviceRequests"].empty()) {
    return Error(Errc::kUnsupported, "device requests (--gpus) are not supported by Skiff");
  }
  // One runtime: skiff-runtime, also answering to runc's name for clients that ask for the default by name.
  std::string rt = Str(hc, "Runtime");
  if (rt != "skiff" && rt != "runc" && !rt.empty()) return Invalid("Unknown runtime specified " + rt);
  std::string userns = Str(hc, "UsernsMode");
  if (!userns.empty() && userns != "host") return Invalid("invalid USER mode: " + userns);
  for (const char* k : {"IpcMode", "PidMode", "UTSMode"}) {
    std::string v = Str(hc, k);
    bool ok = v.empty() || v == "host" || v.starts_with("container:") ||
              (std::string(k) == "IpcMode" && (v == "private" || v == "shareable" || v == "none"));
    if (std::string(k) == "UTSMode" && v.starts_with("container:")) ok = false;
    if (!ok) return Invalid(std::string("invalid ") + (std::string(k) == "IpcMode" ? "IPC" : std::string(k) == "PidMode" ? "PID" : "UTS") + " mode: " + v);
  }
  std::string cgns = Str(hc, "CgroupnsMode");
  if (cgns != "host" && cgns != "private") return Invalid("invalid cgroup namespace mode: " + cgns);

  // Config.
  if (config.contains("Healthcheck") && config["Healthcheck"].is_object()) {
    const Json& h = config["Healthcheck"];
    if (Int(h, "Interval") != 0 && Int(h, "Interval") < 1000000) return Invalid("Interval in Healthcheck cannot be less than 1ms");
    if (Int(h, "Timeout") != 0 && Int(h, "Timeout") < 1000000) return Invalid("Timeout in Healthcheck cannot be less than 1ms");
    if (Int(h, "Retries") < 0) return Invalid("Retries in Healthcheck cannot be negative");
    if (Int(h, "StartPeriod") != 0 && Int(h, "StartPeriod") < 1000000) {
      return Invalid("StartPeriod in Healthcheck cannot be less than 1ms");
    }
  }
  if (std::string sig = Str(config, "StopSignal"); !sig.empty()) {
    auto n = sys::ParseSignal(sig);
    if (!n.ok() || *n <= 0 || *n > 64) return Invalid("Invalid signal: " + sig);
  }
  // 21: the working directory must be absolute.
  if (std::string wd = Str(config, "WorkingDir"); !wd.empty() && wd[0] != '/') {
    return Invalid("the working directory '" + wd + "' is invalid, it needs to be an absolute path.");
  }
  return Ok();
}

Result<std::pair<std::string, std::vector<std::string>>> Command(const Json& config) {
  std::vector<std::string> ep = Strings(config.value("Entrypoint", Json(nullptr)));
  std::vector<std::string> cmd = Strings(config.value("Cmd", Json(nullptr)));
  std::vector<std::string> all = ep;
  all.insert(all.end(), cmd.begin(), cmd.end());
  if (all.empty()) return Invalid("No command specified");
  std::string path = all.front();
  all.erase(all.begin());
  return std::make_pair(path, all);
}

std::vector<std::string> ReplaceOrAppendEnv(std::vector<std::string> base, const std::vector<std::string>& over) {
  for (auto& kv : over) {
    std::string key = EnvKey(kv);
    if (kv.find('=') == std::string::npos) {
      // "NAME" alone (-e NAME, unset on the client): the variable is removed, as Docker does.
      std::erase_if(base, [&](const std::string& b) { return EnvKey(b) == key; });
      continue;
    }
    bool replaced = false;
    for (auto& b : base) {
      if (EnvKey(b) == key) {
        b = kv;
        replaced = true;
      }
    }
    if (!replaced) base.push_back(kv);
  }
  return base;
}

}  // namespace skiff::daemon

#include "runtime/spec.h"

#include <sched.h>
#include <sys/stat.h>

#include <set>

#include "base/file.h"
#include "base/strings.h"
#include "runtime/json_fields.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace skiff::runtime {
namespace {

Error Invalid(std::string_view field, std::string_view what) {
  return Error(Errc::kInvalidArgument, std::string(field) + ": " + std::string(what));
}

int NamespaceFlag(const std::string& type) {
  if (type == "pid") return CLONE_NEWPID;
  if (type == "network") return CLONE_NEWNET;
  if (type == "mount") return CLONE_NEWNS;
  if (type == "ipc") return CLONE_NEWIPC;
  if (type == "uts") return CLONE_NEWUTS;
  if (type == "user") return CLONE_NEWUSER;
  if (type == "cgroup") return CLONE_NEWCGROUP;
  if (type == "time") return CLONE_NEWTIME;
  return 0;
}

Result<std::vector<IdMapping>> ParseMappings(const Json& linux, std::string_view key) {
  std::vector<IdMapping> out;
  if (!linux.contains(key) || linux[key].is_null()) return out;
  std::string field = FieldPath("linux", key);
  const Json& arr = linux[key];
  if (!arr.is_array()) return Invalid(field, "expected array");
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string f = FieldIndex(field, i);
    SKIFF_TRY(ExpectObject(arr[i], f));
    IdMapping m;
    auto c = SKIFF_TRY(OptU32(arr[i], "containerID", f));
    auto h = SKIFF_TRY(OptU32(arr[i], "hostID", f));
    auto s = SKIFF_TRY(OptU32(arr[i], "size", f));
    if (!c || !h || !s) return Invalid(f, "containerID, hostID and size are required");
    m.container_id = *c;
    m.host_id = *h;
    m.size = *s;
    out.push_back(m);
  }
  return out;
}

Result<std::vector<HookSpec>> ParseHookList(const Json& hooks, const std::string& key) {
  std::vector<HookSpec> out;
  if (!hooks.contains(key) || hooks[key].is_null()) return out;
  std::string field = "hooks." + key;
  if (!hooks[key].is_array()) return Invalid(field, "expected array");
  for (size_t i = 0; i < hooks[key].size(); ++i) {
    const Json& h = hooks[key][i];
    std::string f = FieldIndex(field, i);
    SKIFF_TRY(ExpectObject(h, f));
    HookSpec hs;
    auto path = SKIFF_TRY(OptString(h, "path", f));
    if (!path || path->empty()) return Invalid(FieldPath(f, "path"), "required");
    if ((*path)[0] != '/') return Invalid(FieldPath(f, "path"), "must be an absolute path, got \"" + *path + "\"");
    hs.path = *path;
    hs.args = SKIFF_TRY(StringArray(h, "args", f));
    hs.env = SKIFF_TRY(StringArray(h, "env", f));
    auto t = SKIFF_TRY(OptInt(h, "timeout", f));
    if (t) {
      if (*t <= 0) return Invalid(FieldPath(f, "timeout"), "must be positive");
      hs.timeout = static_cast<int>(*t);
    }
    out.push_back(std::move(hs));
  }
  return out;
}

Status ValidateSysctl(const Spec& s, const std::string& key) {
  std::string field = "linux.sysctl." + key;
  bool has_net = s.FindNamespace("network") != nullptr;
  bool has_ipc = s.FindNamespace("ipc") != nullptr;
  bool has_uts = s.FindNamespace("uts") != nullptr;
  static const std::set<std::string> kIpc = {"kernel.msgmax", "kernel.msgmnb",    "kernel.msgmni",
                                             "kernel.sem",    "kernel.shmall",    "kernel.shmmax",
                                             "kernel.shmmni", "kernel.shm_rmid_forced"};
  if (kIpc.count(key) || key.starts_with("fs.mqueue.")) {
    if (!has_ipc) return Invalid(field, "requires a new IPC namespace");
    return Ok();
  }
  if (key.starts_with("net.")) {
    if (!has_net) return Invalid(field, "requires a new network namespace");
    return Ok();
  }
  if (key == "kernel.hostname" || key == "kernel.domainname") {
    if (!has_uts) return Invalid(field, "requires a new UTS namespace");
    return Ok();
  }
  return Invalid(field, "sysctl is not namespaced and cannot be set in a container");
}

Status ParseLinux(const Json& linux, Spec& s) {
  SKIFF_TRY(ExpectObject(linux, "linux"));
  // Namespaces.
  if (linux.contains("namespaces") && !linux["namespaces"].is_null()) {
    const Json& arr = linux["namespaces"];
    if (!arr.is_array()) return Invalid("linux.namespaces", "expected array");
    std::set<std::string> seen;
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string f = FieldIndex("linux.namespaces", i);
      SKIFF_TRY(ExpectObject(arr[i], f));
      NamespaceSpec ns;
      ns.type = SKIFF_TRY(OptString(arr[i], "type", f)).value_or("");
      ns.path = SKIFF_TRY(OptString(arr[i], "path", f)).value_or("");
      ns.clone_flag = NamespaceFlag(ns.type);
      if (!ns.clone_flag) return Invalid(FieldPath(f, "type"), "unknown namespace type \"" + ns.type + "\"");
      if (!seen.insert(ns.type).second) return Invalid(FieldPath(f, "type"), "duplicate namespace \"" + ns.type + "\"");
      if (!ns.path.empty() && ns.path[0] != '/')
        return Invalid(FieldPath(f, "path"), "must be an absolute path");
      if (ns.type == "time" && !PathExists("/proc/self/ns/time"))
        return Invalid(FieldPath(f, "type"), "time namespaces are not supported by this kernel");
      s.namespaces.push_back(std::move(ns));
    }
  }
  s.uid_mappings = SKIFF_TRY(ParseMappings(linux, "uidMappings"));
  s.gid_mappings = SKIFF_TRY(ParseMappings(linux, "gidMappings"));
  const NamespaceSpec* user = s.FindNamespace("user");
  if (user && user->path.empty() && (s.uid_mappings.empty() || s.gid_mappings.empty()))
    return Invalid("linux.uidMappings", "a new user namespace needs uidMappings and gidMappings");
  if (!user && (!s.uid_mappings.empty() || !s.gid_mappings.empty()))
    return Invalid("linux.uidMappings", "mappings given but no user namespace is configured");

  // Devices.
  if (linux.contains("devices") && !linux["devices"].is_null()) {
    const Json& arr = linux["devices"];
    if (!arr.is_array()) return Invalid("linux.devices", "expected array");
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string f = FieldIndex("linux.devices", i);
      SKIFF_TRY(ExpectObject(arr[i], f));
      DeviceSpec d;
      d.path = SKIFF_TRY(OptString(arr[i], "path", f)).value_or("");
      if (d.path.empty() || d.path[0] != '/') return Invalid(FieldPath(f, "path"), "must be an absolute path");
      std::string type = SKIFF_TRY(OptString(arr[i], "type", f)).value_or("");
      if (type != "c" && type != "b" && type != "u" && type != "p")
        return Invalid(FieldPath(f, "type"), "must be one of c, b, u, p; got \"" + type + "\"");
      d.type = type[0];
      auto major = SKIFF_TRY(OptInt(arr[i], "major", f));
      auto minor = SKIFF_TRY(OptInt(arr[i], "minor", f));
      if (d.type != 'p' && (!major || !minor)) return Invalid(f, "major and minor are required for this type");
      d.major = major.value_or(0);
      d.minor = minor.value_or(0);
      d.file_mode = SKIFF_TRY(OptU32(arr[i], "fileMode", f));
      d.uid = SKIFF_TRY(OptU32(arr[i], "uid", f));
      d.gid = SKIFF_TRY(OptU32(arr[i], "gid", f));
      s.devices.push_back(std::move(d));
    }
  }
  s.cgroups_path = SKIFF_TRY(OptString(linux, "cgroupsPath", "linux")).value_or("");
  s.resources = SKIFF_TRY(cgroups::ParseResources(linux.value("resources", Json()), "linux.resources"));
  s.sysctl = SKIFF_TRY(StringMap(linux, "sysctl", "linux"));
  for (const auto& [k, v] : s.sysctl) SKIFF_TRY(ValidateSysctl(s, k));
  s.seccomp = SKIFF_TRY(sys::ParseSeccomp(linux.value("seccomp", Json()), "linux.seccomp"));
  s.rootfs_propagation = SKIFF_TRY(OptString(linux, "rootfsPropagation", "linux")).value_or("");
  if (!s.rootfs_propagation.empty()) {
    static const std::set<std::string> kProp = {"private", "rprivate", "slave",      "rslave",
                                                "shared",  "rshared",  "unbindable", "runbindable"};
    if (!kProp.count(s.rootfs_propagation))
      return Invalid("linux.rootfsPropagation", "unknown propagation \"" + s.rootfs_propagation + "\"");
  }
  s.masked_paths = SKIFF_TRY(StringArray(linux, "maskedPaths", "linux"));
  s.readonly_paths = SKIFF_TRY(StringArray(linux, "readonlyPaths", "linux"));
  for (const auto& p : s.masked_paths)
    if (p.empty() || p[0] != '/') return Invalid("linux.maskedPaths", "\"" + p + "\" is not an absolute path");
  for (const auto& p : s.readonly_paths)
    if (p.empty() || p[0] != '/') return Invalid("linux.readonlyPaths", "\"" + p + "\" is not an absolute path");
  if (linux.contains("timeOffsets") && !linux["timeOffsets"].is_null()) {
    const Json& t = linux["timeOffsets"];
    SKIFF_TRY(ExpectObject(t, "linux.timeOffsets"));
    for (auto it = t.begin(); it != t.end(); ++it) {
      std::string f = FieldPath("linux.timeOffsets", it.key());
      if (it.key() != "monotonic" && it.key() != "boottime") return Invalid(f, "unknown clock");
      SKIFF_TRY(ExpectObject(it.value(), f));
      auto secs = SKIFF_TRY(OptInt(it.value(), "secs", f));
      auto ns = SKIFF_TRY(OptU32(it.value(), "nanosecs", f));
      s.time_offsets[it.key()] = {secs.value_or(0), ns.value_or(0)};
    }
    const NamespaceSpec* tn = s.FindNamespace("time");
    if (!s.time_offsets.empty() && (!tn || !tn->path.empty()))
      return Invalid("linux.timeOffsets", "requires a new time namespace");
  }
  if (linux.contains("personality") && !linux["personality"].is_null()) {
    SKIFF_TRY(ExpectObject(linux["personality"], "linux.personality"));
    s.personality_domain = SKIFF_TRY(OptString(linux["personality"], "domain", "linux.personality")).value_or("");
    if (s.personality_domain != "LINUX" && s.personality_domain != "LINUX32")
      return Invalid("linux.personality.domain", "must be LINUX or LINUX32");
  }
  return Ok();
}

}  // namespace

std::optional<std::string> ProcessSpec::Getenv(const std::string& name) const {
  for (auto it = env.rbegin(); it != env.rend(); ++it)
    if (it->size() > name.size() && it->compare(0, name.size(), name) == 0 && (*it)[name.size()] == '=')
      return it->substr(name.size() + 1);
  return std::nullopt;
}

const NamespaceSpec* Spec::FindNamespace(const std::string& type) const {
  for (const auto& ns : namespaces)
    if (ns.type == type) return &ns;
  return nullptr;
}

int Spec::NewNamespaceFlags() const {
  int flags = 0;
  for (const auto& ns : namespaces)
    if (ns.path.empty()) flags |= ns.clone_flag;
  return flags;
}

Result<ProcessSpec> ParseProcess(const Json& j, std::string_view field) {
  SKIFF_TRY(ExpectObject(j, field));
  ProcessSpec p;
  p.terminal = SKIFF_TRY(OptBool(j, "terminal", field)).value_or(false);
  if (j.contains("consoleSize") && !j["consoleSize"].is_null()) {
    std::string f = FieldPath(field, "consoleSize");
    SKIFF_TRY(ExpectObject(j["consoleSize"], f));
    p.console_height = SKIFF_TRY(OptU32(j["consoleSize"], "height", f)).value_or(0);
    p.console_width = SKIFF_TRY(OptU32(j["consoleSize"], "width", f)).value_or(0);
  }
  if (j.contains("user") && !j["user"].is_null()) {
    std::string f = FieldPath(field, "user");
    const Json& u = j["user"];
    SKIFF_TRY(ExpectObject(u, f));
    p.user.uid = SKIFF_TRY(OptU32(u, "uid", f)).value_or(0);
    p.user.gid = SKIFF_TRY(OptU32(u, "gid", f)).value_or(0);
    p.user.umask = SKIFF_TRY(OptU32(u, "umask", f));
    if (u.contains("additionalGids") && !u["additionalGids"].is_null()) {
      std::string g = FieldPath(f, "additionalGids");
      if (!u["additionalGids"].is_array()) return Invalid(g, "expected array");
      for (size_t i = 0; i < u["additionalGids"].size(); ++i) {
        const Json& v = u["additionalGids"][i];
        if (!v.is_number_unsigned()) return Invalid(FieldIndex(g, i), "expected unsigned integer");
        p.user.additional_gids.push_back(v.get<uint32_t>());
      }
    }
    if (u.contains("username") && !u["username"].is_null() && !u["username"].is_string())
      return Invalid(FieldPath(f, "username"), "expected string");
  }
  p.args = SKIFF_TRY(StringArray(j, "args", field));
  if (p.args.empty()) return Invalid(FieldPath(field, "args"), "must not be empty");
  if (j.contains("commandLine") && !j["commandLine"].is_null())
    return Invalid(FieldPath(field, "commandLine"), "is Windows-only");
  p.env = SKIFF_TRY(StringArray(j, "env", field));
  for (size_t i = 0; i < p.env.size(); ++i)
    if (p.env[i].find('=') == std::string::npos || p.env[i][0] == '=')
      return Invalid(FieldIndex(FieldPath(field, "env"), i), "\"" + p.env[i] + "\" is not KEY=value");
  p.cwd = SKIFF_TRY(OptString(j, "cwd", field)).value_or("/");
  if (p.cwd.empty() || p.cwd[0] != '/') return Invalid(FieldPath(field, "cwd"), "must be an absolute path");
  p.caps = SKIFF_TRY(sys::ParseCapabilities(j.value("capabilities", Json()), FieldPath(field, "capabilities")));
  p.rlimits = SKIFF_TRY(sys::ParseRlimits(j.value("rlimits", Json()), FieldPath(field, "rlimits")));
  p.no_new_privileges = SKIFF_TRY(OptBool(j, "noNewPrivileges", field)).value_or(false);
  p.apparmor_profile = SKIFF_TRY(OptString(j, "apparmorProfile", field)).value_or("");
  p.selinux_label = SKIFF_TRY(OptString(j, "selinuxLabel", field)).value_or("");
  auto oom = SKIFF_TRY(OptInt(j, "oomScoreAdj", field));
  if (oom) {
    if (*oom < -1000 || *oom > 1000) return Invalid(FieldPath(field, "oomScoreAdj"), "must be in [-1000, 1000]");
    p.oom_score_adj = static_cast<int>(*oom);
  }
  return p;
}

Result<Hooks> ParseHooks(const Json& j) {
  Hooks h;
  if (j.is_null()) return h;
  SKIFF_TRY(ExpectObject(j, "hooks"));
  h.prestart = SKIFF_TRY(ParseHookList(j, "prestart"));
  h.create_runtime = SKIFF_TRY(ParseHookList(j, "createRuntime"));
  h.create_container = SKIFF_TRY(ParseHookList(j, "createContainer"));
  h.start_container = SKIFF_TRY(ParseHookList(j, "startContainer"));
  h.poststart = SKIFF_TRY(ParseHookList(j, "poststart"));
  h.poststop = SKIFF_TRY(ParseHookList(j, "poststop"));
  return h;
}

Result<Spec> ParseSpec(const Json& j, const std::string& bundle) {
  if (!j.is_object()) return Invalid("config.json", "expected a JSON object");
  Spec s;
  s.oci_version = SKIFF_TRY(OptString(j, "ociVersion", "")).value_or("");
  if (!s.oci_version.empty()) {
    auto parts = Split(Split(s.oci_version, '-')[0], '.');
    bool ok = parts.size() == 3;
    for (auto& p : parts) ok = ok && ParseUint(p).has_value();
    if (!ok) return Invalid("ociVersion", "\"" + s.oci_version + "\" is not a semantic version");
    if (parts[0] != "1") return Invalid("ociVersion", "unsupported version \"" + s.oci_version + "\" (want 1.x)");
  }
  if (!j.contains("root") || j["root"].is_null()) return Invalid("root", "required");
  SKIFF_TRY(ExpectObject(j["root"], "root"));
  std::string root = SKIFF_TRY(OptString(j["root"], "path", "root")).value_or("");
  if (root.empty()) return Invalid("root.path", "required");
  s.root_path = CleanPath(root[0] == '/' ? root : JoinPath(bundle, root));
  if (!IsDirectory(s.root_path)) return Invalid("root.path", s.root_path + ": no such directory");
  s.root_readonly = SKIFF_TRY(OptBool(j["root"], "readonly", "root")).value_or(false);
  s.hostname = SKIFF_TRY(OptString(j, "hostname", "")).value_or("");
  s.domainname = SKIFF_TRY(OptString(j, "domainname", "")).value_or("");
  if (j.contains("process") && !j["process"].is_null()) {
    s.process = SKIFF_TRY(ParseProcess(j["process"], "process"));
    s.has_process = true;
  }
  if (j.contains("mounts") && !j["mounts"].is_null()) {
    if (!j["mounts"].is_array()) return Invalid("mounts", "expected array");
    for (size_t i = 0; i < j["mounts"].size(); ++i) {
      const Json& m = j["mounts"][i];
      std::string f = FieldIndex("mounts", i);
      SKIFF_TRY(ExpectObject(m, f));
      MountSpec ms;
      ms.destination = SKIFF_TRY(OptString(m, "destination", f)).value_or("");
      if (ms.destination.empty()) return Invalid(FieldPath(f, "destination"), "required");
      if (ms.destination[0] != '/') ms.destination = "/" + ms.destination;
      ms.type = SKIFF_TRY(OptString(m, "type", f)).value_or("");
      ms.source = SKIFF_TRY(OptString(m, "source", f)).value_or("");
      ms.options = SKIFF_TRY(StringArray(m, "options", f));
      if (m.contains("uidMappings") || m.contains("gidMappings"))
        return Invalid(f, "idmapped mounts are not supported");
      s.mounts.push_back(std::move(ms));
    }
  }
  s.hooks = SKIFF_TRY(ParseHooks(j.value("hooks", Json())));
  s.annotations = SKIFF_TRY(StringMap(j, "annotations", ""));
  if (j.contains("linux") && !j["linux"].is_null()) SKIFF_TRY(ParseLinux(j["linux"], s));
  if (!s.hostname.empty() && !s.FindNamespace("uts"))
    return Invalid("hostname", "setting the hostname needs a UTS namespace");
  if (!s.domainname.empty() && !s.FindNamespace("uts"))
    return Invalid("domainname", "setting the domainname needs a UTS namespace");
  return s;
}

Json DefaultSpec(bool rootless) {
  Json caps = Json::array({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
  Json spec = {
      {"ociVersion", "1.0.2-dev"},
      {"process",
       {{"terminal", true},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", {"sh"}},
        {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
        {"cwd", "/"},
        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
        {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
        {"noNewPrivileges", true}}},
      {"root", {{"path", "rootfs"}, {"readonly", true}}},
      {"hostname", "skiff"},
      {"mounts",
       {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
        {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"},
         {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
        {{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"},
         {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}},
        {{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"},
         {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
        {{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"},
         {"options", {"nosuid", "noexec", "nodev"}}},
        {{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"},
         {"options", {"nosuid", "noexec", "nodev", "ro"}}},
        {{"destination", "/sys/fs/cgroup"}, {"type", "cgroup"}, {"source", "cgroup"},
         {"options", {"nosuid", "noexec", "nodev", "relatime", "ro"}}}}},
      {"linux",
       {{"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}}}}}},
        {"namespaces", {{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}}}},
        {"maskedPaths", {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                         "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"}},
        {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}},
  };
  if (rootless) {
    spec["linux"].erase("resources");
    spec["linux"]["namespaces"].push_back({{"type", "user"}});
    spec["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", getuid()}, {"size", 1}}};
    spec["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", getgid()}, {"size", 1}}};
    auto& mounts = spec["mounts"];
    for (auto& m : mounts) {
      if (m["destination"] == "/sys") {
        m = {{"destination", "/sys"}, {"type", "none"}, {"source", "/sys"},
             {"options", {"rbind", "nosuid", "noexec", "nodev", "ro"}}};
      }
    }
    for (auto it = mounts.begin(); it != mounts.end();) {
      if ((*it)["destination"] == "/sys/fs/cgroup") it = mounts.erase(it);
      else ++it;
    }
  }
  return spec;
}

}  // namespace skiff::runtime

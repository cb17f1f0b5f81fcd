#include "daemon/spec.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <set>

#include "base/file.h"
#include "base/strings.h"
#include "daemon/profiles/defaults.h"
#include "daemon/profiles/seccomp.h"
#include "daemon/settings.h"
#include "sys/rlimit.h"

namespace skiff::daemon {
namespace {

constexpr char kDefaultPath[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

Json M(const std::string& dst, const std::string& type, const std::string& src, std::vector<std::string> opts) {
  return {{"destination", dst}, {"type", type}, {"source", src}, {"options", opts}};
}

int64_t Int(const Json& j, const char* k) {
  if (!j.is_object() || !j.contains(k) || !j[k].is_number()) return 0;
  return j[k].get<int64_t>();
}
std::string Str(const Json& j, const char* k) {
  if (!j.is_object() || !j.contains(k) || !j[k].is_string()) return "";
  return j[k].get<std::string>();
}

size_t Depth(const std::string& p) { return Split(CleanPath(p), '/').size(); }

// Docker's default device cgroup rules (the runtime adds the default device nodes themselves).
Json DefaultDeviceRules() {
  Json rules = Json::array();
  rules.push_back({{"allow", false}, {"access", "rwm"}});
  for (auto [maj, min] : std::vector<std::pair<int, int>>{{1, 5}, {1, 3}, {1, 9}, {1, 8}, {5, 0}, {5, 1}}) {
    rules.push_back({{"allow", true}, {"type", "c"}, {"major", maj}, {"minor", min}, {"access", "rwm"}});
  }
  rules.push_back({{"allow", false}, {"type", "c"}, {"major", 10}, {"minor", 229}, {"access", "rwm"}});
  return rules;
}

// One device node for linux.devices from a host path.
Result<Json> HostDevice(const std::string& host, const std::string& ctr) {
  struct stat st;
  if (::stat(host.c_str(), &st) != 0) return Error::Sys("error gathering device information while adding custom device \"" + host + "\"");
  if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
    return Error(Errc::kInvalidArgument, "error gathering device information while adding custom device \"" + host + "\": not a device node");
  }
  return Json{{"path", ctr},
              {"type", S_ISCHR(st.st_mode) ? "c" : "b"},
              {"major", major(st.st_rdev)},
              {"minor", minor(st.st_rdev)},
              {"fileMode", st.st_mode & 07777},
              {"uid", st.st_uid},
              {"gid", st.st_gid}};
}

// Every device node under /dev (for --privileged), as Docker's HostDevices.
void ScanDevices(const std::string& dir, Json& out) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    std::string p = dir + "/" + n;
    if (e->d_type == DT_DIR) {
      if (n == "pts" || n == "shm" || n == "fd" || n == "mqueue" || n == ".lxc" || n == ".lxd-mounts" || n == ".udev") continue;
      ScanDevices(p, out);
      continue;
    }
    if (p == "/dev/console") continue;
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0 || (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))) continue;
    if (auto dev = HostDevice(p, p); dev.ok()) out.push_back(*dev);
  }
  ::closedir(d);
}

std::vector<std::string> SplitOpts(const std::string& s) {
  std::vector<std::string> out;
  for (auto& o : Split(s, ',')) {
    if (!Trim(o).empty()) out.emplace_back(Trim(o));
  }
  return out;
}

// Docker's tmpfs options: noexec,nosuid,nodev unless the user says otherwise.
std::vector<std::string> TmpfsOptions(const std::string& user) {
  std::vector<std::string> opts = SplitOpts(user);
  auto has = [&](std::initializer_list<const char*> words) {
    for (auto& o : opts) {
      for (auto* w : words) {
        if (o == w) return true;
      }
    }
    return false;
  };
  std::vector<std::string> out;
  if (!has({"exec", "noexec"})) out.push_back("noexec");
  if (!has({"suid", "nosuid"})) out.push_back("nosuid");
  if (!has({"dev", "nodev"})) out.push_back("nodev");
  for (auto& o : opts) out.push_back(o);
  return out;
}

}  // namespace

Result<std::vector<std::string>> ContainerCaps(const Json& hc) {
  return profiles::MergeCapabilities(profiles::DefaultCapabilities(), Strings(hc.value("CapAdd", Json(nullptr))),
                                     Strings(hc.value("CapDrop", Json(nullptr))), hc.value("Privileged", false));
}

std::vector<std::string> ContainerEnv(const ContainerRecord& c, const ExecUser& user, bool tty) {
  std::vector<std::string> env = {kDefaultPath, "HOSTNAME=" + Str(c.config, "Hostname")};
  if (tty) env.push_back("TERM=xterm");
  env = ReplaceOrAppendEnv(env, Strings(c.config.value("Env", Json(nullptr))));
  bool home = false;
  for (auto& e : env) home = home || e.starts_with("HOME=");
  if (!home) env.push_back("HOME=" + user.home);
  return env;
}

Result<Json> BuildSpec(const ContainerRecord& c, const SpecContext& ctx) {
  const Json& hc = c.host_config;
  const Json& cfg = c.config;
  bool privileged = hc.value("Privileged", false);
  auto caps = SKIFF_TRY(ContainerCaps(hc));

  // --- security options ---
  bool no_new_privs = false, seccomp_unconfined = privileged;
  Json seccomp_profile;
  for (auto& opt : Strings(hc.value("SecurityOpt", Json(nullptr)))) {
    std::string k = opt, v;
    size_t sep = opt.find_first_of("=:");
    if (sep != std::string::npos) {
      k = opt.substr(0, sep);
      v = opt.substr(sep + 1);
    }
    if (k == "no-new-privileges") {
      no_new_privs = v.empty() || v == "true";
    } else if (k == "seccomp") {
      if (v == "unconfined") {
        seccomp_unconfined = true;
      } else {
        auto j = ParseJson(v, "seccomp profile");
        if (!j.ok()) return Error(Errc::kInvalidArgument, "Decoding seccomp profile failed: " + j.error().message());
        seccomp_profile = *j;
      }
    } else if (k == "apparmor" || k == "label") {
      // No AppArmor/SELinux on Skiff's hosts: accepted, nothing to apply.
    } else {
      return Error(Errc::kInvalidArgument, "invalid --security-opt 1: \"" + opt + "\"");
    }
  }

  // --- process ---
  auto [path, args] = SKIFF_TRY(Command(cfg));
  std::vector<std::string> argv = {path};
  argv.insert(argv.end(), args.begin(), args.end());
  bool init = hc.contains("Init") && hc["Init"].is_boolean() && hc["Init"].get<bool>();
  if (init) argv.insert(argv.begin(), {"/sbin/docker-init", "--"});
  Json process = {
      {"terminal", c.tty()},
      {"user", {{"uid", ctx.user.uid}, {"gid", ctx.user.gid}, {"additionalGids", ctx.user.sgids}}},
      {"args", argv},
      {"env", ContainerEnv(c, ctx.user, c.tty())},
      {"cwd", Str(cfg, "WorkingDir").empty() ? "/" : Str(cfg, "WorkingDir")},
      {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
      {"oomScoreAdj", Int(hc, "OomScoreAdj")}};
  if (no_new_privs) process["noNewPrivileges"] = true;
  if (hc.contains("Ulimits") && hc["Ulimits"].is_array()) {
    Json rl = Json::array();
    for (auto& u : hc["Ulimits"]) {
      std::string name = "RLIMIT_" + [&] {
        std::string n = u.value("Name", "");
        std::transform(n.begin(), n.end(), n.begin(), ::toupper);
        return n;
      }();
      rl.push_back({{"type", name}, {"soft", u.value("Soft", int64_t{0})}, {"hard", u.value("Hard", int64_t{0})}});
    }
    if (!rl.empty()) process["rlimits"] = rl;
  }
  if (Int(hc, "ConsoleSize") == 0 && hc.contains("ConsoleSize") && hc["ConsoleSize"].is_array() &&
      hc["ConsoleSize"].size() == 2 && hc["ConsoleSize"][0].is_number() && hc["ConsoleSize"][0].get<int64_t>() > 0) {
    process["consoleSize"] = {{"height", hc["ConsoleSize"][0]}, {"width", hc["ConsoleSize"][1]}};
  }

  // --- namespaces ---
  auto mode = [&](const char* k) { return Str(hc, k); };
  std::string net = mode("NetworkMode");
  Json ns = Json::array();
  auto add_ns = [&](const std::string& type, const std::string& key) {
    auto it = ctx.ns_paths.find(type);
    if (it != ctx.ns_paths.end() && it->second == "host") return;
    Json n = {{"type", type}};
    if (it != ctx.ns_paths.end()) n["path"] = it->second;
    (void)key;
    ns.push_back(n);
  };
  add_ns("mount", "");
  add_ns("network", "NetworkMode");
  add_ns("uts", "UTSMode");
  add_ns("pid", "PidMode");
  add_ns("ipc", "IpcMode");
  if (mode("CgroupnsMode") == "private") add_ns("cgroup", "CgroupnsMode");

  // --- mounts ---
  Json mounts = Json::array();
  bool sys_ro = !privileged;
  std::vector<Json> defaults = {
      M("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      M("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      M("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      sys_ro ? M("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"})
             : M("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev"}),
      sys_ro ? M("/sys/fs/cgroup", "cgroup", "cgroup", {"ro", "nosuid", "noexec", "nodev"})
             : M("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev"}),
      M("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
  };
  std::string ipc = mode("IpcMode");
  if (ipc == "host") {
    defaults.push_back(M("/dev/shm", "bind", "/dev/shm", {"rbind", "rprivate"}));
  } else if (ipc.starts_with("container:")) {
    auto it = ctx.ns_paths.find("ipc-shm");
    if (it != ctx.ns_paths.end()) defaults.push_back(M("/dev/shm", "bind", it->second, {"rbind", "rprivate"}));
  } else if (ipc != "none") {
    defaults.push_back(M("/dev/shm", "tmpfs", "shm",
                         {"nosuid", "noexec", "nodev", "mode=1777", "size=" + std::to_string(Int(hc, "ShmSize"))}));
  }
  // User mounts and Docker's network files, sorted by depth so parents come first.
  std::vector<Json> user;
  std::set<std::string> user_dst;
  for (auto& m : c.mounts) {
    std::string dst = CleanPath(m.destination);
    user_dst.insert(dst);
    if (m.type == "tmpfs") {
      user.push_back(M(dst, "tmpfs", "tmpfs", TmpfsOptions(m.tmpfs_options)));
      continue;
    }
    std::vector<std::string> opts = {"rbind"};
    std::string prop = m.propagation.empty() ? "rprivate" : m.propagation;
    opts.push_back(prop);
    if (!m.rw) opts.push_back("ro");
    user.push_back(M(dst, "bind", m.source, opts));
  }
  if (hc.contains("Tmpfs") && hc["Tmpfs"].is_object()) {
    for (auto& [dst, opts] : hc["Tmpfs"].items()) {
      std::string d = CleanPath(dst);
      if (user_dst.count(d)) return Error(Errc::kInvalidArgument, "Duplicate mount point: " + d);
      user_dst.insert(d);
      user.push_back(M(d, "tmpfs", "tmpfs", TmpfsOptions(opts.is_string() ? opts.get<std::string>() : "")));
    }
  }
  bool ro_root = hc.value("ReadonlyRootfs", false);
  auto net_file = [&](const std::string& dst, const std::string& src) {
    if (src.empty() || user_dst.count(dst)) return;
    std::vector<std::string> opts = {"rbind", "rprivate"};
    if (ro_root) opts.push_back("ro");  // --read-only covers /etc/hosts & co. too, as in Docker
    user.push_back(M(dst, "bind", src, opts));
  };
  net_file("/etc/resolv.conf", c.resolv_conf_path);
  net_file("/etc/hostname", c.hostname_path);
  net_file("/etc/hosts", c.hosts_path);
  std::stable_sort(user.begin(), user.end(), [](const Json& a, const Json& b) {
    return Depth(a["destination"].get<std::string>()) < Depth(b["destination"].get<std::string>());
  });
  for (auto& d : defaults) {
    if (!user_dst.count(d["destination"].get<std::string>())) mounts.push_back(d);
  }
  if (init) mounts.push_back(M("/sbin/docker-init", "bind", ctx.init_path, {"bind", "ro"}));
  for (auto& u : user) mounts.push_back(u);

  // --- resources ---
  Json devices_rules = DefaultDeviceRules();
  Json devices = Json::array();
  if (privileged) {
    devices_rules = Json::array({{{"allow", true}, {"access", "rwm"}}});
    ScanDevices("/dev", devices);
  }
  if (hc.contains("Devices") && hc["Devices"].is_array()) {
    for (auto& d : hc["Devices"]) {
      std::string host = Str(d, "PathOnHost"), in = Str(d, "PathInContainer");
      if (in.empty()) in = host;
      std::string perms = Str(d, "CgroupPermissions");
      if (perms.empty()) perms = "rwm";
      Json dev = SKIFF_TRY(HostDevice(host, in));
      devices.push_back(dev);
      devices_rules.push_back({{"allow", true}, {"type", dev["type"]}, {"major", dev["major"]}, {"minor", dev["minor"]}, {"access", perms}});
    }
  }
  Json memory = {{"disableOOMKiller", hc.value("OomKillDisable", false)}};
  if (Int(hc, "Memory") > 0) memory["limit"] = Int(hc, "Memory");
  if (Int(hc, "MemoryReservation") > 0) memory["reservation"] = Int(hc, "MemoryReservation");
  if (Int(hc, "MemorySwap") != 0) memory["swap"] = Int(hc, "MemorySwap");
  if (hc.contains("MemorySwappiness") && hc["MemorySwappiness"].is_number() && hc["MemorySwappiness"].get<int64_t>() >= 0) {
    memory["swappiness"] = hc["MemorySwappiness"];
  }
  Json cpu = {{"shares", Int(hc, "CpuShares")}};
  if (int64_t nano = Int(hc, "NanoCpus"); nano > 0) {
    cpu["period"] = 100000;
    cpu["quota"] = nano * 100000 / 1000000000;
  }
  if (Int(hc, "CpuPeriod") > 0) cpu["period"] = Int(hc, "CpuPeriod");
  if (Int(hc, "CpuQuota") != 0) cpu["quota"] = Int(hc, "CpuQuota");
  if (!Str(hc, "CpusetCpus").empty()) cpu["cpus"] = Str(hc, "CpusetCpus");
  if (!Str(hc, "CpusetMems").empty()) cpu["mems"] = Str(hc, "CpusetMems");
  Json resources = {{"devices", devices_rules}, {"memory", memory}, {"cpu", cpu}, {"blockIO", {{"weight", Int(hc, "BlkioWeight")}}}};
  if (hc.contains("PidsLimit") && hc["PidsLimit"].is_number() && hc["PidsLimit"].get<int64_t>() > 0) {
    resources["pids"] = {{"limit", hc["PidsLimit"]}};
  }

  std::string parent = Str(hc, "CgroupParent").empty() ? ctx.cgroup_parent : Str(hc, "CgroupParent");
  if (parent.empty() || parent[0] != '/') parent = "/" + parent;
  Json linux = {{"resources", resources},
                {"cgroupsPath", CleanPath(parent + "/" + c.id)},
                {"namespaces", ns}};
  Json sysctl = Json::object();
  bool own_net = !ctx.ns_paths.count("network");
  if (own_net) {
    sysctl["net.ipv4.ip_unprivileged_port_start"] = "0";
    sysctl["net.ipv4.ping_group_range"] = "0 2147483647";
    // Docker turns IPv6 off in a namespace whose network has none (all Skiff networks, for now).
    if (PathExists("/proc/sys/net/ipv6")) {
      sysctl["net.ipv6.conf.all.disable_ipv6"] = "1";
      sysctl["net.ipv6.conf.default.disable_ipv6"] = "1";
    }
  }
  if (hc.contains("Sysctls") && hc["Sysctls"].is_object()) {
    for (auto& [k, v] : hc["Sysctls"].items()) sysctl[k] = v;
  }
  if (!sysctl.empty()) linux["sysctl"] = sysctl;
  if (!devices.empty()) linux["devices"] = devices;
  if (!seccomp_unconfined) {
    if (seccomp_profile.is_null()) {
      linux["seccomp"] = profiles::DefaultSeccomp(caps);
    } else {
      linux["seccomp"] = SKIFF_TRY(profiles::SeccompFromDockerProfile(seccomp_profile, caps));
    }
  }
  if (!privileged) {
    Json masked = hc.contains("MaskedPaths") && hc["MaskedPaths"].is_array() ? hc["MaskedPaths"] : Json(profiles::DefaultMaskedPaths());
    Json ro = hc.contains("ReadonlyPaths") && hc["ReadonlyPaths"].is_array() ? hc["ReadonlyPaths"] : Json(profiles::DefaultReadonlyPaths());
    linux["maskedPaths"] = masked;
    linux["readonlyPaths"] = ro;
  }

  Json spec = {{"ociVersion", "1.0.2-dev"},
               {"process", process},
               {"root", {{"path", ctx.rootfs}, {"readonly", hc.value("ReadonlyRootfs", false)}}},
               {"mounts", mounts},
               {"linux", linux}};
  // A network namespace of its own starts with lo down: the loopback hook brings it up.
  if (own_net && !ctx.runtime_path.empty()) {
    spec["hooks"] = {{"createRuntime", {{{"path", ctx.runtime_path}, {"args", {"skiff-runtime", "hook", "loopback"}}}}}};
  }
  if (mode("UTSMode") != "host") {
    spec["hostname"] = Str(cfg, "Hostname");
    if (!Str(cfg, "Domainname").empty()) spec["domainname"] = Str(cfg, "Domainname");
  }
  return spec;
}

Result<Json> BuildExecProcess(const ContainerRecord& c, const Json& base, const Json& ec, const ExecUser& user) {
  Json p = base;
  std::vector<std::string> cmd = Strings(ec.value("Cmd", Json(nullptr)));
  if (cmd.empty()) return Error(Errc::kInvalidArgument, "No exec command specified");
  p["args"] = cmd;
  p["terminal"] = ec.value("Tty", false);
  p.erase("consoleSize");
  std::vector<std::string> env = ContainerEnv(c, user, ec.value("Tty", false));
  env = ReplaceOrAppendEnv(env, Strings(ec.value("Env", Json(nullptr))));
  p["env"] = env;
  p["user"] = {{"uid", user.uid}, {"gid", user.gid}, {"additionalGids", user.sgids}};
  std::string wd = ec.value("WorkingDir", "");
  if (!wd.empty()) p["cwd"] = wd;
  if (ec.value("Privileged", false)) {
    auto all = profiles::AllCapabilities();
    p["capabilities"] = {{"bounding", all}, {"effective", all}, {"permitted", all}};
  }
  return p;
}

}  // namespace skiff::daemon

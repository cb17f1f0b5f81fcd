// Container creation: settings from the create body and the image, mounts (binds, volumes, tmpfs,
// --volumes-from), the snapshot, the record. Nothing is left behind when any step fails.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "base/file.h"
#include "base/log.h"
#include "base/scope.h"
#include "base/strings.h"
#include "daemon/daemon.h"
#include "daemon/live.h"
#include "daemon/logs/json_file.h"
#include "daemon/names.h"
#include "daemon/profiles/defaults.h"
#include "daemon/settings.h"
#include "daemon/spec.h"
#include "daemon/store.h"

namespace skiff::daemon {
namespace {

const std::set<std::string> kPropagations = {"shared", "rshared", "slave", "rslave", "private", "rprivate"};

// Docker's init layer: what every container's filesystem has besides the image (mount points of the
// files and filesystems the engine mounts, /.dockerenv, /etc/mtab), made in the snapshot's init dir so it
// is neither a change of the container (diff, commit) nor missing from export.
Status MakeInitLayer(const std::string& dir) {
  for (const char* d : {"/dev/pts", "/dev/shm", "/proc", "/sys", "/etc"}) SKIFF_TRY(MkdirAll(dir + d, 0755));
  for (const char* f : {"/.dockerenv", "/etc/resolv.conf", "/etc/hosts", "/etc/hostname", "/dev/console"}) {
    UniqueFd fd(::open((dir + f).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0755));
    if (!fd) return Error::Sys("init layer " + std::string(f));
    if (::fchmod(fd.get(), 0755) != 0) return Error::Sys("init layer " + std::string(f));
  }
  if (::symlink("/proc/mounts", (dir + "/etc/mtab").c_str()) != 0 && errno != EEXIST) return Error::Sys("init layer /etc/mtab");
  return Ok();
}

Error BadSpec(const std::string& spec) { return Error(Errc::kInvalidArgument, "invalid volume specification: '" + spec + "'"); }

bool IsAbs(const std::string& p) { return !p.empty() && p[0] == '/'; }

// One entry of HostConfig.Binds: "src:dst[:opts]".
Result<MountRecord> ParseBind(const std::string& spec) {
  auto parts = Split(spec, ':');
  if (parts.size() < 2 || parts.size() > 3) return BadSpec(spec);
  MountRecord m;
  m.from_bind_api = true;
  std::string src = parts[0];
  m.destination = parts[1];
  if (!IsAbs(m.destination)) return BadSpec(spec);
  if (CleanPath(m.destination) == "/") return Error(Errc::kInvalidArgument, "invalid specification: destination can't be '/'");
  if (src.empty()) return BadSpec(spec);
  std::string mode = parts.size() == 3 ? parts[2] : "";
  m.mode = mode;
  for (auto& o : Split(mode, ',')) {
    if (o.empty()) continue;
    if (o == "ro") m.rw = false;
    else if (o == "rw" || o == "z" || o == "Z" || o == "nocopy" || o == "consistent" || o == "cached" || o == "delegated") {}
    else if (kPropagations.count(o)) m.propagation = o;
    else return Error(Errc::kInvalidArgument, "invalid mode: " + mode);
  }
  if (IsAbs(src)) {
    m.type = "bind";
    m.source = CleanPath(src);
    if (m.propagation.empty()) m.propagation = "rprivate";
  } else {
    m.type = "volume";
    m.name = src;
    m.driver = "local";
    if (m.mode.empty()) m.mode = "z";
    if (!m.propagation.empty()) return Error(Errc::kInvalidArgument, "invalid mode: " + m.propagation);
  }
  m.destination = CleanPath(m.destination);
  return m;
}

// One entry of HostConfig.Mounts (--mount).
Result<MountRecord> ParseMount(const Json& j) {
  MountRecord m;
  std::string type = j.value("Type", "");
  std::string target = j.value("Target", "");
  auto invalid = [&](const std::string& why) {
    return Error(Errc::kInvalidArgument, "invalid mount config for type \"" + type + "\": " + why);
  };
  if (target.empty()) return invalid("field Target must not be empty");
  if (!IsAbs(target)) return invalid("invalid mount path: '" + target + "' mount path must be absolute");
  m.destination = CleanPath(target);
  m.rw = !j.value("ReadOnly", false);
  m.mode = "";
  std::string source = j.value("Source", "");
  if (type == "bind") {
    if (source.empty()) return invalid("field Source must not be empty");
    if (!IsAbs(source)) return invalid("invalid mount path: '" + source + "' mount path must be absolute");
    struct stat st;
    if (::stat(source.c_str(), &st) != 0) return invalid("bind source path does not exist: " + source);
    m.type = "bind";
    m.source = CleanPath(source);
    m.propagation = "rprivate";
    if (j.contains("BindOptions") && j["BindOptions"].is_object()) {
      std::string p = j["BindOptions"].value("Propagation", "");
      if (!p.empty()) {
        if (!kPropagations.count(p)) return invalid("invalid propagation mode: " + p);
        m.propagation = p;
      }
    }
  } else if (type == "volume") {
    m.type = "volume";
    m.name = source;
    m.anonymous = source.empty();
    m.driver = "local";
    m.mode = "z";
    if (j.contains("VolumeOptions") && j["VolumeOptions"].is_object() && j["VolumeOptions"].value("NoCopy", false)) {
      m.mode = "z,nocopy";
    }
  } else if (type == "tmpfs") {
    if (!source.empty()) return invalid("field Source must not be specified");
    m.type = "tmpfs";
    m.rw = !j.value("ReadOnly", false);
    std::vector<std::string> opts;
    if (!m.rw) opts.push_back("ro");
    if (j.contains("TmpfsOptions") && j["TmpfsOptions"].is_object()) {
      const Json& t = j["TmpfsOptions"];
      if (t.contains("SizeBytes") && t["SizeBytes"].is_number() && t["SizeBytes"].get<int64_t>() > 0) {
        opts.push_back("size=" + std::to_string(t["SizeBytes"].get<int64_t>()));
      }
      if (t.contains("Mode") && t["Mode"].is_number() && t["Mode"].get<int64_t>() > 0) {
        char buf[16];
        snprintf(buf, sizeof buf, "mode=%o", static_cast<unsigned>(t["Mode"].get<int64_t>()));
        opts.push_back(buf);
      }
    }
    m.tmpfs_options = Join(opts, ",");
  } else if (type == "npipe") {
    return invalid("npipe mounts are only supported on Windows");
  } else {
    return Error(Errc::kInvalidArgument, "invalid mount config: mount type unknown: \"" + type + "\"");
  }
  return m;
}

}  // namespace

Result<Json> Daemon::Create(const std::string& name_in, const Json& body_in, const std::string& platform) {
  if (!body_in.is_null() && !body_in.is_object()) return Error(Errc::kInvalidArgument, "invalid create body: expected a JSON object");
  Json body = body_in.is_null() ? Json::object() : body_in;
  Json host_in = body.contains("HostConfig") ? body["HostConfig"] : Json(nullptr);
  Json user_config = body;
  user_config.erase("HostConfig");
  user_config.erase("NetworkingConfig");
  std::string image_ref = user_config.value("Image", "");
  if (image_ref.empty()) return Error(Errc::kInvalidArgument, "Config cannot be empty in order to create a container");

  // The image.
  auto image_id = images_->Resolve(image_ref);
  if (!image_id.ok()) {
    if (image_id.error().code() == Errc::kNotFound) return Error(Errc::kNotFound, "No such image: " + image_ref);
    return image_id.error();
  }
  auto image_cfg = SKIFF_TRY(images_->Config(*image_id));
  if (!platform.empty()) {
    // An image for another platform is no image for this request (Docker answers 404; the client pulls).
    auto parts = Split(platform, '/');
    bool match = parts[0] == image_cfg.os && (parts.size() < 2 || parts[1] == image_cfg.architecture);
    if (!match) return Error(Errc::kNotFound, "No such image: " + image_ref);
  }
  Json image_run = image_cfg.json.contains("config") && image_cfg.json["config"].is_object() ? image_cfg.json["config"] : Json::object();

  Json host = NormalizeHostConfig(host_in, opts_.log_driver, opts_.log_opts, cgroup_v2_);
  // Docker records the masked and read-only /proc paths of an unprivileged container in its HostConfig.
  if (!host.value("Privileged", false)) {
    if (!host.contains("MaskedPaths")) host["MaskedPaths"] = profiles::DefaultMaskedPaths();
    if (!host.contains("ReadonlyPaths")) host["ReadonlyPaths"] = profiles::DefaultReadonlyPaths();
  }
  Json config = NormalizeConfig(MergeImageConfig(NormalizeConfig(user_config), image_run));
  if (config["Entrypoint"].is_null() && config["Cmd"].is_null()) return Error(Errc::kInvalidArgument, "No command specified");
  int cpus = static_cast<int>(std::thread::hardware_concurrency());
  SKIFF_TRY(ValidateSettings(config, host, cpus > 0 ? cpus : 1));
  SKIFF_TRY(ContainerCaps(host));  // unknown capability names fail at create, as in Docker
  {
    const Json& lc = host["LogConfig"];
    std::string driver = lc.value("Type", "");
    static const std::set<std::string> docker_drivers = {"local", "syslog", "journald", "gelf", "fluentd", "awslogs",
                                                         "splunk", "etwlogs", "gcplogs", "logentries"};
    if (driver == "json-file") {
      std::map<std::string, std::string> lo;
      if (lc.contains("Config") && lc["Config"].is_object()) lo = LabelsOf(lc["Config"]);
      SKIFF_TRY(logs::ParseJsonFileOptions("", lo));
    } else if (driver != "none") {
      if (docker_drivers.count(driver)) {
        return Error(Errc::kUnsupported, "logging driver \"" + driver + "\" is not supported by Skiff (json-file, none)");
      }
      return Error(Errc::kInvalidArgument, "error looking up logging plugin " + driver + ": plugin \"" + driver + "\" not found");
    }
  }
  auto [path, args] = SKIFF_TRY(Command(config));

  ContainerRecord rec;
  rec.id = NewId();
  rec.created = FormatTimeNs(NowNs());
  rec.path = path;
  rec.args = args;
  rec.image_id = image_id->str();
  if (config.value("Hostname", "").empty()) {
    std::string net = host.value("NetworkMode", "");
    config["Hostname"] = net == "host" ? "" : rec.id.substr(0, 12);
  }
  rec.config = config;
  rec.host_config = host;
  std::string data = DataDir(rec.id);
  rec.log_path = host["LogConfig"].value("Type", "") == "json-file" ? data + "/" + rec.id + "-json.log" : "";
  rec.hostname_path = data + "/hostname";
  rec.hosts_path = data + "/hosts";
  rec.resolv_conf_path = data + "/resolv.conf";

  // Reserve the name.
  std::string name;
  {
    std::lock_guard l(mu_);
    if (!name_in.empty()) {
      name = SKIFF_TRY(ValidateName(name_in));
      if (auto it = names_.find(name); it != names_.end()) {
        return Error(Errc::kConflict, "Conflict. The container name \"/" + name + "\" is already in use by container \"" +
                                          it->second + "\". You have to remove (or rename) that container to be able to reuse that name.");
      }
    } else {
      for (int i = 0; i < 20; ++i) {
        name = RandomName(i / 4);
        if (!names_.count(name)) break;
      }
    }
    names_[name] = rec.id;
  }
  rec.name = name;
  bool created = false;
  std::vector<std::string> new_volumes;
  ScopeExit undo([&] {
    if (created) return;
    for (auto& v : new_volumes) (void)volumes_->Remove(v);
    (void)images_->RemoveContainerSnapshot(rec.id);
    (void)RemoveAll(data);
    std::lock_guard l(mu_);
    if (auto it = names_.find(name); it != names_.end() && it->second == rec.id) names_.erase(it);
  });

  // Mounts, in Docker's precedence: Binds and Mounts, then --volumes-from, then the image's volumes.
  std::set<std::string> dsts;
  auto add = [&](MountRecord m) -> Status {
    if (dsts.count(m.destination)) return Error(Errc::kInvalidArgument, "Duplicate mount point: " + m.destination);
    dsts.insert(m.destination);
    rec.mounts.push_back(std::move(m));
    return Ok();
  };
  for (auto& b : Strings(host.value("Binds", Json(nullptr)))) SKIFF_TRY(add(SKIFF_TRY(ParseBind(b))));
  if (host.contains("Mounts") && host["Mounts"].is_array()) {
    for (auto& m : host["Mounts"]) SKIFF_TRY(add(SKIFF_TRY(ParseMount(m))));
  }
  for (auto& from : Strings(host.value("VolumesFrom", Json(nullptr)))) {
    auto parts = Split(from, ':');
    auto other = Find(parts[0]);
    if (!other.ok()) return Error(Errc::kInvalidArgument, other.error().message());
    std::string mode = parts.size() > 1 ? parts[1] : "";
    if (!mode.empty() && mode != "ro" && mode != "rw") return Error(Errc::kInvalidArgument, "invalid mode: " + mode);
    std::vector<MountRecord> theirs;
    {
      std::lock_guard l((*other)->mu);
      theirs = (*other)->rec.mounts;
    }
    for (auto m : theirs) {
      if (m.type == "tmpfs" || dsts.count(m.destination)) continue;
      if (mode == "ro") m.rw = false;
      if (mode == "rw") m.rw = true;
      // An anonymous volume stays anonymous: `rm -v` of the last container using it removes it.
      dsts.insert(m.destination);
      rec.mounts.push_back(m);
    }
  }
  if (config.contains("Volumes") && config["Volumes"].is_object()) {
    for (auto& [dst, v] : config["Volumes"].items()) {
      std::string d = CleanPath(dst);
      if (dsts.count(d) || (host.contains("Tmpfs") && host["Tmpfs"].is_object() && host["Tmpfs"].contains(d))) continue;
      MountRecord m;
      m.type = "volume";
      m.destination = d;
      m.driver = "local";
      m.anonymous = true;
      dsts.insert(d);
      rec.mounts.push_back(m);
    }
  }
  for (auto& m : rec.mounts) {
    if (m.type == "bind" && m.from_bind_api && !PathExists(m.source)) {
      SKIFF_TRY(MkdirAll(m.source, 0755));  // -v /host/dir:... creates a missing host dir, as Docker
    }
    if (m.type != "volume") continue;
    bool existed = !m.name.empty() && volumes_->Get(m.name).ok();
    auto v = SKIFF_TRY(volumes_->Create(m.name, {}, {}, m.name.empty()));
    if (m.name.empty()) m.anonymous = true;
    if (!existed) new_volumes.push_back(v.name);
    m.name = v.name;
    m.source = v.mountpoint;
  }

  SKIFF_TRY(MkdirAll(data, 0710));
  SKIFF_TRY(images_->CreateContainerSnapshot(rec.id, *image_id));
  (void)images_->UnmountContainerSnapshot(rec.id);  // mounted again at start (with the init layer)
  SKIFF_TRY(MakeInitLayer(images_->snapshots().SnapshotInit(rec.id)));
  SKIFF_TRY(store_->Save(rec));
  auto live = std::make_shared<Live>(rec);
  {
    std::lock_guard l(mu_);
    containers_[rec.id] = live;
  }
  created = true;
  for (auto& v : new_volumes) events_.Publish({"volume", "create", v, {{"driver", "local"}}});
  Emit(rec, "create");
  return Json{{"Id", rec.id}, {"Warnings", Json::array()}};
}

}  // namespace skiff::daemon

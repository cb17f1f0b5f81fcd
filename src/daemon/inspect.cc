// GET /containers/{id}/json and GET /containers/json: the record rendered as Docker renders it.
#include <algorithm>
#include <regex>

#include "base/file.h"
#include "base/strings.h"
#include "daemon/daemon.h"
#include "daemon/live.h"
#include "daemon/settings.h"
#include "storage/snapshots.h"

namespace skiff::daemon {
namespace {

Json MountsJson(const ContainerRecord& r) {
  Json out = Json::array();
  for (auto& m : r.mounts) {
    if (m.type == "tmpfs") {
      out.push_back({{"Type", "tmpfs"}, {"Source", ""}, {"Destination", m.destination}, {"Mode", ""}, {"RW", m.rw}, {"Propagation", ""}});
      continue;
    }
    Json j = {{"Type", m.type}};
    if (m.type == "volume") j["Name"] = m.name;
    j["Source"] = m.source;
    j["Destination"] = m.destination;
    if (m.type == "volume") j["Driver"] = m.driver;
    j["Mode"] = m.mode;
    j["RW"] = m.rw;
    j["Propagation"] = m.propagation;
    out.push_back(j);
  }
  return out;
}

Json Endpoint() {
  return {{"IPAMConfig", nullptr}, {"Links", nullptr},         {"Aliases", nullptr},     {"NetworkID", ""},
          {"EndpointID", ""},      {"Gateway", ""},            {"IPAddress", ""},        {"IPPrefixLen", 0},
          {"IPv6Gateway", ""},     {"GlobalIPv6Address", ""},  {"GlobalIPv6PrefixLen", 0}, {"MacAddress", ""},
          {"DriverOpts", nullptr}};
}

// Networks the container is attached to: none/host by name; the default network has no interface
// besides loopback yet, so it lists none.
Json NetworksJson(const ContainerRecord& r) {
  std::string mode = r.host_config.value("NetworkMode", "default");
  Json nets = Json::object();
  if (mode == "none" || mode == "host") nets[mode] = Endpoint();
  return nets;
}

Json ExposedPortsMap(const ContainerRecord& r) {
  Json ports = Json::object();
  std::string mode = r.host_config.value("NetworkMode", "default");
  if (mode != "default" && mode != "bridge") return ports;
  if (r.config.contains("ExposedPorts") && r.config["ExposedPorts"].is_object()) {
    for (auto& [p, v] : r.config["ExposedPorts"].items()) ports[p] = nullptr;
  }
  return ports;
}

Json PortsList(const ContainerRecord& r) {
  Json out = Json::array();
  Json exposed = ExposedPortsMap(r);
  for (auto& [p, v] : exposed.items()) {
    auto parts = Split(p, '/');
    auto n = ParseInt(parts[0]);
    if (!n) continue;
    out.push_back({{"PrivatePort", *n}, {"Type", parts.size() > 1 ? parts[1] : "tcp"}});
  }
  return out;
}

Json StateJson(const StateRecord& s) {
  bool running = s.status == ContainerStatus::kRunning || s.status == ContainerStatus::kPaused || s.status == ContainerStatus::kRestarting;
  Json j = {{"Status", StatusName(s.status)},
            {"Running", running},
            {"Paused", s.status == ContainerStatus::kPaused},
            {"Restarting", s.status == ContainerStatus::kRestarting},
            {"OOMKilled", s.oom_killed},
            {"Dead", s.status == ContainerStatus::kDead},
            {"Pid", s.pid},
            {"ExitCode", s.exit_code},
            {"Error", s.error},
            {"StartedAt", s.started_at},
            {"FinishedAt", s.finished_at}};
  if (s.health) {
    Json log = Json::array();
    for (auto& e : s.health->log) {
      log.push_back({{"Start", e.start}, {"End", e.end}, {"ExitCode", e.exit_code}, {"Output", e.output}});
    }
    j["Health"] = {{"Status", s.health->status}, {"FailingStreak", s.health->failing_streak}, {"Log", log}};
  }
  return j;
}

}  // namespace

Result<Json> Daemon::Inspect(const std::string& ref, bool size) {
  auto c = SKIFF_TRY(Find(ref));
  ContainerRecord r;
  {
    std::lock_guard l(c->mu);
    r = c->rec;
  }
  Json execs = nullptr;
  {
    std::lock_guard l(mu_);
    for (auto& [id, e] : execs_) {
      if (e->container_id != r.id) continue;
      if (execs.is_null()) execs = Json::array();
      execs.push_back(id);
    }
  }
  auto& snaps = images_->snapshots();
  std::string upper = snaps.SnapshotUpper(r.id);
  std::vector<std::string> lowers;
  if (auto layers = images_->ImageLayers(SKIFF_TRY(Digest::Parse(r.image_id))); layers.ok()) {
    for (auto it = layers->rbegin(); it != layers->rend(); ++it) lowers.push_back(snaps.LayerDir(it->diff_id));
  }
  Json graph = {{"Data",
                 {{"LowerDir", Join(lowers, ":")},
                  {"MergedDir", snaps.SnapshotMerged(r.id)},
                  {"UpperDir", upper},
                  {"WorkDir", Dirname(upper) + "/work"}}},
                {"Name", "overlay2"}};
  std::string sandbox = r.running() && r.state.pid > 0 ? "/proc/" + std::to_string(r.state.pid) + "/ns/net" : "";
  Json net = {{"Bridge", ""},
              {"SandboxID", r.running() ? r.id : ""},
              {"HairpinMode", false},
              {"LinkLocalIPv6Address", ""},
              {"LinkLocalIPv6PrefixLen", 0},
              {"Ports", ExposedPortsMap(r)},
              {"SandboxKey", sandbox},
              {"SecondaryIPAddresses", nullptr},
              {"SecondaryIPv6Addresses", nullptr},
              {"EndpointID", ""},
              {"Gateway", ""},
              {"GlobalIPv6Address", ""},
              {"GlobalIPv6PrefixLen", 0},
              {"IPAddress", ""},
              {"IPPrefixLen", 0},
              {"IPv6Gateway", ""},
              {"MacAddress", ""},
              {"Networks", NetworksJson(r)}};
  Json j = {{"Id", r.id},
            {"Created", r.created},
            {"Path", r.path},
            {"Args", r.args},
            {"State", StateJson(r.state)},
            {"Image", r.image_id},
            {"ResolvConfPath", r.resolv_conf_path},
            {"HostnamePath", r.hostname_path},
            {"HostsPath", r.hosts_path},
            {"LogPath", r.log_path},
            {"Name", "/" + r.name},
            {"RestartCount", r.restart_count},
            {"Driver", "overlay2"},
            {"Platform", "linux"},
            {"MountLabel", ""},
            {"ProcessLabel", ""},
            {"AppArmorProfile", ""},
            {"ExecIDs", execs},
            {"HostConfig", r.host_config},
            {"GraphDriver", graph},
            {"Mounts", MountsJson(r)},
            {"Config", r.config},
            {"NetworkSettings", net}};
  if (size) {
    uint64_t rw = storage::TreeSize(upper).value_or(0);
    uint64_t image_size = 0;
    if (auto layers = images_->ImageLayers(SKIFF_TRY(Digest::Parse(r.image_id))); layers.ok()) {
      for (auto& l : *layers) image_size += l.size;
    }
    j["SizeRw"] = rw;
    j["SizeRootFs"] = rw + image_size;
  }
  return j;
}

Result<Json> Daemon::List(bool all, int limit, bool size, const Filters& f) {
  static const std::set<std::string> statuses = {"created", "restarting", "running", "removing", "paused", "exited", "dead"};
  for (auto& s : f.Values("status")) {
    if (!statuses.count(s)) return Error(Errc::kInvalidArgument, "Invalid filter 'status=" + s + "'");
  }
  for (auto& h : f.Values("health")) {
    if (h != "starting" && h != "healthy" && h != "unhealthy" && h != "none") {
      return Error(Errc::kInvalidArgument, "Invalid filter 'health=" + h + "'");
    }
  }
  // Only the records that can be listed are copied, each creation time parsed once.
  bool every = all || limit > 0 || f.Has("status") || f.Has("exited") || f.Has("before") || f.Has("since");
  std::vector<std::pair<int64_t, ContainerRecord>> recs;
  for (auto& c : All()) {
    std::lock_guard l(c->mu);
    if (c->removed) continue;
    if (!every && !c->rec.running() && c->rec.state.status != ContainerStatus::kRestarting) continue;
    recs.emplace_back(ParseTimeNs(c->rec.created), c->rec);
  }
  std::sort(recs.begin(), recs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::map<std::string, std::string> resolved;  // image name -> image ID now ("" when none)
  auto created_of = [&](const std::string& ref) -> Result<int64_t> {
    auto c = SKIFF_TRY(Find(ref));
    std::lock_guard l(c->mu);
    return ParseTimeNs(c->rec.created);
  };
  int64_t before = 0, since = 0;
  for (auto& v : f.Values("before")) before = SKIFF_TRY(created_of(v));
  for (auto& v : f.Values("since")) since = SKIFF_TRY(created_of(v));
  // Image filter: every name of the container's image counts, and the image's ID.
  std::vector<std::string> ancestors;
  for (auto& a : f.Values("ancestor")) {
    auto id = images_->Resolve(a);
    ancestors.push_back(id.ok() ? id->str() : a);
  }
  int64_t now = NowNs();
  Json out = Json::array();
  for (auto& [created, r] : recs) {
    bool running = r.running() || r.state.status == ContainerStatus::kRestarting;
    bool listed = all || running || limit > 0 || f.Has("status") || f.Has("exited") || before || since;
    if (!listed) continue;
    if (f.Has("id")) {
      bool ok = false;
      for (auto& v : f.Values("id")) ok = ok || r.id.rfind(v, 0) == 0;
      if (!ok) continue;
    }
    if (f.Has("name")) {
      bool ok = false;
      for (auto& v : f.Values("name")) {
        try {
          std::regex re(v);
          ok = ok || std::regex_search("/" + r.name, re) || std::regex_search(r.name, re);
        } catch (const std::regex_error&) {
          return Error(Errc::kInvalidArgument, "Invalid filter 'name=" + v + "'");
        }
      }
      if (!ok) continue;
    }
    if (!f.MatchLabels(LabelsOf(r.config.value("Labels", Json(nullptr))))) continue;
    if (!f.MatchExact("status", StatusName(r.state.status))) continue;
    if (f.Has("exited")) {
      if (r.state.status != ContainerStatus::kExited || !f.MatchExact("exited", std::to_string(r.state.exit_code))) continue;
    }
    if (f.Has("health")) {
      std::string h = r.state.health ? r.state.health->status : "none";
      if (!f.MatchExact("health", h)) continue;
    }
    if (!ancestors.empty()) {
      bool ok = false;
      for (auto& a : ancestors) ok = ok || a == r.image_id || a == r.config.value("Image", "");
      if (!ok) continue;
    }
    if (f.Has("volume")) {
      bool ok = false;
      for (auto& v : f.Values("volume")) {
        for (auto& m : r.mounts) ok = ok || m.name == v || m.destination == v;
      }
      if (!ok) continue;
    }
    if (f.Has("network") && !f.MatchExact("network", r.host_config.value("NetworkMode", ""))) continue;
    if (before && created >= before) continue;
    if (since && created <= since) continue;
    if (f.Has("expose") || f.Has("publish")) continue;  // no published ports yet

    // Docker quotes arguments that contain a space.
    std::string command = r.path;
    for (auto& a : r.args) command += " " + (a.find(' ') != std::string::npos ? "'" + a + "'" : a);
    // The image as the user named it, unless that name now points at another image.
    std::string image = r.config.value("Image", "");
    auto known = resolved.find(image);
    if (known == resolved.end()) {
      auto now_id = images_->Resolve(image);
      known = resolved.emplace(image, now_id.ok() ? now_id->str() : "").first;
    }
    if (known->second != r.image_id) image = r.image_id;
    Json mounts = Json::array();
    for (auto& m : MountsJson(r)) {
      if (m["Type"] == "tmpfs") continue;
      mounts.push_back(m);
    }
    Json e = {{"Id", r.id},
              {"Names", {"/" + r.name}},
              {"Image", image},
              {"ImageID", r.image_id},
              {"Command", command},
              {"Created", created / 1000000000},
              {"Ports", PortsList(r)},
              {"Labels", r.config.value("Labels", Json::object())},
              {"State", StatusName(r.state.status)},
              {"Status", HumanStatus(r, now)},
              {"HostConfig", {{"NetworkMode", r.host_config.value("NetworkMode", "default")}}},
              {"NetworkSettings", {{"Networks", NetworksJson(r)}}},
              {"Mounts", mounts}};
    if (size) {
      uint64_t rw = storage::TreeSize(images_->snapshots().SnapshotUpper(r.id)).value_or(0);
      uint64_t image_size = 0;
      if (auto d = Digest::Parse(r.image_id); d.ok()) {
        if (auto layers = images_->ImageLayers(*d); layers.ok()) {
          for (auto& l : *layers) image_size += l.size;
        }
      }
      e["SizeRw"] = rw;
      e["SizeRootFs"] = rw + image_size;
    }
    out.push_back(e);
    if (limit > 0 && static_cast<int>(out.size()) >= limit) break;
  }
  return out;
}

}  // namespace skiff::daemon

// Image operations of the API that need the daemon (events, filters, container counts): list, remove,
// tag, prune. Transfers (load, save, import) go to the ImageStore directly from the handlers.
#include <fnmatch.h>

#include "base/strings.h"
#include "daemon/daemon.h"
#include "daemon/live.h"
#include "daemon/settings.h"
#include "image/reference.h"

namespace skiff::daemon {

void Daemon::PublishImageEvent(const std::string& action, const std::string& id, std::map<std::string, std::string> attrs) {
  Event e;
  e.type = "image";
  e.action = action;
  e.id = id;
  e.attributes = std::move(attrs);
  events_.Publish(std::move(e));
}

Status Daemon::TagImage(const std::string& source, const std::string& target) {
  if (auto src = images_->Resolve(source); !src.ok() && src.error().code() == Errc::kNotFound) {
    auto r = image::ParseReference(source);
    return Error(Errc::kNotFound, "No such image: " + (r.ok() && !image::LooksLikeFullId(source) ? r->WithDefaultTag().FamiliarString() : source));
  }
  SKIFF_TRY(images_->Tag(source, target));
  auto id = images_->Resolve(target);
  auto ref = image::ParseReference(target);
  std::string name = ref.ok() ? ref->WithDefaultTag().FamiliarString() : target;
  PublishImageEvent("tag", id.ok() ? id->str() : target, {{"name", name}});
  return Ok();
}

image::IsRunning Daemon::RunningCheck() {
  // Docker's IsRunning(): running, paused or restarting.
  return [this](const std::string& container_id) {
    auto c = Find(container_id);
    if (!c.ok()) return false;
    std::lock_guard l((*c)->mu);
    return (*c)->rec.running() || (*c)->rec.state.status == ContainerStatus::kRestarting;
  };
}

Result<Json> Daemon::InspectImage(const std::string& ref) {
  auto j = images_->Inspect(ref);
  if (!j.ok()) {
    if (j.error().code() == Errc::kNotFound) return Error(Errc::kNotFound, "No such image: " + ref);
    // dockerd: "no such image: BusyBox: invalid reference format: ..." (still a 400)
    if (j.error().message().starts_with("invalid reference format")) return j.error().Wrap("no such image: " + ref);
    return j.error();
  }
  // Docker prints every field of the image's Config and ContainerConfig (Labels null when there are none).
  for (const char* k : {"Config", "ContainerConfig"}) {
    if (!j->contains(k) || !(*j)[k].is_object()) continue;
    bool labels = (*j)[k].contains("Labels") && (*j)[k]["Labels"].is_object();
    (*j)[k] = NormalizeConfig((*j)[k]);
    if (!labels) (*j)[k]["Labels"] = nullptr;
  }
  return *j;
}

Result<std::vector<image::DeleteItem>> Daemon::RemoveImage(const std::string& ref, bool force, bool no_prune) {
  auto id = images_->Resolve(ref);
  image::RemoveOptions o;
  o.force = force;
  o.prune = !no_prune;
  o.is_running = RunningCheck();
  auto items = SKIFF_TRY(images_->Remove(ref, o));
  std::string sid = id.ok() ? id->str() : "";
  for (auto& it : items) {
    if (!it.untagged.empty()) PublishImageEvent("untag", sid, {{"name", sid}});
    if (!it.deleted.empty() && !it.layer) PublishImageEvent("delete", it.deleted, {{"name", it.deleted}});
  }
  return items;
}

Result<Json> Daemon::ListImages(bool all, bool digests, const Filters& f) {
  (void)digests;
  auto list = SKIFF_TRY(images_->List());
  int64_t before = 0, since = 0;
  auto created_of = [&](const std::string& ref) -> Result<int64_t> {
    auto id = SKIFF_TRY(images_->Resolve(ref));
    for (auto& s : list) {
      if (s.id == id) return s.created;
    }
    return Error(Errc::kNotFound, "No such image: " + ref);
  };
  for (auto& v : f.Values("before")) before = SKIFF_TRY(created_of(v));
  for (auto& v : f.Values("since")) since = SKIFF_TRY(created_of(v));
  int64_t until = 0;
  for (auto& v : f.Values("until")) until = SKIFF_TRY(Filters::ParseTimeFilter(v, NowNs())) / 1000000000;
  std::optional<bool> dangling;
  for (auto& v : f.Values("dangling")) {
    if (v == "true" || v == "1") dangling = true;
    else if (v == "false" || v == "0") dangling = false;
    else return Error(Errc::kInvalidArgument, "Invalid filter 'dangling=" + v + "'");
  }
  Json out = Json::array();
  for (auto& s : list) {
    // Docker: an untagged image with children is an intermediate, shown with -a only; dangling means no
    // tags and no children.
    bool is_dangling = s.repo_tags.empty() && s.children == 0;
    if (!all && s.repo_tags.empty() && s.repo_digests.empty() && s.children > 0) continue;
    if (dangling && *dangling != is_dangling) continue;
    if (!f.MatchLabels(s.labels)) continue;
    if (before && s.created >= before) continue;
    if (since && s.created <= since) continue;
    if (until && s.created > until) continue;
    std::vector<std::string> tags = s.repo_tags;
    if (f.Has("reference")) {
      // Docker matches the pattern against the familiar name and name:tag of each tag (path.Match).
      std::vector<std::string> kept;
      for (auto& t : tags) {
        std::string repo = t.substr(0, t.rfind(':'));
        bool m = false;
        for (auto& pat : f.Values("reference")) {
          m = m || fnmatch(pat.c_str(), t.c_str(), FNM_PATHNAME) == 0 || fnmatch(pat.c_str(), repo.c_str(), FNM_PATHNAME) == 0;
        }
        if (m) kept.push_back(t);
      }
      if (kept.empty()) continue;
      tags = kept;
      std::vector<std::string> digests;
      for (auto& d : s.repo_digests) {
        std::string repo = d.substr(0, d.find('@'));
        bool m = false;
        for (auto& pat : f.Values("reference")) m = m || fnmatch(pat.c_str(), repo.c_str(), FNM_PATHNAME) == 0;
        if (m) digests.push_back(d);
      }
      s.repo_digests = digests;
    }
    Json labels = nullptr;
    if (!s.labels.empty()) {
      labels = Json::object();
      for (auto& [k, v] : s.labels) labels[k] = v;
    }
    Json rt = tags, rd = s.repo_digests;
    if (s.repo_tags.empty()) {
      rt = Json::array({"<none>:<none>"});
      if (s.repo_digests.empty()) rd = Json::array({"<none>@<none>"});
    }
    out.push_back({{"Containers", -1},
                   {"Created", s.created},
                   {"Id", s.id.str()},
                   {"Labels", labels},
                   {"ParentId", s.parent.empty() ? "" : s.parent.str()},
                   {"RepoDigests", rd},
                   {"RepoTags", rt},
                   {"SharedSize", -1},
                   {"Size", s.size},
                   {"VirtualSize", s.size}});
  }
  return out;
}

Result<image::PruneReport> Daemon::PruneImages(const Filters& f) {
  image::PruneOptions o;
  for (auto& v : f.Values("dangling")) o.all = v == "false" || v == "0";
  int64_t until = 0;
  for (auto& v : f.Values("until")) until = SKIFF_TRY(Filters::ParseTimeFilter(v, NowNs())) / 1000000000;
  o.match = [&](const image::ImageConfig& cfg) {
    if (until && image::ParseTime(cfg.created) >= until) return false;
    std::map<std::string, std::string> labels = cfg.config.labels.value_or(std::map<std::string, std::string>{});
    return f.MatchLabels(labels) && f.MatchLabels(labels, "label!");
  };
  auto report = SKIFF_TRY(images_->Prune(o));
  for (auto& it : report.items) {
    if (!it.untagged.empty()) PublishImageEvent("untag", it.untagged, {{"name", it.untagged}});
    if (!it.deleted.empty() && !it.layer) PublishImageEvent("delete", it.deleted, {{"name", it.deleted}});
  }
  PublishImageEvent("prune", "", {{"reclaimed", std::to_string(report.reclaimed)}});
  return report;
}

// --- volumes ---

Result<Json> Daemon::VolumeCreate(const Json& body) {
  Json b = body.is_object() ? body : Json::object();
  std::string driver = b.value("Driver", "");
  if (!driver.empty() && driver != "local") {
    std::string n = b.value("Name", "");
    return Error(Errc::kNotFound, (n.empty() ? "" : "create " + n + ": ") + "error looking up volume plugin " + driver +
                                      ": plugin \"" + driver + "\" not found");
  }
  std::map<std::string, std::string> labels, opts;
  if (b.contains("Labels") && b["Labels"].is_object()) labels = LabelsOf(b["Labels"]);
  if (b.contains("DriverOpts") && b["DriverOpts"].is_object()) opts = LabelsOf(b["DriverOpts"]);
  std::string name = b.value("Name", "");
  bool existed = !name.empty() && volumes_->Get(name).ok();
  auto v = SKIFF_TRY(volumes_->Create(name, labels, opts, name.empty()));
  if (!existed) events_.Publish({"volume", "create", v.name, {{"driver", "local"}}});
  return v.ToJson();
}

Result<Json> Daemon::VolumeInspect(const std::string& name) {
  auto v = volumes_->Get(name);
  if (!v.ok()) return Error(Errc::kNotFound, "get " + name + ": no such volume");
  return v->ToJson();
}

namespace {
std::map<std::string, std::vector<std::string>> VolumeUsers(const std::vector<std::shared_ptr<Live>>& all) {
  std::map<std::string, std::vector<std::string>> users;
  for (auto& c : all) {
    std::lock_guard l(c->mu);
    if (c->removed) continue;
    for (auto& m : c->rec.mounts) {
      if (m.type == "volume") users[m.name].push_back(c->rec.id);
    }
  }
  return users;
}
}  // namespace

Result<Json> Daemon::VolumeList(const Filters& f) {
  auto users = VolumeUsers(All());
  Json vols = Json::array();
  for (auto& v : SKIFF_TRY(volumes_->List())) {
    if (f.Has("dangling")) {
      bool want = f.MatchExact("dangling", "true") || f.MatchExact("dangling", "1");
      if (want == (users.count(v.name) > 0)) continue;
    }
    if (!f.MatchExact("driver", v.driver)) continue;
    if (!f.MatchLabels(v.labels)) continue;
    if (f.Has("name")) {
      bool ok = false;
      for (auto& n : f.Values("name")) ok = ok || v.name.find(n) != std::string::npos;
      if (!ok) continue;
    }
    vols.push_back(v.ToJson());
  }
  return Json{{"Volumes", vols}, {"Warnings", nullptr}};
}

Status Daemon::VolumeRemove(const std::string& name, bool force) {
  auto v = volumes_->Get(name);
  if (!v.ok()) {
    if (force) return Ok();
    return Error(Errc::kNotFound, "get " + name + ": no such volume");
  }
  auto users = VolumeUsers(All());
  if (auto it = users.find(name); it != users.end()) {
    return Error(Errc::kConflict, "remove " + name + ": volume is in use - [" + Join(it->second, ", ") + "]");
  }
  SKIFF_TRY(volumes_->Remove(name));
  events_.Publish({"volume", "destroy", name, {{"driver", "local"}}});
  return Ok();
}

Result<Json> Daemon::VolumePrune(const Filters& f) {
  auto users = VolumeUsers(All());
  Json deleted = Json::array();
  uint64_t reclaimed = 0;
  for (auto& v : SKIFF_TRY(volumes_->List())) {
    if (users.count(v.name) || !f.MatchLabels(v.labels) || !f.MatchLabels(v.labels, "label!")) continue;
    uint64_t size = storage::TreeSize(v.mountpoint).value_or(0);
    if (volumes_->Remove(v.name).ok()) {
      deleted.push_back(v.name);
      reclaimed += size;
      events_.Publish({"volume", "destroy", v.name, {{"driver", "local"}}});
    }
  }
  return Json{{"VolumesDeleted", deleted.empty() ? Json(nullptr) : deleted}, {"SpaceReclaimed", reclaimed}};
}

}  // namespace skiff::daemon

// Removing, renaming and pruning containers.
#include <signal.h>

#include "base/file.h"
#include "base/log.h"
#include "daemon/daemon.h"
#include "daemon/live.h"
#include "daemon/names.h"
#include "daemon/store.h"
#include "storage/snapshots.h"

namespace skiff::daemon {

Status Daemon::Remove(const std::string& ref, bool force, bool remove_volumes) {
  auto c = SKIFF_TRY(Find(ref));
  std::lock_guard op(c->op_mu);
  bool running;
  {
    std::lock_guard l(c->mu);
    const ContainerRecord& r = c->rec;
    if (c->removed) return Error(Errc::kNotFound, "No such container: " + ref);
    if (r.state.status == ContainerStatus::kRemoving) {
      return Error(Errc::kConflict, "removal of container " + r.id + " is already in progress");
    }
    running = r.running() || r.state.status == ContainerStatus::kRestarting;
    if (running && !force) {
      if (r.state.status == ContainerStatus::kPaused) {
        return Error(Errc::kConflict, "You cannot remove a paused container " + r.id +
                                          ". Unpause and then stop the container before attempting removal or force remove");
      }
      return Error(Errc::kConflict, "You cannot remove a running container " + r.id +
                                        ". Stop the container before attempting removal or force remove");
    }
  }
  if (running) SKIFF_TRY(DoStop(c, 0));
  return DoRemove(c, remove_volumes);
}

Status Daemon::DoRemove(const std::shared_ptr<Live>& c, bool remove_volumes) {
  ContainerRecord rec;
  {
    std::lock_guard l(c->mu);
    if (c->removed) return Ok();
    c->rec.state.status = ContainerStatus::kRemoving;
    c->pending.clear();  // waiting attach streams end
    rec = c->rec;
    c->cv.notify_all();
  }
  const std::string& id = rec.id;
  // The record goes first: a crash from here on leaves only files without a record, which the next
  // start removes (daemon.cc Restore).
  SKIFF_TRY(store_->Delete(id));
  {
    std::lock_guard l(mu_);
    containers_.erase(id);
    if (auto it = names_.find(rec.name); it != names_.end() && it->second == id) names_.erase(it);
    for (auto it = execs_.begin(); it != execs_.end();) {
      it = it->second->container_id == id ? execs_.erase(it) : std::next(it);
    }
  }
  (void)runtime_->Delete(id, true);
  ReleaseVolumes(*c);
  if (Status s = images_->RemoveContainerSnapshot(id); !s.ok()) log::Warn("remove {}: snapshot: {}", id.substr(0, 12), s.error().message());
  (void)RemoveAll(ContainerDir(id));
  (void)RemoveAll(DataDir(id));
  if (remove_volumes) {
    for (auto& m : rec.mounts) {
      if (m.type != "volume" || !m.anonymous) continue;
      bool used = false;
      for (auto& other : All()) {
        std::lock_guard l(other->mu);
        for (auto& om : other->rec.mounts) used = used || (om.type == "volume" && om.name == m.name);
      }
      if (used) continue;
      if (volumes_->Remove(m.name).ok()) events_.Publish({"volume", "destroy", m.name, {{"driver", "local"}}});
    }
  }
  {
    std::lock_guard l(c->mu);
    c->removed = true;
    c->cv.notify_all();
  }
  Emit(rec, "destroy");
  return Ok();
}

Status Daemon::Rename(const std::string& ref, const std::string& new_name) {
  auto c = SKIFF_TRY(Find(ref));
  if (new_name.empty()) return Error(Errc::kInvalidArgument, "Neither old nor new names may be empty");
  auto valid = ValidateName(new_name);
  if (!valid.ok()) {
    std::string shown = new_name[0] == '/' ? new_name : "/" + new_name;
    return Error(Errc::kInvalidArgument, "Error when allocating new name: Invalid container name (" + shown +
                                             "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
  std::string name = *valid;
  std::string old;
  {
    std::lock_guard l(mu_);
    std::lock_guard cl(c->mu);
    old = c->rec.name;
    if (old == name) return Error(Errc::kInvalidArgument, "Renaming a container with the same name as its current name");
    if (auto it = names_.find(name); it != names_.end()) {
      return Error(Errc::kConflict, "Error when allocating new name: Conflict. The container name \"/" + name +
                                        "\" is already in use by container \"" + it->second +
                                        "\". You have to remove (or rename) that container to be able to reuse that name.");
    }
    c->rec.name = name;
    if (Status s = Persist(*c); !s.ok()) {
      c->rec.name = old;
      return s;
    }
    names_.erase(old);
    names_[name] = c->rec.id;
  }
  std::lock_guard l(c->mu);
  Emit(c->rec, "rename", {{"oldName", "/" + old}});
  return Ok();
}

Result<Json> Daemon::Prune(const Filters& f) {
  int64_t until = 0;
  if (f.Has("until")) {
    for (auto& v : f.Values("until")) until = SKIFF_TRY(Filters::ParseTimeFilter(v, NowNs()));
  }
  Json deleted = Json::array();
  uint64_t reclaimed = 0;
  for (auto& c : All()) {
    std::string id;
    {
      std::lock_guard l(c->mu);
      const ContainerRecord& r = c->rec;
      if (r.running() || r.state.status == ContainerStatus::kRestarting || r.state.status == ContainerStatus::kRemoving) continue;
      if (!f.MatchLabels(LabelsOf(r.config.value("Labels", Json(nullptr))))) continue;
      if (!f.MatchLabels(LabelsOf(r.config.value("Labels", Json(nullptr))), "label!")) continue;
      if (until && ParseTimeNs(r.created) >= until) continue;
      id = r.id;
    }
    std::lock_guard op(c->op_mu);
    {
      std::lock_guard l(c->mu);
      if (c->removed || c->rec.running()) continue;
    }
    uint64_t size = storage::TreeSize(images_->snapshots().SnapshotUpper(id)).value_or(0);
    if (DoRemove(c, false).ok()) {
      deleted.push_back(id);
      reclaimed += size;
    }
  }
  events_.Publish({"container", "prune", "", {{"reclaimed", std::to_string(reclaimed)}}});
  return Json{{"ContainersDeleted", deleted.empty() ? Json(nullptr) : deleted}, {"SpaceReclaimed", reclaimed}};
}

}  // namespace skiff::daemon

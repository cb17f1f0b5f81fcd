// Daemon: opening the stores, the container registry, background threads and the restore at startup.
#include "daemon/daemon.h"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <thread>

#include "base/digest.h"
#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"
#include "daemon/live.h"
#include "daemon/names.h"
#include "daemon/shim/shim.h"
#include "daemon/store.h"
#include "runtime/cgroups/layout.h"
#include "storage/mount.h"
#include "sys/mounts.h"

namespace skiff::daemon {

Result<std::unique_ptr<Daemon>> Daemon::Open(DaemonOptions opts) {
  if (opts.self_exe.empty()) {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return Error::Sys("readlink /proc/self/exe");
    opts.self_exe.assign(buf, static_cast<size_t>(n));
  }
  if (opts.runtime.empty()) opts.runtime = Dirname(opts.self_exe) + "/skiff-runtime";
  if (opts.init_path.empty()) opts.init_path = opts.runtime;
  if (::access(opts.runtime.c_str(), X_OK) != 0) {
    return Error(Errc::kInvalidArgument, "runtime " + opts.runtime + " is not executable (--runtime)");
  }
  std::unique_ptr<Daemon> d(new Daemon(std::move(opts)));
  d->started_ns_ = NowNs();
  const auto& o = d->opts_;
  SKIFF_TRY(MkdirAll(o.data_root, 0711));
  SKIFF_TRY(MkdirAll(o.data_root + "/containers", 0710));
  SKIFF_TRY(MkdirAll(o.exec_root + "/containers", 0711));
  SKIFF_TRY(MkdirAll(d->RuntimeRoot(), 0700));
  auto layout = runtime::cgroups::DetectLayout();
  d->cgroup_v2_ = layout.ok() && layout->mode == runtime::cgroups::Mode::kV2;
  d->images_ = SKIFF_TRY_CTX(image::ImageStore::Open(o.data_root + "/image"), "open image store");
  d->puller_ = std::make_unique<registry::Puller>(*d->images_, o.registry);
  d->pusher_ = std::make_unique<registry::Pusher>(*d->images_, o.registry);
  // Container rootfs mounts live under the storage dir; a private mount there keeps them from being copied
  // into (and pinned by) every new container's mount namespace, as Docker does with its graph driver home.
  {
    std::string storage = o.data_root + "/image/storage";
    if (!storage::IsMountPoint(storage)) {
      // MS_REC: rootfs mounts of running containers made before stay visible through the new mount.
      if (Status s = sys::Mount(storage, storage, "", MS_BIND | MS_REC); !s.ok()) log::Warn("private mount {}: {}", storage, s.error().message());
    }
    if (Status s = sys::Mount("", storage, "", MS_PRIVATE | MS_REC); !s.ok()) log::Warn("private mount {}: {}", storage, s.error().message());
  }
  d->store_ = SKIFF_TRY_CTX(ContainerStore::Open(o.data_root + "/containers.db"), "open container store");
  d->volumes_ = SKIFF_TRY_CTX(VolumeStore::Open(o.data_root + "/volumes"), "open volume store");
  d->runtime_ = std::make_unique<runtime::Runtime>(d->RuntimeRoot());
  // The engine's ID for `info`: 12 groups of 4 base32 characters, as dockerd shows its own, kept across
  // restarts.
  std::string id_file = o.data_root + "/engine-id";
  d->engine_id_ = std::string(Trim(ReadFile(id_file).value_or("")));
  if (d->engine_id_.empty()) {
    static constexpr char kB32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string hex = NewId();
    for (size_t i = 0; i < 48; ++i) {
      if (i && i % 4 == 0) d->engine_id_ += ':';
      d->engine_id_ += kB32[std::stoi(hex.substr(i, 1), nullptr, 16) * 2 % 32 + (hex[63 - i] > '7')];
    }
    SKIFF_TRY(WriteFileAtomic(id_file, d->engine_id_ + "\n"));
  }
  SKIFF_TRY(d->Restore());
  SKIFF_TRY_CTX(d->OpenBuilder(), "open builder");
  return d;
}

std::string BuiltinNetworkId(const std::string& name) { return Sha256Of("skiff-builtin-network:" + name).hex(); }

Daemon::Daemon(DaemonOptions opts) : opts_(std::move(opts)) {}

Daemon::~Daemon() { Shutdown(); }

void Daemon::Shutdown() {
  if (shutting_down_.exchange(true)) return;
  shutdown_.request_stop();
  events_.Close();
  {
    std::lock_guard l(mu_);
    for (auto& [id, c] : containers_) {
      std::lock_guard cl(c->mu);
      c->cv.notify_all();
    }
  }
  std::unique_lock l(bg_mu_);
  bg_cv_.wait(l, [&] { return bg_count_ == 0; });
}

void Daemon::Background(std::function<void(std::stop_token)> fn) {
  {
    std::lock_guard l(bg_mu_);
    ++bg_count_;
  }
  std::thread([this, fn = std::move(fn)] {
    fn(shutdown_.get_token());
    std::lock_guard l(bg_mu_);
    if (--bg_count_ == 0) bg_cv_.notify_all();
  }).detach();
}

std::string Daemon::ContainerDir(const std::string& id) const { return opts_.exec_root + "/containers/" + id; }
std::string Daemon::DataDir(const std::string& id) const { return opts_.data_root + "/containers/" + id; }
std::string Daemon::RuntimeRoot() const { return opts_.exec_root + "/runtime"; }

Result<std::shared_ptr<Live>> Daemon::Find(const std::string& ref_in) {
  std::string ref = ref_in;
  if (!ref.empty() && ref[0] == '/') ref.erase(0, 1);
  std::lock_guard l(mu_);
  if (ref.empty()) return Error(Errc::kNotFound, "No such container: " + ref_in);
  if (auto it = containers_.find(ref); it != containers_.end()) return it->second;
  if (auto it = names_.find(ref); it != names_.end()) {
    if (auto c = containers_.find(it->second); c != containers_.end()) return c->second;
  }
  std::shared_ptr<Live> found;
  for (auto it = containers_.lower_bound(ref); it != containers_.end() && it->first.compare(0, ref.size(), ref) == 0; ++it) {
    if (found) return Error(Errc::kInvalidArgument, "Multiple IDs found with provided prefix: " + ref);
    found = it->second;
  }
  if (!found) return Error(Errc::kNotFound, "No such container: " + ref_in);
  return found;
}

std::vector<std::shared_ptr<Live>> Daemon::All() {
  std::lock_guard l(mu_);
  std::vector<std::shared_ptr<Live>> out;
  out.reserve(containers_.size());
  for (auto& [id, c] : containers_) out.push_back(c);
  return out;
}

Status Daemon::Persist(Live& c) {
  if (c.removed) return Ok();
  return store_->Save(c.rec);
}

void Daemon::Emit(const ContainerRecord& c, const std::string& action, std::map<std::string, std::string> extra) {
  Event e;
  e.type = "container";
  e.action = action;
  e.id = c.id;
  e.attributes = std::move(extra);
  e.attributes["name"] = c.name;
  e.attributes["image"] = c.config.value("Image", "");
  for (auto& [k, v] : LabelsOf(c.config.value("Labels", Json(nullptr)))) e.attributes.emplace(k, v);
  events_.Publish(std::move(e));
}

Status Daemon::KillProcess(const std::string& id, int sig, bool all) {
  Status s = runtime_->Kill(id, sig, all);
  if (!s.ok() && s.error().code() == Errc::kNotFound) return Ok();  // already gone
  return s;
}

Status Daemon::Restore() {
  std::vector<std::string> bad;
  auto records = SKIFF_TRY(store_->LoadAll(&bad));
  for (auto& b : bad) log::Warn("restore: skipping unreadable container record {}", b);
  std::vector<std::shared_ptr<Live>> to_check;
  {
    std::lock_guard l(mu_);
    for (auto& r : records) {
      auto c = std::make_shared<Live>(std::move(r));
      names_[c->rec.name] = c->rec.id;
      containers_[c->rec.id] = c;
      to_check.push_back(c);
    }
  }
  // Leftovers of containers that have no record (a crash between creating files and the record, or
  // between deleting the record and the files).
  for (auto& ref : images_->ListContainerReferences().value_or({})) {
    if (!containers_.count(ref)) {
      log::Info("restore: removing the snapshot of unknown container {}", ref);
      (void)images_->RemoveContainerSnapshot(ref);
    }
  }
  for (const std::string& base : {opts_.exec_root + "/containers", opts_.data_root + "/containers"}) {
    for (auto& id : ListDir(base)) {
      if (!containers_.count(id)) {
        if (base.starts_with(opts_.exec_root) && shim::LiveShimPid(base + "/" + id) != 0) continue;
        (void)RemoveAll(base + "/" + id);
      }
    }
  }
  for (auto& c : to_check) {
    std::unique_lock l(c->mu);
    ContainerRecord& r = c->rec;
    if (r.state.status == ContainerStatus::kRemoving) {
      // A removal was interrupted: finish it.
      l.unlock();
      std::lock_guard op(c->op_mu);
      (void)DoRemove(c, false);
      continue;
    }
    bool was_running = r.running() || r.state.status == ContainerStatus::kRestarting;
    if (!was_running) continue;
    std::string dir = ContainerDir(r.id);
    if (shim::LiveShimPid(dir) != 0) {
      auto st = shim::Client(dir).State();
      if (st.ok() && (st->init.running || !st->init.exit)) {
        uint64_t gen = ++c->run_gen;
        if (st->init.pid) r.state.pid = st->init.pid;
        // A paused container stays paused: the runtime tells.
        auto rs = runtime_->State(r.id);
        if (rs.ok() && rs->value("status", "") == "paused") r.state.status = ContainerStatus::kPaused;
        else if (rs.ok()) r.state.status = ContainerStatus::kRunning;
        (void)Persist(*c);
        ContainerRecord held = r;
        l.unlock();
        if (Status s = HoldVolumes(*c, held); !s.ok()) log::Warn("restore: container {}: {}", held.id.substr(0, 12), s.error().message());
        l.lock();
        Background([this, c, gen](std::stop_token stop) { Monitor(c, gen, stop); });
        if (r.config.contains("Healthcheck") && r.config["Healthcheck"].is_object()) {
          Background([this, c, gen](std::stop_token stop) { HealthLoop(c, gen, stop); });
        }
        log::Info("restore: container {} is running (pid {})", r.id.substr(0, 12), r.state.pid);
        continue;
      }
    }
    // The container ended while the daemon was away.
    auto exit = shim::ReadExitFile(dir);
    int code = 255;
    std::string finished = FormatTimeNs(NowNs());
    bool oom = false;
    if (exit.ok() && *exit) {
      code = (*exit)->exit_code;
      finished = (*exit)->finished_at;
      oom = (*exit)->oom_killed;
    } else if (auto e = shim::CleanupDeadShim(dir); e.ok()) {
      // No shim and no exit record (the shim was killed): what is left of the container goes.
      code = e->exit_code;
      finished = e->finished_at;
    } else {
      (void)runtime_->Delete(r.id, true);
    }
    uint64_t gen = c->run_gen;
    l.unlock();
    log::Info("restore: container {} exited with {} while the daemon was down", r.id.substr(0, 12), code);
    OnExit(c, gen, code, finished, oom);
  }
  volumes_->UnmountIdle();  // option-backed volumes of containers that ended while the daemon was down
  // Restart policies that apply when the daemon starts (Docker: `always` even after a manual stop,
  // `unless-stopped` unless stopped by the user, `on-failure` after a failure).
  for (auto& c : to_check) {
    std::unique_lock l(c->mu);
    const ContainerRecord& r = c->rec;
    if (c->removed || r.running() || r.state.status == ContainerStatus::kRestarting || !r.has_been_started) continue;
    std::string p = r.restart_policy();
    bool start = p == "always" || (p == "unless-stopped" && !r.manually_stopped) ||
                 (p == "on-failure" && r.state.exit_code != 0 &&
                  (r.max_retries() == 0 || r.restart_count < r.max_retries()));
    if (!start) continue;
    l.unlock();
    std::lock_guard op(c->op_mu);
    if (Status s = DoStart(c); !s.ok()) log::Warn("restore: restarting {}: {}", r.id.substr(0, 12), s.error().message());
  }
  return Ok();
}

}  // namespace skiff::daemon

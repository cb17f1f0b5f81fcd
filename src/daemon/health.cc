// HEALTHCHECK: a probe run through the shim every interval while the container runs; the state machine
// (starting -> healthy/unhealthy, failing streak, start period, last five results) is Docker's.
#include "base/file.h"
#include "base/log.h"
#include "daemon/daemon.h"
#include "daemon/live.h"
#include "daemon/names.h"
#include "daemon/settings.h"
#include "daemon/shim/shim.h"
#include "daemon/spec.h"
#include "daemon/userinfo.h"

namespace skiff::daemon {
namespace {

int64_t NsField(const Json& h, const char* k, int64_t def) {
  if (!h.contains(k) || !h[k].is_number()) return def;
  int64_t v = h[k].get<int64_t>();
  return v > 0 ? v : def;
}

}  // namespace

void Daemon::HealthLoop(std::shared_ptr<Live> c, uint64_t gen, std::stop_token stop) {
  Json hc;
  ContainerRecord rec;
  {
    std::lock_guard l(c->mu);
    rec = c->rec;
    hc = rec.config.value("Healthcheck", Json::object());
  }
  std::vector<std::string> test = Strings(hc.value("Test", Json(nullptr)));
  if (test.empty() || test[0] == "NONE") return;
  std::vector<std::string> cmd;
  if (test[0] == "CMD") {
    cmd.assign(test.begin() + 1, test.end());
  } else if (test[0] == "CMD-SHELL") {
    std::vector<std::string> shell = Strings(rec.config.value("Shell", Json(nullptr)));
    if (shell.empty()) shell = {"/bin/sh", "-c"};
    cmd = shell;
    if (test.size() > 1) cmd.push_back(test[1]);
  } else {
    log::Warn("container {}: unknown health check type {}", rec.id.substr(0, 12), test[0]);
    return;
  }
  int64_t interval = NsField(hc, "Interval", 30'000'000'000LL);
  int64_t timeout = NsField(hc, "Timeout", 30'000'000'000LL);
  int64_t start_period = NsField(hc, "StartPeriod", 0);
  int retries = static_cast<int>(NsField(hc, "Retries", 3));
  std::string dir = ContainerDir(rec.id);
  int64_t started = ParseTimeNs(rec.state.started_at);

  for (int probe = 0;; ++probe) {
    {
      std::unique_lock l(c->mu);
      c->cv.wait_for(l, stop, std::chrono::nanoseconds(interval),
                     [&] { return c->run_gen != gen || c->removed || !c->rec.running(); });
      if (stop.stop_requested() || c->run_gen != gen || c->removed || !c->rec.running()) return;
      if (c->rec.state.status == ContainerStatus::kPaused) continue;
      rec = c->rec;
    }
    // The probe runs as the container's user, in its environment.
    auto spec = ReadJsonFile(dir + "/config.json");
    auto user = ResolveUser(images_->snapshots().SnapshotMerged(rec.id), rec.config.value("User", ""),
                            Strings(rec.host_config.value("GroupAdd", Json(nullptr))));
    HealthLogEntry entry;
    entry.start = FormatTimeNs(NowNs());
    if (spec.ok() && user.ok()) {
      Json ec = {{"Cmd", cmd}};
      auto process = BuildExecProcess(rec, (*spec)["process"], ec, *user);
      if (process.ok()) {
        shim::ExecOptions o;
        o.exec_id = "health-" + NewId().substr(0, 16);
        o.process = *process;
        o.io.stdin = false;
        auto r = shim::Client(dir).ExecCapture(o, std::chrono::milliseconds(timeout / 1000000));
        if (r.ok() && r->timed_out) {
          entry.exit_code = -1;
          entry.output = "Health check exceeded timeout (" + std::to_string(timeout / 1000000000) + "s)";
        } else if (r.ok()) {
          entry.exit_code = r->exit_code;
          entry.output = r->output;
        } else {
          entry.exit_code = -1;
          entry.output = r.error().message();
        }
      } else {
        entry.exit_code = -1;
        entry.output = process.error().message();
      }
    } else {
      entry.exit_code = -1;
      entry.output = spec.ok() ? user.error().message() : spec.error().message();
    }
    entry.end = FormatTimeNs(NowNs());
    std::string changed;
    {
      std::lock_guard l(c->mu);
      if (c->run_gen != gen || !c->rec.state.health) return;
      Health& h = *c->rec.state.health;
      std::string before = h.status;
      h.log.push_back(entry);
      if (h.log.size() > 5) h.log.erase(h.log.begin());
      if (entry.exit_code == 0) {
        h.failing_streak = 0;
        h.status = "healthy";
      } else if (h.status == "starting" && NowNs() - started < start_period) {
        // Failures during the start period do not count.
      } else {
        ++h.failing_streak;
        if (h.failing_streak >= retries) h.status = "unhealthy";
      }
      if (h.status != before) changed = h.status;
      (void)Persist(*c);
      rec = c->rec;
    }
    if (!changed.empty()) Emit(rec, "health_status: " + changed);
    (void)probe;
  }
}

}  // namespace skiff::daemon

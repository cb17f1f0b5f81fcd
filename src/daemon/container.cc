#include "daemon/container.h"

#include <time.h>

#include <chrono>

#include "base/units.h"
#include "image/model.h"

namespace skiff::daemon {

namespace {
constexpr std::string_view kStatusNames[] = {"created", "running", "paused", "restarting",
                                              "removing", "exited",  "dead"};

Json HealthToJson(const Health& h) {
  Json log = Json::array();
  for (auto& e : h.log) {
    log.push_back({{"Start", e.start}, {"End", e.end}, {"ExitCode", e.exit_code}, {"Output", e.output}});
  }
  return {{"Status", h.status}, {"FailingStreak", h.failing_streak}, {"Log", log}};
}

Health HealthFromJson(const Json& j) {
  Health h;
  h.status = j.value("Status", "");
  h.failing_streak = j.value("FailingStreak", 0);
  if (j.contains("Log") && j["Log"].is_array()) {
    for (auto& e : j["Log"]) {
      h.log.push_back({e.value("Start", ""), e.value("End", ""), e.value("ExitCode", 0), e.value("Output", "")});
    }
  }
  return h;
}

Json MountToJson(const MountRecord& m) {
  return {{"Type", m.type},       {"Name", m.name},     {"Source", m.source},
          {"Destination", m.destination}, {"Driver", m.driver}, {"Mode", m.mode},
          {"RW", m.rw},           {"Propagation", m.propagation}, {"Anonymous", m.anonymous},
          {"TmpfsOptions", m.tmpfs_options}, {"FromBinds", m.from_bind_api}};
}

MountRecord MountFromJson(const Json& j) {
  MountRecord m;
  m.type = j.value("Type", "");
  m.name = j.value("Name", "");
  m.source = j.value("Source", "");
  m.destination = j.value("Destination", "");
  m.driver = j.value("Driver", "");
  m.mode = j.value("Mode", "");
  m.rw = j.value("RW", true);
  m.propagation = j.value("Propagation", "");
  m.anonymous = j.value("Anonymous", false);
  m.tmpfs_options = j.value("TmpfsOptions", "");
  m.from_bind_api = j.value("FromBinds", false);
  return m;
}
}  // namespace

std::string_view StatusName(ContainerStatus s) { return kStatusNames[static_cast<int>(s)]; }

Result<ContainerStatus> ParseStatus(std::string_view s) {
  for (size_t i = 0; i < std::size(kStatusNames); ++i) {
    if (kStatusNames[i] == s) return static_cast<ContainerStatus>(i);
  }
  return Error(Errc::kInvalidArgument, "unknown container status \"" + std::string(s) + "\"");
}

bool ContainerRecord::tty() const { return config.is_object() && config.value("Tty", false); }

std::string ContainerRecord::restart_policy() const {
  if (!host_config.contains("RestartPolicy") || !host_config["RestartPolicy"].is_object()) return "";
  return host_config["RestartPolicy"].value("Name", "");
}

int ContainerRecord::max_retries() const {
  if (!host_config.contains("RestartPolicy") || !host_config["RestartPolicy"].is_object()) return 0;
  return host_config["RestartPolicy"].value("MaximumRetryCount", 0);
}

bool ContainerRecord::auto_remove() const { return host_config.value("AutoRemove", false); }

Json ContainerRecord::ToJson() const {
  Json st = {{"Status", StatusName(state.status)}, {"OOMKilled", state.oom_killed}, {"Pid", state.pid},
             {"ExitCode", state.exit_code},         {"Error", state.error},          {"StartedAt", state.started_at},
             {"FinishedAt", state.finished_at}};
  if (state.health) st["Health"] = HealthToJson(*state.health);
  Json mounts = Json::array();
  for (auto& m : this->mounts) mounts.push_back(MountToJson(m));
  return {{"Id", id},
          {"Name", name},
          {"Created", created},
          {"Path", path},
          {"Args", args},
          {"Config", config},
          {"HostConfig", host_config},
          {"Image", image_id},
          {"State", st},
          {"RestartCount", restart_count},
          {"ManuallyStopped", manually_stopped},
          {"HasBeenStarted", has_been_started},
          {"Mounts", mounts},
          {"LogPath", log_path},
          {"HostnamePath", hostname_path},
          {"HostsPath", hosts_path},
          {"ResolvConfPath", resolv_conf_path}};
}

Result<ContainerRecord> ContainerRecord::FromJson(const Json& j) {
  if (!j.is_object()) return Error(Errc::kDataLoss, "container record: not an object");
  ContainerRecord c;
  try {
    c.id = j.at("Id").get<std::string>();
    c.name = j.value("Name", "");
    c.created = j.value("Created", "");
    c.path = j.value("Path", "");
    if (j.contains("Args") && j["Args"].is_array()) c.args = j["Args"].get<std::vector<std::string>>();
    c.config = j.value("Config", Json::object());
    c.host_config = j.value("HostConfig", Json::object());
    c.image_id = j.value("Image", "");
    const Json& st = j.at("State");
    c.state.status = SKIFF_TRY(ParseStatus(st.value("Status", "created")));
    c.state.oom_killed = st.value("OOMKilled", false);
    c.state.pid = st.value("Pid", 0);
    c.state.exit_code = st.value("ExitCode", 0);
    c.state.error = st.value("Error", "");
    c.state.started_at = st.value("StartedAt", kZeroTime);
    c.state.finished_at = st.value("FinishedAt", kZeroTime);
    if (st.contains("Health") && st["Health"].is_object()) c.state.health = HealthFromJson(st["Health"]);
    c.restart_count = j.value("RestartCount", 0);
    c.manually_stopped = j.value("ManuallyStopped", false);
    c.has_been_started = j.value("HasBeenStarted", false);
    if (j.contains("Mounts") && j["Mounts"].is_array()) {
      for (auto& m : j["Mounts"]) c.mounts.push_back(MountFromJson(m));
    }
    c.log_path = j.value("LogPath", "");
    c.hostname_path = j.value("HostnamePath", "");
    c.hosts_path = j.value("HostsPath", "");
    c.resolv_conf_path = j.value("ResolvConfPath", "");
  } catch (const std::exception& e) {
    return Error(Errc::kDataLoss, std::string("container record: ") + e.what());
  }
  return c;
}

int64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string FormatTimeNs(int64_t ns) { return image::FormatTime(ns / 1000000000, ns % 1000000000); }

int64_t ParseTimeNs(std::string_view s) {
  if (s.empty() || s == kZeroTime || s.starts_with("0001-")) return 0;
  int64_t sec = image::ParseTime(s);
  if (sec == 0) return 0;
  int64_t frac = 0;
  size_t dot = s.find('.');
  if (dot != std::string_view::npos) {
    int digits = 0;
    for (size_t i = dot + 1; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (digits < 9) {
        frac = frac * 10 + (s[i] - '0');
        ++digits;
      }
    }
    while (digits++ < 9) frac *= 10;
  }
  return sec * 1000000000 + frac;
}

std::string HumanStatus(const ContainerRecord& c, int64_t now_ns) {
  auto since = [&](const std::string& t) {
    return units::HumanDuration(std::chrono::nanoseconds(now_ns - ParseTimeNs(t)));
  };
  const StateRecord& s = c.state;
  switch (s.status) {
    case ContainerStatus::kPaused:
      return "Up " + since(s.started_at) + " (Paused)";
    case ContainerStatus::kRestarting:
      return "Restarting (" + std::to_string(s.exit_code) + ") " + since(s.finished_at) + " ago";
    case ContainerStatus::kRunning:
      if (s.health) {
        return "Up " + since(s.started_at) + " (" + (s.health->status == "starting" ? "health: starting" : s.health->status) + ")";
      }
      return "Up " + since(s.started_at);
    case ContainerStatus::kRemoving:
      return "Removal In Progress";
    case ContainerStatus::kDead:
      return "Dead";
    case ContainerStatus::kCreated:
    case ContainerStatus::kExited:
      break;
  }
  if (ParseTimeNs(s.started_at) == 0) return "Created";
  if (ParseTimeNs(s.finished_at) == 0) return "";
  return "Exited (" + std::to_string(s.exit_code) + ") " + since(s.finished_at) + " ago";
}

}  // namespace skiff::daemon

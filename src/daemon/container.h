// The container record: what Skiff persists about one container (Docker's container object: Config,
// HostConfig, State, mounts, paths) and the pure functions over it (status strings, inspect JSON).
// A ContainerRecord is a plain value; the daemon keeps the live copy under the container's mutex and
// writes it to the ContainerStore after every state change.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"

namespace skiff::daemon {

inline constexpr char kZeroTime[] = "0001-01-01T00:00:00Z";  // Go's zero time.Time, as Docker prints it

enum class ContainerStatus { kCreated, kRunning, kPaused, kRestarting, kRemoving, kExited, kDead };
std::string_view StatusName(ContainerStatus s);  // "created", "running", ... as State.Status
Result<ContainerStatus> ParseStatus(std::string_view s);

struct HealthLogEntry {
  std::string start, end;
  int exit_code = 0;
  std::string output;
};
struct Health {
  std::string status;  // "starting", "healthy", "unhealthy"
  int failing_streak = 0;
  std::vector<HealthLogEntry> log;  // the last 5 probes
};

struct StateRecord {
  ContainerStatus status = ContainerStatus::kCreated;
  bool oom_killed = false;
  int pid = 0;
  int exit_code = 0;
  std::string error;
  std::string started_at = kZeroTime, finished_at = kZeroTime;
  std::optional<Health> health;
};

// One mount as `docker inspect` shows it ("Mounts") and as the spec builder uses it.
struct MountRecord {
  std::string type;         // "bind", "volume", "tmpfs"
  std::string name;         // volume name (volume mounts)
  std::string source;       // host path (bind: as given; volume: the volume's _data dir)
  std::string destination;  // path inside the container
  std::string driver;       // "local" for volumes
  std::string mode;         // as given after the second ':' ("ro", "z", ...) or ""
  bool rw = true;
  std::string propagation;  // "rprivate" for binds, "" otherwise
  bool anonymous = false;   // an anonymous volume (removed with `rm -v`)
  std::string tmpfs_options;  // tmpfs: "size=64m,mode=1777"
  bool from_bind_api = false; // given as HostConfig.Binds (creates missing host dirs) vs Mounts
};

struct ContainerRecord {
  std::string id;
  std::string name;      // without the leading '/'
  std::string created;   // RFC 3339 nano
  std::string path;      // the command: entrypoint[0] or cmd[0]
  std::vector<std::string> args;
  Json config;           // Docker's Config, merged with the image's, as inspect shows it
  Json host_config;      // Docker's HostConfig with every field present
  std::string image_id;  // "sha256:<hex>"
  StateRecord state;
  int restart_count = 0;
  bool manually_stopped = false;  // `stop`/`kill` by the user: restart policies stand down
  bool has_been_started = false;
  std::vector<MountRecord> mounts;
  std::string log_path, hostname_path, hosts_path, resolv_conf_path;

  Json ToJson() const;  // the persisted form
  static Result<ContainerRecord> FromJson(const Json& j);

  bool running() const { return state.status == ContainerStatus::kRunning || state.status == ContainerStatus::kPaused; }
  bool tty() const;
  std::string restart_policy() const;  // "", "no", "always", "unless-stopped", "on-failure"
  int max_retries() const;
  bool auto_remove() const;
};

// Docker's human status for `ps` ("Up 3 minutes", "Exited (0) 2 hours ago", "Created",
// "Up 5 seconds (Paused)", "Restarting (1) 3 seconds ago", "Up 2 minutes (healthy)", "Dead",
// "Removal In Progress"). now_ns = the current time.
std::string HumanStatus(const ContainerRecord& c, int64_t now_ns);

// RFC 3339 (nano) -> unix nanoseconds; 0 for the zero time or unparsable text.
int64_t ParseTimeNs(std::string_view s);
std::string FormatTimeNs(int64_t ns);
int64_t NowNs();

}  // namespace skiff::daemon

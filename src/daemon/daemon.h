// Daemon: the composition root of skiffd. It owns the image store, the container records and store, the
// volume store, the event bus, the exec instances and one monitor thread per running container (each
// container runs under its own shim process, src/daemon/shim, so containers outlive the daemon). The API
// handlers (src/server/api) call only this class. Every method is thread-safe; lifecycle operations on
// one container are serialised, different containers proceed in parallel.
//
// Lifecycle: Open() restores every container (reconnecting to live shims, recording exits that happened
// while the daemon was away, applying restart policies); Shutdown() stops the monitors and health checks
// and leaves containers running.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <condition_variable>

#include "base/fd.h"
#include "base/json.h"
#include "build/builder.h"
#include "daemon/container.h"
#include "daemon/events.h"
#include "daemon/filters.h"
#include "daemon/volumes.h"
#include "image/image_store.h"
#include "registry/transfer/pull.h"
#include "registry/transfer/push.h"
#include "runtime/container.h"
#include "storage/stream.h"

namespace skiff::daemon {

struct DaemonOptions {
  std::string data_root = "/var/lib/skiff";
  std::string exec_root = "/run/skiff";
  std::string self_exe;        // skiffd itself; default /proc/self/exe
  std::string runtime;         // skiff-runtime (also runs the shims); default: next to self_exe
  std::string init_path;       // the --init binary; default: the runtime (static, docker-init mode)
  std::string cgroup_parent = "/skiff";
  std::string log_driver = "json-file";
  std::map<std::string, std::string> log_opts = {{"max-size", "10m"}, {"max-file", "3"}};
  std::string host;            // for `info` (the socket we serve)
  registry::RegistryOptions registry;  // registry-mirrors, insecure-registries, certs.d
};

struct Live;          // a container's live state (live.h)
class ContainerStore;  // store.h
struct ExecInstance;  // exec.cc

enum class WaitCondition { kNotRunning, kNextExit, kRemoved };
struct WaitResult {
  int status_code = 0;
  std::string error;
};
// Registered before the response starts, so `docker run` can send /wait before /start.
class Waiter {
 public:
  virtual ~Waiter() = default;
  virtual Result<WaitResult> Get(std::stop_token stop) = 0;
};

struct AttachParams {
  bool stream = true, logs = false, stdin = false, stdout = false, stderr = false;
  std::string detach_keys;
};

struct LogsParams {
  bool follow = false, stdout = false, stderr = false, timestamps = false, details = false;
  int64_t tail = -1, since_ns = 0, until_ns = 0;
};
// One log line for the handler to frame: stream 1 = stdout, 2 = stderr.
using LogSink = std::function<Status(int stream, std::string_view line, int64_t time_ns)>;

struct ExecStartInfo {
  bool tty = false;
  bool attach_stdin = false, attach_stdout = false, attach_stderr = false;
  std::string detach_keys;
};

// The networks every engine has without creating any, for container network modes Skiff runs: "host" and
// "none". A stable 64-hex ID for each (sha256 of its name).
std::string BuiltinNetworkId(const std::string& name);

class Daemon {
 public:
  static Result<std::unique_ptr<Daemon>> Open(DaemonOptions opts);
  ~Daemon();
  void Shutdown();

  const DaemonOptions& options() const { return opts_; }
  image::ImageStore& images() { return *images_; }
  registry::Puller& puller() { return *puller_; }
  registry::Pusher& pusher() { return *pusher_; }
  EventBus& events() { return events_; }
  VolumeStore& volumes() { return *volumes_; }

  // --- containers (ref = full ID, name, or unique ID prefix) ---
  // POST /containers/create: body is Docker's create body (Config fields + HostConfig + NetworkingConfig).
  // Returns {"Id", "Warnings"}.
  // platform: "os[/arch[/variant]]" the image must be for ("" = any), as `--platform`.
  Result<Json> Create(const std::string& name, const Json& body, const std::string& platform = "");
  // false: already running (HTTP 304).
  Result<bool> Start(const std::string& ref);
  // false: was not running (304). timeout: seconds before SIGKILL; nullopt: the container's StopTimeout
  // (default 10 s); negative: wait as long as it takes.
  Result<bool> Stop(const std::string& ref, std::optional<int> timeout);
  Status Restart(const std::string& ref, std::optional<int> timeout);
  Status Kill(const std::string& ref, const std::string& signal);
  Status Pause(const std::string& ref);
  Status Unpause(const std::string& ref);
  Status Remove(const std::string& ref, bool force, bool remove_volumes);
  Status Rename(const std::string& ref, const std::string& new_name);
  Result<std::unique_ptr<Waiter>> Wait(const std::string& ref, WaitCondition cond);
  Result<Json> Inspect(const std::string& ref, bool size);
  // GET /containers/json
  Result<Json> List(bool all, int limit, bool size, const Filters& filters);
  Result<Json> Prune(const Filters& filters);
  Result<Json> Update(const std::string& ref, const Json& body);
  Status Resize(const std::string& ref, unsigned height, unsigned width);
  Result<Json> Top(const std::string& ref, const std::string& ps_args);
  // Calls sink once (stream=false) or every second until stop / the container stops.
  Status Stats(const std::string& ref, bool stream, const std::function<Status(const Json&)>& sink,
               std::stop_token stop);
  // GET /containers/{id}/changes
  Result<Json> Changes(const std::string& ref);
  Status Export(const std::string& ref, storage::ByteWriter& out);
  // POST /commit. Returns the new image ID.
  Result<std::string> Commit(const std::string& ref, const std::string& repo, const std::string& tag,
                             const std::string& author, const std::string& comment, bool pause,
                             const std::vector<std::string>& changes, const Json& config);

  // --- archive (docker cp) ---
  Result<Json> ArchiveStat(const std::string& ref, const std::string& path);
  // Calls on_stat (for the X-Docker-Container-Path-Stat header) before the first byte of the tar.
  Status ArchiveGet(const std::string& ref, const std::string& path,
                    const std::function<Status(const Json&)>& on_stat, storage::ByteWriter& out);
  Status ArchivePut(const std::string& ref, const std::string& path, bool no_overwrite_dir_non_dir,
                    bool copy_uid_gid, storage::ByteReader& in);

  // --- streams ---
  // Checks that `ref` can be attached to (not paused/restarting) and tells whether it has a TTY. Call before
  // hijacking, then Attach with the hijacked connection (the 101 response already sent).
  Result<bool> AttachCheck(const std::string& ref);
  Status Attach(const std::string& ref, const AttachParams& p, UniqueFd conn, std::string preamble);
  // Returns whether the container has a TTY (framing), then streams lines to sink.
  Status Logs(const std::string& ref, const LogsParams& p, const std::function<void(bool tty)>& on_start,
              const LogSink& sink, std::stop_token stop);

  // --- exec ---
  Result<std::string> ExecCreate(const std::string& ref, const Json& body);
  Result<ExecStartInfo> ExecCheck(const std::string& exec_id);
  // conn invalid (detach): runs detached. Errors after hijack are written to conn by the handler.
  Status ExecStart(const std::string& exec_id, bool detach, UniqueFd conn, std::string preamble);
  Result<Json> ExecInspect(const std::string& exec_id);
  Status ExecResize(const std::string& exec_id, unsigned height, unsigned width);

  // --- images (events are published here) ---
  Result<std::vector<image::DeleteItem>> RemoveImage(const std::string& ref, bool force, bool no_prune);
  Status TagImage(const std::string& source, const std::string& target);
  // GET /images/{name}/json: the store's document with Config and ContainerConfig in Docker's full shape.
  Result<Json> InspectImage(const std::string& ref);
  Result<Json> ListImages(bool all, bool digests, const Filters& filters);
  Result<image::PruneReport> PruneImages(const Filters& filters);
  void PublishImageEvent(const std::string& action, const std::string& id, std::map<std::string, std::string> attrs = {});
  // For the image store's removal rules: whether a container is running (or paused, or restarting).
  image::IsRunning RunningCheck();

  // --- volumes ---
  Result<Json> VolumeCreate(const Json& body);
  Result<Json> VolumeInspect(const std::string& name);
  Result<Json> VolumeList(const Filters& filters);
  Status VolumeRemove(const std::string& name, bool force);
  Result<Json> VolumePrune(const Filters& filters);

  // --- build (build.cc) ---
  // POST /build: validates the tags, runs the build, tags the image and writes Docker's closing lines
  // ("Successfully built", "Successfully tagged", or the ID alone when quiet) to out.
  Status Build(const build::BuildRequest& req, const std::vector<std::string>& tags, build::BuildOutput& out,
               std::stop_token stop);
  // POST /build/prune: {"CachesDeleted": [...], "SpaceReclaimed": N}.
  Result<Json> BuildPrune(bool all, uint64_t keep_storage, const Filters& filters);
  // /system/df's BuildCache entries.
  Result<Json> BuildCacheUsage();

  // --- system ---
  Json Info();
  Json Version();
  Result<Json> DiskUsage();

 private:
  explicit Daemon(DaemonOptions opts);
  friend struct Live;

  // Registry
  Result<std::shared_ptr<Live>> Find(const std::string& ref);
  std::vector<std::shared_ptr<Live>> All();
  Status Persist(Live& c);  // writes c.rec (caller holds c.mu)

  // Lifecycle internals (lifecycle.cc). The Do* functions need c->op_mu held by the caller.
  Status DoStart(const std::shared_ptr<Live>& c);
  // The option-backed volumes a run mounts (VolumeStore::Use), recorded in Live::held_volumes.
  Status HoldVolumes(Live& c, const ContainerRecord& rec);
  void ReleaseVolumes(Live& c);
  // Sends the stop signal, waits `timeout` seconds, then SIGKILL. Records manual stops.
  Status DoStop(const std::shared_ptr<Live>& c, std::optional<int> timeout);
  Status DoRemove(const std::shared_ptr<Live>& c, bool remove_volumes);
  Status SetPaused(const std::string& ref, bool pause);
  void Monitor(std::shared_ptr<Live> c, uint64_t gen, std::stop_token stop);
  void OnExit(const std::shared_ptr<Live>& c, uint64_t gen, int exit_code, const std::string& finished_at, bool oom);
  void HealthLoop(std::shared_ptr<Live> c, uint64_t gen, std::stop_token stop);
  Status Restore();
  // Runs fn on a thread of its own; Shutdown() requests stop on the token and waits for all of them.
  void Background(std::function<void(std::stop_token)> fn);
  void Emit(const ContainerRecord& c, const std::string& action, std::map<std::string, std::string> extra = {});
  Status KillProcess(const std::string& id, int sig, bool all);
  Status OpenBuilder();  // build.cc

  std::string ContainerDir(const std::string& id) const;  // <exec-root>/containers/<id> (shim, bundle)
  std::string DataDir(const std::string& id) const;       // <data-root>/containers/<id> (logs, hosts files)
  std::string RuntimeRoot() const;                        // <exec-root>/runtime

  DaemonOptions opts_;
  std::unique_ptr<image::ImageStore> images_;
  std::unique_ptr<registry::Puller> puller_;
  std::unique_ptr<registry::Pusher> pusher_;
  std::unique_ptr<ContainerStore> store_;
  std::unique_ptr<VolumeStore> volumes_;
  EventBus events_;

  std::mutex mu_;  // guards containers_, names_, execs_
  std::map<std::string, std::shared_ptr<Live>> containers_;  // by ID
  std::map<std::string, std::string> names_;                 // name -> ID (names reserved while creating too)
  std::map<std::string, std::shared_ptr<ExecInstance>> execs_;
  std::atomic<bool> shutting_down_{false};
  int64_t started_ns_ = 0;
  std::stop_source shutdown_;
  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  int bg_count_ = 0;
  std::unique_ptr<runtime::Runtime> runtime_;
  std::unique_ptr<build::Worker> build_worker_;   // RUN steps as containers of this daemon (build.cc)
  std::unique_ptr<build::Builder> builder_;  // in-process: kill, pause, resume, update, stats, pids, delete
  bool cgroup_v2_ = false;
  std::string engine_id_;  // <data-root>/engine-id: Docker's "XXXX:XXXX:..." form, made once

  friend class DaemonTest;
};

}  // namespace skiff::daemon

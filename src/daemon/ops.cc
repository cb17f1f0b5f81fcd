// Container operations that read or change a running container from outside: update (cgroup limits),
// top (ps), stats (cgroup counters in Docker's shape), diff, export, commit, and the archive (cp) API.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "base/file.h"
#include "base/log.h"
#include "base/scope.h"
#include "base/strings.h"
#include "daemon/daemon.h"
#include "daemon/fs/archive.h"
#include "daemon/fs/changes.h"
#include "daemon/live.h"
#include "daemon/settings.h"
#include "daemon/userinfo.h"
#include "image/changes.h"
#include "image/reference.h"
#include "storage/snapshots.h"

extern char** environ;

namespace skiff::daemon {
namespace {

int64_t Int(const Json& j, const char* k) {
  if (!j.is_object() || !j.contains(k) || !j[k].is_number()) return 0;
  return j[k].get<int64_t>();
}

// Runs argv and returns its stdout (ps for `top`); a failure carries the first line of its stderr, as
// dockerd reports ps errors.
Result<std::string> Capture(const std::vector<std::string>& argv) {
  int fds[2], efds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::Sys("pipe");
  UniqueFd rd(fds[0]), wr(fds[1]);
  if (::pipe2(efds, O_CLOEXEC) != 0) return Error::Sys("pipe");
  UniqueFd erd(efds[0]), ewr(efds[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, ewr.get(), 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> av;
  for (auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
  av.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, av[0], &fa, nullptr, av.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return Error::FromErrno(rc, "run " + argv[0]);
  wr.reset();
  ewr.reset();
  auto out = ReadFd(rd.get());  // ps writes little to stderr: reading stdout first cannot block on it
  auto err = ReadFd(erd.get());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!out.ok()) return out.error();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string first = err.ok() ? err->substr(0, err->find('\n')) : "";
    if (first.empty()) first = "exit status " + std::to_string(WEXITSTATUS(status));
    return Error(Errc::kInvalidArgument, first);
  }
  return *out;
}

uint64_t SystemCpuNs() {
  auto stat = ReadFile("/proc/stat").value_or("");
  auto line = stat.substr(0, stat.find('\n'));
  uint64_t total = 0;
  auto words = Split(line, ' ');
  for (size_t i = 1; i < words.size(); ++i) {
    if (auto v = ParseUint(words[i])) total += *v;
  }
  long hz = ::sysconf(_SC_CLK_TCK);
  return total * (1000000000ULL / static_cast<uint64_t>(hz > 0 ? hz : 100));
}

uint64_t HostMemory() {
  auto info = ReadFile("/proc/meminfo").value_or("");
  for (auto& line : Split(info, '\n')) {
    if (line.starts_with("MemTotal:")) {
      auto words = Split(std::string(Trim(line.substr(9))), ' ');
      return ParseUint(words[0]).value_or(0) * 1024;
    }
  }
  return 0;
}

Json Blkio(const Json& b, const char* from) {
  if (!b.contains(from) || !b[from].is_array() || b[from].empty()) return nullptr;
  Json out = Json::array();
  for (auto& e : b[from]) {
    out.push_back({{"major", e.value("major", 0)}, {"minor", e.value("minor", 0)}, {"op", e.value("op", "")}, {"value", e.value("value", 0)}});
  }
  return out;
}

// memory_stats.stats: the fixed key sets dockerd 20.10 reports (containerd's metrics), v1 or v2 by the
// shape of memory.stat; keys the kernel does not have are 0, keys Docker does not know stay out.
Json DockerMemoryStat(const Json& raw) {
  static const char* const kV1[] = {
      "cache", "rss", "rss_huge", "mapped_file", "dirty", "writeback", "pgpgin", "pgpgout", "pgfault", "pgmajfault",
      "inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable", "hierarchical_memory_limit",
      "hierarchical_memsw_limit", "total_cache", "total_rss", "total_rss_huge", "total_mapped_file", "total_dirty",
      "total_writeback", "total_pgpgin", "total_pgpgout", "total_pgfault", "total_pgmajfault", "total_inactive_anon",
      "total_active_anon", "total_inactive_file", "total_active_file", "total_unevictable"};
  static const char* const kV2[] = {
      "anon", "file", "kernel_stack", "slab", "sock", "shmem", "file_mapped", "file_dirty", "file_writeback",
      "anon_thp", "inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable",
      "slab_reclaimable", "slab_unreclaimable", "pgfault", "pgmajfault", "workingset_refault",
      "workingset_activate", "workingset_nodereclaim", "pgrefill", "pgscan", "pgsteal", "pgactivate",
      "pgdeactivate", "pglazyfree", "pglazyfreed", "thp_fault_alloc", "thp_collapse_alloc"};
  Json out = Json::object();
  if (!raw.is_object() || raw.empty()) return out;
  auto fill = [&](const auto& keys) {
    for (const char* k : keys) out[k] = raw.contains(k) && raw[k].is_number() ? raw[k] : Json(0);
  };
  if (raw.contains("anon") && !raw.contains("rss")) fill(kV2);
  else fill(kV1);
  return out;
}

// runc's `events --stats` data -> Docker's stats object (without read/preread/precpu/name/id).
Json DockerStats(const Json& d, uint64_t host_mem) {
  const Json& cpu = d.value("cpu", Json::object());
  const Json& usage = cpu.value("usage", Json::object());
  const Json& thr = cpu.value("throttling", Json::object());
  Json percpu = usage.contains("percpu") ? usage["percpu"] : Json(nullptr);
  long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  Json cpu_stats = {{"cpu_usage",
                     {{"total_usage", usage.value("total", uint64_t{0})},
                      {"usage_in_kernelmode", usage.value("kernel", uint64_t{0})},
                      {"usage_in_usermode", usage.value("user", uint64_t{0})}}},
                    {"system_cpu_usage", SystemCpuNs()},
                    {"online_cpus", online > 0 ? online : 1},
                    {"throttling_data",
                     {{"periods", thr.value("periods", uint64_t{0})},
                      {"throttled_periods", thr.value("throttledPeriods", uint64_t{0})},
                      {"throttled_time", thr.value("throttledTime", uint64_t{0})}}}};
  if (!percpu.is_null()) cpu_stats["cpu_usage"]["percpu_usage"] = percpu;
  const Json& mem = d.value("memory", Json::object());
  const Json& mu = mem.value("usage", Json::object());
  uint64_t limit = mu.value("limit", uint64_t{0});
  if (limit == 0 || (host_mem && limit > host_mem)) limit = host_mem;
  Json memory_stats = {{"usage", mu.value("usage", uint64_t{0})},
                       {"max_usage", mu.value("max", uint64_t{0})},
                       {"stats", DockerMemoryStat(mem.value("raw", Json::object()))},
                       {"limit", limit}};
  if (mu.value("failcnt", uint64_t{0}) != 0) memory_stats["failcnt"] = mu["failcnt"];
  const Json& pids = d.value("pids", Json::object());
  Json pids_stats = {{"current", pids.value("current", uint64_t{0})}};
  if (pids.value("limit", uint64_t{0}) > 0) pids_stats["limit"] = pids["limit"];
  const Json& b = d.value("blkio", Json::object());
  Json blkio = {{"io_service_bytes_recursive", Blkio(b, "ioServiceBytesRecursive")},
                {"io_serviced_recursive", Blkio(b, "ioServicedRecursive")},
                {"io_queue_recursive", Blkio(b, "ioQueueRecursive")},
                {"io_service_time_recursive", Blkio(b, "ioServiceTimeRecursive")},
                {"io_wait_time_recursive", Blkio(b, "ioWaitTimeRecursive")},
                {"io_merged_recursive", Blkio(b, "ioMergedRecursive")},
                {"io_time_recursive", Blkio(b, "ioTimeRecursive")},
                {"sectors_recursive", Blkio(b, "sectorsRecursive")}};
  return {{"pids_stats", pids_stats}, {"blkio_stats", blkio},        {"num_procs", 0},
          {"storage_stats", Json::object()}, {"cpu_stats", cpu_stats}, {"memory_stats", memory_stats}};
}

Json ZeroCpu() {
  return {{"cpu_usage", {{"total_usage", 0}, {"usage_in_kernelmode", 0}, {"usage_in_usermode", 0}}},
          {"throttling_data", {{"periods", 0}, {"throttled_periods", 0}, {"throttled_time", 0}}}};
}

}  // namespace

// --- update ---

Result<Json> Daemon::Update(const std::string& ref, const Json& body) {
  auto c = SKIFF_TRY(Find(ref));
  if (!body.is_object()) return Error(Errc::kInvalidArgument, "invalid update body: expected a JSON object");
  std::lock_guard op(c->op_mu);
  Json hc, resources;
  std::string id;
  bool running;
  {
    std::lock_guard l(c->mu);
    id = c->rec.id;
    hc = c->rec.host_config;
    running = c->rec.running();
  }
  auto fail = [&](const std::string& why) { return Error(Errc::kInvalidArgument, "Cannot update container " + id + ": " + why); };
  for (const char* k : {"CpuShares", "Memory", "MemoryReservation", "MemorySwap", "KernelMemory", "NanoCpus", "CpuPeriod",
                        "CpuQuota", "BlkioWeight", "CpuRealtimePeriod", "CpuRealtimeRuntime"}) {
    if (Int(body, k) != 0) hc[k] = body[k];
  }
  for (const char* k : {"CpusetCpus", "CpusetMems"}) {
    if (body.contains(k) && body[k].is_string() && !body[k].get<std::string>().empty()) hc[k] = body[k];
  }
  if (body.contains("PidsLimit") && body["PidsLimit"].is_number() && body["PidsLimit"].get<int64_t>() != 0) {
    hc["PidsLimit"] = body["PidsLimit"];
  }
  if (Int(body, "Memory") > 0 && Int(body, "MemorySwap") == 0 && Int(hc, "MemorySwap") > 0 &&
      Int(body, "Memory") > Int(hc, "MemorySwap")) {
    return fail("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
  }
  if (body.contains("RestartPolicy") && body["RestartPolicy"].is_object() && !body["RestartPolicy"].value("Name", "").empty()) {
    if (hc.value("AutoRemove", false)) return fail("Restart policy cannot be updated because AutoRemove is enabled for the container");
    hc["RestartPolicy"] = body["RestartPolicy"];
    if (!hc["RestartPolicy"].contains("MaximumRetryCount")) hc["RestartPolicy"]["MaximumRetryCount"] = 0;
  }
  if (Int(hc, "NanoCpus") > 0 && Int(body, "NanoCpus") > 0) {
    hc["CpuPeriod"] = 0;
    hc["CpuQuota"] = 0;
  }
  Json config_copy;
  {
    std::lock_guard l(c->mu);
    config_copy = c->rec.config;
  }
  int cpus = static_cast<int>(std::thread::hardware_concurrency());
  SKIFF_TRY(ValidateSettings(config_copy, hc, cpus > 0 ? cpus : 1));
  if (running) {
    Json mem = Json::object(), cpu = Json::object();
    if (Int(hc, "Memory") > 0) mem["limit"] = Int(hc, "Memory");
    if (Int(hc, "MemoryReservation") > 0) mem["reservation"] = Int(hc, "MemoryReservation");
    if (Int(hc, "MemorySwap") != 0) mem["swap"] = Int(hc, "MemorySwap");
    if (Int(hc, "CpuShares") > 0) cpu["shares"] = Int(hc, "CpuShares");
    if (int64_t nano = Int(hc, "NanoCpus"); nano > 0) {
      cpu["period"] = 100000;
      cpu["quota"] = nano * 100000 / 1000000000;
    }
    if (Int(hc, "CpuPeriod") > 0) cpu["period"] = Int(hc, "CpuPeriod");
    if (Int(hc, "CpuQuota") != 0) cpu["quota"] = Int(hc, "CpuQuota");
    if (hc.value("CpusetCpus", "") != "") cpu["cpus"] = hc["CpusetCpus"];
    if (hc.value("CpusetMems", "") != "") cpu["mems"] = hc["CpusetMems"];
    if (!mem.empty()) resources["memory"] = mem;
    if (!cpu.empty()) resources["cpu"] = cpu;
    if (hc.contains("PidsLimit") && hc["PidsLimit"].is_number() && hc["PidsLimit"].get<int64_t>() != 0) {
      resources["pids"] = {{"limit", hc["PidsLimit"].get<int64_t>() < 0 ? -1 : hc["PidsLimit"].get<int64_t>()}};
    }
    if (Int(hc, "BlkioWeight") > 0) resources["blockIO"] = {{"weight", Int(hc, "BlkioWeight")}};
    if (!resources.empty()) {
      // The runtime's parser reads config files, where non-negative numbers are unsigned: give it the
      // same document it would read (a JSON round trip).
      auto doc = SKIFF_TRY(ParseJson(DumpJson(resources), "update resources"));
      if (Status s = runtime_->Update(id, doc); !s.ok()) return fail(s.error().message());
    }
  }
  std::lock_guard l(c->mu);
  c->rec.host_config = hc;
  SKIFF_TRY(Persist(*c));
  Emit(c->rec, "update");
  return Json{{"Warnings", nullptr}};
}

// --- top ---

Result<Json> Daemon::Top(const std::string& ref, const std::string& ps_args) {
  auto c = SKIFF_TRY(Find(ref));
  std::string id;
  {
    std::lock_guard l(c->mu);
    id = c->rec.id;
    if (!c->rec.running()) return Error(Errc::kConflict, "Container " + id + " is not running");
  }
  auto pids = SKIFF_TRY(runtime_->Pids(id));
  std::set<long> want(pids.begin(), pids.end());
  std::vector<std::string> argv = {"ps"};
  std::string args = ps_args.empty() ? "-ef" : ps_args;
  for (auto& a : Split(args, ' ')) {
    if (!a.empty()) argv.push_back(a);
  }
  auto out = Capture(argv);
  if (!out.ok()) return Error(Errc::kInvalidArgument, "ps: " + out.error().message());
  auto lines = Split(*out, '\n');
  if (lines.empty()) return Error(Errc::kInternal, "Error running ps: no output");
  auto fields = [](const std::string& line, size_t max) {
    std::vector<std::string> f;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      if (i >= line.size()) break;
      if (max && f.size() + 1 == max) {
        f.push_back(line.substr(i));
        break;
      }
      size_t j = line.find(' ', i);
      if (j == std::string::npos) j = line.size();
      f.push_back(line.substr(i, j - i));
      i = j;
    }
    return f;
  };
  auto titles = fields(lines[0], 0);
  int pid_col = -1;
  for (size_t i = 0; i < titles.size(); ++i) {
    if (titles[i] == "PID") pid_col = static_cast<int>(i);
  }
  if (pid_col < 0) return Error(Errc::kInternal, "Couldn't find PID field in ps output");
  Json procs = Json::array();
  for (size_t i = 1; i < lines.size(); ++i) {
    if (Trim(lines[i]).empty()) continue;
    auto f = fields(lines[i], titles.size());
    if (static_cast<int>(f.size()) <= pid_col) continue;
    auto p = ParseInt(f[pid_col]);
    if (!p || !want.count(*p)) continue;
    procs.push_back(f);
  }
  std::lock_guard l(c->mu);
  Emit(c->rec, "top");
  return Json{{"Titles", titles}, {"Processes", procs}};
}

// --- stats ---

Status Daemon::Stats(const std::string& ref, bool stream, const std::function<Status(const Json&)>& sink,
                     std::stop_token stop) {
  auto c = SKIFF_TRY(Find(ref));
  std::string id, name;
  uint64_t host_mem = HostMemory();
  auto sample = [&]() -> Json {
    std::lock_guard l(c->mu);
    id = c->rec.id;
    name = "/" + c->rec.name;
    if (!c->rec.running()) return nullptr;
    return Json(true);
  };
  Json prev_cpu = ZeroCpu(), prev_read = kZeroTime;
  auto one = [&]() -> Result<Json> {
    if (sample().is_null()) {
      // A stopped container: zeroed stats, as Docker sends.
      return Json{{"read", kZeroTime}, {"preread", kZeroTime}, {"pids_stats", Json::object()},
                  {"blkio_stats", {{"io_service_bytes_recursive", nullptr}, {"io_serviced_recursive", nullptr},
                                   {"io_queue_recursive", nullptr}, {"io_service_time_recursive", nullptr},
                                   {"io_wait_time_recursive", nullptr}, {"io_merged_recursive", nullptr},
                                   {"io_time_recursive", nullptr}, {"sectors_recursive", nullptr}}},
                  {"num_procs", 0}, {"storage_stats", Json::object()}, {"cpu_stats", ZeroCpu()},
                  {"precpu_stats", ZeroCpu()}, {"memory_stats", Json::object()}, {"name", name}, {"id", id}};
    }
    auto d = runtime_->Stats(id);
    if (!d.ok()) return d.error();
    Json s = DockerStats(*d, host_mem);
    s["read"] = FormatTimeNs(NowNs());
    s["preread"] = prev_read;
    s["precpu_stats"] = prev_cpu;
    s["name"] = name;
    s["id"] = id;
    prev_cpu = s["cpu_stats"];
    prev_read = s["read"];
    return s;
  };
  auto sleep1 = [&] {
    std::unique_lock l(c->mu);
    c->cv.wait_for(l, stop, std::chrono::seconds(1), [&] { return c->removed; });
    return !stop.stop_requested() && !c->removed;
  };
  if (!stream) {
    // Two samples a second apart, so CPU percentages can be computed from one answer.
    auto first = one();
    if (!first.ok()) return first.error();
    if ((*first)["read"] != kZeroTime && sleep1()) {
      auto second = one();
      if (second.ok()) return sink(*second);
    }
    return sink(*first);
  }
  for (;;) {
    auto s = one();
    if (!s.ok()) return s.error();
    SKIFF_TRY(sink(*s));
    if (!sleep1()) return Ok();
  }
}

// --- diff, export ---

Result<Json> Daemon::Changes(const std::string& ref) {
  auto c = SKIFF_TRY(Find(ref));
  ContainerRecord r;
  {
    std::lock_guard l(c->mu);
    r = c->rec;
  }
  auto& snaps = images_->snapshots();
  std::vector<std::string> lowers;
  auto layers = SKIFF_TRY(images_->ImageLayers(SKIFF_TRY(Digest::Parse(r.image_id))));
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) lowers.push_back(snaps.LayerDir(it->diff_id));
  // The init layer sits above the image: what it has is not the container's change either.
  lowers.insert(lowers.begin(), snaps.SnapshotInit(r.id));
  auto changes = SKIFF_TRY(fs::Changes(snaps.SnapshotUpper(r.id), lowers));
  if (changes.empty()) return Json(nullptr);
  Json out = Json::array();
  for (auto& ch : changes) out.push_back({{"Path", ch.path}, {"Kind", static_cast<int>(ch.kind)}});
  return out;
}


// --- commit ---

Result<std::string> Daemon::Commit(const std::string& ref, const std::string& repo, const std::string& tag,
                                   const std::string& author, const std::string& comment, bool pause,
                                   const std::vector<std::string>& changes, const Json& config) {
  auto c = SKIFF_TRY(Find(ref));
  std::lock_guard op(c->op_mu);
  ContainerRecord r;
  {
    std::lock_guard l(c->mu);
    r = c->rec;
  }
  std::string target;
  if (!repo.empty()) {
    target = repo + (tag.empty() ? "" : ":" + tag);
    auto parsed = image::ParseReference(target);
    if (!parsed.ok()) return parsed.error();
    if (parsed->digest) return Error(Errc::kInvalidArgument, "refusing to create a tag with a digest reference");
  } else if (!tag.empty()) {
    return Error(Errc::kInvalidArgument, "tag without a repository: " + tag);
  }
  // Docker: the request's Config (or the container's), the --change instructions over it, then merged with
  // the container's config as the base.
  Json base = config.is_object() && !config.empty() ? config : r.config;
  auto run = SKIFF_TRY(image::RunConfig::FromJson(base));
  SKIFF_TRY(image::ApplyChanges(changes, run));
  Json merged = MergeImageConfig(run.ToJson(), r.config);
  for (const char* k : {"Hostname", "Domainname", "AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce", "Image"}) {
    if (r.config.contains(k)) merged[k] = r.config[k];
  }
  auto final_run = SKIFF_TRY(image::RunConfig::FromJson(merged));
  bool paused_here = false;
  if (pause && r.state.status == ContainerStatus::kRunning) {
    if (runtime_->Pause(r.id).ok()) paused_here = true;
  }
  ScopeExit resume([&] {
    if (paused_here) (void)runtime_->Resume(r.id);
  });
  image::CommitOptions o;
  o.container_id = r.id;
  o.upper_dir = images_->snapshots().SnapshotUpper(r.id);
  o.parent = SKIFF_TRY(Digest::Parse(r.image_id));
  o.container_config = r.config;
  o.config = final_run;
  o.author = author;
  o.comment = comment;
  std::vector<std::string> cmd = {r.path};
  cmd.insert(cmd.end(), r.args.begin(), r.args.end());
  o.created_by = Join(cmd, " ");
  o.tag = target;
  auto id = SKIFF_TRY(images_->Commit(o));
  Emit(r, "commit", {{"comment", comment}, {"imageID", id.str()}, {"imageRef", target}});
  if (!target.empty()) PublishImageEvent("tag", id.str(), {{"name", target}});
  return id.str();
}

// --- archive ---

namespace {
// The container's filesystem for the archive API: its snapshot (mounted while it runs, else mounted
// here for the call) with its binds and volumes laid over it. Owns that temporary mount.
class MountedView {
 public:
  static Result<std::unique_ptr<MountedView>> Open(image::ImageStore& images, const ContainerRecord& r) {
    std::unique_ptr<MountedView> v(new MountedView);
    v->view.read_only_rootfs = r.host_config.value("ReadonlyRootfs", false);
    // Like Docker: no tmpfs mounts (a copy to a path under one lands in the rootfs below it).
    if (r.running() && r.state.pid > 0) {
      v->view.rootfs = images.snapshots().SnapshotMerged(r.id);
    } else {
      v->view.rootfs = SKIFF_TRY(images.MountContainerSnapshot(r.id));
      v->images_ = &images;
      v->id_ = r.id;
    }
    for (auto& m : r.mounts) {
      if (m.type != "tmpfs") v->view.mounts.push_back({m.destination, m.source, !m.rw});
    }
    return v;
  }
  ~MountedView() {
    if (images_) (void)images_->UnmountContainerSnapshot(id_);
  }
  fs::ContainerView view;

 private:
  MountedView() = default;
  image::ImageStore* images_ = nullptr;
  std::string id_;
};

Error NotFoundIn(const Error& e, const std::string& path, const std::string& ref) {
  if (e.code() == Errc::kNotFound) return Error(Errc::kNotFound, "Could not find the file " + path + " in container " + ref);
  return e;
}

// The container (locked against lifecycle changes by `op`), its record and its filesystem view.
struct ArchiveTarget {
  std::shared_ptr<Live> c;
  std::unique_lock<std::mutex> op;
  ContainerRecord rec;
  std::unique_ptr<MountedView> view;
};

Result<ArchiveTarget> OpenArchiveTarget(Result<std::shared_ptr<Live>> found, image::ImageStore& images) {
  ArchiveTarget t;
  t.c = SKIFF_TRY(std::move(found));
  t.op = std::unique_lock(t.c->op_mu);
  {
    std::lock_guard l(t.c->mu);
    t.rec = t.c->rec;
  }
  t.view = SKIFF_TRY(MountedView::Open(images, t.rec));
  return t;
}
}  // namespace

Status Daemon::Export(const std::string& ref, storage::ByteWriter& out) {
  auto t = SKIFF_TRY(OpenArchiveTarget(Find(ref), *images_));  // mounts a stopped container's rootfs
  auto names = SKIFF_TRY(fs::ContainerOwners(t.view->view));
  SKIFF_TRY(images_->ExportContainer(t.rec.id, out, &names));
  Emit(t.rec, "export");
  return Ok();
}

Result<Json> Daemon::ArchiveStat(const std::string& ref, const std::string& path) {
  auto t = SKIFF_TRY(OpenArchiveTarget(Find(ref), *images_));
  auto st = fs::Stat(t.view->view, path);
  if (!st.ok()) return NotFoundIn(st.error(), path, ref);
  return st->ToJson();
}

Status Daemon::ArchiveGet(const std::string& ref, const std::string& path,
                          const std::function<Status(const Json&)>& on_stat, storage::ByteWriter& out) {
  auto t = SKIFF_TRY(OpenArchiveTarget(Find(ref), *images_));
  auto st = fs::Stat(t.view->view, path);
  if (!st.ok()) return NotFoundIn(st.error(), path, ref);
  SKIFF_TRY(on_stat(st->ToJson()));
  SKIFF_TRY(fs::Archive(t.view->view, path, out, nullptr));
  Emit(t.rec, "archive-path", {{"path", path}});
  return Ok();
}

Status Daemon::ArchivePut(const std::string& ref, const std::string& path, bool no_overwrite_dir_non_dir,
                          bool copy_uid_gid, storage::ByteReader& in) {
  auto t = SKIFF_TRY(OpenArchiveTarget(Find(ref), *images_));
  const ContainerRecord& r = t.rec;
  fs::ExtractOptions o;
  o.no_overwrite_dir_non_dir = no_overwrite_dir_non_dir;
  o.copy_uid_gid = copy_uid_gid;
  if (copy_uid_gid) {
    auto u = SKIFF_TRY(ResolveUser(t.view->view.rootfs, r.config.value("User", "")));
    o.uid = u.uid;
    o.gid = u.gid;
  }
  Status s = fs::Extract(t.view->view, path, in, o);
  if (!s.ok()) return NotFoundIn(s.error(), path, ref);
  Emit(r, "extract-to-dir", {{"path", path}});
  return Ok();
}

}  // namespace skiff::daemon

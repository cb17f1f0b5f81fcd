// The daemon's side of `docker build`: the Worker that runs RUN steps as this daemon's own containers
// (created, attached, started and waited for like `docker run`, removed after the commit), the builder's
// setup, and POST /build's closing lines, tags and events; the build cache in prune and `system df`.
#include <sys/mount.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <thread>

#include "base/file.h"
#include "base/log.h"
#include "daemon/daemon.h"
#include "image/reference.h"
#include "storage/mount.h"
#include "sys/mounts.h"

namespace skiff::daemon {

namespace {

class DaemonWorker : public build::Worker {
 public:
  explicit DaemonWorker(Daemon& d) : d_(d) {}

  Result<build::RunOutcome> Run(const build::RunStep& step, const std::function<void(const std::string&)>& on_created,
                                const std::function<void(std::string_view)>& output, std::stop_token stop) override {
    Json body = step.config;
    body["HostConfig"] = step.host_config;
    Json created = SKIFF_TRY(d_.Create("", body));
    build::RunOutcome out;
    out.container_id = created.value("Id", "");
    on_created(out.container_id);
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return Error(Errc::kInternal, std::string("socketpair: ") + strerror(errno));
    UniqueFd mine(sv[0]), theirs(sv[1]);
    AttachParams ap;
    ap.stream = true;
    ap.stdout = true;
    ap.stderr = true;
    SKIFF_TRY(d_.Attach(out.container_id, ap, std::move(theirs), ""));
    auto waiter = SKIFF_TRY(d_.Wait(out.container_id, WaitCondition::kNextExit));
    SKIFF_TRY(d_.Start(out.container_id));
    std::stop_callback kill(stop, [&] { (void)d_.Kill(out.container_id, "KILL"); });
    // Docker's stdcopy frames: [stream, 0, 0, 0, len(be32)] + payload.
    std::string buf;
    char chunk[65536];
    while (true) {
      ssize_t n = ::read(mine.get(), chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      buf.append(chunk, static_cast<size_t>(n));
      while (buf.size() >= 8) {
        uint32_t len = (uint32_t(uint8_t(buf[4])) << 24) | (uint32_t(uint8_t(buf[5])) << 16) |
                       (uint32_t(uint8_t(buf[6])) << 8) | uint32_t(uint8_t(buf[7]));
        if (buf.size() < 8 + len) break;
        output(std::string_view(buf).substr(8, len));
        buf.erase(0, 8 + len);
      }
    }
    auto res = SKIFF_TRY(waiter->Get(stop));
    if (stop.stop_requested()) return Error(Errc::kCancelled, "build cancelled");
    out.exit_code = res.status_code;
    // The commit reads (and takes) the upper dir: the overlay goes first.
    if (Status st = d_.images().UnmountContainerSnapshot(out.container_id); !st.ok())
      log::Warn("build: unmounting step container {}: {}", out.container_id.substr(0, 12), st.error().message());
    out.upper_dir = d_.images().snapshots().SnapshotUpper(out.container_id);
    return out;
  }

  Result<Digest> Pull(const std::string& name, const std::map<std::string, Json>& auths,
                      const std::function<void(std::string_view)>& output) override {
    auto ref = SKIFF_TRY(image::ParseReference(name));
    registry::PullOptions o;
    // The credentials stored for the image's registry (config.json keys: "host:port", Docker Hub's URL).
    for (auto& [server, j] : auths)
      if (registry::DomainOfServer(server) == ref.domain) o.auth = SKIFF_TRY(registry::AuthConfigFromJson(j));
    // The legacy builder shows a pull's status lines, not its progress bars.
    registry::Progress progress([&](const Json& m) -> Status {
      if (!m.contains("status") || (m.contains("progressDetail") && m["progressDetail"].contains("current"))) return Ok();
      std::string line = m.value("status", "");
      if (m.contains("id")) line = m.value("id", "") + ": " + line;
      output(line + "\n");
      return Ok();
    });
    auto pulled = SKIFF_TRY(d_.puller().Pull(ref, o, progress));
    if (pulled.empty()) return Error(Errc::kNotFound, "pulling " + name + ": nothing pulled");
    output(registry::PullStatusLine(pulled.front()) + "\n");
    std::string familiar = pulled.front().ref.FamiliarString();
    d_.PublishImageEvent("pull", familiar, {{"name", familiar}});
    return pulled.front().id;
  }

  void Remove(const std::string& id) override {
    if (Status st = d_.Remove(id, true, true); !st.ok()) log::Warn("build: removing step container {}: {}", id.substr(0, 12), st.error().message());
  }

 private:
  Daemon& d_;
};

}  // namespace

Status Daemon::OpenBuilder() {
  std::string root = opts_.data_root + "/build";
  SKIFF_TRY(MkdirAll(root + "/tmp", 0700));
  // The builder's read-only mounts (COPY --from) live under tmp/: a private mount keeps them out of the
  // mount namespaces of containers started meanwhile, as the storage dir.
  std::string tmp = root + "/tmp";
  if (!storage::IsMountPoint(tmp)) {
    if (Status s = sys::Mount(tmp, tmp, "", MS_BIND); !s.ok()) log::Warn("private mount {}: {}", tmp, s.error().message());
  }
  if (Status s = sys::Mount("", tmp, "", MS_PRIVATE); !s.ok()) log::Warn("private mount {}: {}", tmp, s.error().message());
  build_worker_ = std::make_unique<DaemonWorker>(*this);
  builder_ = SKIFF_TRY(build::Builder::Open(*images_, *build_worker_, root));
  return Ok();
}

Status Daemon::Build(const build::BuildRequest& req, const std::vector<std::string>& tags, build::BuildOutput& out,
                     std::stop_token stop) {
  std::vector<image::Reference> refs;
  for (const auto& t : tags) {
    auto r = image::ParseReference(t);
    if (!r.ok()) return Error(Errc::kInvalidArgument, "invalid reference format: " + r.error().message());
    if (r->digest) return Error(Errc::kInvalidArgument, "refusing to create a tag with a digest reference");
    refs.push_back(r->WithDefaultTag());
  }
  auto id = builder_->Build(req, out, stop);
  if (!id.ok()) {
    out.Error(id.error().message());
    return Ok();
  }
  if (out.quiet()) {
    out.Message(Json{{"stream", id->str() + "\n"}});
  } else {
    out.Stream("Successfully built " + id->hex().substr(0, 12) + "\n");
  }
  for (size_t i = 0; i < tags.size(); ++i) {
    if (Status st = TagImage(id->str(), tags[i]); !st.ok()) {
      out.Error(st.error().message());
      return Ok();
    }
    out.Stream("Successfully tagged " + refs[i].FamiliarString() + "\n");
  }
  return Ok();
}

Result<Json> Daemon::BuildPrune(bool all, uint64_t keep_storage, const Filters& filters) {
  int64_t until = 0;
  for (const auto& v : filters.Values("until")) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = SKIFF_TRY(Filters::ParseTimeFilter(v, ts.tv_sec * 1000000000LL + ts.tv_nsec));
    until = ns / 1000000000LL;
  }
  auto rep = SKIFF_TRY(builder_->Prune(all, keep_storage, until));
  Json ids = Json::array();
  for (auto& k : rep.deleted) ids.push_back(k);
  return Json{{"CachesDeleted", rep.deleted.empty() ? Json(nullptr) : ids}, {"SpaceReclaimed", rep.reclaimed}};
}

Result<Json> Daemon::BuildCacheUsage() {
  Json out = Json::array();
  for (auto& r : SKIFF_TRY(builder_->Usage())) {
    out.push_back({{"ID", r.key.substr(7, 25)},
                   {"Parent", ""},
                   {"Type", "regular"},
                   {"Description", r.description},
                   {"InUse", r.in_use},
                   {"Shared", false},
                   {"Size", r.size},
                   {"CreatedAt", image::FormatTime(r.created)},
                   {"LastUsedAt", image::FormatTime(r.last_used)},
                   {"UsageCount", r.use_count}});
  }
  return out;
}

}  // namespace skiff::daemon

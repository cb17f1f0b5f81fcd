// Container streams: attach (handed to the shim, or held until the next start), logs, resize.
#include <sys/socket.h>

#include "base/file.h"
#include "base/log.h"
#include "daemon/daemon.h"
#include "daemon/live.h"
#include "daemon/logs/json_file.h"
#include "daemon/shim/shim.h"

namespace skiff::daemon {
namespace {

Result<logs::JsonFileConfig> LogConfigOf(const ContainerRecord& r) {
  const Json& lc = r.host_config.contains("LogConfig") ? r.host_config["LogConfig"] : Json::object();
  if (lc.value("Type", "json-file") != "json-file") {
    return Error(Errc::kUnsupported, "configured logging driver does not support reading");
  }
  std::map<std::string, std::string> opts;
  if (lc.contains("Config") && lc["Config"].is_object()) {
    for (auto& [k, v] : lc["Config"].items()) opts[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  return logs::ParseJsonFileOptions(r.log_path, opts);
}

// Docker's stdcopy frame: stream byte, three zero bytes, big-endian length.
std::string Frame(int stream, std::string_view data) {
  std::string f(8, '\0');
  f[0] = static_cast<char>(stream);
  uint32_t n = static_cast<uint32_t>(data.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  f.append(data);
  return f;
}

}  // namespace

Result<bool> Daemon::AttachCheck(const std::string& ref) {
  auto c = SKIFF_TRY(Find(ref));
  std::lock_guard l(c->mu);
  const ContainerRecord& r = c->rec;
  if (r.state.status == ContainerStatus::kPaused) {
    return Error(Errc::kConflict, "container " + ref + " is paused, unpause the container before attach.");
  }
  if (r.state.status == ContainerStatus::kRestarting) {
    return Error(Errc::kConflict, "container " + ref + " is restarting, wait until the container is running");
  }
  return r.tty();
}

Status Daemon::Attach(const std::string& ref, const AttachParams& p, UniqueFd conn, std::string preamble) {
  auto c = SKIFF_TRY(Find(ref));
  ContainerRecord rec;
  {
    std::lock_guard l(c->mu);
    rec = c->rec;
  }
  if (p.logs) {
    // The log so far, then the live stream.
    auto cfg = LogConfigOf(rec);
    if (cfg.ok()) {
      bool tty = rec.tty();
      logs::ReadOptions o;
      o.stdout = p.stdout;
      o.stderr = p.stderr;
      (void)logs::ReadJsonFile(
          *cfg, o,
          [&](const logs::LogMessage& m) -> Status {
            std::string out = tty ? m.line : Frame(m.stream == logs::Stream::kStdout ? 1 : 2, m.line);
            return WriteAll(conn.get(), out);
          },
          [] { return true; }, {});
    }
  }
  if (!p.stream) {
    ::shutdown(conn.get(), SHUT_WR);
    return Ok();
  }
  Emit(rec, "attach");
  std::unique_lock l(c->mu);
  if (c->removed) return Ok();
  if (!c->rec.running()) {
    c->pending.push_back({std::move(conn), std::move(preamble), p});
    return Ok();
  }
  l.unlock();
  shim::AttachOptions ao;
  ao.stdin = p.stdin;
  ao.stdout = p.stdout;
  ao.stderr = p.stderr;
  ao.multiplex = !rec.tty();
  ao.detach_keys = p.detach_keys;
  Status s = shim::Client(ContainerDir(rec.id)).Attach(conn.get(), preamble, ao);
  if (!s.ok() && (s.error().code() == Errc::kConflict || s.error().code() == Errc::kUnavailable)) return Ok();  // it just ended
  return s;
}

Status Daemon::Logs(const std::string& ref, const LogsParams& p, const std::function<void(bool tty)>& on_start,
                    const LogSink& sink, std::stop_token stop) {
  auto c = SKIFF_TRY(Find(ref));
  ContainerRecord rec;
  {
    std::lock_guard l(c->mu);
    rec = c->rec;
  }
  auto cfg = SKIFF_TRY(LogConfigOf(rec));
  on_start(rec.tty());
  logs::ReadOptions o;
  o.stdout = p.stdout;
  o.stderr = p.stderr;
  o.tail = p.tail;
  o.since_ns = p.since_ns;
  o.until_ns = p.until_ns;
  o.follow = p.follow;
  auto done = [c] {
    std::lock_guard l(c->mu);
    return c->removed || (!c->rec.running() && c->rec.state.status != ContainerStatus::kRestarting);
  };
  return logs::ReadJsonFile(
      cfg, o,
      [&](const logs::LogMessage& m) { return sink(m.stream == logs::Stream::kStdout ? 1 : 2, m.line, m.time_ns); },
      done, stop);
}

Status Daemon::Resize(const std::string& ref, unsigned height, unsigned width) {
  auto c = SKIFF_TRY(Find(ref));
  std::string id;
  {
    std::lock_guard l(c->mu);
    id = c->rec.id;
    if (!c->rec.running()) return Error(Errc::kConflict, "Container " + id + " is not running");
  }
  SKIFF_TRY(shim::Client(ContainerDir(id)).Resize("", height, width));
  std::lock_guard l(c->mu);
  Emit(c->rec, "resize", {{"height", std::to_string(height)}, {"width", std::to_string(width)}});
  return Ok();
}

}  // namespace skiff::daemon

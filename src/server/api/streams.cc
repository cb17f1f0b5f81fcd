// Stream routes: attach (hijack), logs, exec, archive (cp), events.
#include <fcntl.h>
#include <sys/socket.h>

#include "base/base64.h"
#include "base/file.h"
#include "base/strings.h"
#include "daemon/logs/json_file.h"
#include "server/api/api.h"
#include "server/api/common.h"
#include "server/api/order.h"

namespace skiff::server::api {

using daemon::Daemon;

namespace {

// Docker's RFC3339NanoFixed: nine fraction digits, always.
std::string FixedNanoTime(int64_t ns) {
  std::string t = daemon::FormatTimeNs((ns / 1000000000) * 1000000000);  // "...:05Z"
  char frac[16];
  snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(ns % 1000000000));
  return t.substr(0, t.size() - 1) + frac + "Z";
}

Result<int64_t> TimeParam(const Request& req, std::string_view key) {
  return daemon::logs::ParseApiTimestamp(req.query.GetOr(key, ""));
}

}  // namespace

void AddStreamRoutes(Router& r, Daemon& d) {
  r.Post("/containers/{id}/attach", [&d](Request& req, Response& res) -> Status {
    daemon::AttachParams p;
    p.stream = req.query.GetBool("stream");
    p.logs = req.query.GetBool("logs");
    p.stdin = req.query.GetBool("stdin");
    p.stdout = req.query.GetBool("stdout");
    p.stderr = req.query.GetBool("stderr");
    p.detach_keys = req.query.GetOr("detachKeys", "");
    if (!p.stream && !p.logs) return Error(Errc::kInvalidArgument, "Bad parameters: you must choose at least one stream");
    SKIFF_TRY(d.AttachCheck(req.Param("id")));
    auto [fd, buffered] = SKIFF_TRY(HijackFd(res));
    Status s = d.Attach(req.Param("id"), p, std::move(fd), std::move(buffered));
    if (!s.ok()) return Ok();  // after the hijack there is no HTTP error to send; the connection closes
    return Ok();
  });

  r.Get("/containers/{id}/logs", [&d](Request& req, Response& res) -> Status {
    daemon::LogsParams p;
    p.follow = req.query.GetBool("follow");
    p.stdout = req.query.GetBool("stdout");
    p.stderr = req.query.GetBool("stderr");
    p.timestamps = req.query.GetBool("timestamps");
    p.details = req.query.GetBool("details");
    if (!p.stdout && !p.stderr) return Error(Errc::kInvalidArgument, "Bad parameters: you must choose at least one stream");
    std::string tail = req.query.GetOr("tail", "all");
    if (tail.empty() || tail == "all") {
      p.tail = -1;
    } else {
      auto n = ParseInt(tail);
      p.tail = n && *n >= 0 ? *n : -1;
    }
    p.since_ns = SKIFF_TRY(TimeParam(req, "since"));
    p.until_ns = SKIFF_TRY(TimeParam(req, "until"));
    bool tty = false, started = false;
    std::string buf;
    auto flush = [&]() -> Status {
      if (buf.empty()) return Ok();
      Status s = res.WriteChunk(buf);
      buf.clear();
      return s;
    };
    Status s = d.Logs(
        req.Param("id"), p,
        [&](bool t) {
          tty = t;
          started = res.StartStream(200, "application/vnd.docker.raw-stream").ok();
        },
        [&](int stream, std::string_view line, int64_t time_ns) -> Status {
          // --details: the log's attributes (none in Skiff's json-file) and a space before each line.
          std::string text = (p.details ? " " : "") + std::string(line);
          if (p.timestamps) text = FixedNanoTime(time_ns) + " " + text;
          buf += tty ? text : StdFrame(stream, text);
          if (p.follow || buf.size() >= 32 * 1024) return flush();
          return Ok();
        },
        req.stop);
    if (started) {
      (void)flush();
      return Ok();
    }
    return s;
  });

  // --- exec ---
  r.Post("/containers/{id}/exec", [&d](Request& req, Response& res) -> Status {
    Json body = SKIFF_TRY(BodyJson(req));
    std::string id = SKIFF_TRY(d.ExecCreate(req.Param("id"), body.is_null() ? Json::object() : body));
    return res.WriteJson(201, Json{{"Id", id}});
  });

  r.Post("/exec/{id}/start", [&d](Request& req, Response& res) -> Status {
    Json body = SKIFF_TRY(BodyJson(req));
    bool detach = body.is_object() && body.value("Detach", false);
    auto info = SKIFF_TRY(d.ExecCheck(req.Param("id")));
    if (detach) {
      SKIFF_TRY(d.ExecStart(req.Param("id"), true, UniqueFd(), ""));
      return res.WriteJson(200, Json::object());
    }
    auto [fd, buffered] = SKIFF_TRY(HijackFd(res));
    int raw = fd.get();
    UniqueFd mine(::fcntl(raw, F_DUPFD_CLOEXEC, 0));
    Status s = d.ExecStart(req.Param("id"), false, std::move(fd), std::move(buffered));
    if (!s.ok() && mine) {
      // The stream is open: the error goes into it, as Docker writes it.
      std::string msg = s.error().message() + "\r\n";
      (void)WriteAll(mine.get(), info.tty ? msg : StdFrame(1, msg));
      ::shutdown(mine.get(), SHUT_WR);
    }
    return Ok();
  });

  r.Get("/exec/{id}/json", [&d](Request& req, Response& res) -> Status {
    Json out = SKIFF_TRY(d.ExecInspect(req.Param("id")));
    return res.WriteRaw(200, "application/json", DumpInDockerOrder(out, DocKind::kExec) + "\n");
  });

  r.Post("/exec/{id}/resize", [&d](Request& req, Response& res) -> Status {
    int64_t h = SKIFF_TRY(req.query.GetInt("h")), w = SKIFF_TRY(req.query.GetInt("w"));
    SKIFF_TRY(d.ExecResize(req.Param("id"), static_cast<unsigned>(h), static_cast<unsigned>(w)));
    return res.WriteRaw(200, "text/plain; charset=utf-8", "");
  });

  // --- archive ---
  r.Head("/containers/{id}/archive", [&d](Request& req, Response& res) -> Status {
    Json st = SKIFF_TRY(d.ArchiveStat(req.Param("id"), req.query.GetOr("path", "")));
    res.SetHeader("X-Docker-Container-Path-Stat", Base64Encode(DumpJson(st)));
    return res.WriteStatus(200);
  });

  r.Get("/containers/{id}/archive", [&d](Request& req, Response& res) -> Status {
    std::string path = req.query.GetOr("path", "");
    if (path.empty()) return Error(Errc::kInvalidArgument, "Bad parameters: path cannot be empty");
    ChunkWriter w(res, "application/x-tar");
    Status s = d.ArchiveGet(
        req.Param("id"), path,
        [&](const Json& st) {
          res.SetHeader("X-Docker-Container-Path-Stat", Base64Encode(DumpJson(st)));
          return Ok();
        },
        w);
    if (!s.ok()) return s;
    return w.Flush();
  });

  r.Put("/containers/{id}/archive", [&d](Request& req, Response& res) -> Status {
    std::string path = req.query.GetOr("path", "");
    if (path.empty()) return Error(Errc::kInvalidArgument, "Bad parameters: path cannot be empty");
    BodyByteReader in(*req.body);
    SKIFF_TRY(d.ArchivePut(req.Param("id"), path, req.query.GetBool("noOverwriteDirNonDir"),
                           req.query.GetBool("copyUIDGID"), in));
    return res.WriteStatus(200);
  });

  // --- events ---
  r.Get("/events", [&d](Request& req, Response& res) -> Status {
    auto f = SKIFF_TRY(daemon::Filters::ParseTextAnyKey(req.query.GetOr("filters", "")));
    int64_t now = daemon::NowNs();
    int64_t since = 0, until = 0;
    if (auto v = req.query.GetOr("since", ""); !v.empty()) since = SKIFF_TRY(daemon::Filters::ParseTimeFilter(v, now));
    if (auto v = req.query.GetOr("until", ""); !v.empty()) until = SKIFF_TRY(daemon::Filters::ParseTimeFilter(v, now));
    auto sub = d.events().Subscribe(since, until, f);
    SKIFF_TRY(res.StartStream(200, "application/json"));
    while (auto e = sub.Next(req.stop)) {
      if (!res.WriteChunk(DumpJson(e->ToJson()) + "\n").ok()) break;
    }
    return Ok();
  });
}

}  // namespace skiff::server::api

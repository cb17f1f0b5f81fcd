// /containers/...: create, list, inspect, lifecycle, update, top, changes, stats, export, prune; /commit.
#include "server/api/api.h"
#include "server/api/common.h"
#include "server/api/order.h"

namespace skiff::server::api {

using daemon::Daemon;

void AddContainerRoutes(Router& r, Daemon& d) {
  r.Post("/containers/create", [&d](Request& req, Response& res) -> Status {
    Json body = SKIFF_TRY(BodyJson(req));
    Json out = SKIFF_TRY(d.Create(req.query.GetOr("name", ""), body, req.query.GetOr("platform", "")));
    return res.WriteJson(201, out);
  });

  r.Get("/containers/json", [&d](Request& req, Response& res) -> Status {
    auto f = SKIFF_TRY(QueryFilters(req, {"id", "name", "label", "exited", "status", "ancestor", "before", "since", "volume",
                                          "network", "health", "isolation", "is-task", "publish", "expose"}));
    int64_t limit = SKIFF_TRY(req.query.GetInt("limit", -1));
    Json out = SKIFF_TRY(d.List(req.query.GetBool("all"), static_cast<int>(limit), req.query.GetBool("size"), f));
    return res.WriteRaw(200, "application/json", DumpInDockerOrder(out, DocKind::kContainerList) + "\n");
  });

  r.Get("/containers/{id}/json", [&d](Request& req, Response& res) -> Status {
    Json out = SKIFF_TRY(d.Inspect(req.Param("id"), req.query.GetBool("size")));
    return res.WriteRaw(200, "application/json", DumpInDockerOrder(out, DocKind::kContainer) + "\n");
  });

  r.Post("/containers/{id}/start", [&d](Request& req, Response& res) -> Status {
    if (req.query.Has("detachKeys")) {
      // Accepted for old clients; detach keys belong to attach.
    }
    bool started = SKIFF_TRY(d.Start(req.Param("id")));
    return res.WriteStatus(started ? 204 : 304);
  });

  r.Post("/containers/{id}/stop", [&d](Request& req, Response& res) -> Status {
    auto t = SKIFF_TRY(OptInt(req, "t"));
    bool stopped = SKIFF_TRY(d.Stop(req.Param("id"), t));
    return res.WriteStatus(stopped ? 204 : 304);
  });

  r.Post("/containers/{id}/restart", [&d](Request& req, Response& res) -> Status {
    auto t = SKIFF_TRY(OptInt(req, "t"));
    SKIFF_TRY(d.Restart(req.Param("id"), t));
    return res.WriteStatus(204);
  });

  r.Post("/containers/{id}/kill", [&d](Request& req, Response& res) -> Status {
    SKIFF_TRY(d.Kill(req.Param("id"), req.query.GetOr("signal", "")));
    return res.WriteStatus(204);
  });

  r.Post("/containers/{id}/pause", [&d](Request& req, Response& res) -> Status {
    SKIFF_TRY(d.Pause(req.Param("id")));
    return res.WriteStatus(204);
  });

  r.Post("/containers/{id}/unpause", [&d](Request& req, Response& res) -> Status {
    SKIFF_TRY(d.Unpause(req.Param("id")));
    return res.WriteStatus(204);
  });

  r.Delete("/containers/{id}", [&d](Request& req, Response& res) -> Status {
    if (req.query.GetBool("link")) return Error(Errc::kUnsupported, "legacy container links are not supported by Skiff");
    SKIFF_TRY(d.Remove(req.Param("id"), req.query.GetBool("force"), req.query.GetBool("v")));
    return res.WriteStatus(204);
  });

  r.Post("/containers/{id}/rename", [&d](Request& req, Response& res) -> Status {
    SKIFF_TRY(d.Rename(req.Param("id"), req.query.GetOr("name", "")));
    return res.WriteStatus(204);
  });

  r.Post("/containers/{id}/wait", [&d](Request& req, Response& res) -> Status {
    std::string cond = req.query.GetOr("condition", "not-running");
    daemon::WaitCondition c;
    if (cond == "not-running" || cond.empty()) c = daemon::WaitCondition::kNotRunning;
    else if (cond == "next-exit") c = daemon::WaitCondition::kNextExit;
    else if (cond == "removed") c = daemon::WaitCondition::kRemoved;
    else return Error(Errc::kInvalidArgument, "invalid condition: \"" + cond + "\"");
    auto waiter = SKIFF_TRY(d.Wait(req.Param("id"), c));
    // The headers go out now: `docker run` sends /wait before /start and waits for them.
    SKIFF_TRY(res.StartStream(200, "application/json"));
    auto w = waiter->Get(req.stop);
    if (!w.ok()) return Ok();  // the server is stopping
    Json out = {{"StatusCode", w->status_code}, {"Error", w->error.empty() ? Json(nullptr) : Json{{"Message", w->error}}}};
    return res.WriteChunk(DumpJson(out) + "\n");
  });

  r.Post("/containers/{id}/resize", [&d](Request& req, Response& res) -> Status {
    int64_t h = SKIFF_TRY(req.query.GetInt("h")), w = SKIFF_TRY(req.query.GetInt("w"));
    if (h < 0 || w < 0) return Error(Errc::kInvalidArgument, "invalid terminal size");
    SKIFF_TRY(d.Resize(req.Param("id"), static_cast<unsigned>(h), static_cast<unsigned>(w)));
    return res.WriteRaw(200, "text/plain; charset=utf-8", "");
  });

  r.Post("/containers/{id}/update", [&d](Request& req, Response& res) -> Status {
    Json body = SKIFF_TRY(BodyJson(req));
    return res.WriteJson(200, SKIFF_TRY(d.Update(req.Param("id"), body.is_null() ? Json::object() : body)));
  });

  r.Get("/containers/{id}/top", [&d](Request& req, Response& res) -> Status {
    return res.WriteJson(200, SKIFF_TRY(d.Top(req.Param("id"), req.query.GetOr("ps_args", ""))));
  });

  r.Get("/containers/{id}/changes", [&d](Request& req, Response& res) -> Status {
    return res.WriteJson(200, SKIFF_TRY(d.Changes(req.Param("id"))));
  });

  r.Get("/containers/{id}/stats", [&d](Request& req, Response& res) -> Status {
    bool stream = req.query.GetBool("stream", true);
    bool started = false;
    Status s = d.Stats(
        req.Param("id"), stream,
        [&](const Json& j) -> Status {
          if (!started) {
            SKIFF_TRY(res.StartStream(200, "application/json"));
            started = true;
          }
          return res.WriteChunk(DumpJson(j) + "\n");
        },
        req.stop);
    if (!s.ok() && started) return Ok();  // the client went away
    return s;
  });

  r.Get("/containers/{id}/export", [&d](Request& req, Response& res) -> Status {
    ChunkWriter w(res, "application/octet-stream");
    Status s = d.Export(req.Param("id"), w);
    if (!s.ok()) return s;
    return w.Flush();
  });

  r.Post("/containers/prune", [&d](Request& req, Response& res) -> Status {
    auto f = SKIFF_TRY(QueryFilters(req, {"until", "label", "label!"}));
    return res.WriteJson(200, SKIFF_TRY(d.Prune(f)));
  });

  r.Post("/commit", [&d](Request& req, Response& res) -> Status {
    Json body = SKIFF_TRY(BodyJson(req));
    std::string container = req.query.GetOr("container", "");
    if (container.empty()) return Error(Errc::kInvalidArgument, "No such container: ");
    std::string id = SKIFF_TRY(d.Commit(container, req.query.GetOr("repo", ""), req.query.GetOr("tag", ""),
                                        req.query.GetOr("author", ""), req.query.GetOr("comment", ""),
                                        req.query.GetBool("pause", true), req.query.GetAll("changes"), body));
    return res.WriteJson(201, Json{{"Id", id}});
  });
}

Router BuildRouter(Daemon& d) {
  Router r;
  AddContainerRoutes(r, d);
  AddStreamRoutes(r, d);
  AddRegistryRoutes(r, d);  // before the image routes: /images/{name}/push is not an image name
  AddImageRoutes(r, d);
  AddSystemRoutes(r, d);
  AddBuildRoutes(r, d);
  return r;
}

}  // namespace skiff::server::api

// /images/...: list, inspect, history, tag, remove, save (get), load, import (create?fromSrc), prune.
#include "image/image_store.h"
#include "server/api/api.h"
#include "server/api/common.h"
#include "server/api/order.h"

namespace skiff::server::api {

using daemon::Daemon;

namespace {

Status Import(Daemon& d, Request& req, Response& res) {
  std::string src = req.query.GetOr("fromSrc", "");
  image::ImportOptions o;
  o.changes = req.query.GetAll("changes");
  o.message = req.query.GetOr("message", "");
  std::string repo = req.query.GetOr("repo", ""), tag = req.query.GetOr("tag", "");
  if (!repo.empty()) o.tag = tag.empty() ? repo : repo + ":" + tag;
  if (auto p = req.query.GetOr("platform", ""); !p.empty()) {
    auto slash = p.find('/');
    o.os = p.substr(0, slash);
    if (slash != std::string::npos) o.architecture = p.substr(slash + 1);
  }
  Result<Digest> id = Error(Errc::kInternal, "");
  if (src == "-") {
    o.source_name = "-";
    BodyByteReader in(*req.body);
    id = d.images().Import(in, o);
  } else {
    o.source_name = src;
    id = d.images().ImportFrom(src, o);
  }
  if (!id.ok()) return id.error();
  d.PublishImageEvent("import", id->str(), {{"name", o.tag.empty() ? id->str() : o.tag}});
  SKIFF_TRY(res.StartStream(200, "application/json"));
  return res.WriteChunk(DumpJson(Json{{"status", id->str()}}) + "\n");
}

}  // namespace

void AddImageRoutes(Router& r, Daemon& d) {
  r.Get("/images/json", [&d](Request& req, Response& res) -> Status {
    auto f = SKIFF_TRY(QueryFilters(req, {"before", "dangling", "label", "reference", "since", "until"}));
    // Old clients send ?filter=<reference>.
    if (auto ref = req.query.GetOr("filter", ""); !ref.empty()) {
      f = SKIFF_TRY(daemon::Filters::Parse(Json{{"reference", {ref}}}, {"reference"}));
    }
    return res.WriteJson(200, SKIFF_TRY(d.ListImages(req.query.GetBool("all"), req.query.GetBool("digests"), f)));
  });

  r.Get("/images/{name:.*}/json", [&d](Request& req, Response& res) -> Status {
    Json j = SKIFF_TRY(d.InspectImage(req.Param("name")));
    return res.WriteRaw(200, "application/json", DumpInDockerOrder(j, DocKind::kImage) + "\n");
  });

  r.Get("/images/{name:.*}/history", [&d](Request& req, Response& res) -> Status {
    auto h = d.images().History(req.Param("name"));
    if (!h.ok() && h.error().code() == Errc::kNotFound) return Error(Errc::kNotFound, "No such image: " + req.Param("name"));
    if (!h.ok()) return h.error();
    Json out = Json::array();
    for (auto& e : *h) {
      out.push_back({{"Id", e.id},
                     {"Created", e.created},
                     {"CreatedBy", e.created_by},
                     {"Tags", e.tags.empty() ? Json(nullptr) : Json(e.tags)},
                     {"Size", e.size},
                     {"Comment", e.comment}});
    }
    return res.WriteJson(200, out);
  });

  r.Post("/images/{name:.*}/tag", [&d](Request& req, Response& res) -> Status {
    std::string repo = req.query.GetOr("repo", ""), tag = req.query.GetOr("tag", "");
    if (repo.empty()) return Error(Errc::kInvalidArgument, "repository name must have at least one component");
    SKIFF_TRY(d.TagImage(req.Param("name"), tag.empty() ? repo : repo + ":" + tag));
    return res.WriteStatus(201);
  });

  r.Delete("/images/{name:.*}", [&d](Request& req, Response& res) -> Status {
    auto items = d.RemoveImage(req.Param("name"), req.query.GetBool("force"), req.query.GetBool("noprune"));
    if (!items.ok() && items.error().code() == Errc::kNotFound) {
      return Error(Errc::kNotFound, "No such image: " + req.Param("name"));
    }
    if (!items.ok()) return items.error();
    Json out = Json::array();
    for (auto& it : *items) {
      if (!it.untagged.empty()) out.push_back({{"Untagged", it.untagged}});
      if (!it.deleted.empty()) out.push_back({{"Deleted", it.deleted}});
    }
    return res.WriteJson(200, out);
  });

  auto save = [&d](Request&, Response& res, std::vector<std::string> names) -> Status {
    if (names.empty()) return Error(Errc::kInvalidArgument, "no image names given");
    for (auto& n : names) {
      if (auto id = d.images().Resolve(n); !id.ok()) return Error(Errc::kNotFound, "No such image: " + n);
    }
    ChunkWriter w(res, "application/x-tar");
    SKIFF_TRY(d.images().Save(names, w));
    for (auto& n : names) d.PublishImageEvent("save", n, {{"name", n}});
    return w.Flush();
  };
  r.Get("/images/get", [save](Request& req, Response& res) -> Status { return save(req, res, req.query.GetAll("names")); });
  r.Get("/images/{name:.*}/get", [save](Request& req, Response& res) -> Status { return save(req, res, {req.Param("name")}); });

  r.Post("/images/load", [&d](Request& req, Response& res) -> Status {
    BodyByteReader in(*req.body);
    auto loaded = d.images().Load(in);
    SKIFF_TRY(res.StartStream(200, "application/json"));
    // Like dockerd, a failed load is a 200 whose stream carries the error (clients print it as is).
    if (!loaded.ok()) {
      const std::string& m = loaded.error().message();
      return res.WriteChunk(DumpJson(Json{{"errorDetail", {{"message", m}}}, {"error", m}}) + "\n");
    }
    for (auto& img : *loaded) {
      if (img.tags.empty()) {
        SKIFF_TRY(res.WriteChunk(DumpJson(Json{{"stream", "Loaded image ID: " + img.id.str() + "\n"}}) + "\n"));
        d.PublishImageEvent("load", img.id.str(), {{"name", img.id.str()}});
      }
      for (auto& t : img.tags) {
        SKIFF_TRY(res.WriteChunk(DumpJson(Json{{"stream", "Loaded image: " + t + "\n"}}) + "\n"));
        d.PublishImageEvent("load", img.id.str(), {{"name", t}});
      }
    }
    return Ok();
  });

  r.Post("/images/create", [&d](Request& req, Response& res) -> Status {
    if (req.query.Has("fromSrc")) return Import(d, req, res);
    if (req.query.GetOr("fromImage", "").empty()) return Error(Errc::kInvalidArgument, "fromImage or fromSrc is required");
    return PullImage(d, req, res);
  });

  r.Post("/images/prune", [&d](Request& req, Response& res) -> Status {
    auto f = SKIFF_TRY(QueryFilters(req, {"dangling", "until", "label", "label!"}));
    auto rep = SKIFF_TRY(d.PruneImages(f));
    Json deleted = Json::array();
    for (auto& it : rep.items) {
      if (!it.untagged.empty()) deleted.push_back({{"Untagged", it.untagged}});
      if (!it.deleted.empty()) deleted.push_back({{"Deleted", it.deleted}});
    }
    return res.WriteJson(200, Json{{"ImagesDeleted", deleted.empty() ? Json(nullptr) : deleted}, {"SpaceReclaimed", rep.reclaimed}});
  });
}

}  // namespace skiff::server::api

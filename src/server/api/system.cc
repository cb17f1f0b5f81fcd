// /info, /version, /system/df, /volumes, the built-in networks, /build/prune.
#include "server/api/api.h"
#include "server/api/common.h"

namespace skiff::server::api {

using daemon::Daemon;

namespace {

// The networks every engine has without creating any: "host" and "none" (container network modes that
// Skiff runs). User networks and the bridge come with Skiff's network support.
Json BuiltinNetwork(const std::string& name) {
  std::string driver = name == "host" ? "host" : "null";
  return {{"Name", name},
          {"Id", daemon::BuiltinNetworkId(name)},
          {"Created", "0001-01-01T00:00:00Z"},
          {"Scope", "local"},
          {"Driver", driver},
          {"EnableIPv6", false},
          {"IPAM", {{"Driver", "default"}, {"Options", nullptr}, {"Config", Json::array()}}},
          {"Internal", false},
          {"Attachable", false},
          {"Ingress", false},
          {"ConfigFrom", {{"Network", ""}}},
          {"ConfigOnly", false},
          {"Containers", Json::object()},
          {"Options", Json::object()},
          {"Labels", Json::object()}};
}

}  // namespace

void AddSystemRoutes(Router& r, Daemon& d) {
  r.Get("/info", [&d](Request&, Response& res) -> Status { return res.WriteJson(200, d.Info()); });
  r.Get("/version", [&d](Request&, Response& res) -> Status { return res.WriteJson(200, d.Version()); });
  r.Get("/system/df", [&d](Request&, Response& res) -> Status { return res.WriteJson(200, SKIFF_TRY(d.DiskUsage())); });

  // --- volumes ---
  r.Get("/volumes", [&d](Request& req, Response& res) -> Status {
    auto f = SKIFF_TRY(QueryFilters(req, {"dangling", "driver", "label", "name"}));
    return res.WriteJson(200, SKIFF_TRY(d.VolumeList(f)));
  });
  r.Post("/volumes/create", [&d](Request& req, Response& res) -> Status {
    Json body = SKIFF_TRY(BodyJson(req));
    return res.WriteJson(201, SKIFF_TRY(d.VolumeCreate(body)));
  });
  r.Get("/volumes/{name}", [&d](Request& req, Response& res) -> Status {
    return res.WriteJson(200, SKIFF_TRY(d.VolumeInspect(req.Param("name"))));
  });
  r.Delete("/volumes/{name}", [&d](Request& req, Response& res) -> Status {
    SKIFF_TRY(d.VolumeRemove(req.Param("name"), req.query.GetBool("force")));
    return res.WriteStatus(204);
  });
  r.Post("/volumes/prune", [&d](Request& req, Response& res) -> Status {
    auto f = SKIFF_TRY(QueryFilters(req, {"label", "label!"}));
    return res.WriteJson(200, SKIFF_TRY(d.VolumePrune(f)));
  });

  // --- networks: the built-in ones ---
  r.Get("/networks", [](Request&, Response& res) -> Status {
    return res.WriteJson(200, Json::array({BuiltinNetwork("host"), BuiltinNetwork("none")}));
  });
  r.Get("/networks/{id}", [](Request& req, Response& res) -> Status {
    std::string id = req.Param("id");
    for (const char* n : {"host", "none"}) {
      Json net = BuiltinNetwork(n);
      if (id == n || (!id.empty() && net["Id"].get<std::string>().rfind(id, 0) == 0)) return res.WriteJson(200, net);
    }
    return Error(Errc::kNotFound, "network " + id + " not found");
  });
  r.Post("/networks/create", [](Request&, Response&) -> Status {
    return Error(Errc::kUnsupported, "creating networks is not supported by Skiff yet");
  });
  r.Post("/networks/prune", [](Request&, Response& res) -> Status {
    return res.WriteJson(200, Json{{"NetworksDeleted", nullptr}});
  });

}

}  // namespace skiff::server::api

// POST /build (Docker's legacy builder API: the context tar as the body, options in the query, the JSON
// message stream back; Skiff's local-context extension skiff.contextdir), POST /build/prune.
#include <sys/stat.h>

#include "base/base64.h"
#include "base/strings.h"
#include "server/api/api.h"
#include "server/api/common.h"

namespace skiff::server::api {

namespace {

Status Build(daemon::Daemon& d, Request& req, Response& res) {
  const Query& q = req.query;
  build::BuildRequest br;
  std::vector<std::string> tags = q.GetAll("t");
  br.dockerfile = q.GetOr("dockerfile", "");
  br.target = q.GetOr("target", "");
  br.no_cache = q.GetBool("nocache");
  br.pull = q.GetBool("pull");
  bool quiet = q.GetBool("q");
  br.network_mode = q.GetOr("networkmode", "");
  br.platform = q.GetOr("platform", "");
  br.live_progress = q.GetBool("skiff.live");
  if (!q.GetOr("remote", "").empty())
    return Error(Errc::kUnsupported, "remote build contexts (" + q.GetOr("remote", "") + ") are not supported by Skiff");
  Json args = SKIFF_TRY(q.GetJson("buildargs"));
  if (args.is_object())
    for (auto& [k, v] : args.items()) br.build_args[k] = v.is_string() ? std::optional<std::string>(v.get<std::string>()) : std::nullopt;
  Json labels = SKIFF_TRY(q.GetJson("labels"));
  if (labels.is_object())
    for (auto& [k, v] : labels.items()) br.labels[k] = v.is_string() ? v.get<std::string>() : v.dump();
  for (const auto& h : q.GetAll("extrahosts"))
    for (auto& one : Split(h, ','))
      if (!one.empty()) br.extra_hosts.push_back(one);
  if (std::string_view rc = req.headers.Get("X-Registry-Config"); !rc.empty()) {
    // base64url JSON {registry: AuthConfig}, as docker build sends every stored credential.
    std::string text = SKIFF_TRY_CTX(Base64Decode(rc), "X-Registry-Config");
    Json j = ParseJson(text, "X-Registry-Config").value_or(Json(nullptr));
    if (j.is_object())
      for (auto& [k, v] : j.items()) br.registry_auths[k] = v;
  }
  if (std::string_view sec = req.headers.Get("X-Skiff-Build-Secrets"); !sec.empty()) {
    std::string text = SKIFF_TRY_CTX(Base64Decode(sec), "X-Skiff-Build-Secrets");
    Json j = ParseJson(text, "X-Skiff-Build-Secrets").value_or(Json(nullptr));
    if (!j.is_object()) return Error(Errc::kInvalidArgument, "X-Skiff-Build-Secrets: not a JSON object");
    for (auto& [k, v] : j.items())
      if (v.is_string()) br.secrets[k] = SKIFF_TRY_CTX(Base64Decode(v.get<std::string>()), "secret " + k);
  }
  BodyByteReader body(*req.body);
  if (auto dir = q.Get("skiff.contextdir")) {
    // The client's directory, read in place: only when the daemon sees the very same directory.
    struct stat st;
    auto dev = q.GetInt("skiff.contextdev", -1), ino = q.GetInt("skiff.contextino", -1);
    if (!dir->starts_with("/") || ::stat(dir->c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || !dev.ok() || !ino.ok() ||
        static_cast<int64_t>(st.st_dev) != *dev || static_cast<int64_t>(st.st_ino) != *ino)
      return Error(Errc::kInvalidArgument, "skiff.contextdir: " + *dir + " is not visible to the daemon");
    br.context_dir = *dir;
    if (q.GetBool("skiff.dockerfilestdin")) br.dockerfile_text = SKIFF_TRY(req.body->ReadAll());
  } else {
    br.context_tar = &body;
  }
  bool started = false;
  build::BuildOutput out(
      [&](std::string_view msg) -> Status {
        if (!started) {
          SKIFF_TRY(res.StartStream(200, "application/json"));
          started = true;
        }
        return res.WriteChunk(msg);
      },
      quiet);
  return d.Build(br, tags, out, req.stop);
}

}  // namespace

void AddBuildRoutes(Router& r, daemon::Daemon& d) {
  r.Post("/build", [&d](Request& req, Response& res) -> Status { return Build(d, req, res); });
  r.Post("/build/prune", [&d](Request& req, Response& res) -> Status {
    auto f = SKIFF_TRY(QueryFilters(req, {"until", "id", "parent", "type", "description", "inuse", "shared", "private"}));
    int64_t keep = SKIFF_TRY(req.query.GetInt("keep-storage", 0));
    return res.WriteJson(200, SKIFF_TRY(d.BuildPrune(req.query.GetBool("all"), static_cast<uint64_t>(keep), f)));
  });
  r.Post("/build/cancel", [](Request&, Response& res) -> Status { return res.WriteStatus(200); });
}

}  // namespace skiff::server::api

// Registry routes: POST /images/create?fromImage (pull), POST /images/{name}/push, POST /auth,
// GET /images/search, GET /distribution/{name}/json. Credentials come as X-Registry-Auth (base64url JSON).
// Pull and push answer with dockerd's JSON message stream, started by the first message: an error before
// it (no such manifest, denied) is a plain HTTP error, one after it an {"errorDetail"} message.
#include "base/strings.h"
#include "image/reference.h"
#include "registry/client.h"
#include "server/api/api.h"
#include "server/api/common.h"

namespace skiff::server::api {

using daemon::Daemon;

namespace {

Result<registry::AuthConfig> HeaderAuth(const Request& req) {
  return registry::DecodeAuthHeader(req.headers.Get("X-Registry-Auth"));
}

// The message sink of a streamed pull/push: starts the 200 stream with the first message.
registry::MessageSink StreamSink(Response& res) {
  return [&res](const Json& msg) -> Status {
    if (!res.started()) SKIFF_TRY(res.StartStream(200, "application/json"));
    return res.WriteChunk(DumpJson(msg) + "\n");
  };
}

// dockerd's status codes for registry refusals: "pull access denied ..." is a NotFound (404), any other
// (no basic auth credentials, denied push) an unclassified error (500). Not 401/403: clients would take
// those as "log in and retry".
Error DockerdStatus(const Error& e) {
  if (e.code() != Errc::kPermissionDenied) return e;
  if (e.message().find("pull access denied") != std::string::npos) return Error(Errc::kNotFound, e.message());
  return Error(Errc::kInternal, e.message());
}

// The end of a streamed operation: an error goes as HTTP status until the stream started.
Status Finish(Response& res, const Status& st) {
  if (st.ok()) {
    if (!res.started()) SKIFF_TRY(res.StartStream(200, "application/json"));
    return Ok();
  }
  if (!res.started()) return DockerdStatus(st.error());
  const std::string& m = st.error().message();
  return res.WriteChunk(DumpJson(Json{{"errorDetail", {{"message", m}}}, {"error", m}}) + "\n");
}

Result<image::Platform> ParsePlatform(const std::string& s) {
  image::Platform p;
  if (s.empty()) return p;
  auto parts = Split(s, '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
    return Error(Errc::kInvalidArgument, "\"" + s + "\": unknown operating system or architecture: invalid argument");
  p.os = parts[0];
  p.architecture = parts[1] == "x86_64" ? "amd64" : parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

Status Pull(Daemon& d, Request& req, Response& res) {
  std::string from = req.query.GetOr("fromImage", ""), tag = req.query.GetOr("tag", "");
  auto parsed = image::ParseReference(from);
  if (!parsed.ok()) return parsed.error();
  image::Reference ref = *parsed;
  if (!tag.empty()) {
    if (tag.starts_with("sha256:")) {
      ref.digest = SKIFF_TRY(Digest::Parse(tag));
      ref.tag.clear();
    } else {
      if (!image::IsValidTag(tag)) return Error(Errc::kInvalidArgument, "invalid tag format");
      ref.tag = tag;
    }
  }
  registry::PullOptions o;
  o.auth = SKIFF_TRY(HeaderAuth(req));
  o.platform = SKIFF_TRY(ParsePlatform(req.query.GetOr("platform", "")));
  o.all_tags = ref.tag.empty() && !ref.digest;
  registry::Progress progress(StreamSink(res));
  auto pulled = d.puller().Pull(ref, o, progress);
  if (!pulled.ok()) return Finish(res, pulled.error());
  bool updated = false;
  for (auto& p : *pulled) {
    updated = updated || p.updated;
    std::string name = p.ref.FamiliarString();
    d.PublishImageEvent("pull", name, {{"name", name}});
  }
  if (o.all_tags) {
    progress.Status(std::string(updated ? "Status: Downloaded newer image for " : "Status: Image is up to date for ") +
                    ref.FamiliarName());
  } else {
    progress.Status(registry::PullStatusLine(pulled->front()));
  }
  return Finish(res, Ok());
}

}  // namespace

Status PullImage(Daemon& d, Request& req, Response& res) { return Pull(d, req, res); }

void AddRegistryRoutes(Router& r, Daemon& d) {
  r.Post("/images/{name:.*}/push", [&d](Request& req, Response& res) -> Status {
    auto ref = SKIFF_TRY(image::ParseReference(req.Param("name")));
    if (ref.digest) return Error(Errc::kInvalidArgument, "cannot push a digest reference");
    if (auto tag = req.query.GetOr("tag", ""); !tag.empty()) {
      if (!image::IsValidTag(tag)) return Error(Errc::kInvalidArgument, "invalid tag format");
      ref.tag = tag;
    }
    registry::PushOptions o;
    o.auth = SKIFF_TRY(HeaderAuth(req));
    registry::Progress progress(StreamSink(res));
    auto pushed = d.pusher().Push(ref, o, progress);
    if (!pushed.ok()) return Finish(res, pushed.error());
    for (auto& p : *pushed) {
      image::Reference t = ref;
      t.tag = p.tag;
      d.PublishImageEvent("push", t.FamiliarString(), {{"name", t.FamiliarString()}});
    }
    return Finish(res, Ok());
  });

  r.Post("/auth", [&d](Request& req, Response& res) -> Status {
    Json body = SKIFF_TRY(BodyJson(req));
    auto auth = SKIFF_TRY(registry::AuthConfigFromJson(body));
    std::string domain = registry::DomainOfServer(auth.server_address);
    auto client = SKIFF_TRY(registry::Client::Create(domain, auth, d.puller().options(), /*for_push=*/true));
    std::string token = SKIFF_TRY(client->Ping());
    return res.WriteJson(200, Json{{"IdentityToken", token}, {"Status", "Login Succeeded"}});
  });

  r.Get("/images/search", [&d](Request& req, Response& res) -> Status {
    std::string term = req.query.GetOr("term", "");
    if (term.empty()) return Error(Errc::kInvalidArgument, "a search term is required");
    int64_t limit = SKIFF_TRY(req.query.GetInt("limit", 25));
    if (limit < 1 || limit > 100) return Error(Errc::kInvalidArgument, "Limit " + std::to_string(limit) + " is outside the range of [1, 100]");
    auto f = SKIFF_TRY(QueryFilters(req, {"is-automated", "is-official", "stars"}));
    auto bool_filter = [&](const char* key) -> Result<std::optional<bool>> {
      auto vs = f.Values(key);
      if (vs.empty()) return std::optional<bool>();
      if (vs[0] == "true" || vs[0] == "1") return std::optional<bool>(true);
      if (vs[0] == "false" || vs[0] == "0") return std::optional<bool>(false);
      return Error(Errc::kInvalidArgument, "Invalid filter '" + std::string(key) + "=" + vs[0] + "'");
    };
    auto official = SKIFF_TRY(bool_filter("is-official"));
    auto automated = SKIFF_TRY(bool_filter("is-automated"));
    int64_t stars = 0;
    for (auto& v : f.Values("stars")) {
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end) return Error(Errc::kInvalidArgument, "Invalid filter 'stars=" + v + "'");
      stars = std::max<int64_t>(stars, n);
    }
    // "host:port/term" searches that registry's index; anything else Docker Hub's.
    std::string domain = "docker.io", q = term;
    if (auto slash = term.find('/'); slash != std::string::npos) {
      std::string first = term.substr(0, slash);
      if (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost") {
        domain = first;
        q = term.substr(slash + 1);
      }
    }
    auto auth = SKIFF_TRY(HeaderAuth(req));
    auto client = SKIFF_TRY(registry::Client::Create(domain, auth, d.puller().options()));
    Json results = SKIFF_TRY(client->Search(q, static_cast<int>(limit)));
    Json out = Json::array();
    for (auto& it : results) {
      if (!it.is_object()) continue;
      if (official && it.value("is_official", false) != *official) continue;
      if (automated && it.value("is_automated", false) != *automated) continue;
      if (it.value("star_count", int64_t{0}) < stars) continue;
      out.push_back({{"star_count", it.value("star_count", int64_t{0})},
                     {"is_official", it.value("is_official", false)},
                     {"name", it.value("name", "")},
                     {"is_automated", it.value("is_automated", false)},
                     {"description", it.value("description", "")}});
      if (static_cast<int64_t>(out.size()) >= limit) break;
    }
    return res.WriteJson(200, out);
  });

  r.Get("/distribution/{name:.*}/json", [&d](Request& req, Response& res) -> Status {
    auto ref = SKIFF_TRY(image::ParseReference(req.Param("name")));
    auto auth = SKIFF_TRY(HeaderAuth(req));
    return res.WriteJson(200, SKIFF_TRY(d.puller().Inspect(ref, auth)));
  });
}

}  // namespace skiff::server::api

// Client: endpoint selection, the authorization of each request (Basic, Bearer with a per-scope token
// cache, registry tokens) and the distribution v2 operations, with Docker's error words.
#include "registry/client.h"

#include <chrono>
#include <map>
#include <mutex>

#include "base/base64.h"
#include "base/log.h"
#include "base/scope.h"
#include "base/strings.h"
#include "registry/auth.h"
#include "registry/errors.h"
#include "registry/http.h"

namespace skiff::registry {

namespace {

using SteadyClock = std::chrono::steady_clock;

const std::vector<std::string>& DefaultManifestTypes() {
  static const std::vector<std::string> v = {
      "application/vnd.docker.distribution.manifest.v2+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.oci.image.index.v1+json",
  };
  return v;
}

bool Is2xx(int status) { return status >= 200 && status < 300; }

std::string MediaTypeOnly(std::string_view content_type) {
  return std::string(Trim(content_type.substr(0, content_type.find(';'))));
}

std::string WithQuery(const std::string& url, const std::string& kv) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + kv;
}

// `<url>; rel="next"` of a Link header, or "".
std::string NextLink(const std::string& link) {
  for (const auto& part : Split(link, ',')) {
    std::string_view p = Trim(part);
    if (!p.starts_with("<")) continue;
    auto close = p.find('>');
    if (close == std::string_view::npos) continue;
    std::string params = ToLower(p.substr(close + 1));
    if (params.find("rel=\"next\"") != std::string::npos || params.find("rel=next") != std::string::npos)
      return std::string(p.substr(1, close - 1));
  }
  return {};
}

std::vector<Challenge> ChallengesOf(const http::Response& r) {
  std::vector<Challenge> out;
  for (const auto& h : r.Headers("www-authenticate")) {
    for (auto& c : ParseWwwAuthenticate(h)) out.push_back(std::move(c));
  }
  return out;
}

struct CachedToken {
  std::string token;
  SteadyClock::time_point expires;
};

class ClientImpl final : public Client {
 public:
  ClientImpl(std::string domain, AuthConfig auth, BasicCredentials creds, bool for_push, Endpoint ep,
             http::Transport transport, std::vector<Challenge> challenges)
      : domain_(std::move(domain)),
        auth_(std::move(auth)),
        creds_(std::move(creds)),
        for_push_(for_push),
        ep_(std::move(ep)),
        transport_(std::move(transport)),
        challenges_(std::move(challenges)),
        refresh_token_(auth_.identity_token) {}

  Result<std::string> Ping() override;
  Result<Manifest> GetManifest(const std::string& repo, const std::string& ref,
                               const std::vector<std::string>& accept) override;
  Result<Digest> PutManifest(const std::string& repo, const std::string& ref, const std::string& media_type,
                             const std::string& body) override;
  Result<std::optional<BlobStat>> StatBlob(const std::string& repo, const Digest& d) override;
  Status GetBlob(const std::string& repo, const Digest& d, uint64_t offset, const BlobSink& sink,
                 const std::function<void(uint64_t total)>& total) override;
  Result<std::string> ReadBlob(const std::string& repo, const Digest& d) override;
  Result<bool> MountBlob(const std::string& repo, const Digest& d, const std::string& from_repo) override;
  Result<BlobStat> UploadBlob(const std::string& repo, storage::ByteReader& body,
                              const std::function<void(uint64_t sent)>& progress) override;
  Status PutBlob(const std::string& repo, const Digest& d, std::string_view data) override;
  Result<std::vector<std::string>> ListTags(const std::string& repo) override;
  Result<Json> Search(const std::string& term, int limit) override;

 private:
  std::string V2(const std::string& path) const { return ep_.url + "/v2/" + path; }
  std::string Scope(const std::string& repo) const {
    return "repository:" + repo + (for_push_ ? ":pull,push" : ":pull");
  }
  // The name Docker's messages use: "busybox" for docker.io/library/busybox, else domain/repo.
  std::string FamiliarName(const std::string& repo) const {
    if (domain_ == "docker.io") {
      if (repo.starts_with("library/") && repo.find('/', 8) == std::string::npos) return repo.substr(8);
      return repo;
    }
    return domain_ + "/" + repo;
  }

  // Sends req with the authorization its scopes need; on a 401 that a fresh challenge or token may
  // cure, once more (only when the body can be sent again).
  Result<http::Response> Send(http::Request req, const std::vector<std::string>& scopes, bool replayable = true,
                              bool offline = false);
  Status Authorize(http::Request& req, const std::vector<std::string>& scopes, bool offline, bool* cached);
  Result<std::string> Token(const Challenge& c, const std::vector<std::string>& scopes, bool offline, bool* cached);
  Result<std::string> FetchToken(const std::string& realm, const std::string& service,
                                 const std::vector<std::string>& scopes, bool offline, int64_t* expires_in);
  // A non-2xx response of a repository operation as Docker words it (pull errors translated).
  Error RepoError(const http::Response& r, const std::string& repo, const std::string& manifest_ref = "") const;
  Result<std::string> StartUpload(const std::string& repo);
  void CancelUpload(const std::string& location, const std::string& repo);

  const std::string domain_;
  const AuthConfig auth_;
  const BasicCredentials creds_;
  const bool for_push_;
  const Endpoint ep_;
  const http::Transport transport_;

  std::mutex mu_;  // guards what follows
  std::vector<Challenge> challenges_;
  std::map<std::string, CachedToken> tokens_;
  std::string refresh_token_;
  std::string issued_refresh_token_;  // handed out by the token server during this client's life
};

Status ClientImpl::Authorize(http::Request& req, const std::vector<std::string>& scopes, bool offline, bool* cached) {
  *cached = false;
  req.authorization.clear();
  if (!auth_.registry_token.empty()) {
    req.authorization = "Bearer " + auth_.registry_token;
    return Ok();
  }
  std::vector<Challenge> ch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ch = challenges_;
  }
  for (const auto& c : ch) {
    if (c.scheme == "bearer") {
      auto tok = Token(c, scopes, offline, cached);
      if (!tok.ok()) {
        return Error(tok.error().code(), http::GoMethod(req.method) + " \"" + req.url + "\": " + tok.error().message());
      }
      if (!tok->empty()) req.authorization = "Bearer " + *tok;
      return Ok();
    }
    if (c.scheme == "basic") {
      if (creds_.username.empty() || creds_.password.empty())
        return Error(Errc::kPermissionDenied,
                     http::GoMethod(req.method) + " \"" + req.url + "\": no basic auth credentials");
      req.authorization = "Basic " + Base64Encode(creds_.username + ":" + creds_.password);
      return Ok();
    }
  }
  return Ok();
}

Result<std::string> ClientImpl::Token(const Challenge& c, const std::vector<std::string>& scopes, bool offline,
                                      bool* cached) {
  std::string realm = c.Param("realm"), service = c.Param("service");
  if (realm.empty()) return Error(Errc::kUnavailable, "no realm specified for token auth challenge");
  std::string key = realm + "\n" + service + "\n" + Join(scopes, " ");
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tokens_.find(key);
    if (it != tokens_.end() && it->second.expires > SteadyClock::now()) {
      *cached = true;
      return it->second.token;
    }
  }
  int64_t expires_in = 60;
  std::string token = SKIFF_TRY(FetchToken(realm, service, scopes, offline, &expires_in));
  // Docker treats lifetimes under a minute as a minute; renew a little early.
  if (expires_in < 60) expires_in = 60;
  std::lock_guard<std::mutex> lock(mu_);
  tokens_[key] = CachedToken{token, SteadyClock::now() + std::chrono::seconds(expires_in - 10)};
  return token;
}

Result<std::string> ClientImpl::FetchToken(const std::string& realm, const std::string& service,
                                           const std::vector<std::string>& scopes, bool offline,
                                           int64_t* expires_in) {
  std::string refresh;
  {
    std::lock_guard<std::mutex> lock(mu_);
    refresh = refresh_token_;
  }
  auto parse = [&](const http::Response& r) -> Result<std::string> {
    auto j = ParseJson(r.body, "token response");
    if (!j.ok() || !j->is_object()) return Error(Errc::kUnavailable, "unable to decode token response: " + (j.ok() ? std::string("not an object") : j.error().message()));
    auto str = [&](const char* k) { return j->contains(k) && (*j)[k].is_string() ? (*j)[k].get<std::string>() : std::string(); };
    std::string tok = str("access_token");
    if (tok.empty()) tok = str("token");
    if (tok.empty()) return Error(Errc::kUnavailable, "authorization server did not include a token in the response");
    if (j->contains("expires_in") && (*j)["expires_in"].is_number_integer()) *expires_in = (*j)["expires_in"].get<int64_t>();
    std::string rt = str("refresh_token");
    if (!rt.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      refresh_token_ = rt;
      issued_refresh_token_ = rt;
    }
    return tok;
  };
  auto fail = [&](const http::Response& r) {
    RegistryError e = ParseRegistryError(r.status, r.reason, r.Headers("www-authenticate"), r.body);
    return Error(e.errc, e.text);
  };
  if (!refresh.empty()) {
    // OAuth2 refresh-token grant (an identity token from an earlier login).
    std::string form = "grant_type=refresh_token&refresh_token=" + http::QueryEscape(refresh) +
                       "&service=" + http::QueryEscape(service) + "&client_id=docker";
    if (!scopes.empty()) form += "&scope=" + http::QueryEscape(Join(scopes, " "));
    if (offline) form += "&access_type=offline";
    http::Request req;
    req.method = "POST";
    req.url = realm;
    req.content_type = "application/x-www-form-urlencoded";
    req.body = form;
    http::Response r = SKIFF_TRY(transport_.Do(req));
    if (r.status != 404) {
      if (!Is2xx(r.status)) return fail(r);
      return parse(r);
    }
    // Token servers without POST support answer 404: use GET as below.
  }
  std::string url = realm;
  if (!service.empty()) url = WithQuery(url, "service=" + http::QueryEscape(service));
  for (const auto& s : scopes) url = WithQuery(url, "scope=" + http::QueryEscape(s));
  if (offline) url = WithQuery(url, "offline_token=true&client_id=docker");
  http::Request req;
  req.url = url;
  if (!creds_.username.empty() && !creds_.password.empty())
    req.authorization = "Basic " + Base64Encode(creds_.username + ":" + creds_.password);
  http::Response r = SKIFF_TRY(transport_.Do(req));
  if (!Is2xx(r.status)) return fail(r);
  return parse(r);
}

Result<http::Response> ClientImpl::Send(http::Request req, const std::vector<std::string>& scopes, bool replayable,
                                        bool offline) {
  for (int attempt = 0;; ++attempt) {
    bool had_challenge;
    {
      std::lock_guard<std::mutex> lock(mu_);
      had_challenge = !challenges_.empty();
    }
    bool cached = false;
    SKIFF_TRY(Authorize(req, scopes, offline, &cached));
    http::Response resp = SKIFF_TRY(transport_.Do(req));
    if (resp.status != 401 || attempt > 0 || !replayable || !auth_.registry_token.empty()) return resp;
    std::vector<Challenge> fresh = ChallengesOf(resp);
    if (fresh.empty()) return resp;
    std::lock_guard<std::mutex> lock(mu_);
    if (!had_challenge) {
      challenges_ = fresh;  // the ping said nothing; this request learned the scheme
    } else if (cached) {
      tokens_.clear();  // a cached token the registry no longer takes
    } else {
      return resp;
    }
  }
}

Error ClientImpl::RepoError(const http::Response& r, const std::string& repo, const std::string& manifest_ref) const {
  RegistryError e = ParseRegistryError(r.status, r.reason, r.Headers("www-authenticate"), r.body);
  const RegistryErrorItem* first = e.first();
  if (first && !first->bare) {
    if (first->code == "DENIED" && !for_push_)
      return Error(Errc::kPermissionDenied, "pull access denied for " + FamiliarName(repo) +
                                                ", repository does not exist or may require 'docker login': " +
                                                first->Text());
    if (first->code == "MANIFEST_UNKNOWN" && !manifest_ref.empty()) {
      std::string sep = manifest_ref.starts_with("sha256:") ? "@" : ":";
      return Error(Errc::kNotFound,
                   "manifest for " + FamiliarName(repo) + sep + manifest_ref + " not found: " + first->Text());
    }
    if (first->code == "NAME_UNKNOWN" && !for_push_)
      return Error(Errc::kNotFound, "repository " + FamiliarName(repo) + " not found: " + first->Text());
  }
  return Error(e.errc, e.text);
}

Result<std::string> ClientImpl::Ping() {
  http::Request req;
  req.url = ep_.url + "/v2/";
  http::Response r = SKIFF_TRY(Send(req, {}, true, /*offline=*/true));
  if (r.status == 200) {
    std::lock_guard<std::mutex> lock(mu_);
    return issued_refresh_token_;
  }
  std::string reason = r.reason.empty() ? std::string(StatusText(r.status)) : r.reason;
  Errc code = r.status == 401 || r.status == 403 ? Errc::kPermissionDenied : ErrcForStatus(r.status);
  return Error(code, "login attempt to " + req.url + " failed with status: " + std::to_string(r.status) + " " + reason);
}

Result<Manifest> ClientImpl::GetManifest(const std::string& repo, const std::string& ref,
                                         const std::vector<std::string>& accept) {
  http::Request req;
  req.url = V2(repo + "/manifests/" + ref);
  req.headers.push_back("Accept: " + Join(accept.empty() ? DefaultManifestTypes() : accept, ", "));
  req.follow_redirects = true;
  auto sent = Send(req, {Scope(repo)});
  if (!sent.ok()) {
    // Docker 20.10 resolves a tag with HEAD first, so an authorization failure that stops the request
    // before it is sent names that request.
    const Error& e = sent.error();
    std::string get = "Get \"" + req.url + "\": ";
    if (!ref.starts_with("sha256:") && e.code() == Errc::kPermissionDenied && e.message().starts_with(get))
      return Error(e.code(), "Head \"" + req.url + "\": " + e.message().substr(get.size()));
    return e;
  }
  http::Response r = std::move(sent).value();
  if (!Is2xx(r.status)) return RepoError(r, repo, ref);
  Manifest m;
  m.media_type = MediaTypeOnly(r.Header("content-type"));
  if (m.media_type.empty() || m.media_type == "application/json" || m.media_type == "text/plain") {
    auto j = ParseJson(r.body, "manifest");
    if (j.ok() && j->is_object() && j->contains("mediaType") && (*j)["mediaType"].is_string())
      m.media_type = (*j)["mediaType"].get<std::string>();
  }
  m.digest = Sha256Of(r.body);
  m.body = std::move(r.body);
  if (ref.starts_with("sha256:")) {
    Digest want = SKIFF_TRY(Digest::Parse(ref));
    if (want != m.digest)
      return Error(Errc::kDataLoss, "manifest verification failed for digest " + want.str() + " (got " + m.digest.str() + ")");
  }
  // Signed schema1 manifests have a Docker-Content-Digest over their payload only.
  bool schema1 = m.media_type.starts_with("application/vnd.docker.distribution.manifest.v1");
  std::string header = r.Header("docker-content-digest");
  if (!header.empty() && !schema1) {
    auto hd = Digest::Parse(header);
    if (hd.ok() && *hd != m.digest)
      return Error(Errc::kDataLoss, "manifest for " + FamiliarName(repo) + ":" + ref + ": Docker-Content-Digest " +
                                        hd->str() + " does not match the body's digest " + m.digest.str());
  }
  return m;
}

Result<Digest> ClientImpl::PutManifest(const std::string& repo, const std::string& ref, const std::string& media_type,
                                       const std::string& body) {
  http::Request req;
  req.method = "PUT";
  req.url = V2(repo + "/manifests/" + ref);
  req.content_type = media_type;
  req.body = body;
  http::Response r = SKIFF_TRY(Send(req, {Scope(repo)}));
  if (!Is2xx(r.status)) return RepoError(r, repo);
  auto hd = Digest::Parse(r.Header("docker-content-digest"));
  return hd.ok() ? *hd : Sha256Of(body);
}

Result<std::optional<BlobStat>> ClientImpl::StatBlob(const std::string& repo, const Digest& d) {
  http::Request req;
  req.method = "HEAD";
  req.url = V2(repo + "/blobs/" + d.str());
  req.follow_redirects = true;
  http::Response r = SKIFF_TRY(Send(req, {Scope(repo)}));
  if (r.status == 404) return std::optional<BlobStat>();
  if (!Is2xx(r.status)) return RepoError(r, repo);
  BlobStat st;
  st.size = ParseUint(r.Header("content-length")).value_or(0);
  auto hd = Digest::Parse(r.Header("docker-content-digest"));
  st.digest = hd.ok() ? *hd : d;
  return std::optional<BlobStat>(st);
}

Status ClientImpl::GetBlob(const std::string& repo, const Digest& d, uint64_t offset, const BlobSink& sink,
                           const std::function<void(uint64_t total)>& total) {
  http::Request req;
  req.url = V2(repo + "/blobs/" + d.str());
  req.follow_redirects = true;
  if (offset > 0) req.headers.push_back("Range: bytes=" + std::to_string(offset) + "-");
  uint64_t skip = 0;
  req.on_head = [&](const http::Response& h) -> Status {
    skip = 0;
    if (!Is2xx(h.status)) return Ok();
    std::optional<uint64_t> full;
    if (h.status == 206) {
      // Content-Range: bytes <first>-<last>/<total or *>
      std::string cr = h.Header("content-range");
      std::string_view v = Trim(cr);
      if (v.starts_with("bytes ")) v.remove_prefix(6);
      auto dash = v.find('-'), slash = v.find('/');
      auto first = ParseUint(v.substr(0, dash));
      if (!first || *first != offset)
        return Error(Errc::kUnavailable, "blob " + d.str() + ": registry answered Range: bytes=" + std::to_string(offset) +
                                             "- with Content-Range: " + cr);
      if (slash != std::string_view::npos) full = ParseUint(v.substr(slash + 1));
    } else {
      skip = offset;  // the server ignored Range: drop what the caller has
      full = ParseUint(h.Header("content-length"));
      if (full && offset > *full)
        return Error(Errc::kInvalidArgument, "blob " + d.str() + ": offset " + std::to_string(offset) +
                                                 " is beyond its size " + std::to_string(*full));
    }
    if (full && total) total(*full);
    return Ok();
  };
  req.sink = [&](const char* p, size_t n) -> Status {
    if (skip > 0) {
      size_t k = static_cast<size_t>(std::min<uint64_t>(skip, n));
      p += k;
      n -= k;
      skip -= k;
      if (n == 0) return Ok();
    }
    return sink(p, n);
  };
  http::Response r = SKIFF_TRY(Send(req, {Scope(repo)}));
  if (r.status == 416)
    return Error(Errc::kInvalidArgument, "blob " + d.str() + ": range starting at " + std::to_string(offset) +
                                             " not satisfiable");
  if (!Is2xx(r.status)) return RepoError(r, repo);
  if (skip > 0)
    return Error(Errc::kUnavailable, "blob " + d.str() + ": body ended before offset " + std::to_string(offset));
  return Ok();
}

Result<std::string> ClientImpl::ReadBlob(const std::string& repo, const Digest& d) {
  std::string data;
  SKIFF_TRY(GetBlob(repo, d, 0, [&](const char* p, size_t n) {
    data.append(p, n);
    return Ok();
  }, {}));
  Digest got = Sha256Of(data);
  if (got != d) return Error(Errc::kDataLoss, "blob " + d.str() + " from " + FamiliarName(repo) + ": digest mismatch (got " + got.str() + ")");
  return data;
}

Result<std::string> ClientImpl::StartUpload(const std::string& repo) {
  http::Request req;
  req.method = "POST";
  req.url = V2(repo + "/blobs/uploads/");
  http::Response r = SKIFF_TRY(Send(req, {Scope(repo)}));
  if (!Is2xx(r.status)) return RepoError(r, repo);
  std::string loc = r.Header("location");
  if (loc.empty()) return Error(Errc::kUnavailable, "POST " + req.url + ": registry gave no upload Location");
  return http::ResolveUrl(req.url, loc);
}

void ClientImpl::CancelUpload(const std::string& location, const std::string& repo) {
  http::Request req;
  req.method = "DELETE";
  req.url = location;
  auto r = Send(req, {Scope(repo)});
  if (!r.ok()) log::Debug("registry: cancel upload {}: {}", location, r.error().message());
}

Result<bool> ClientImpl::MountBlob(const std::string& repo, const Digest& d, const std::string& from_repo) {
  http::Request req;
  req.method = "POST";
  req.url = V2(repo + "/blobs/uploads/?mount=" + http::QueryEscape(d.str()) + "&from=" + http::QueryEscape(from_repo));
  http::Response r = SKIFF_TRY(Send(req, {"repository:" + repo + ":pull,push", "repository:" + from_repo + ":pull"}));
  if (r.status == 201) return true;
  if (!Is2xx(r.status)) return RepoError(r, repo);
  std::string loc = r.Header("location");
  if (!loc.empty()) {
    auto abs = http::ResolveUrl(req.url, loc);
    if (abs.ok()) CancelUpload(*abs, repo);
  }
  return false;
}

Result<BlobStat> ClientImpl::UploadBlob(const std::string& repo, storage::ByteReader& body,
                                        const std::function<void(uint64_t sent)>& progress) {
  std::string loc = SKIFF_TRY(StartUpload(repo));
  bool done = false;
  ScopeExit cancel([&] {
    if (!done) CancelUpload(loc, repo);
  });
  Sha256 sha;
  uint64_t sent = 0;
  http::Request patch;
  patch.method = "PATCH";
  patch.url = loc;
  patch.content_type = "application/octet-stream";
  patch.read_body = [&](char* buf, size_t n) -> Result<size_t> {
    size_t got = SKIFF_TRY(body.Read(buf, n));
    if (got > 0) {
      sha.Update(buf, got);
      sent += got;
      if (progress) progress(sent);
    }
    return got;
  };
  http::Response r = SKIFF_TRY(Send(patch, {Scope(repo)}, /*replayable=*/false));
  if (!Is2xx(r.status)) return RepoError(r, repo);
  if (!r.Header("location").empty()) loc = SKIFF_TRY(http::ResolveUrl(loc, r.Header("location")));
  Digest digest = sha.Finish();
  http::Request put;
  put.method = "PUT";
  put.url = WithQuery(loc, "digest=" + http::QueryEscape(digest.str()));
  r = SKIFF_TRY(Send(put, {Scope(repo)}));
  if (!Is2xx(r.status)) return RepoError(r, repo);
  done = true;
  return BlobStat{sent, digest};
}

Status ClientImpl::PutBlob(const std::string& repo, const Digest& d, std::string_view data) {
  std::string loc = SKIFF_TRY(StartUpload(repo));
  http::Request put;
  put.method = "PUT";
  put.url = WithQuery(loc, "digest=" + http::QueryEscape(d.str()));
  put.content_type = "application/octet-stream";
  put.body = data;
  http::Response r = SKIFF_TRY(Send(put, {Scope(repo)}));
  if (!Is2xx(r.status)) {
    Error e = RepoError(r, repo);
    CancelUpload(loc, repo);
    return e;
  }
  return Ok();
}

Result<std::vector<std::string>> ClientImpl::ListTags(const std::string& repo) {
  std::vector<std::string> tags;
  std::string url = V2(repo + "/tags/list");
  for (int page = 0; page < 10000 && !url.empty(); ++page) {
    http::Request req;
    req.url = url;
    http::Response r = SKIFF_TRY(Send(req, {Scope(repo)}));
    if (!Is2xx(r.status)) return RepoError(r, repo);
    Json j = SKIFF_TRY(ParseJson(r.body, "tags list of " + FamiliarName(repo)));
    if (j.is_object() && j.contains("tags") && j["tags"].is_array()) {
      for (const auto& t : j["tags"]) {
        if (t.is_string()) tags.push_back(t.get<std::string>());
      }
    }
    std::string next = NextLink(r.Header("link"));
    url = next.empty() ? std::string() : SKIFF_TRY(http::ResolveUrl(url, next));
  }
  return tags;
}

Result<Json> ClientImpl::Search(const std::string& term, int limit) {
  std::string index = domain_ == "docker.io" ? std::string("https://index.docker.io") : ep_.url;
  http::Request req;
  req.url = index + "/v1/search?q=" + http::QueryEscape(term);
  if (limit > 0) req.url += "&n=" + std::to_string(limit);
  http::Response r = SKIFF_TRY(Send(req, {"registry:catalog:search"}));
  if (r.status != 200) return Error(ErrcForStatus(r.status), "Unexpected status code " + std::to_string(r.status));
  Json j = SKIFF_TRY(ParseJson(r.body, "search results from " + index));
  if (j.is_object() && j.contains("results") && j["results"].is_array()) return j["results"];
  return Json::array();
}

}  // namespace

Result<std::unique_ptr<Client>> Client::Create(const std::string& domain, const AuthConfig& auth,
                                               const RegistryOptions& opts, bool for_push) {
  BasicCredentials creds = SKIFF_TRY(CredentialsOf(auth));
  std::vector<Endpoint> eps = Endpoints(domain, opts, for_push);
  std::optional<Error> last;
  for (const auto& ep : eps) {
    std::string hostport = http::Origin(ep.url);
    hostport = hostport.substr(hostport.find("://") + 3);
    http::TlsConfig tls = SKIFF_TRY(http::LoadTlsConfig(opts.certs_dir, hostport, ep.tls_verify));
    http::Transport transport(std::move(tls), opts.user_agent);
    http::Request ping;
    ping.url = ep.url + "/v2/";
    auto r = transport.Do(ping);
    if (!r.ok()) {
      log::Debug("registry: endpoint {} does not answer: {}", ep.url, r.error().message());
      last = std::move(r).error();
      continue;
    }
    std::vector<Challenge> challenges = r->status == 401 ? ChallengesOf(*r) : std::vector<Challenge>();
    return std::unique_ptr<Client>(
        new ClientImpl(domain, auth, std::move(creds), for_push, ep, std::move(transport), std::move(challenges)));
  }
  if (last) return *last;
  return Error(Errc::kInvalidArgument, "registry " + domain + ": no endpoints");
}

}  // namespace skiff::registry

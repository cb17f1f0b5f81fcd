// Distribution (registry v2) client over libcurl: endpoint selection (mirrors, https, insecure http),
// TLS trust per registry (<certs_dir>/<host:port>/ca.crt, client.cert/client.key), authentication
// (anonymous, Basic, Bearer token flow with per-scope token cache, identity tokens) and the registry
// operations pull and push are made of. Errors carry the registry's own error codes and Docker's words.
//
// A Client is made for one registry domain and one set of credentials, for the length of one pull, push,
// login or search; it is thread-safe (each request uses its own curl easy handle; the token cache is
// locked), so layer transfers can run on several threads at once. It owns nothing on disk.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/error.h"
#include "base/json.h"
#include "storage/stream.h"

namespace skiff::registry {

// Docker's types.AuthConfig, as carried base64url-JSON in X-Registry-Auth and as the body of POST /auth.
struct AuthConfig {
  std::string username, password;
  std::string auth;            // base64("user:pass"), as config.json stores it; used when username is empty
  std::string email;
  std::string server_address;  // "serveraddress"
  std::string identity_token;  // "identitytoken": an OAuth refresh token
  std::string registry_token;  // "registrytoken": a bearer token to send as is
  bool empty() const { return username.empty() && password.empty() && auth.empty() && identity_token.empty() && registry_token.empty(); }
};
Result<AuthConfig> AuthConfigFromJson(const Json& j);
Json AuthConfigToJson(const AuthConfig& a);
// X-Registry-Auth: base64url (padded or not; standard base64 accepted too) of the JSON. Empty or "{}" ->
// empty AuthConfig. A header that does not decode is InvalidArgument.
Result<AuthConfig> DecodeAuthHeader(std::string_view header);
std::string EncodeAuthHeader(const AuthConfig& a);

// The daemon's registry settings (daemon.json "registry-mirrors", "insecure-registries").
struct RegistryOptions {
  std::vector<std::string> mirrors;   // URLs ("http://127.0.0.1:5001"), tried in order for docker.io pulls
  std::vector<std::string> insecure;  // "host:port", "host" or CIDR ("10.0.0.0/8"); 127.0.0.0/8 always is
  std::string certs_dir = "/etc/skiff/certs.d";
  std::string user_agent = "skiff/0.1.0";
};

// The domain as Docker names it for the index ("docker.io") and the host actually contacted.
// "docker.io" -> https://registry-1.docker.io (or a mirror, for pulls).
struct Endpoint {
  std::string url;          // "https://127.0.0.1:5000" (no trailing slash, no /v2)
  bool mirror = false;      // a registry-mirrors entry
  bool tls_verify = true;   // false for insecure registries tried over https
};
// The endpoints a pull (mirrors first for docker.io) or a push (never mirrors) tries, in order: for an
// insecure registry https without verification, then http.
std::vector<Endpoint> Endpoints(const std::string& domain, const RegistryOptions& o, bool for_push);
// The registry domain a login's serveraddress or a config.json key names: "https://index.docker.io/v1/",
// "index.docker.io", "registry-1.docker.io" and "" -> "docker.io"; "https://host:port/v2/" -> "host:port".
std::string DomainOfServer(std::string server_address);
// True when o.insecure (or 127.0.0.0/8, ::1, "localhost") covers host[:port].
bool IsInsecure(const std::string& domain, const RegistryOptions& o);

struct Manifest {
  std::string media_type;  // the Content-Type the registry sent (or the body's mediaType)
  std::string body;        // bytes exactly as served
  Digest digest;           // sha256 of body (checked against Docker-Content-Digest when sent)
};

struct BlobStat {
  uint64_t size = 0;
  Digest digest;
};

// Called with each chunk of a blob as it arrives; an error aborts the transfer and is returned as is.
using BlobSink = std::function<Status(const char* data, size_t n)>;

class Client {
 public:
  // domain: a reference's domain as image::Reference gives it ("docker.io", "127.0.0.1:5000").
  static Result<std::unique_ptr<Client>> Create(const std::string& domain, const AuthConfig& auth,
                                                const RegistryOptions& opts, bool for_push = false);
  virtual ~Client() = default;

  // GET /v2/ with the credentials (login). Ok when the registry accepts them (or needs none);
  // Errc::kPermissionDenied "unauthorized: incorrect username or password" (the registry's words when it
  // gives some) otherwise. Returns the identity token a token server handed out, if any.
  virtual Result<std::string> Ping() = 0;

  // GET /v2/<repo>/manifests/<tag or digest>, Accept: `accept` (default: schema2, manifest list, OCI
  // manifest and index). NotFound: "manifest for <domain>/<repo>:<ref> not found: manifest unknown: ...".
  // A digest reference is verified against the body.
  virtual Result<Manifest> GetManifest(const std::string& repo, const std::string& ref,
                                       const std::vector<std::string>& accept = {}) = 0;
  // PUT /v2/<repo>/manifests/<ref>; returns the digest the registry reports (or the body's).
  virtual Result<Digest> PutManifest(const std::string& repo, const std::string& ref, const std::string& media_type,
                                     const std::string& body) = 0;

  // HEAD /v2/<repo>/blobs/<digest>: nullopt when the registry does not have it.
  virtual Result<std::optional<BlobStat>> StatBlob(const std::string& repo, const Digest& d) = 0;
  // GET /v2/<repo>/blobs/<digest> from byte `offset` on (Range: bytes=offset-), following redirects;
  // `total` (when set) receives the blob's full size before the first chunk. A connection that drops is
  // an Errc::kUnavailable error after `sink` got every byte that arrived: the caller resumes with a new
  // offset. No digest check here (the caller hashes what it keeps).
  virtual Status GetBlob(const std::string& repo, const Digest& d, uint64_t offset, const BlobSink& sink,
                         const std::function<void(uint64_t total)>& total = {}) = 0;
  // Small blobs (configs): the whole blob, verified against d.
  virtual Result<std::string> ReadBlob(const std::string& repo, const Digest& d) = 0;

  // POST /v2/<repo>/blobs/uploads/?mount=<d>&from=<from_repo>: true when the registry mounted it (201),
  // false when it started an upload instead (that upload is cancelled).
  virtual Result<bool> MountBlob(const std::string& repo, const Digest& d, const std::string& from_repo) = 0;
  // Uploads a blob whose digest is known only at the end: POST, then the body streamed in PATCH requests
  // (sha256 computed over what was sent), then PUT ?digest=. `progress` gets the bytes sent so far.
  virtual Result<BlobStat> UploadBlob(const std::string& repo, storage::ByteReader& body,
                                      const std::function<void(uint64_t sent)>& progress = {}) = 0;
  // Monolithic upload of a small blob whose digest is known (configs).
  virtual Status PutBlob(const std::string& repo, const Digest& d, std::string_view data) = 0;

  // GET /v2/<repo>/tags/list (following Link pagination).
  virtual Result<std::vector<std::string>> ListTags(const std::string& repo) = 0;
  // GET /v1/search?q=<term>&n=<limit> on the index: the "results" array as the registry sent it
  // (name, description, star_count, is_official, is_automated).
  virtual Result<Json> Search(const std::string& term, int limit) = 0;
};

}  // namespace skiff::registry

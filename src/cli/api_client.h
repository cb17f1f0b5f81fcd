// ApiClient: the Docker Engine API v1.41 as the CLI uses it, over HttpClient. Owns nothing but the socket
// path; every call opens its own connection. Errors follow docker's client: a daemon answer outside 2xx/3xx
// becomes Error(code from the HTTP status, "Error response from daemon: <message>"); an unreachable socket
// becomes "Cannot connect to the Skiff daemon at unix://... Is the skiff daemon running?".
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "cli/http_client.h"

namespace skiff::cli {

inline constexpr std::string_view kApiVersion = "1.41";
inline constexpr std::string_view kDefaultHost = "unix:///run/skiff/skiff.sock";

// URL query parameters, encoded like Go's url.Values (sorted by key, QueryEscape).
class Query {
 public:
  Query& Set(std::string key, std::string value);
  Query& Add(std::string key, std::string value);  // repeatable key
  Query& SetBool(std::string key, bool on);         // "1" when on, omitted when off
  bool empty() const { return items_.empty(); }
  std::string Encode() const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

std::string QueryEscape(std::string_view s);
// docker's filters.Args as the "filters" query value: {"key":{"value":true}} (keys sorted).
std::string FiltersJson(const std::vector<std::pair<std::string, std::string>>& filters);
// Escapes a path like Go's url.URL.EscapedPath (keeps '/', ':', '@' and sub-delims).
std::string EscapePath(std::string_view s);

struct ApiResponse {
  int status = 0;
  std::string body;
  std::string content_type;
};

class ApiClient {
 public:
  // host: "unix:///path".
  explicit ApiClient(std::string host);
  const std::string& host() const { return host_; }

  // Full-body call. body: sent as application/json when set.
  Result<ApiResponse> Call(std::string_view method, std::string_view path, const Query& q = {},
                           const std::optional<Json>& body = std::nullopt) const;
  Result<Json> GetJson(std::string_view path, const Query& q = {}) const;
  Result<Json> PostJson(std::string_view path, const Query& q = {},
                        const std::optional<Json>& body = std::nullopt) const;
  // Status-checked call returning after the head (streams, waits). raw_body/body_fd as HttpRequest.
  Result<std::unique_ptr<HttpResponse>> Open(std::string_view method, std::string_view path, const Query& q,
                                             std::string raw_body = {}, int body_fd = -1,
                                             std::vector<std::pair<std::string, std::string>> headers = {}) const;
  // attach / exec start: POST with Upgrade. body: JSON body (exec start) or empty.
  Result<HijackedConn> Hijack(std::string_view path, const Query& q, const std::optional<Json>& body) const;

  // Turns a non-2xx response into docker's error (reads the rest of the body).
  static Error ResponseError(HttpResponse& resp);
  static Error ResponseError(int status, std::string_view body, std::string_view content_type);

 private:
  Error ConnectError(const Error& e) const;
  std::string Target(std::string_view path, const Query& q) const;

  std::string host_;
  HttpClient http_;
};

// Docker's wrapResponseError: a 404 becomes "Error: No such <object>: <id>", other errors pass through.
Error NotFoundAs(Error e, std::string_view object, std::string_view id);
// True when the daemon answered 404 (any object).
inline bool IsNotFound(const Error& e) { return e.code() == Errc::kNotFound; }

}  // namespace skiff::cli

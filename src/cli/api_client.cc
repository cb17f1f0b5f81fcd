#include "cli/api_client.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/strings.h"

namespace skiff::cli {
namespace {

bool Unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string StatusText(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return fmt::format("{}", status);
  }
}

Errc CodeForStatus(int status) {
  switch (status) {
    case 400: return Errc::kInvalidArgument;
    case 401: return Errc::kPermissionDenied;  // errdefs.Unauthorized: pull/push/search/login retry or report it
    case 403: return Errc::kPermissionDenied;
    case 404: return Errc::kNotFound;
    case 409: return Errc::kConflict;
    case 501: return Errc::kUnsupported;
    case 503: return Errc::kUnavailable;
    default: return Errc::kInternal;
  }
}

}  // namespace

Query& Query::Set(std::string key, std::string value) {
  std::erase_if(items_, [&](const auto& kv) { return kv.first == key; });
  items_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Query& Query::Add(std::string key, std::string value) {
  items_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Query& Query::SetBool(std::string key, bool on) {
  if (on) Set(std::move(key), "1");
  return *this;
}

std::string Query::Encode() const {
  auto sorted = items_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [k, v] : sorted) {
    if (!out.empty()) out += '&';
    out += QueryEscape(k) + "=" + QueryEscape(v);
  }
  return out;
}

std::string QueryEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (Unreserved(c)) {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string FiltersJson(const std::vector<std::pair<std::string, std::string>>& filters) {
  Json j = Json::object();
  for (const auto& [k, v] : filters) j[k][v] = true;
  return DumpJson(j);
}

std::string EscapePath(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (Unreserved(c) || std::string_view("/:@!$&'()*+,;=").find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

ApiClient::ApiClient(std::string host) : host_(std::move(host)), http_(std::string(host_).substr(
                                                                          host_.rfind("unix://", 0) == 0 ? 7 : 0)) {}

std::string ApiClient::Target(std::string_view path, const Query& q) const {
  std::string t = fmt::format("/v{}{}", kApiVersion, EscapePath(path));
  if (!q.empty()) t += "?" + q.Encode();
  return t;
}

Error ApiClient::ConnectError(const Error& e) const {
  if (e.sys_errno() == EACCES) {
    return Error(Errc::kPermissionDenied,
                 fmt::format("Got permission denied while trying to connect to the Skiff daemon socket at {}: {}",
                             host_, e.message()));
  }
  if (e.code() == Errc::kUnavailable && e.sys_errno() != 0) {
    return Error(Errc::kUnavailable,
                 fmt::format("Cannot connect to the Skiff daemon at {}. Is the skiff daemon running?", host_));
  }
  return e;
}

Error ApiClient::ResponseError(int status, std::string_view body, std::string_view content_type) {
  Errc code = CodeForStatus(status);
  if (body.empty()) {
    return Error(code, fmt::format("request returned {} for API route and version {}, check if the server "
                                   "supports the requested API version",
                                   StatusText(status), kApiVersion));
  }
  std::string msg;
  if (content_type.substr(0, 16) == "application/json") {
    auto j = ParseJson(body, "daemon error");
    if (!j.ok()) return Error(code, "Error reading JSON: " + j.error().message());
    if (j->is_object() && j->contains("message") && (*j)["message"].is_string()) {
      msg = std::string(Trim((*j)["message"].get<std::string>()));
    }
  } else {
    msg = std::string(Trim(body));
  }
  return Error(code, "Error response from daemon: " + msg);
}

Error ApiClient::ResponseError(HttpResponse& resp) {
  auto body = resp.ReadAll();
  return ResponseError(resp.status(), body.ok() ? *body : std::string(), resp.header("Content-Type"));
}

Result<std::unique_ptr<HttpResponse>> ApiClient::Open(
    std::string_view method, std::string_view path, const Query& q, std::string raw_body, int body_fd,
    std::vector<std::pair<std::string, std::string>> headers) const {
  HttpRequest req;
  req.method = std::string(method);
  req.target = Target(path, q);
  req.body = std::move(raw_body);
  req.body_fd = body_fd;
  req.headers = std::move(headers);
  auto resp = http_.Send(req);
  if (!resp.ok()) return ConnectError(resp.error());
  int status = (*resp)->status();
  if (status < 200 || status >= 400) return ResponseError(**resp);
  return std::move(resp).value();
}

Result<ApiResponse> ApiClient::Call(std::string_view method, std::string_view path, const Query& q,
                                    const std::optional<Json>& body) const {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string raw;
  if (body) {
    headers.emplace_back("Content-Type", "application/json");
    raw = DumpJson(*body) + "\n";
  }
  auto resp = SKIFF_TRY(Open(method, path, q, std::move(raw), -1, std::move(headers)));
  ApiResponse out;
  out.status = resp->status();
  out.content_type = resp->header("Content-Type");
  out.body = SKIFF_TRY(resp->ReadAll());
  return out;
}

Result<Json> ApiClient::GetJson(std::string_view path, const Query& q) const {
  auto r = SKIFF_TRY(Call("GET", path, q));
  return ParseJson(r.body, path);
}

Result<Json> ApiClient::PostJson(std::string_view path, const Query& q, const std::optional<Json>& body) const {
  auto r = SKIFF_TRY(Call("POST", path, q, body));
  if (Trim(r.body).empty()) return Json();
  return ParseJson(r.body, path);
}

Result<HijackedConn> ApiClient::Hijack(std::string_view path, const Query& q, const std::optional<Json>& body) const {
  HttpRequest req;
  req.method = "POST";
  req.target = Target(path, q);
  if (body) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = DumpJson(*body) + "\n";
  }
  std::unique_ptr<HttpResponse> refused;
  auto conn = http_.Hijack(req, &refused);
  if (conn.ok()) return conn;
  if (refused) return ResponseError(*refused);
  return ConnectError(conn.error());
}

Error NotFoundAs(Error e, std::string_view object, std::string_view id) {
  if (e.code() != Errc::kNotFound) return e;
  return Error(Errc::kNotFound, fmt::format("Error: No such {}: {}", object, id));
}

}  // namespace skiff::cli

// Registry error bodies -> Docker's error texts.
#include "registry/errors.h"

#include <fmt/format.h>

#include <map>

#include "base/json.h"
#include "base/strings.h"
#include "registry/auth.h"

namespace skiff::registry {

namespace {

// distribution's registered error codes and their default messages (errcode and registry/api/v2).
const std::map<std::string, std::string, std::less<>>& DefaultMessages() {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"UNKNOWN", "unknown error"},
      {"UNSUPPORTED", "The operation is unsupported."},
      {"UNAUTHORIZED", "authentication required"},
      {"DENIED", "requested access to the resource is denied"},
      {"UNAVAILABLE", "service unavailable"},
      {"TOOMANYREQUESTS", "too many requests"},
      {"DIGEST_INVALID", "provided digest did not match uploaded content"},
      {"SIZE_INVALID", "provided length did not match content length"},
      {"NAME_INVALID", "invalid repository name"},
      {"TAG_INVALID", "manifest tag did not match URI"},
      {"NAME_UNKNOWN", "repository name not known to registry"},
      {"MANIFEST_UNKNOWN", "manifest unknown"},
      {"MANIFEST_INVALID", "manifest invalid"},
      {"MANIFEST_UNVERIFIED", "manifest failed signature verification"},
      {"MANIFEST_BLOB_UNKNOWN", "blob unknown to registry"},
      {"BLOB_UNKNOWN", "blob unknown to registry"},
      {"BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry"},
      {"BLOB_UPLOAD_INVALID", "blob upload invalid"},
      {"PAGINATION_NUMBER_INVALID", "invalid number of results requested"},
      {"RANGE_INVALID", "invalid content range"},
  };
  return m;
}

RegistryErrorItem MakeItem(std::string code, std::string message, bool has_detail) {
  const auto& defaults = DefaultMessages();
  auto it = defaults.find(code);
  if (it == defaults.end()) {
    code = "UNKNOWN";
    it = defaults.find(code);
  }
  RegistryErrorItem item;
  item.code = code;
  item.has_detail = has_detail;
  item.bare = !has_detail && (message.empty() || message == it->second);
  item.message = message.empty() ? it->second : std::move(message);
  return item;
}

std::string CodeText(std::string_view code) {
  std::string s = ToLower(code);
  for (char& c : s) {
    if (c == '_') c = ' ';
  }
  return s;
}

std::string JoinItems(const std::vector<RegistryErrorItem>& items) {
  if (items.size() == 1) return items[0].Text();
  std::string msg = "errors:\n";
  for (const auto& i : items) msg += i.Text() + "\n";
  return msg;
}

// Go's encoding/json wording for the common ways a body is not JSON.
std::string JsonParseError(std::string_view body) {
  std::string_view t = Trim(body);
  if (t.empty()) return "unexpected end of JSON input";
  char c = t.front();
  if (c != '{' && c != '[' && c != '"' && !(c >= '0' && c <= '9') && c != '-' && c != 't' && c != 'f' && c != 'n')
    return fmt::format("invalid character '{}' looking for beginning of value", c);
  if ((c >= '0' && c <= '9') || c == '-') {
    // A number followed by more text: "404 page not found".
    size_t i = 1;
    while (i < t.size() && std::string_view("0123456789.eE+-").find(t[i]) != std::string_view::npos) ++i;
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
    if (i < t.size()) return fmt::format("invalid character '{}' after top-level value", t[i]);
  }
  return "invalid JSON";
}

}  // namespace

std::string RegistryErrorItem::Text() const { return bare ? CodeText(code) : CodeText(code) + ": " + message; }

std::string_view StatusText(int status) {
  static const std::map<int, std::string_view> m = {
      {200, "OK"}, {201, "Created"}, {202, "Accepted"}, {204, "No Content"}, {206, "Partial Content"},
      {301, "Moved Permanently"}, {302, "Found"}, {307, "Temporary Redirect"}, {308, "Permanent Redirect"},
      {400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"}, {404, "Not Found"},
      {405, "Method Not Allowed"}, {409, "Conflict"}, {413, "Request Entity Too Large"},
      {416, "Requested Range Not Satisfiable"}, {429, "Too Many Requests"}, {500, "Internal Server Error"},
      {501, "Not Implemented"}, {502, "Bad Gateway"}, {503, "Service Unavailable"}, {504, "Gateway Timeout"},
  };
  auto it = m.find(status);
  return it == m.end() ? std::string_view() : it->second;
}

Errc ErrcForStatus(int status) {
  switch (status) {
    case 400: return Errc::kInvalidArgument;
    case 401:
    case 403: return Errc::kPermissionDenied;
    case 404: return Errc::kNotFound;
    case 405:
    case 501: return Errc::kUnsupported;
    case 409: return Errc::kConflict;
    case 429: return Errc::kUnavailable;
    default: return status >= 500 ? Errc::kUnavailable : Errc::kInternal;
  }
}

RegistryError ParseRegistryError(int status, std::string_view reason, const std::vector<std::string>& www_authenticate,
                                 std::string_view body) {
  RegistryError e;
  e.status = status;
  e.errc = ErrcForStatus(status);
  if (status < 400 || status >= 500) {
    std::string st = std::to_string(status);
    std::string r = reason.empty() ? std::string(StatusText(status)) : std::string(reason);
    e.text = "received unexpected HTTP status: " + st + (r.empty() ? "" : " " + r);
    return e;
  }
  // OAuth errors in the bearer challenge come first (RFC 6750 section 3.1).
  for (const auto& h : www_authenticate) {
    for (const auto& c : ParseWwwAuthenticate(h)) {
      if (c.scheme != "bearer") continue;
      std::string err = c.Param("error");
      std::string code = err == "invalid_token" ? "UNAUTHORIZED" : err == "insufficient_scope" ? "DENIED" : "";
      if (code.empty()) continue;
      RegistryErrorItem item = MakeItem(code, c.Param("error_description"), false);
      item.bare = false;  // built as an errcode.Error, not a bare code
      e.items.push_back(std::move(item));
      break;
    }
    if (!e.items.empty()) break;
  }
  std::string unexpected;  // UnexpectedHTTPResponseError's text, when the body had no errors
  auto j = ParseJson(body, "registry response");
  if (j.ok() && j->is_object() && j->contains("details") && (*j)["details"].is_string() &&
      !(*j)["details"].get<std::string>().empty()) {
    // Old token servers: {"details": "incorrect username or password"}.
    std::string code = status == 401 ? "UNAUTHORIZED" : status == 429 ? "TOOMANYREQUESTS" : "UNKNOWN";
    RegistryErrorItem item = MakeItem(code, (*j)["details"].get<std::string>(), false);
    item.bare = false;
    e.items.push_back(std::move(item));
  } else if (j.ok() && j->is_object() && j->contains("errors") && (*j)["errors"].is_array() &&
             !(*j)["errors"].empty()) {
    for (const auto& it : (*j)["errors"]) {
      if (!it.is_object()) continue;
      std::string code = it.contains("code") && it["code"].is_string() ? it["code"].get<std::string>() : "";
      std::string msg = it.contains("message") && it["message"].is_string() ? it["message"].get<std::string>() : "";
      bool detail = it.contains("detail") && !it["detail"].is_null();
      e.items.push_back(MakeItem(code, msg, detail));
    }
  } else {
    std::string why = !j.ok() ? JsonParseError(body) : "no error details found in HTTP response body";
    unexpected = fmt::format("error parsing HTTP {} response body: {}: {}", status, why, GoQuote(body));
  }
  if (e.items.empty() && !unexpected.empty() && status == 401) {
    RegistryErrorItem item = MakeItem("UNAUTHORIZED", "", true);  // WithDetail(body)
    e.items.push_back(std::move(item));
  }
  e.text = e.items.empty() ? unexpected : JoinItems(e.items);
  if (!e.items.empty()) {
    // The first error's code says more than the status does.
    const std::string& c = e.items.front().code;
    if (c == "UNAUTHORIZED" || c == "DENIED") e.errc = Errc::kPermissionDenied;
    else if (c == "MANIFEST_UNKNOWN" || c == "NAME_UNKNOWN" || c == "BLOB_UNKNOWN" || c == "BLOB_UPLOAD_UNKNOWN")
      e.errc = Errc::kNotFound;
    else if (c == "TOOMANYREQUESTS" || c == "UNAVAILABLE") e.errc = Errc::kUnavailable;
  }
  return e;
}

}  // namespace skiff::registry

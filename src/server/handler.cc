#include "server/handler.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "base/strings.h"
#include "server/errors.h"
#include "server/router.h"

namespace skiff::server {

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Whether a comma-separated header value contains token (case-insensitive): "keep-alive, Upgrade".
bool HasToken(std::string_view value, std::string_view token) {
  for (auto& part : Split(value, ',')) {
    if (IEquals(Trim(part), token)) return true;
  }
  return false;
}

}  // namespace

std::string_view Headers::Get(std::string_view name) const {
  for (auto& [k, v] : fields_)
    if (IEquals(k, name)) return v;
  return {};
}

std::vector<std::string_view> Headers::GetAll(std::string_view name) const {
  std::vector<std::string_view> out;
  for (auto& [k, v] : fields_)
    if (IEquals(k, name)) out.push_back(v);
  return out;
}

bool Headers::Has(std::string_view name) const {
  for (auto& f : fields_)
    if (IEquals(f.first, name)) return true;
  return false;
}

Query Query::Parse(std::string_view raw) {
  Query q;
  for (auto& pair : Split(raw, '&')) {
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string_view k = pair, v;
    if (eq != std::string::npos) {
      k = std::string_view(pair).substr(0, eq);
      v = std::string_view(pair).substr(eq + 1);
    }
    auto dk = UrlDecode(k, true);
    auto dv = UrlDecode(v, true);
    if (!dk.ok() || !dv.ok()) continue;  // like Go's ParseQuery: a bad pair is skipped
    q.Add(std::move(*dk), std::move(*dv));
  }
  return q;
}

std::optional<std::string> Query::Get(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

std::string Query::GetOr(std::string_view key, std::string_view def) const {
  auto v = Get(key);
  return v ? *v : std::string(def);
}

std::vector<std::string> Query::GetAll(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool Query::GetBool(std::string_view key, bool def) const {
  auto v = Get(key);
  if (!v) return def;
  std::string s = ToLower(Trim(*v));
  return !(s.empty() || s == "0" || s == "no" || s == "false" || s == "none");
}

Result<int64_t> Query::GetInt(std::string_view key, int64_t def) const {
  auto v = Get(key);
  if (!v || v->empty()) return def;
  auto n = ParseInt(*v);
  if (!n) return Error(Errc::kInvalidArgument, "invalid value for " + std::string(key) + ": " + *v);
  return *n;
}

Result<Json> Query::GetJson(std::string_view key) const {
  auto v = Get(key);
  if (!v || v->empty()) return Json();
  return ParseJson(*v, std::string(key));
}

Result<std::string> BodyReader::ReadAll(size_t limit) {
  std::string out;
  if (auto len = ContentLength(); len && *len <= limit) out.reserve(*len);
  char buf[64 * 1024];
  for (;;) {
    size_t n = SKIFF_TRY(Read(buf, sizeof buf));
    if (n == 0) return out;
    if (out.size() + n > limit) {
      return Error(Errc::kInvalidArgument, "request body exceeds " + std::to_string(limit) + " bytes");
    }
    out.append(buf, n);
  }
}

Result<Json> BodyReader::ReadJson(size_t limit) {
  std::string text = SKIFF_TRY(ReadAll(limit));
  if (Trim(text).empty()) return Json();
  auto j = ParseJson(text, "request body");
  if (!j.ok()) return Error(Errc::kInvalidArgument, j.error().message());
  return j;
}

Result<size_t> RawConn::Read(char* buf, size_t n) {
  if (n == 0) return size_t{0};
  if (!buffered_.empty()) {
    size_t k = std::min(n, buffered_.size());
    buffered_.copy(buf, k);
    buffered_.erase(0, k);
    return k;
  }
  for (;;) {
    ssize_t r = ::read(fd_.get(), buf, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno == EINTR) continue;
    if (errno == ECONNRESET) return size_t{0};
    return Error::Sys("read hijacked connection");
  }
}

Status RawConn::Write(std::string_view data) {
  while (!data.empty()) {
    ssize_t r = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE || errno == ECONNRESET) return Error(Errc::kUnavailable, "client closed the connection");
      return Error::Sys("write hijacked connection");
    }
    data.remove_prefix(static_cast<size_t>(r));
  }
  return Ok();
}

Status RawConn::CloseWrite() {
  if (::shutdown(fd_.get(), SHUT_WR) < 0 && errno != ENOTCONN) return Error::Sys("shutdown hijacked connection");
  return Ok();
}

const std::string& Request::Param(std::string_view name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

bool Request::WantsUpgrade() const {
  return HasToken(headers.Get("Connection"), "upgrade") && IEquals(Trim(headers.Get("Upgrade")), "tcp");
}

Status Response::WriteError(const Error& e) { return WriteJson(HttpStatus(e), ErrorJson(e)); }

}  // namespace skiff::server

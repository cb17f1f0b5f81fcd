// Blocking HTTP/1.1 client over a unix socket, the transport under the CLI's Engine API calls.
// One connection per request (the daemon is local; no pooling). A Send() returns once the response head
// is read; the HttpResponse owns the connection and reads the body on demand (chunked bodies decoded), so
// one type serves JSON calls, endless streams (logs -f, events) and waits whose body comes much later.
// Hijack() is for attach/exec: it expects `101 UPGRADED` (or 200 from old daemons) and hands over the raw
// socket plus any bytes already read past the head. Request bodies are a string (Content-Length) or an fd
// streamed with chunked encoding until EOF. Beast lives only in http_client.cc.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/fd.h"

namespace skiff::cli {

struct HttpRequest {
  std::string method = "GET";
  std::string target;  // origin-form: "/v1.41/containers/json?all=1"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;      // sent with Content-Length when body_fd < 0
  int body_fd = -1;      // not owned; streamed chunked until EOF
};

class HttpResponse {
 public:
  virtual ~HttpResponse() = default;
  virtual int status() const = 0;
  // Header lookup, case-insensitive; "" when absent.
  virtual std::string header(std::string_view name) const = 0;
  // Reads up to n body bytes; 0 means the body ended.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  Result<std::string> ReadAll();
};

// A hijacked connection: the socket (blocking) and bytes that arrived with the response head.
struct HijackedConn {
  UniqueFd fd;
  std::string pending;
  std::string content_type;
};

class HttpClient {
 public:
  explicit HttpClient(std::string socket_path) : path_(std::move(socket_path)) {}
  const std::string& socket_path() const { return path_; }
  // Connect failures are Errc::kUnavailable with the strerror text.
  Result<std::unique_ptr<HttpResponse>> Send(const HttpRequest& req) const;
  // Adds Connection: Upgrade / Upgrade: tcp. A non-1xx/2xx answer returns the response in `refused`
  // (so the caller can turn the daemon's JSON error into a message) and an error.
  Result<HijackedConn> Hijack(const HttpRequest& req, std::unique_ptr<HttpResponse>* refused) const;

 private:
  std::string path_;
};

}  // namespace skiff::cli

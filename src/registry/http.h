// The HTTP transport of the registry client: one request at a time on a curl easy handle (one handle per
// thread, reset between requests, so connections are reused), HTTP/1.1, per-registry TLS settings,
// streamed request and response bodies, redirects followed by hand (Authorization is dropped when a
// redirect leaves the host). Transport failures come back worded like Go's net/http errors
// (`Get "https://h/v2/": dial tcp h:443: connect: connection refused`), as Docker prints them.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"

namespace skiff::registry::http {

struct TlsConfig {
  bool verify = true;
  std::string ca_pem;       // extra CA certificates (PEM) plus the system bundle; empty: system CAs only
  std::string client_cert;  // path of a PEM client certificate, with client_key
  std::string client_key;
};

// Reads the TLS settings Docker reads from <certs_dir>/<host[:port]>: *.crt CAs (added to the system
// ones), *.cert + *.key client pairs. A missing directory is no error.
Result<TlsConfig> LoadTlsConfig(const std::string& certs_dir, const std::string& hostport, bool verify);

struct Response {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased, in order
  std::string body;       // non-2xx bodies always; 2xx bodies unless the request streams them
  std::string url;        // the URL that answered (after redirects)
  std::string Header(std::string_view name) const;             // first value or ""
  std::vector<std::string> Headers(std::string_view name) const;
};

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string authorization;         // the Authorization value; not sent across hosts on redirects
  std::string content_type;          // for bodies
  std::optional<std::string_view> body;  // an in-memory body (the caller keeps it alive)
  // A streamed body of unknown length (sent chunked): returns bytes put in buf, 0 at the end.
  std::function<Result<size_t>(char* buf, size_t n)> read_body;
  // When set, a 2xx response body goes here instead of Response::body. An error aborts the transfer.
  std::function<Status(const char* data, size_t n)> sink;
  // Called once when a final response's headers are complete, before any body byte reaches sink.
  std::function<Status(const Response& head)> on_head;
  bool follow_redirects = false;
};

class Transport {
 public:
  Transport(TlsConfig tls, std::string user_agent) : tls_(std::move(tls)), user_agent_(std::move(user_agent)) {}
  // The request's response (any status), or a transport error (kUnavailable; a TLS verification failure
  // is kUnavailable too, worded "x509: ..."). An error from sink/on_head/read_body is returned as is.
  Result<Response> Do(const Request& req) const;
  const TlsConfig& tls() const { return tls_; }

 private:
  Result<Response> DoOnce(const Request& req, const std::string& url, bool send_auth) const;
  TlsConfig tls_;
  std::string user_agent_;
};

// Go's method casing in url.Error ("Get", "Head", "Post", "Put", "Patch", "Delete").
std::string GoMethod(std::string_view method);
// Resolves a (possibly relative) Location against a base URL.
Result<std::string> ResolveUrl(const std::string& base, const std::string& ref);
// "scheme://host:port" of a URL, for same-origin checks; "" when it does not parse.
std::string Origin(const std::string& url);
// Percent-encodes a query component.
std::string QueryEscape(std::string_view s);

}  // namespace skiff::registry::http

// The handler interface of the API server: what a handler sees (Request) and how it answers (Response).
// No Boost here: handler code includes only this, router.h and errors.h.
//
// Lifecycle: the server runs each request's handler on a thread of its own (handlers may block: a pull, a
// `logs -f`, an attach). The Request, its BodyReader and the Response are owned by the server and valid
// only until the handler returns. A handler answers exactly once: WriteStatus/WriteJson/WriteRaw/WriteError,
// or StartStream + WriteChunk... + EndStream, or Hijack. A handler that returns an Error without having
// answered gets the mapped status and {"message":...}; one that returns silently gets an empty 200 (as Go).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/fd.h"
#include "base/json.h"

namespace skiff::server {

// Request headers in arrival order; names compare case-insensitively.
class Headers {
 public:
  void Add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  // The first value of `name`, or "" when absent.
  std::string_view Get(std::string_view name) const;
  std::vector<std::string_view> GetAll(std::string_view name) const;
  bool Has(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// The URL query, decoded ('+' is a space, %XX escapes). Keys may repeat (?filter=a&filter=b).
class Query {
 public:
  static Query Parse(std::string_view raw);
  void Add(std::string key, std::string value) { values_[std::move(key)].push_back(std::move(value)); }
  bool Has(std::string_view key) const { return values_.find(key) != values_.end(); }
  // The first value of key, if present (possibly empty).
  std::optional<std::string> Get(std::string_view key) const;
  std::string GetOr(std::string_view key, std::string_view def) const;
  std::vector<std::string> GetAll(std::string_view key) const;
  // Docker's boolValue: absent -> def; "", "0", "no", "false", "none" (any case) -> false; else true.
  bool GetBool(std::string_view key, bool def = false) const;
  // Absent or empty -> def; not an integer -> InvalidArgument naming the key.
  Result<int64_t> GetInt(std::string_view key, int64_t def = 0) const;
  // A JSON-valued parameter (filters, buildargs): absent or empty -> null.
  Result<Json> GetJson(std::string_view key) const;
  const std::map<std::string, std::vector<std::string>, std::less<>>& values() const { return values_; }

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

// The request body as a stream: nothing is buffered beyond one socket read, so a multi-GB tar upload
// flows through Read() in pieces. Chunked request bodies are decoded transparently.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Reads up to n bytes (blocking until at least one is available); 0 = end of body.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Content-Length when the client sent one.
  virtual std::optional<uint64_t> ContentLength() const = 0;
  // The whole body; InvalidArgument when it exceeds `limit` bytes.
  Result<std::string> ReadAll(size_t limit = 32u << 20);
  // The body parsed as JSON; an empty body is null (Docker accepts a missing config).
  Result<Json> ReadJson(size_t limit = 32u << 20);
};

// A hijacked connection (attach, exec start): the raw stream after "101 UPGRADED". Owns its fd (a dup of
// the connection socket). Bytes the client sent after the request head, before the server read them as
// raw data, are kept in buffered() and returned first by Read(). The client sees EOF on CloseWrite(), or
// once this object is destroyed and the handler has returned.
class RawConn {
 public:
  RawConn(UniqueFd fd, std::string buffered) : fd_(std::move(fd)), buffered_(std::move(buffered)) {}
  // For poll(): consume TakeBuffered() before waiting on it.
  int fd() const { return fd_.get(); }
  std::string TakeBuffered() { return std::exchange(buffered_, std::string()); }
  // Up to n bytes, blocking; 0 = the client closed its side.
  Result<size_t> Read(char* buf, size_t n);
  // Writes everything (no SIGPIPE; a gone client is kUnavailable).
  Status Write(std::string_view data);
  // Half-close: the client reads EOF, and may still send.
  Status CloseWrite();
  void Close() { fd_.reset(); }

 private:
  UniqueFd fd_;
  std::string buffered_;
};

struct Request {
  std::string method;       // "GET", "POST", ... as sent
  std::string target;       // the raw request-target: "/v1.41/containers/json?all=1"
  std::string path;         // decoded, without version prefix and query: "/containers/json"
  std::string api_version;  // from the "/vX.Y" prefix, or the server's version when there is none
  std::map<std::string, std::string, std::less<>> params;  // pattern parameters, decoded
  Query query;
  Headers headers;
  BodyReader* body = nullptr;  // never null inside a handler
  std::stop_token stop;        // requested when the server begins to stop: endless streams should end
  bool keep_alive = true;

  // A pattern parameter, "" if absent.
  const std::string& Param(std::string_view name) const;
  // Connection: Upgrade + Upgrade: tcp (what the docker client sends for attach/exec start).
  bool WantsUpgrade() const;
};

class Response {
 public:
  virtual ~Response() = default;
  // Extra header for the response; only before the first write. Api-Version and Server are always set.
  virtual void SetHeader(std::string name, std::string value) = 0;
  // A bodyless response (204, 304, 201 without body...).
  virtual Status WriteStatus(int status) = 0;
  // JSON body, application/json, with the trailing newline Go's encoder writes.
  virtual Status WriteJson(int status, const Json& body) = 0;
  virtual Status WriteRaw(int status, std::string_view content_type, std::string_view body) = 0;
  // HttpStatus(e) with {"message": e.message()}.
  Status WriteError(const Error& e);
  // Chunked streaming (logs -f, events, pull progress): each WriteChunk goes to the socket at once.
  // EndStream is optional: the server ends the stream when the handler returns.
  virtual Status StartStream(int status, std::string_view content_type) = 0;
  virtual Status WriteChunk(std::string_view data) = 0;
  virtual Status EndStream() = 0;
  // Docker's hijack: answers "101 UPGRADED" (or "200 OK" and raw data when the client did not ask for an
  // upgrade), content_type "application/vnd.docker.raw-stream" or ".multiplexed-stream"; then the caller
  // owns the raw connection. The connection is never reused for HTTP afterwards.
  virtual Result<std::unique_ptr<RawConn>> Hijack(std::string_view content_type) = 0;
  // Whether anything was sent: after that, errors can no longer become an HTTP status.
  virtual bool started() const = 0;
};

// A handler returns Ok() after answering, or an Error (answered for it when nothing was sent yet).
using Handler = std::function<Status(Request&, Response&)>;

}  // namespace skiff::server

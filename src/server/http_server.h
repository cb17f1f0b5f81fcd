// HttpServer: HTTP/1.1 on a unix socket, the transport of the Docker Engine API.
//
// Threads: a small Asio pool (one thread per core, at least 2) accepts connections and waits for request
// heads, so idle keep-alive connections cost no thread. Each request then runs its handler on a thread of
// its own with blocking I/O on the connection (handlers may stream for hours: logs -f, events, attach),
// and the connection returns to the pool for the next request. Beast is confined to http_server.cc.
//
// Every response carries Api-Version, Server: Skiff/<version> and Ostype. /_ping (GET, HEAD) is built in.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"
#include "server/router.h"

namespace skiff::server {

// "0.1.0": the project version, as sent in "Server: Skiff/<version>".
std::string_view ServerVersion();

struct ServerOptions {
  std::string socket_path;        // created fresh; a stale socket file is removed, a live one is an error
  mode_t mode = 0660;             // of the socket file
  std::string group = "skiff";    // chgrp'd to this group when it exists (and we may)
  int io_threads = 0;             // 0: one per core, at least 2
  size_t max_header_bytes = 1u << 20;  // X-Registry-Auth / X-Registry-Config can be large
};

class HttpServer {
 public:
  // Binds, listens and starts serving. The router is moved in; /_ping is added to it.
  static Result<std::unique_ptr<HttpServer>> Start(ServerOptions options, Router router);
  ~HttpServer();  // Stop(0s) when Stop was not called
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Graceful stop: closes the listener (the socket file is removed), closes idle connections, requests
  // stop on every Request::stop token (endless streams end), and lets in-flight requests finish. After
  // `grace`, the remaining connections are shut down (handler I/O fails). Returns when every handler
  // returned and the pool exited. Safe to call more than once and from any thread but a handler's.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  const std::string& socket_path() const;
  // Requests whose handler is running now.
  size_t ActiveRequests() const;

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace skiff::server

// Helpers shared by the Engine API handlers: adapters between the HTTP request/response streams and the
// storage byte streams, Docker's stdcopy framing, the hijack fd hand-over, and query parsing with Docker's
// rules. Nothing here owns anything beyond its call.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/fd.h"
#include "base/json.h"
#include "daemon/daemon.h"
#include "server/handler.h"
#include "storage/stream.h"

namespace skiff::server::api {

// Streams a response body in chunks of at least `min_chunk` bytes (the first Write starts the stream).
class ChunkWriter : public storage::ByteWriter {
 public:
  ChunkWriter(Response& res, std::string content_type, size_t min_chunk = 64 * 1024)
      : res_(res), type_(std::move(content_type)), min_(min_chunk) {}
  Status Write(const char* data, size_t n) override;
  Status Flush();
  bool started() const { return started_; }

 private:
  Status Begin();
  Response& res_;
  std::string type_;
  size_t min_;
  std::string buf_;
  bool started_ = false;
};

// The request body as a ByteReader (tar uploads: load, import, PUT archive).
class BodyByteReader : public storage::ByteReader {
 public:
  explicit BodyByteReader(BodyReader& b) : b_(b) {}
  Result<size_t> Read(char* buf, size_t n) override { return b_.Read(buf, n); }

 private:
  BodyReader& b_;
};

// Docker's stdcopy frame: [stream, 0, 0, 0, big-endian uint32 length] + payload.
std::string StdFrame(int stream, std::string_view payload);

// Hijacks the connection (Docker's raw-stream media type) and returns an owned fd of it plus the bytes
// the client already sent.
Result<std::pair<UniqueFd, std::string>> HijackFd(Response& res);

// ?t= for stop/restart: absent -> nullopt; else the integer.
Result<std::optional<int>> OptInt(const Request& req, std::string_view key);
// A JSON body that must be an object or absent.
Result<Json> BodyJson(Request& req);
// ?filters= parsed with the allowed keys.
Result<daemon::Filters> QueryFilters(const Request& req, const std::set<std::string>& allowed);

}  // namespace skiff::server::api

#include "server/api/common.h"

#include <fcntl.h>

namespace skiff::server::api {

Status ChunkWriter::Begin() {
  if (started_) return Ok();
  started_ = true;
  return res_.StartStream(200, type_);
}

Status ChunkWriter::Write(const char* data, size_t n) {
  SKIFF_TRY(Begin());
  buf_.append(data, n);
  if (buf_.size() >= min_) return Flush();
  return Ok();
}

Status ChunkWriter::Flush() {
  SKIFF_TRY(Begin());
  if (buf_.empty()) return Ok();
  Status s = res_.WriteChunk(buf_);
  buf_.clear();
  return s;
}

std::string StdFrame(int stream, std::string_view payload) {
  std::string f(8, '\0');
  f[0] = static_cast<char>(stream);
  uint32_t n = static_cast<uint32_t>(payload.size());
  f[4] = static_cast<char>((n >> 24) & 0xff);
  f[5] = static_cast<char>((n >> 16) & 0xff);
  f[6] = static_cast<char>((n >> 8) & 0xff);
  f[7] = static_cast<char>(n & 0xff);
  f.append(payload);
  return f;
}

Result<std::pair<UniqueFd, std::string>> HijackFd(Response& res) {
  auto conn = SKIFF_TRY(res.Hijack("application/vnd.docker.raw-stream"));
  int fd = ::fcntl(conn->fd(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return Error::Sys("dup hijacked connection");
  return std::make_pair(UniqueFd(fd), conn->TakeBuffered());
}

Result<std::optional<int>> OptInt(const Request& req, std::string_view key) {
  auto v = req.query.Get(key);
  if (!v || v->empty()) return std::optional<int>();
  int64_t n = SKIFF_TRY(req.query.GetInt(key));
  return std::optional<int>(static_cast<int>(n));
}

Result<Json> BodyJson(Request& req) {
  Json j = SKIFF_TRY(req.body->ReadJson());
  if (!j.is_null() && !j.is_object()) return Error(Errc::kInvalidArgument, "invalid JSON body: expected an object");
  return j;
}

Result<daemon::Filters> QueryFilters(const Request& req, const std::set<std::string>& allowed) {
  return daemon::Filters::ParseText(req.query.GetOr("filters", ""), allowed);
}

}  // namespace skiff::server::api

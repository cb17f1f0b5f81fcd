#include "cli/http_client.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "base/file.h"

namespace skiff::cli {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

// A blocking fd as a Beast SyncReadStream/SyncWriteStream.
class FdStream {
 public:
  explicit FdStream(int fd) : fd_(fd) {}

  template <class Buffers>
  size_t read_some(const Buffers& buffers, beast::error_code& ec) {
    for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it) {
      net::mutable_buffer b = *it;
      if (b.size() == 0) continue;
      ssize_t n;
      do n = ::read(fd_, b.data(), b.size());
      while (n < 0 && errno == EINTR);
      if (n < 0) {
        ec = beast::error_code(errno, boost::system::system_category());
        return 0;
      }
      if (n == 0) {
        ec = net::error::eof;
        return 0;
      }
      ec = {};
      return static_cast<size_t>(n);
    }
    ec = {};
    return 0;
  }
  template <class Buffers>
  size_t read_some(const Buffers& buffers) {
    beast::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  template <class Buffers>
  size_t write_some(const Buffers& buffers, beast::error_code& ec) {
    for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it) {
      net::const_buffer b = *it;
      if (b.size() == 0) continue;
      ssize_t n;
      do n = ::send(fd_, b.data(), b.size(), MSG_NOSIGNAL);
      while (n < 0 && errno == EINTR);
      if (n < 0) {
        ec = beast::error_code(errno, boost::system::system_category());
        return 0;
      }
      ec = {};
      return static_cast<size_t>(n);
    }
    ec = {};
    return 0;
  }
  template <class Buffers>
  size_t write_some(const Buffers& buffers) {
    beast::error_code ec;
    size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  int fd_;
};

Result<UniqueFd> ConnectUnix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return Error(Errc::kInvalidArgument, "socket path too long: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Error::Sys("socket");
  int rc;
  do rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    Error e = Error::Sys("dial unix " + path);
    return Error(Errc::kUnavailable, e.message(), e.sys_errno());
  }
  return fd;
}

Status SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Sys("write to daemon");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

std::string RequestHead(const HttpRequest& req, bool chunked, bool upgrade) {
  std::string head = fmt::format("{} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: Skiff-Client/{} (linux)\r\n",
                                 req.method, req.target, upgrade ? "" : "docker", SKIFF_VERSION);
  bool has_type = false;
  for (const auto& [k, v] : req.headers) {
    head += k + ": " + v + "\r\n";
    if (strcasecmp(k.c_str(), "Content-Type") == 0) has_type = true;
  }
  if (chunked) {
    head += "Transfer-Encoding: chunked\r\n";
  } else if (req.method != "GET" && req.method != "HEAD") {
    head += fmt::format("Content-Length: {}\r\n", req.body.size());
  }
  if (upgrade) head += "Connection: Upgrade\r\nUpgrade: tcp\r\n";
  if (!has_type && req.method != "GET" && req.method != "HEAD") head += "Content-Type: text/plain\r\n";
  head += "\r\n";
  return head;
}

class BeastResponse : public HttpResponse {
 public:
  BeastResponse(UniqueFd fd, bool head_only) : fd_(std::move(fd)), stream_(fd_.get()) {
    parser_.body_limit(std::numeric_limits<std::uint64_t>::max());  // boost::none compares wrong in 1.74
    parser_.header_limit(1 << 20);
    if (head_only) parser_.skip(true);
  }

  Status ReadHead() {
    beast::error_code ec;
    http::read_header(stream_, buffer_, parser_, ec);
    if (ec) return Error(Errc::kUnavailable, "reading response from daemon: " + ec.message());
    return Ok();
  }

  int status() const override { return static_cast<int>(parser_.get().result_int()); }
  std::string header(std::string_view name) const override {
    auto it = parser_.get().find(beast::string_view(name.data(), name.size()));
    if (it == parser_.get().end()) return "";
    return std::string(it->value());
  }

  Result<size_t> Read(char* buf, size_t n) override {
    while (!parser_.is_done()) {
      auto& body = parser_.get().body();
      body.data = buf;
      body.size = n;
      beast::error_code ec;
      http::read_some(stream_, buffer_, parser_, ec);
      if (ec == http::error::need_buffer) ec = {};
      size_t got = n - body.size;
      if (ec && ec != http::error::end_of_stream) {
        if (got > 0) return got;
        return Error(Errc::kUnavailable, "reading response body from daemon: " + ec.message());
      }
      if (got > 0) return got;
      if (ec == http::error::end_of_stream) break;
    }
    return size_t{0};
  }

  // For hijack: the fd and what the parser buffered beyond the head.
  HijackedConn TakeConn() {
    HijackedConn c;
    c.content_type = header("Content-Type");
    auto data = buffer_.data();
    c.pending.assign(static_cast<const char*>(data.data()), data.size());
    buffer_.consume(buffer_.size());
    c.fd = std::move(fd_);
    return c;
  }

 private:
  UniqueFd fd_;
  FdStream stream_;
  beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> parser_;
};

Result<std::unique_ptr<BeastResponse>> Roundtrip(const std::string& path, const HttpRequest& req,
                                                 bool upgrade) {
  UniqueFd fd = SKIFF_TRY(ConnectUnix(path));
  bool chunked = req.body_fd >= 0;
  std::string head = RequestHead(req, chunked, upgrade);
  // A daemon may answer (an error) before it read the whole body: a failed write is then not the error
  // to report, the response is.
  bool write_ok = true;
  if (!chunked) {
    write_ok = SendAll(fd.get(), head + req.body).ok();
  } else {
    write_ok = SendAll(fd.get(), head).ok();
    std::string buf(64 * 1024, '\0');
    while (write_ok) {
      ssize_t n = ::read(req.body_fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Error::Sys("read request body");
      if (n == 0) {
        write_ok = SendAll(fd.get(), "0\r\n\r\n").ok();
        break;
      }
      std::string chunk = fmt::format("{:x}\r\n", n);
      chunk.append(buf.data(), static_cast<size_t>(n));
      chunk += "\r\n";
      write_ok = SendAll(fd.get(), chunk).ok();
    }
  }
  auto resp = std::make_unique<BeastResponse>(std::move(fd), req.method == "HEAD");
  Status st = resp->ReadHead();
  if (!st.ok()) {
    if (!write_ok) return Error(Errc::kUnavailable, "writing request to daemon: connection closed");
    return std::move(st).error();
  }
  return resp;
}

}  // namespace

Result<std::string> HttpResponse::ReadAll() {
  std::string out;
  char buf[64 * 1024];
  while (true) {
    size_t n = SKIFF_TRY(Read(buf, sizeof(buf)));
    if (n == 0) break;
    out.append(buf, n);
  }
  return out;
}

Result<std::unique_ptr<HttpResponse>> HttpClient::Send(const HttpRequest& req) const {
  auto resp = SKIFF_TRY(Roundtrip(path_, req, false));
  return std::unique_ptr<HttpResponse>(std::move(resp));
}

Result<HijackedConn> HttpClient::Hijack(const HttpRequest& req, std::unique_ptr<HttpResponse>* refused) const {
  auto resp = SKIFF_TRY(Roundtrip(path_, req, true));
  int code = resp->status();
  if (code == 101 || (code >= 200 && code < 300)) return resp->TakeConn();
  std::string ctx = fmt::format("hijack {}: HTTP {}", req.target, code);
  if (refused) *refused = std::move(resp);
  return Error(Errc::kUnavailable, ctx);
}

}  // namespace skiff::cli

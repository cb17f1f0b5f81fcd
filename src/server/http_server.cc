// The only translation unit that includes Asio/Beast (they are slow to compile).
#include "server/http_server.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <limits>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "base/file.h"
#include "base/log.h"
#include "server/errors.h"

#ifndef SKIFF_SERVER_VERSION
#define SKIFF_SERVER_VERSION "0.0.0"
#endif

namespace skiff::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Local = net::local::stream_protocol;

std::string_view ServerVersion() { return SKIFF_SERVER_VERSION; }

namespace {

const std::string& ServerHeader() {
  static const std::string s = std::string("Skiff/") + SKIFF_SERVER_VERSION;
  return s;
}

void SetCloexec(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

const boost::system::error_category& HttpCategory() {
  return http::make_error_code(http::error::end_of_stream).category();
}

Error NetError(const beast::error_code& ec, std::string_view what) {
  Errc code = Errc::kInternal;
  if (ec == net::error::eof || ec == net::error::broken_pipe || ec == net::error::connection_reset ||
      ec == net::error::not_connected || ec == net::error::shut_down) {
    code = Errc::kUnavailable;
  } else if (ec.category() == HttpCategory()) {
    code = Errc::kInvalidArgument;
  }
  return Error(code, std::string(what) + ": " + ec.message());
}

class Connection;

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  explicit Impl(ServerOptions o, Router r) : opts(std::move(o)), router(std::move(r)) {}

  void Accept();
  Status Listen();

  ServerOptions opts;
  Router router;

  // Guards the fields below it. Declared before ctx: connections destroyed with ctx unregister here.
  mutable std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool stopped = false;
  size_t busy = 0;                 // handlers running
  std::set<Connection*> conns;     // live connections
  std::atomic<bool> stopping_flag{false};
  std::stop_source stop_source;

  net::io_context ctx;
  net::strand<net::io_context::executor_type> accept_strand{ctx.get_executor()};
  Local::acceptor acceptor{accept_strand};
  net::steady_timer retry_timer{accept_strand};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
};

namespace {

class ResponseImpl;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(HttpServer::Impl* srv, Local::socket sock)
      : srv_(srv), sock_(std::move(sock)), fd_(sock_.native_handle()) {}
  ~Connection() {
    std::lock_guard l(srv_->mu);
    srv_->conns.erase(this);
  }

  void ReadHeader();
  // Shuts the socket down (from Stop, under srv->mu); the fd stays open until the destructor.
  void Kill() { ::shutdown(fd_, SHUT_RDWR); }
  bool idle = false;  // guarded by srv_->mu: waiting for a request head

 private:
  friend class BodyImpl;
  friend class ResponseImpl;
  void OnHeader(beast::error_code ec);
  void Serve();

  HttpServer::Impl* srv_;
  Local::socket sock_;
  const int fd_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
};

class BodyImpl final : public BodyReader {
 public:
  BodyImpl(Connection* c, bool expect_continue, ResponseImpl* res)
      : c_(c), expect_continue_(expect_continue), res_(res) {}
  Result<size_t> Read(char* buf, size_t n) override;
  std::optional<uint64_t> ContentLength() const override {
    auto l = c_->parser_->content_length();
    return l ? std::optional<uint64_t>(*l) : std::nullopt;
  }
  bool continue_pending() const { return expect_continue_ && !continue_sent_; }

 private:
  Connection* c_;
  bool expect_continue_;
  bool continue_sent_ = false;
  ResponseImpl* res_;
};

class ResponseImpl final : public Response {
 public:
  ResponseImpl(Connection* c, const Request& req)
      : c_(c), req_(req), head_(req.method == "HEAD"), keep_(req.keep_alive) {}

  void SetHeader(std::string name, std::string value) override {
    extra_.emplace_back(std::move(name), std::move(value));
  }
  Status WriteStatus(int status) override {
    SKIFF_TRY(Begin(kDone));
    http::response<http::empty_body> r;
    Prepare(r, status);
    if (!(status < 200 || status == 204 || status == 304)) r.content_length(0);
    beast::error_code ec;
    http::write(c_->sock_, r, ec);
    return Check(ec, "write response");
  }
  Status WriteJson(int status, const Json& body) override {
    return WriteRaw(status, "application/json", DumpJson(body) + "\n");
  }
  Status WriteRaw(int status, std::string_view content_type, std::string_view body) override {
    SKIFF_TRY(Begin(kDone));
    http::response<http::string_body> r;
    Prepare(r, status);
    if (!content_type.empty()) r.set(http::field::content_type, content_type);
    r.body() = std::string(body);
    r.prepare_payload();
    if (head_) r.body().clear();  // Content-Length stays: what GET would send
    beast::error_code ec;
    http::write(c_->sock_, r, ec);
    return Check(ec, "write response");
  }
  Status StartStream(int status, std::string_view content_type) override {
    SKIFF_TRY(Begin(kStreaming));
    http::response<http::empty_body> r;
    Prepare(r, status);
    if (!content_type.empty()) r.set(http::field::content_type, content_type);
    r.chunked(true);
    http::response_serializer<http::empty_body> sr{r};
    beast::error_code ec;
    http::write_header(c_->sock_, sr, ec);
    return Check(ec, "write response header");
  }
  Status WriteChunk(std::string_view data) override {
    if (state_ != kStreaming) return Error(Errc::kInternal, "WriteChunk without StartStream");
    if (broken_) return Error(Errc::kUnavailable, "client connection is gone");
    if (data.empty() || head_) return Ok();  // an empty chunk would end the stream
    beast::error_code ec;
    net::write(c_->sock_, http::make_chunk(net::const_buffer(data.data(), data.size())), ec);
    return Check(ec, "write chunk");
  }
  Status EndStream() override {
    if (state_ != kStreaming) return Error(Errc::kInternal, "EndStream without StartStream");
    state_ = kDone;
    if (broken_ || head_) return Ok();
    beast::error_code ec;
    net::write(c_->sock_, http::make_chunk_last(), ec);
    return Check(ec, "end chunked stream");
  }
  Result<std::unique_ptr<RawConn>> Hijack(std::string_view content_type) override {
    SKIFF_TRY(Begin(kHijacked));
    keep_ = false;
    std::string h = req_.WantsUpgrade() ? "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                                        : "HTTP/1.1 200 OK\r\n";
    h += "Content-Type: " + std::string(content_type) + "\r\n";
    h += "Api-Version: " + std::string(kApiVersion) + "\r\nServer: " + ServerHeader() + "\r\nOstype: linux\r\n";
    for (auto& [k, v] : extra_) h += k + ": " + v + "\r\n";
    h += "\r\n";
    beast::error_code ec;
    net::write(c_->sock_, net::buffer(h), ec);
    SKIFF_TRY(Check(ec, "write hijack response"));
    int fd = ::fcntl(c_->fd_, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return Error::Sys("dup hijacked connection");
    UniqueFd owned(fd);
    // Asio made the (shared) file description non-blocking; RawConn does blocking I/O.
    int fl = ::fcntl(fd, F_GETFL);
    if (fl >= 0) ::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    auto data = c_->buf_.data();
    std::string buffered(static_cast<const char*>(data.data()), data.size());
    c_->buf_.consume(c_->buf_.size());
    return std::make_unique<RawConn>(std::move(owned), std::move(buffered));
  }
  bool started() const override { return state_ != kNone; }

  // A handler failed after its stream started: the stream must not end cleanly (no last chunk), so the
  // client sees a truncated body and an error instead of a short, complete-looking one.
  void Abort() {
    if (state_ == kStreaming) {
      broken_ = true;
      keep_ = false;
      state_ = kDone;
    }
  }
  // After the handler: answers a handler that answered nothing, ends an open stream.
  void Finish() {
    if (state_ == kNone) (void)WriteStatus(200);  // what Go's net/http does for a silent handler
    if (state_ == kStreaming) (void)EndStream();
  }
  // Whether the connection may carry another request.
  bool reusable() const { return keep_ && !broken_ && state_ == kDone; }

 private:
  enum State { kNone, kStreaming, kDone, kHijacked };

  Status Begin(State next) {
    if (state_ != kNone) return Error(Errc::kInternal, "response already sent");
    state_ = next;
    return Ok();
  }
  template <class Msg>
  void Prepare(Msg& r, int status) {
    r.version(11);
    r.result(static_cast<unsigned>(status));
    r.set(http::field::server, ServerHeader());
    r.set("Api-Version", kApiVersion);
    r.set("Ostype", "linux");
    for (auto& [k, v] : extra_) r.set(k, v);
    if (c_->srv_->stopping_flag.load()) keep_ = false;  // the last response of a stopping server
    r.keep_alive(keep_);
  }
  Status Check(const beast::error_code& ec, std::string_view what) {
    if (!ec) return Ok();
    broken_ = true;
    return NetError(ec, what);
  }

  Connection* c_;
  const Request& req_;
  bool head_;
  bool keep_ = true;
  bool broken_ = false;
  State state_ = kNone;
  std::vector<std::pair<std::string, std::string>> extra_;
};

Result<size_t> BodyImpl::Read(char* buf, size_t n) {
  auto& p = *c_->parser_;
  if (n == 0 || p.is_done()) return size_t{0};
  if (expect_continue_ && !continue_sent_ && !res_->started()) {
    continue_sent_ = true;
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    beast::error_code ec;
    net::write(c_->sock_, net::buffer(kContinue.data(), kContinue.size()), ec);
    if (ec) return NetError(ec, "write 100 Continue");
  }
  while (!p.is_done()) {
    auto& body = p.get().body();
    body.data = buf;
    body.size = n;
    beast::error_code ec;
    http::read_some(c_->sock_, c_->buf_, p, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return NetError(ec, "read request body");
    size_t got = n - body.size;
    if (got) return got;
  }
  return size_t{0};
}

void Connection::ReadHeader() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(srv_->opts.max_header_bytes));
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  http::async_read_header(sock_, buf_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Connection::OnHeader(beast::error_code ec) {
  if (ec) {
    log::Debug("api server: read request head: {}", ec.message());
    if (ec.category() == HttpCategory() && ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
      static constexpr std::string_view kBad =
          "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
          "Content-Length: 11\r\n\r\n400 Bad Request";
      beast::error_code ignored;
      net::write(sock_, net::buffer(kBad.data(), kBad.size()), ignored);
    }
    return;  // the connection dies with the last reference
  }
  {
    std::lock_guard l(srv_->mu);
    if (srv_->stopping) return;
    idle = false;
    ++srv_->busy;
  }
  try {
    std::thread([srv = srv_->shared_from_this(), self = shared_from_this()]() mutable {
      self->Serve();
      self.reset();
      std::lock_guard l(srv->mu);
      if (--srv->busy == 0) srv->cv.notify_all();
    }).detach();
  } catch (const std::system_error& e) {
    log::Err("api server: cannot start a handler thread: {}", e.what());
    std::lock_guard l(srv_->mu);
    if (--srv_->busy == 0) srv_->cv.notify_all();
  }
}

void Connection::Serve() {
  auto& msg = parser_->get();
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  for (auto& f : msg) req.headers.Add(std::string(f.name_string()), std::string(f.value()));
  req.keep_alive = msg.keep_alive();
  req.stop = srv_->stop_source.get_token();
  bool expect_continue = false;
  if (auto e = req.headers.Get("Expect"); !e.empty()) expect_continue = true;

  ResponseImpl res(this, req);
  BodyImpl body(this, expect_continue, &res);
  req.body = &body;
  Status st = srv_->router.Dispatch(req, res);
  if (!st.ok()) {
    // A client that went away is routine (a `docker run` interrupted, a closed `logs -f`).
    if (st.error().code() == Errc::kUnavailable) log::Debug("api server: {} {}: {}", req.method, req.target, st.error().message());
    else log::Warn("api server: {} {}: {}", req.method, req.target, st.error().message());
    res.Abort();
  }
  res.Finish();

  bool reuse = res.reusable() && !body.continue_pending();
  if (reuse && !parser_->is_done()) {
    // Unread body: skip a small rest like Go's net/http, else close the connection.
    char tmp[16 * 1024];
    size_t drained = 0;
    while (!parser_->is_done() && drained < (256u << 10)) {
      auto n = body.Read(tmp, sizeof tmp);
      if (!n.ok() || *n == 0) break;
      drained += *n;
    }
    reuse = parser_->is_done();
  }
  if (!reuse) return;
  {
    std::lock_guard l(srv_->mu);
    if (srv_->stopping) return;
    idle = true;
  }
  ReadHeader();
}

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(ctx, [this](beast::error_code ec, Local::socket sock) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      log::Warn("api server: accept: {}", ec.message());
      retry_timer.expires_after(std::chrono::milliseconds(100));
      retry_timer.async_wait([this](beast::error_code e) {
        if (!e) Accept();
      });
      return;
    }
    SetCloexec(sock.native_handle());
    auto conn = std::make_shared<Connection>(this, std::move(sock));
    {
      std::lock_guard l(mu);
      if (stopping) return;
      conns.insert(conn.get());
      conn->idle = true;
    }
    conn->ReadHeader();
    Accept();
  });
}

Status HttpServer::Impl::Listen() {
  const std::string& path = opts.socket_path;
  if (path.empty() || path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Error(Errc::kInvalidArgument, "api socket path \"" + path + "\" is empty or too long");
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Error(Errc::kAlreadyExists, path + ": exists and is not a socket");
    // Live (someone accepts) or stale (left by a crash)?
    Local::socket probe(ctx);
    beast::error_code ec;
    probe.connect(Local::endpoint(path), ec);
    if (!ec) return Error(Errc::kAlreadyExists, path + ": another daemon is listening on it");
    if (::unlink(path.c_str()) < 0 && errno != ENOENT) return Error::Sys("remove stale socket " + path);
  }
  SKIFF_TRY(MkdirAll(Dirname(path), 0755));
  beast::error_code ec;
  acceptor.open(Local(), ec);
  if (ec) return NetError(ec, "api socket");
  SetCloexec(acceptor.native_handle());
  acceptor.bind(Local::endpoint(path), ec);
  if (ec) return NetError(ec, "bind " + path);
  if (::chmod(path.c_str(), opts.mode) < 0) return Error::Sys("chmod " + path);
  if (!opts.group.empty()) {
    std::vector<char> buf(16384);
    struct group gr, *res = nullptr;
    if (::getgrnam_r(opts.group.c_str(), &gr, buf.data(), buf.size(), &res) == 0 && res) {
      if (::chown(path.c_str(), static_cast<uid_t>(-1), res->gr_gid) < 0) {
        log::Warn("api server: chgrp {} {}: {}", opts.group, path, std::strerror(errno));
      }
    }
  }
  acceptor.listen(SOMAXCONN, ec);
  if (ec) return NetError(ec, "listen " + path);
  return Ok();
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(ServerOptions options, Router router) {
  auto ping = [](Request&, Response& res) -> Status {
    res.SetHeader("Docker-Experimental", "false");
    res.SetHeader("Builder-Version", "1");
    res.SetHeader("Cache-Control", "no-cache, no-store, must-revalidate");
    res.SetHeader("Pragma", "no-cache");
    return res.WriteRaw(200, "text/plain; charset=utf-8", "OK");
  };
  router.Get("/_ping", ping);
  router.Head("/_ping", ping);
  auto impl = std::make_shared<Impl>(std::move(options), std::move(router));
  SKIFF_TRY(impl->Listen());
  impl->work.emplace(impl->ctx.get_executor());
  int n = impl->opts.io_threads;
  if (n <= 0) n = std::max(2u, std::thread::hardware_concurrency());
  for (int i = 0; i < n; ++i) {
    impl->threads.emplace_back([p = impl.get()] {
      for (;;) {
        try {
          p->ctx.run();
          return;
        } catch (const std::exception& e) {
          log::Err("api server: io thread: {}", e.what());
        }
      }
    });
  }
  net::post(impl->accept_strand, [p = impl.get()] { p->Accept(); });
  log::Info("api server listening on {}", impl->opts.socket_path);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() { Stop(std::chrono::milliseconds(0)); }

void HttpServer::Stop(std::chrono::milliseconds grace) {
  Impl& s = *impl_;
  {
    std::unique_lock l(s.mu);
    if (s.stopping) {
      s.cv.wait(l, [&] { return s.stopped; });
      return;
    }
    s.stopping = true;
    s.stopping_flag = true;
    for (Connection* c : s.conns)
      if (c->idle) c->Kill();
  }
  s.stop_source.request_stop();
  net::post(s.accept_strand, [p = &s] {
    beast::error_code ec;
    p->acceptor.close(ec);
    p->retry_timer.cancel();
  });
  {
    std::unique_lock l(s.mu);
    if (!s.cv.wait_for(l, grace, [&] { return s.busy == 0; })) {
      log::Warn("api server: {} requests still running after the grace period; closing them", s.busy);
      for (Connection* c : s.conns) c->Kill();
      s.cv.wait(l, [&] { return s.busy == 0; });
    }
  }
  s.work.reset();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  ::unlink(s.opts.socket_path.c_str());
  {
    std::lock_guard l(s.mu);
    s.stopped = true;
  }
  s.cv.notify_all();
}

const std::string& HttpServer::socket_path() const { return impl_->opts.socket_path; }

size_t HttpServer::ActiveRequests() const {
  std::lock_guard l(impl_->mu);
  return impl_->busy;
}

}  // namespace skiff::server

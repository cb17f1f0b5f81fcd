// HttpServer over a real unix socket in a TempDir, with a small raw-socket HTTP client.
#include "server/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "base/file.h"
#include "base/strings.h"

namespace skiff::server {
namespace {

struct Resp {
  int status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(const std::string& n) const {
    auto it = headers.find(n);
    return it == headers.end() ? "" : it->second;
  }
};

class Client {
 public:
  explicit Client(const std::string& path) {
    fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path.copy(a.sun_path, sizeof a.sun_path - 1);
    connected_ = ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  bool connected() const { return connected_; }
  int fd() const { return fd_.get(); }
  void Send(std::string_view d) {
    while (!d.empty()) {
      ssize_t n = ::send(fd_.get(), d.data(), d.size(), MSG_NOSIGNAL);
      ASSERT_GT(n, 0);
      d.remove_prefix(static_cast<size_t>(n));
    }
  }
  bool Fill() {
    char b[65536];
    ssize_t n = ::read(fd_.get(), b, sizeof b);
    if (n <= 0) return false;
    buf_.append(b, static_cast<size_t>(n));
    return true;
  }
  std::string Line() {
    size_t p;
    while ((p = buf_.find("\r\n")) == std::string::npos)
      if (!Fill()) return "";
    std::string l = buf_.substr(0, p);
    buf_.erase(0, p + 2);
    return l;
  }
  std::string Take(size_t n) {
    while (buf_.size() < n)
      if (!Fill()) break;
    std::string out = buf_.substr(0, std::min(n, buf_.size()));
    buf_.erase(0, out.size());
    return out;
  }
  std::string ReadToEof() {
    while (Fill()) {
    }
    return std::exchange(buf_, std::string());
  }
  Resp ReadHead() {
    Resp r;
    std::string status = Line();
    auto parts = SplitN(status, ' ', 3);
    if (parts.size() >= 2) r.status = static_cast<int>(ParseInt(parts[1]).value_or(0));
    if (parts.size() == 3) r.reason = parts[2];
    for (std::string l; !(l = Line()).empty();) {
      auto c = l.find(':');
      r.headers[ToLower(l.substr(0, c))] = std::string(Trim(l.substr(c + 1)));
    }
    return r;
  }
  // Next chunk of a chunked body; nullopt after the last one.
  std::optional<std::string> ReadChunk() {
    std::string size_line = Line();
    size_t n = std::stoul(size_line, nullptr, 16);
    if (n == 0) {
      Line();  // end of trailers
      return std::nullopt;
    }
    std::string data = Take(n);
    Line();
    return data;
  }
  Resp Do(const std::string& method, const std::string& target, const std::string& body = "",
          const std::string& extra = "") {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: docker\r\n" + extra;
    if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    Send(req);
    Resp r = ReadHead();
    if (method == "HEAD") return r;
    if (r.Header("transfer-encoding") == "chunked") {
      while (auto c = ReadChunk()) r.body += *c;
    } else if (auto cl = r.Header("content-length"); !cl.empty()) {
      r.body = Take(std::stoul(cl));
    }
    return r;
  }

 private:
  UniqueFd fd_;
  std::string buf_;
  bool connected_ = false;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = TempDir::Create();
    ASSERT_TRUE(d.ok());
    dir_.emplace(std::move(*d));
    path_ = dir_->path() + "/run/skiff.sock";
  }
  void Start(Router r) {
    ServerOptions o;
    o.socket_path = path_;
    o.io_threads = 2;
    auto s = HttpServer::Start(o, std::move(r));
    ASSERT_TRUE(s.ok()) << s.error().message();
    server_ = std::move(*s);
  }
  void TearDown() override {
    if (server_) server_->Stop(std::chrono::seconds(5));
  }
  std::optional<TempDir> dir_;
  std::string path_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(ServerTest, PingGetAndHead) {
  Start(Router());
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  Client c(path_);
  ASSERT_TRUE(c.connected());
  for (std::string target : {"/_ping", "/v1.41/_ping"}) {
    Resp r = c.Do("GET", target);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "OK");
    EXPECT_EQ(r.Header("api-version"), "1.41");
    EXPECT_EQ(r.Header("docker-experimental"), "false");
    EXPECT_EQ(r.Header("ostype"), "linux");
    EXPECT_EQ(r.Header("server"), "Skiff/" + std::string(ServerVersion()));
  }
  Resp h = c.Do("HEAD", "/_ping");  // same keep-alive connection
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.Header("api-version"), "1.41");
  EXPECT_EQ(h.Header("docker-experimental"), "false");
  EXPECT_EQ(h.Header("content-length"), "2");
  // No body followed the HEAD response: the next response is parsed cleanly.
  EXPECT_EQ(c.Do("GET", "/_ping").body, "OK");
}

TEST_F(ServerTest, StaleSocketRemovedLiveSocketRefused) {
  ASSERT_TRUE(MkdirAll(Dirname(path_)).ok());
  {
    UniqueFd s(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path_.copy(a.sun_path, sizeof a.sun_path - 1);
    ASSERT_EQ(::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  }  // closed without unlink: stale
  Start(Router());
  ServerOptions o;
  o.socket_path = path_;
  auto second = HttpServer::Start(o, Router());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), Errc::kAlreadyExists);
  Client c(path_);
  EXPECT_EQ(c.Do("GET", "/_ping").status, 200);
}

TEST_F(ServerTest, RoutingQueryAndErrors) {
  Router r;
  r.Get("/containers/{name}/json", [](Request& req, Response& res) -> Status {
    Json j;
    j["name"] = req.Param("name");
    j["version"] = req.api_version;
    j["all"] = req.query.GetBool("all");
    j["labels"] = req.query.GetAll("label");
    return res.WriteJson(200, j);
  });
  r.Get("/images/{name:.*}/json", [](Request& req, Response& res) -> Status {
    if (req.Param("name") == "missing") return Error(Errc::kNotFound, "No such image: missing");
    return res.WriteJson(200, Json{{"name", req.Param("name")}});
  });
  r.Post("/containers/create", [](Request& req, Response& res) -> Status {
    Json body = SKIFF_TRY(req.body->ReadJson());
    if (body.is_null()) return Error(Errc::kInvalidArgument, "config cannot be empty");
    return res.WriteJson(201, Json{{"Id", body.value("Image", "")}});
  });
  Start(std::move(r));
  Client c(path_);
  Resp a = c.Do("GET", "/v1.40/containers/web%2D1/json?all=True&label=a%3Db&label=c+d");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.Header("content-type"), "application/json");
  EXPECT_EQ(a.Header("server"), "Skiff/" + std::string(ServerVersion()));
  auto j = Json::parse(a.body);
  EXPECT_EQ(j["name"], "web-1");
  EXPECT_EQ(j["version"], "1.40");
  EXPECT_EQ(j["all"], true);
  EXPECT_EQ(j["labels"], (Json{"a=b", "c d"}));
  Resp img = c.Do("GET", "/images/quay.io/org/app:v1/json");
  EXPECT_EQ(Json::parse(img.body)["name"], "quay.io/org/app:v1");
  Resp nf = c.Do("GET", "/v1.41/images/missing/json");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(Json::parse(nf.body), Json::parse(R"({"message":"No such image: missing"})"));
  EXPECT_EQ(nf.Header("api-version"), "1.41");
  Resp unknown = c.Do("GET", "/v1.41/nothing/here");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Json::parse(unknown.body)["message"], "page not found");
  Resp wrong = c.Do("DELETE", "/containers/x/json");
  EXPECT_EQ(wrong.status, 405);
  Resp created = c.Do("POST", "/containers/create", R"({"Image":"alpine"})",
                      "Content-Type: application/json\r\n");
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(Json::parse(created.body)["Id"], "alpine");
  Resp bad = c.Do("POST", "/containers/create", "{not json");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(c.Do("POST", "/containers/create").status, 400);
  EXPECT_EQ(c.Do("GET", "/v9.0/_ping").status, 400);
}

TEST_F(ServerTest, LargeUploadStreams) {
  constexpr size_t kTotal = 64u << 20;
  std::atomic<size_t> seen{0};
  std::atomic<size_t> reads{0}, max_read{0};
  Router r;
  r.Post("/build", [&](Request& req, Response& res) -> Status {
    std::vector<char> buf(64 * 1024);
    for (;;) {
      size_t n = SKIFF_TRY(req.body->Read(buf.data(), buf.size()));
      if (n == 0) break;
      ++reads;
      if (n > max_read) max_read = n;
      seen += n;
    }
    return res.WriteJson(200, Json{{"bytes", seen.load()}});
  });
  Start(std::move(r));
  Client c(path_);
  c.Send("POST /v1.41/build HTTP/1.1\r\nHost: d\r\nContent-Type: application/x-tar\r\nContent-Length: " +
         std::to_string(kTotal) + "\r\n\r\n");
  std::string block(1 << 20, 'x');
  c.Send(block);
  // The handler sees data while most of the body has not been sent: nothing waits for the whole body.
  for (int i = 0; i < 500 && seen.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GT(seen.load(), 0u);
  EXPECT_LE(seen.load(), block.size());
  for (size_t sent = block.size(); sent < kTotal; sent += block.size()) c.Send(block);
  Resp resp = c.ReadHead();
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(Json::parse(c.Take(std::stoul(resp.Header("content-length"))))["bytes"], kTotal);
  EXPECT_LE(max_read.load(), 64u * 1024);
  EXPECT_GE(reads.load(), kTotal / (64 * 1024));
  // Chunked request body, and the connection is still usable.
  seen = 0;  // before sending: the handler may finish before Send returns
  c.Send("POST /build HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  Resp chunked = c.ReadHead();
  EXPECT_EQ(Json::parse(c.Take(std::stoul(chunked.Header("content-length"))))["bytes"], 11);
}

TEST_F(ServerTest, ChunkedStreamingIsIncremental) {
  std::mutex mu;
  std::condition_variable cv;
  int acked = 0;
  Router r;
  r.Get("/events", [&](Request&, Response& res) -> Status {
    SKIFF_TRY(res.StartStream(200, "application/json"));
    for (int i = 0; i < 3; ++i) {
      SKIFF_TRY(res.WriteChunk("{\"n\":" + std::to_string(i) + "}\n"));
      std::unique_lock l(mu);
      // The next chunk is written only after the client has read this one.
      if (!cv.wait_for(l, std::chrono::seconds(5), [&] { return acked > i; })) {
        return Error(Errc::kInternal, "client did not see the chunk");
      }
    }
    return Ok();  // the server ends the stream
  });
  Start(std::move(r));
  Client c(path_);
  c.Send("GET /v1.41/events HTTP/1.1\r\nHost: d\r\n\r\n");
  Resp head = c.ReadHead();
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("transfer-encoding"), "chunked");
  EXPECT_EQ(head.Header("api-version"), "1.41");
  for (int i = 0; i < 3; ++i) {
    auto chunk = c.ReadChunk();
    ASSERT_TRUE(chunk);
    EXPECT_EQ(*chunk, "{\"n\":" + std::to_string(i) + "}\n");
    std::lock_guard l(mu);
    ++acked;
    cv.notify_all();
  }
  EXPECT_FALSE(c.ReadChunk());
  EXPECT_EQ(c.Do("GET", "/_ping").body, "OK");  // keep-alive after a stream
}

TEST_F(ServerTest, HijackEcho) {
  Router r;
  r.Post("/containers/{name}/attach", [](Request& req, Response& res) -> Status {
    if (!req.WantsUpgrade()) return Error(Errc::kInvalidArgument, "upgrade expected");
    auto conn = SKIFF_TRY(res.Hijack("application/vnd.docker.raw-stream"));
    char buf[4096];
    for (;;) {
      size_t n = SKIFF_TRY(conn->Read(buf, sizeof buf));
      if (n == 0) break;
      SKIFF_TRY(conn->Write(std::string_view(buf, n)));
    }
    return conn->CloseWrite();
  });
  Start(std::move(r));
  Client c(path_);
  // "early" is sent before the 101 arrives: it must reach the handler through RawConn's buffer.
  c.Send("POST /v1.41/containers/web/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n"
         "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\nearly;");
  Resp head = c.ReadHead();
  EXPECT_EQ(head.status, 101);
  EXPECT_EQ(head.reason, "UPGRADED");
  EXPECT_EQ(head.Header("content-type"), "application/vnd.docker.raw-stream");
  EXPECT_EQ(head.Header("upgrade"), "tcp");
  EXPECT_EQ(c.Take(6), "early;");
  c.Send("ping;");
  EXPECT_EQ(c.Take(5), "ping;");
  std::string big(1 << 20, 'z');
  std::thread writer([&] {
    c.Send(big);
    ::shutdown(c.fd(), SHUT_WR);
  });
  std::string rest = c.ReadToEof();
  writer.join();
  EXPECT_EQ(rest.size(), big.size());
  EXPECT_EQ(rest, big);
}

TEST_F(ServerTest, FiftyConcurrentClients) {
  constexpr int kClients = 50;
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0, max_seen = 0;
  Router r;
  r.Get("/wait", [&](Request&, Response& res) -> Status {
    std::unique_lock l(mu);
    ++arrived;
    max_seen = std::max(max_seen, arrived);
    cv.notify_all();
    // Every client's handler is in flight at once: none of them returns before all arrived.
    cv.wait_for(l, std::chrono::seconds(10), [&] { return arrived >= kClients; });
    l.unlock();
    return res.WriteJson(200, Json{{"ok", true}});
  });
  Start(std::move(r));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&] {
      Client c(path_);
      if (!c.connected()) return;
      if (c.Do("GET", "/wait").status != 200) return;
      for (int k = 0; k < 10; ++k)  // then a few keep-alive requests each
        if (c.Do("GET", "/v1.41/_ping").body != "OK") return;
      ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients);
  EXPECT_EQ(max_seen, kClients);
}

TEST_F(ServerTest, GracefulStop) {
  std::atomic<bool> slow_started{false}, stream_started{false};
  Router r;
  r.Get("/slow", [&](Request&, Response& res) -> Status {
    slow_started = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return res.WriteJson(200, Json{{"done", true}});
  });
  r.Get("/events", [&](Request& req, Response& res) -> Status {
    SKIFF_TRY(res.StartStream(200, "application/json"));
    stream_started = true;
    std::mutex m;
    std::condition_variable cv;
    std::stop_callback wake(req.stop, [&] { cv.notify_all(); });
    std::unique_lock l(m);
    cv.wait(l, [&] { return req.stop.stop_requested(); });
    return Ok();
  });
  Start(std::move(r));
  Client idle(path_);
  EXPECT_EQ(idle.Do("GET", "/_ping").status, 200);
  Client slow(path_), events(path_);
  slow.Send("GET /slow HTTP/1.1\r\nHost: d\r\n\r\n");
  events.Send("GET /events HTTP/1.1\r\nHost: d\r\n\r\n");
  for (int i = 0; i < 500 && !(slow_started && stream_started); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(slow_started && stream_started);
  EXPECT_EQ(server_->ActiveRequests(), 2u);
  auto t0 = std::chrono::steady_clock::now();
  server_->Stop(std::chrono::seconds(5));
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_EQ(server_->ActiveRequests(), 0u);
  // The in-flight request finished and got its answer, with Connection: close.
  Resp s = slow.ReadHead();
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.Header("connection"), "close");
  EXPECT_EQ(Json::parse(slow.Take(std::stoul(s.Header("content-length"))))["done"], true);
  // The stream ended cleanly.
  Resp e = events.ReadHead();
  EXPECT_EQ(e.status, 200);
  EXPECT_FALSE(events.ReadChunk());
  // The idle keep-alive connection was closed; nobody listens any more.
  EXPECT_EQ(idle.ReadToEof(), "");
  EXPECT_FALSE(PathExists(path_));
  EXPECT_FALSE(Client(path_).connected());
  server_->Stop();  // idempotent
}

TEST_F(ServerTest, StopForcesAfterGrace) {
  std::atomic<bool> started{false};
  Router r;
  r.Post("/containers/{id}/attach", [&](Request&, Response& res) -> Status {
    auto conn = SKIFF_TRY(res.Hijack("application/vnd.docker.multiplexed-stream"));
    started = true;
    char b[16];
    while (SKIFF_TRY(conn->Read(b, sizeof b)) > 0) {
    }  // ignores the stop token: only the forced shutdown ends it
    return Ok();
  });
  Start(std::move(r));
  Client c(path_);
  c.Send("POST /containers/x/attach HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
  EXPECT_EQ(c.ReadHead().status, 101);
  for (int i = 0; i < 500 && !started; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto t0 = std::chrono::steady_clock::now();
  server_->Stop(std::chrono::milliseconds(100));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(c.ReadToEof(), "");
}

TEST_F(ServerTest, CurlIfInstalled) {
  if (::access("/usr/bin/curl", X_OK) != 0) GTEST_SKIP() << "no curl";
  Router r;
  r.Get("/version", [](Request&, Response& res) -> Status { return res.WriteJson(200, Json{{"ApiVersion", "1.41"}}); });
  Start(std::move(r));
  std::string cmd = "curl -sS --max-time 5 --unix-socket " + path_ + " http://d/v1.41/version";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[256] = {};
  size_t n = fread(buf, 1, sizeof buf - 1, p);
  ::pclose(p);
  EXPECT_EQ(Json::parse(std::string(buf, n))["ApiVersion"], "1.41");
}

}  // namespace
}  // namespace skiff::server

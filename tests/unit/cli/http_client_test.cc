// HttpClient against a scripted unix-socket server: Content-Length and chunked bodies, streamed (chunked)
// uploads, error bodies, and hijacking with bytes that arrive together with the 101 head.
#include "cli/http_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <thread>

#include "base/fd.h"
#include "base/file.h"
#include "cli/api_client.h"

namespace skiff::cli {
namespace {

// Accepts one connection, reads the request head (and body as told), writes `reply`.
class OneShotServer {
 public:
  explicit OneShotServer(std::function<std::string(const std::string& request)> respond)
      : dir_(std::move(TempDir::Create().value())), respond_(std::move(respond)) {
    path_ = dir_.path() + "/s.sock";
    listen_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path_.c_str());
    EXPECT_EQ(::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listen_.get(), 1), 0);
    thread_ = std::thread([this] {
      UniqueFd c(::accept(listen_.get(), nullptr, nullptr));
      std::string req;
      char buf[4096];
      // Read until the request looks complete: head, plus a chunked body's terminator when chunked.
      while (true) {
        ssize_t n = ::read(c.get(), buf, sizeof(buf));
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
        auto head_end = req.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        bool chunked = req.find("Transfer-Encoding: chunked") != std::string::npos;
        if (!chunked) {
          auto cl = req.find("Content-Length: ");
          size_t len = cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16));
          if (req.size() >= head_end + 4 + len) break;
        } else if (req.find("\r\n0\r\n\r\n", head_end) != std::string::npos) {
          break;
        }
      }
      request = req;
      (void)WriteAll(c.get(), respond_(req));
      if (after) after(c.get());
    });
  }
  ~OneShotServer() {
    if (thread_.joinable()) thread_.join();
  }
  const std::string& path() const { return path_; }
  void Join() { thread_.join(); }
  std::string request;
  std::function<void(int fd)> after;

 private:
  TempDir dir_;
  std::string path_;
  UniqueFd listen_;
  std::function<std::string(const std::string&)> respond_;
  std::thread thread_;
};

TEST(HttpClient, ContentLengthBody) {
  OneShotServer s([](const std::string&) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"Id\":\"x\"}\n";
  });
  HttpClient c(s.path());
  HttpRequest req;
  req.method = "POST";
  req.target = "/v1.41/containers/create?name=a";
  req.headers = {{"Content-Type", "application/json"}};
  req.body = "{}";
  auto resp = c.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.error().message();
  EXPECT_EQ((*resp)->status(), 200);
  EXPECT_EQ((*resp)->header("content-type"), "application/json");
  EXPECT_EQ(*(*resp)->ReadAll(), "{\"Id\":\"x\"}\n");
  s.Join();
  EXPECT_NE(s.request.find("POST /v1.41/containers/create?name=a HTTP/1.1\r\n"), std::string::npos);
  EXPECT_NE(s.request.find("Content-Length: 2\r\n"), std::string::npos);
  EXPECT_NE(s.request.find("Host: docker\r\n"), std::string::npos);
}

TEST(HttpClient, ChunkedResponseStreamsPieces) {
  OneShotServer s([](const std::string&) {
    return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n";
  });
  HttpClient c(s.path());
  HttpRequest req;
  req.target = "/v1.41/events";
  auto resp = c.Send(req);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(*(*resp)->ReadAll(), "hello world");
}

TEST(HttpClient, ChunkedUploadFromFd) {
  OneShotServer s([](const std::string&) { return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"; });
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  UniqueFd r(p[0]), w(p[1]);
  ASSERT_TRUE(WriteAll(w.get(), "tar-bytes").ok());
  w.reset();
  HttpClient c(s.path());
  HttpRequest req;
  req.method = "POST";
  req.target = "/v1.41/images/load?quiet=1";
  req.body_fd = r.get();
  auto resp = c.Send(req);
  ASSERT_TRUE(resp.ok()) << resp.error().message();
  EXPECT_EQ((*resp)->status(), 200);
  s.Join();
  EXPECT_NE(s.request.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(s.request.find("\r\n9\r\ntar-bytes\r\n0\r\n\r\n"), std::string::npos);
}

TEST(HttpClient, HijackKeepsBytesAfterTheHead) {
  OneShotServer s([](const std::string&) {
    return std::string("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\n"
                       "Upgrade: tcp\r\n\r\nearly");
  });
  s.after = [](int fd) {
    (void)WriteAll(fd, "-late");
    ::shutdown(fd, SHUT_WR);
  };
  HttpClient c(s.path());
  HttpRequest req;
  req.method = "POST";
  req.target = "/v1.41/containers/x/attach?stream=1";
  auto conn = c.Hijack(req, nullptr);
  ASSERT_TRUE(conn.ok()) << conn.error().message();
  EXPECT_EQ(conn->content_type, "application/vnd.docker.raw-stream");
  std::string got = conn->pending;
  char buf[64];
  ssize_t n;
  while ((n = ::read(conn->fd.get(), buf, sizeof(buf))) > 0) got.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(got, "early-late");
  s.Join();
  EXPECT_NE(s.request.find("Connection: Upgrade\r\nUpgrade: tcp\r\n"), std::string::npos);
}

TEST(ApiClient, ErrorsAndUnreachableDaemon) {
  OneShotServer s([](const std::string&) {
    std::string body = "{\"message\":\"No such container: nope\"}\n";
    return "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  });
  ApiClient api("unix://" + s.path());
  auto r = api.GetJson("/containers/nope/json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kNotFound);
  EXPECT_EQ(r.error().message(), "Error response from daemon: No such container: nope");
  ApiClient gone("unix:///nonexistent/skiff.sock");
  auto g = gone.GetJson("/info");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().message(),
            "Cannot connect to the Skiff daemon at unix:///nonexistent/skiff.sock. Is the skiff daemon running?");
}

}  // namespace
}  // namespace skiff::cli

// `docker import <url>`: ImageStore::ImportFrom with an http URL, against a tiny HTTP/1.0 server run by
// the test on a thread. The server listens on 127.0.0.1 only (port chosen by the kernel) and the test
// clears the proxy variables, so nothing but the loopback address is ever contacted.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <thread>

#include "base/file.h"
#include "image/image_store.h"
#include "unit/storage/tar_builder.h"

namespace skiff::image {
namespace {

using skiff::testing::BuildTar;

// Serves fixed bodies by path; anything else is a 404. One request per connection.
class LocalHttpServer {
 public:
  explicit LocalHttpServer(std::map<std::string, std::string> files) : files_(std::move(files)) {
    fd_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (!fd_.valid() || ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(fd_.get(), 8) != 0)
      return;
    socklen_t len = sizeof a;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LocalHttpServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int requests() const { return requests_; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      UniqueFd c(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!c.valid()) continue;
      ++requests_;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos && req.size() < 65536) {
        ssize_t n = ::read(c.get(), buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      std::string path;
      if (req.starts_with("GET ")) path = req.substr(4, req.find(' ', 4) - 4);
      auto it = files_.find(path);
      std::string body = it == files_.end() ? "not found\n" : it->second;
      std::string head = std::string(it == files_.end() ? "HTTP/1.0 404 Not Found" : "HTTP/1.0 200 OK") +
                         "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\nConnection: close\r\n\r\n";
      std::string resp = head + body;
      for (size_t off = 0; off < resp.size();) {
        ssize_t n = ::write(c.get(), resp.data() + off, resp.size() - off);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
    }
  }
  std::map<std::string, std::string> files_;
  UniqueFd fd_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

class UrlImport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the image store sets file ownership: needs root";
    // libcurl honours these; a proxy would mean contacting an address other than 127.0.0.1.
    for (const char* v : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
      ::unsetenv(v);
    ::setenv("no_proxy", "*", 1);
    tmp_.emplace(TempDir::Create("/tmp", "skiff-urlimport-").value());
    auto s = ImageStore::Open(JoinPath(tmp_->path(), "store"));
    ASSERT_TRUE(s.ok()) << s.error().message();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    tmp_.reset();
  }
  std::optional<TempDir> tmp_;
  std::unique_ptr<ImageStore> store_;
};

TEST_F(UrlImport, PlainAndGzipRootfsByUrl) {
  std::vector<skiff::testing::TarEntry> entries = {
      {"bin/", 'd', "", 0755}, {"bin/hello", 'f', "#!/bin/sh\necho hi\n", 0755}, {"etc/", 'd', "", 0755},
      {"etc/motd", 'f', "welcome\n"}, {"etc/link", 'l', "motd"}};
  std::string plain = BuildTar(entries);
  std::string gz = BuildTar(entries, "gzip");
  ASSERT_NE(plain, gz);
  LocalHttpServer srv({{"/rootfs.tar", plain}, {"/rootfs.tar.gz", gz}});
  ASSERT_GT(srv.port(), 0);

  ImportOptions o;
  o.tag = "fromurl:plain";
  o.changes = {"CMD [\"/bin/hello\"]", "ENV A=b"};
  auto id = store_->ImportFrom(srv.Url("/rootfs.tar"), o);
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_EQ(*store_->Resolve("fromurl:plain"), *id);

  auto cfg = store_->Config(*id).value();
  ASSERT_EQ(cfg.diff_ids.size(), 1u);
  EXPECT_EQ(cfg.diff_ids[0], Sha256Of(plain));
  EXPECT_EQ(cfg.comment, "Imported from " + srv.Url("/rootfs.tar"));
  ASSERT_TRUE(cfg.config.cmd.has_value());
  EXPECT_EQ((*cfg.config.cmd)[0], "/bin/hello");
  auto j = store_->Inspect("fromurl:plain").value();
  EXPECT_EQ(j["Config"]["Env"][0], "A=b");
  EXPECT_EQ(j["Os"], "linux");
  EXPECT_EQ(j["Architecture"], "amd64");

  auto layers = store_->ImageLayers(*id).value();
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].blob, Sha256Of(plain));
  EXPECT_EQ(layers[0].blob_size, plain.size());
  std::string dir = store_->snapshots().LayerDir(layers[0].diff_id);
  EXPECT_EQ(*ReadFile(JoinPath(dir, "etc/motd")), "welcome\n");
  EXPECT_EQ(*ReadFile(JoinPath(dir, "bin/hello")), "#!/bin/sh\necho hi\n");
  struct stat st;
  ASSERT_EQ(::lstat(JoinPath(dir, "bin/hello").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::lstat(JoinPath(dir, "etc/link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_TRUE(store_->content().Has(Sha256Of(plain)));

  // Gzip: the blob is stored compressed, the diff ID is the uncompressed tar's, the layer dir is shared.
  o.tag = "fromurl:gz";
  auto gid = store_->ImportFrom(srv.Url("/rootfs.tar.gz"), o);
  ASSERT_TRUE(gid.ok()) << gid.error().message();
  auto gcfg = store_->Config(*gid).value();
  ASSERT_EQ(gcfg.diff_ids.size(), 1u);
  EXPECT_EQ(gcfg.diff_ids[0], Sha256Of(plain));
  EXPECT_EQ(gcfg.comment, "Imported from " + srv.Url("/rootfs.tar.gz"));
  auto glayers = store_->ImageLayers(*gid).value();
  ASSERT_EQ(glayers.size(), 1u);
  EXPECT_EQ(glayers[0].diff_id, Sha256Of(plain));
  EXPECT_EQ(*ReadFile(JoinPath(store_->snapshots().LayerDir(glayers[0].diff_id), "etc/motd")), "welcome\n");
  EXPECT_EQ(store_->List()->size(), 2u);
  EXPECT_EQ(srv.requests(), 2);

  // A store built from a gzip URL alone records the compressed blob.
  auto other = ImageStore::Open(JoinPath(tmp_->path(), "gzonly")).value();
  auto oid = other->ImportFrom(srv.Url("/rootfs.tar.gz"), ImportOptions{});
  ASSERT_TRUE(oid.ok()) << oid.error().message();
  auto olayers = other->ImageLayers(*oid).value();
  ASSERT_EQ(olayers.size(), 1u);
  EXPECT_EQ(olayers[0].blob, Sha256Of(gz));
  EXPECT_EQ(olayers[0].diff_id, Sha256Of(plain));
  EXPECT_EQ(olayers[0].tar_size, plain.size());
  EXPECT_TRUE(other->content().Has(Sha256Of(gz)));
}

TEST_F(UrlImport, NotFoundIsAClearErrorAndLeavesNothing) {
  LocalHttpServer srv({{"/rootfs.tar", BuildTar({{"f", 'f', "x"}})}});
  ASSERT_GT(srv.port(), 0);
  ImportOptions o;
  o.tag = "missing:1";
  std::string url = srv.Url("/nothere.tar");
  auto id = store_->ImportFrom(url, o);
  ASSERT_FALSE(id.ok());
  std::string msg = id.error().message();
  EXPECT_NE(msg.find(url), std::string::npos) << msg;
  EXPECT_NE(msg.find("404"), std::string::npos) << msg;
  EXPECT_EQ(srv.requests(), 1);
  EXPECT_EQ(msg, "import " + url + ": server answered HTTP 404");
  EXPECT_EQ(id.error().code(), Errc::kNotFound);

  EXPECT_TRUE(store_->List()->empty());
  EXPECT_EQ(store_->Resolve("missing:1").error().code(), Errc::kNotFound);
  EXPECT_TRUE(store_->content().List().empty());
  EXPECT_TRUE(store_->snapshots().ListLayers().empty());
  EXPECT_TRUE(ListDir(JoinPath(store_->root(), "content/ingest")).empty());
  EXPECT_TRUE(ListDir(JoinPath(store_->root(), "storage/staging")).empty());
  EXPECT_EQ(store_->FindLayer(Sha256Of("x")).value(), std::nullopt);

  // Nothing listens on a closed loopback port either: also a clear error, also nothing left.
  int dead_port = srv.port();
  {
    LocalHttpServer gone({});
    dead_port = gone.port();
  }
  auto r = store_->ImportFrom("http://127.0.0.1:" + std::to_string(dead_port) + "/x.tar", o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("127.0.0.1"), std::string::npos) << r.error().message();
  EXPECT_TRUE(store_->List()->empty());
  EXPECT_TRUE(store_->content().List().empty());
  EXPECT_TRUE(store_->snapshots().ListLayers().empty());
}

}  // namespace
}  // namespace skiff::image

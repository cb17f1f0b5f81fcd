// PrivateRegistry over tests/support/private-registry.sh; FakeHttp over a blocking socket loop.
#include "fixtures.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <random>

#include "base/strings.h"

namespace skiff::registry::testing {

namespace {

std::string SourceDir() {
  const char* s = std::getenv("SKIFF_SRC");
  if (s && *s) return s;
  std::string here = __FILE__;  // <src>/tests/integration/registry/fixtures.cc
  for (int i = 0; i < 4; ++i) here = Dirname(here);
  return here;
}

int RunScript(const std::string& args) {
  std::string cmd = "bash " + SourceDir() + "/tests/support/private-registry.sh " + args;
  int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace

std::unique_ptr<PrivateRegistry> PrivateRegistry::Start(const std::vector<std::string>& args, std::string* why,
                                                        bool* skip) {
  *skip = false;
  if (access("/usr/bin/docker-registry", X_OK) != 0) {
    *skip = true;
    *why = "/usr/bin/docker-registry is not installed";
    return nullptr;
  }
  auto td = TempDir::Create("/tmp", "skiff-regtest-");
  if (!td.ok()) {
    *why = td.error().message();
    return nullptr;
  }
  std::unique_ptr<PrivateRegistry> r(new PrivateRegistry(std::move(*td)));
  std::string cmd = "start " + r->dir() + "/reg";
  for (const auto& a : args) cmd += " " + a;
  int rc = RunScript(cmd + " >" + r->dir() + "/start.out 2>" + r->dir() + "/start.err");
  if (rc != 0) {
    *skip = rc == 77;
    auto err = ReadFile(r->dir() + "/start.err");
    *why = "private-registry.sh " + cmd + " exited " + std::to_string(rc) + ": " + (err.ok() ? *err : "");
    return nullptr;  // the destructor stops whatever did start
  }
  auto addr = ReadFile(r->dir() + "/reg/addr");
  r->addr_ = addr.ok() ? std::string(Trim(*addr)) : "";
  return r;
}

PrivateRegistry::~PrivateRegistry() { RunScript("stop " + dir() + "/reg >/dev/null 2>&1"); }

std::string PrivateRegistry::user() const {
  auto u = ReadFile(dir() + "/reg/user");
  return u.ok() ? std::string(Trim(*u)) : "";
}

FakeHttp::FakeHttp(Handler h) : handler_(std::move(h)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  listen(listen_fd_, 16);
  socklen_t len = sizeof a;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { Loop(); });
}

FakeHttp::~FakeHttp() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

std::vector<FakeRequest> FakeHttp::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void FakeHttp::Loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int c = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    std::string in;
    char buf[4096];
    bool tls = false;
    while (in.find("\r\n\r\n") == std::string::npos) {
      pollfd cp{c, POLLIN, 0};
      if (poll(&cp, 1, 2000) <= 0) break;
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
      if (static_cast<unsigned char>(in[0]) == 0x16) {  // a TLS ClientHello: not for us
        tls = true;
        break;
      }
    }
    if (!tls && in.find("\r\n\r\n") != std::string::npos) {
      FakeRequest req;
      auto lines = Split(in.substr(0, in.find("\r\n\r\n")), '\n');
      auto first = Split(Trim(lines[0]), ' ');
      req.method = first.size() > 0 ? first[0] : "";
      req.path = first.size() > 1 ? first[1] : "";
      for (size_t i = 1; i < lines.size(); ++i) {
        auto colon = lines[i].find(':');
        if (colon == std::string::npos) continue;
        req.headers[ToLower(Trim(lines[i].substr(0, colon)))] = std::string(Trim(lines[i].substr(colon + 1)));
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(req);
      }
      std::string out = handler_(req);
      size_t off = 0;
      while (off < out.size()) {
        ssize_t n = write(c, out.data() + off, out.size() - off);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
    }
    shutdown(c, SHUT_RDWR);
    close(c);
  }
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  for (; i < n; ++i) s[i] = static_cast<char>(rng());
  return s;
}

}  // namespace skiff::registry::testing

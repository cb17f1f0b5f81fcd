// Fixtures of the registry client's integration tests: a real docker-registry run by
// tests/support/private-registry.sh in a temp dir (stopped and removed on destruction), and FakeHttp,
// a scripted HTTP/1.1 server on 127.0.0.1 (one thread) for what a real registry will not do on demand
// (dropped connections, ignored Range, cross-host redirects, wrong bytes).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"

namespace skiff::registry::testing {

// A private docker-registry. Start returns null (with *why set) when it cannot run here.
class PrivateRegistry {
 public:
  static std::unique_ptr<PrivateRegistry> Start(const std::vector<std::string>& args, std::string* why,
                                                bool* skip);
  ~PrivateRegistry();
  const std::string& addr() const { return addr_; }  // "127.0.0.1:PORT"
  const std::string& dir() const { return dir_.path(); }
  std::string user() const;  // "USER:PASS"

 private:
  PrivateRegistry(TempDir d) : dir_(std::move(d)) {}
  TempDir dir_;
  std::string addr_;
};

struct FakeRequest {
  std::string method, path;
  std::map<std::string, std::string> headers;  // lowercased names
};

class FakeHttp {
 public:
  // handler returns the raw bytes to write (status line, headers, body); the connection is closed after.
  using Handler = std::function<std::string(const FakeRequest&)>;
  explicit FakeHttp(Handler h);
  ~FakeHttp();
  int port() const { return port_; }
  std::vector<FakeRequest> requests();

 private:
  void Loop();
  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<FakeRequest> requests_;
};

std::string RandomBytes(size_t n, uint64_t seed);

}  // namespace skiff::registry::testing

// Test support for the integration tests that compare with a real dockerd: shell commands and a private
// dockerd (tests/support/private-dockerd.sh) owned by a PrivateDockerd, stopped when it goes.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace skiff::testsupport {

inline std::string Src() {
  const char* s = std::getenv("SKIFF_SRC");
  return s ? s : "/work/main";
}

// Runs a shell command; returns its exit status and output (stdout, and stderr too when `merge`).
inline std::pair<int, std::string> Sh(const std::string& cmd, bool merge = true) {
  std::string out;
  FILE* p = ::popen((cmd + (merge ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (!p) return {-1, ""};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

// A dockerd with everything under dir. Start() returns private-dockerd.sh's status (77: not installed)
// and output; docker() is the client command prefix ("DOCKER_HOST=... /usr/bin/docker ").
class PrivateDockerd {
 public:
  explicit PrivateDockerd(std::string dir) : dir_(std::move(dir)) {}
  PrivateDockerd(const PrivateDockerd&) = delete;
  ~PrivateDockerd() {
    if (started_) Sh("bash " + Src() + "/tests/support/private-dockerd.sh stop " + dir_);
  }
  std::pair<int, std::string> Start() {
    auto r = Sh("bash " + Src() + "/tests/support/private-dockerd.sh start " + dir_);
    started_ = r.first == 0;
    return r;
  }
  std::string docker() const { return "DOCKER_HOST=unix://" + dir_ + "/docker.sock /usr/bin/docker "; }

 private:
  std::string dir_;
  bool started_ = false;
};

}  // namespace skiff::testsupport

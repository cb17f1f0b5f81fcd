// Test harness for the shim integration suite: a private temp dir with a runtime --root, busybox bundles
// (config.json in the container state dir, root.path at a shared read-only busybox rootfs, a private cgroup
// path), the shim test executable, attach-stream helpers (socketpairs, stdcopy demux) and cleanup of every
// container, shim and process it made.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/fd.h"
#include "base/json.h"
#include "daemon/shim/shim.h"

namespace skiff::daemon::shim::testing {

// One container made by the harness.
struct Box {
  std::string dir;  // the container state dir (DIR)
  std::string id;   // 64 hex
  std::string cgroup;  // linux.cgroupsPath
  Json config;      // config.json as written
  ShimConfig cfg;   // what Spawn gets
  std::string LogPath() const { return cfg.log.path; }
};

struct Frames {
  std::string out, err, raw;
  bool bad = false;  // not a well-formed stdcopy stream
};
Frames Demux(const std::string& s);

std::string ReadText(const std::string& path);
// Reads fd until EOF or `timeout`; *eof says which happened.
std::string ReadUntilEof(int fd, std::chrono::milliseconds timeout, bool* eof = nullptr);
// Reads fd until `needle` was seen (returns everything read) or timeout.
std::string ReadUntil(int fd, const std::string& needle, std::chrono::milliseconds timeout);
void WriteAllOrFail(int fd, const std::string& s);
// A SOCK_STREAM socketpair: first = what the "daemon" hands to the shim, second = the test's client end.
std::pair<UniqueFd, UniqueFd> StreamPair();
bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(10));
bool ProcessGone(pid_t pid);
// Pids of processes whose command line mentions `needle`.
std::vector<pid_t> ProcessesMentioning(const std::string& needle);

class Harness {
 public:
  Harness();
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  static std::string BinDir();
  static std::string RuntimePath();
  static std::string ShimExe();
  const std::string& dir() const { return dir_; }
  const std::string& root() const { return root_; }

  // A container running args (process.terminal = tty); `edit` may change config.json before it is written.
  Box Make(const std::vector<std::string>& args, bool tty = false,
           const std::function<void(Json&)>& edit = {});
  Result<Spawned> Spawn(const Box& b);
  // Spawn + Start, failing the test on error.
  Spawned Run(const Box& b);
  // skiff-runtime --root R args... -> exit code; output in *out.
  int Runtime(const std::vector<std::string>& args, std::string* out = nullptr);

 private:
  std::string dir_, root_;
  std::vector<Box> boxes_;
  int next_ = 0;
};

class ShimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (geteuid() != 0)";
    h_ = std::make_unique<Harness>();
  }
  void TearDown() override { h_.reset(); }
  Harness& h() { return *h_; }
  std::unique_ptr<Harness> h_;
};

}  // namespace skiff::daemon::shim::testing

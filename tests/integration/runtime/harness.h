// Test harness for the skiff-runtime integration suite: busybox bundles in a private temp dir, a private
// --root, captured output, and cleanup of every container it made.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace skiff::runtime::testing {

using Json = nlohmann::json;

// Skips the test unless we are root.
#define SKIFF_REQUIRE_ROOT()                                               \
  do {                                                                     \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (geteuid() != 0)";   \
  } while (0)

struct Result {
  int code = -1;          // exit status, 128+signal if killed, -1 if it timed out
  std::string out, err;   // stdout / stderr
  std::string out_path;   // file stdout went to (a detached container keeps writing here)
  bool timed_out = false;
  std::string Describe() const;
};

std::ostream& operator<<(std::ostream& os, const Result& r);

struct Bundle {
  std::string path;    // bundle dir
  std::string rootfs;  // path/rootfs
  Json config;         // edit, then Save()
  void Save() const;
};

// Reads a whole file ("" if missing).
std::string ReadText(const std::string& path);
void WriteText(const std::string& path, const std::string& text, mode_t mode = 0644);
bool Exists(const std::string& path);
std::string Trim(std::string s);
std::vector<std::string> Lines(const std::string& s);
// Mountpoints (field 5 of /proc/self/mountinfo) of the calling process.
std::vector<std::string> MountPoints();

// Runs argv (argv[0] a path) with stdout/stderr captured through files in capture_dir (kept there, so a
// detached container's later output can be read from Result::out_path; "" = /tmp, removed at once);
// stdin is `input`.
Result Exec(const std::vector<std::string>& argv, const std::string& input = "", int timeout_s = 30,
            const std::string& capture_dir = "");

class Harness {
 public:
  Harness();
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  static std::string BinDir();
  static std::string RuntimePath();
  static std::string SrcDir();

  const std::string& dir() const { return dir_; }
  const std::string& root() const { return root_; }  // --root for every call

  // A fresh unique container id (also names its cgroup, so unique host-wide); it will be delete --force'd.
  std::string NewId(const std::string& hint = "c");
  // Registers an id made elsewhere for cleanup.
  void Track(const std::string& id) { ids_.insert(id); }

  // A bundle dir under dir() with a busybox rootfs and `skiff-runtime spec` edited: terminal false,
  // root.readonly false, process.args = args.
  Bundle MakeBundle(const std::vector<std::string>& args, const std::string& name = "");
  // A fresh temp directory under dir().
  std::string MakeDir(const std::string& name);

  // skiff-runtime --root <root> args...
  Result Runtime(const std::vector<std::string>& args, const std::string& input = "", int timeout_s = 30);
  // skiff-runtime with extra global options before the command.
  Result RuntimeG(const std::vector<std::string>& global, const std::vector<std::string>& args,
                  const std::string& input = "", int timeout_s = 30);

  // Convenience: makes a bundle running `sh -c script`, lets `edit` change its config, runs it in the
  // foreground (`run`) with a fresh id. The id is in *id_out when given.
  Result RunSh(const std::string& script, const std::function<void(Json&)>& edit = {},
               std::string* id_out = nullptr);
  // Creates (not started) a container from the bundle; returns the create result.
  Result Create(const Bundle& b, const std::string& id, const std::vector<std::string>& extra = {});
  // run -d.
  Result RunDetached(const Bundle& b, const std::string& id, const std::vector<std::string>& extra = {});

  // `state <id>` parsed (null on failure).
  Json State(const std::string& id);
  std::string Status(const std::string& id);
  // Polls state until status == want (or timeout). Returns the last status seen.
  std::string WaitStatus(const std::string& id, const std::string& want, int timeout_ms = 10000);
  // Polls until `pred` is true.
  static bool WaitFor(const std::function<bool()>& pred, int timeout_ms = 10000);

 private:
  std::string dir_, root_;
  std::set<std::string> ids_;
  int next_ = 0;
  int bundles_ = 0;
};

// Base fixture: skips unless root, gives each test its own Harness.
class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIFF_REQUIRE_ROOT();
    h_ = std::make_unique<Harness>();
  }
  void TearDown() override { h_.reset(); }
  Harness& h() { return *h_; }
  std::unique_ptr<Harness> h_;
};

// Rootfs template shared by all tests (built once with busybox-rootfs.sh, cached next to the test binary).
std::string RootfsTemplate();

}  // namespace skiff::runtime::testing

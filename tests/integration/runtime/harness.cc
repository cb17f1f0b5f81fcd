#include "harness.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace skiff::runtime::testing {
namespace fs = std::filesystem;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteText(const std::string& path, const std::string& text, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  ::chmod(path.c_str(), mode);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  return s.substr(i);
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

std::vector<std::string> MountPoints() {
  std::vector<std::string> out;
  for (const auto& line : Lines(ReadText("/proc/self/mountinfo"))) {
    std::stringstream ss(line);
    std::string f;
    for (int i = 0; i < 5 && ss >> f; ++i) {}
    out.push_back(f);
  }
  return out;
}

std::string Result::Describe() const {
  std::string s = "exit=" + std::to_string(code) + (timed_out ? " (TIMED OUT)" : "");
  s += "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
  return s;
}

std::ostream& operator<<(std::ostream& os, const Result& r) { return os << r.Describe(); }

namespace {

int64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

std::string SelfDir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = 0;
  return fs::path(buf).parent_path().string();
}

// Unmounts anything mounted under dir (deepest first), so removing it can't reach outside.
bool UnmountUnder(const std::string& dir) {
  for (int round = 0; round < 5; ++round) {
    std::vector<std::string> under;
    for (const auto& mp : MountPoints())
      if (mp == dir || mp.starts_with(dir + "/")) under.push_back(mp);
    if (under.empty()) return true;
    std::sort(under.begin(), under.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
    for (const auto& mp : under) ::umount2(mp.c_str(), MNT_DETACH);
  }
  for (const auto& mp : MountPoints())
    if (mp == dir || mp.starts_with(dir + "/")) return false;
  return true;
}

}  // namespace

Result Exec(const std::vector<std::string>& argv, const std::string& input, int timeout_s,
            const std::string& capture_dir) {
  static int seq = 0;
  Result r;
  bool keep = !capture_dir.empty();
  std::string base = (keep ? capture_dir : std::string("/tmp")) + "/skiff-rt-cap." + std::to_string(::getpid()) +
                     "." + std::to_string(seq++);
  r.out_path = base + ".out";
  std::string err_path = base + ".err";
  std::string in_path = base + ".in";
  WriteText(in_path, input, 0600);
  pid_t pid = ::fork();
  if (pid < 0) {
    r.err = std::string("fork: ") + strerror(errno);
    return r;
  }
  if (pid == 0) {
    int in = ::open(in_path.c_str(), O_RDONLY);
    int out = ::open(r.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) _exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
    // Own process group, so a timeout can kill everything it started.
    ::setpgid(0, 0);
    std::vector<char*> av;
    for (const auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
    av.push_back(nullptr);
    ::execv(av[0], av.data());
    dprintf(2, "exec %s: %s\n", av[0], strerror(errno));
    _exit(127);
  }
  int64_t deadline = NowMs() + timeout_s * 1000LL;
  int status = 0;
  for (;;) {
    // Also reaps orphans handed to us as subreaper (detached exec processes), so killed ones don't linger as
    // zombies in their cgroup.
    int st = 0;
    pid_t w = ::waitpid(-1, &st, WNOHANG);
    if (w == pid) {
      status = st;
      break;
    }
    if (w > 0) continue;
    if (w < 0 && errno == ECHILD) break;
    if (NowMs() > deadline) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    ::usleep(2000);
  }
  if (r.timed_out) r.code = -1;
  else if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.code = 128 + WTERMSIG(status);
  r.out = ReadText(r.out_path);
  r.err = ReadText(err_path);
  ::unlink(err_path.c_str());
  ::unlink(in_path.c_str());
  if (!keep) ::unlink(r.out_path.c_str());
  return r;
}

std::string Harness::BinDir() {
  if (const char* b = ::getenv("SKIFF_BIN"); b && *b) return b;
  return fs::weakly_canonical(fs::path(SelfDir()) / ".." / "bin").string();
}

std::string Harness::RuntimePath() { return BinDir() + "/skiff-runtime"; }

std::string Harness::SrcDir() {
  if (const char* s = ::getenv("SKIFF_SRC"); s && *s) return s;
  // tests/integration/runtime/harness.cc -> source root.
  return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path().string();
}

std::string RootfsTemplate() {
  static std::string path = [] {
    std::string dest = SelfDir() + "/integration_runtime.rootfs";
    if (Exists(dest + "/bin/sh")) return dest;
    // Built beside the final name and renamed into place, so parallel test processes can race safely.
    std::string tmp = dest + ".tmp." + std::to_string(::getpid());
    std::error_code ec;
    fs::remove_all(tmp, ec);
    Result r = Exec({"/bin/bash", Harness::SrcDir() + "/tests/support/busybox-rootfs.sh", tmp}, "", 120);
    if (r.code != 0) {
      ADD_FAILURE() << "busybox-rootfs.sh failed: " << r;
      return std::string();
    }
    if (::rename(tmp.c_str(), dest.c_str()) != 0) fs::remove_all(tmp, ec);
    return dest;
  }();
  return path;
}

Harness::Harness() {
  char tmpl[] = "/tmp/skiff-rt-it-XXXXXX";
  char* d = ::mkdtemp(tmpl);
  if (!d) {
    ADD_FAILURE() << "mkdtemp: " << strerror(errno);
    return;
  }
  dir_ = d;
  ::chmod(dir_.c_str(), 0755);
  root_ = dir_ + "/state";
  // Orphaned container processes (detached exec) become ours and are reaped in Exec().
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  ::mkdir((dir_ + "/cap").c_str(), 0755);
}

Harness::~Harness() {
  for (const auto& id : ids_) {
    Result r = Runtime({"delete", "--force", id});
    // "does not exist" is fine: the test deleted it already (or create failed).
    (void)r;
  }
  if (dir_.empty()) return;
  if (!UnmountUnder(dir_)) {
    ADD_FAILURE() << "mounts left under " << dir_ << "; not removing it";
    return;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string Harness::NewId(const std::string& hint) {
  std::string id = "skit-" + hint + "-" + std::to_string(::getpid()) + "-" + std::to_string(next_++);
  ids_.insert(id);
  return id;
}

std::string Harness::MakeDir(const std::string& name) {
  std::string p = dir_ + "/" + name;
  fs::create_directories(p);
  ::chmod(p.c_str(), 0755);
  return p;
}

Bundle Harness::MakeBundle(const std::vector<std::string>& args, const std::string& name) {
  Bundle b;
  b.path = MakeDir(name.empty() ? "bundle" + std::to_string(bundles_++) : name);
  b.rootfs = b.path + "/rootfs";
  std::string tmpl = RootfsTemplate();
  Result cp = Exec({"/bin/cp", "-a", tmpl, b.rootfs});
  EXPECT_EQ(cp.code, 0) << "copy rootfs: " << cp;
  Result spec = Runtime({"spec", "--bundle", b.path});
  EXPECT_EQ(spec.code, 0) << "skiff-runtime spec: " << spec;
  b.config = Json::parse(ReadText(b.path + "/config.json"), nullptr, false);
  if (b.config.is_discarded() || !b.config.is_object()) {
    ADD_FAILURE() << "spec wrote bad config.json";
    b.config = Json::object();
  }
  b.config["process"]["terminal"] = false;
  b.config["process"]["args"] = args;
  b.config["root"]["readonly"] = false;
  b.Save();
  return b;
}

void Bundle::Save() const { WriteText(path + "/config.json", config.dump(2)); }

Result Harness::Runtime(const std::vector<std::string>& args, const std::string& input, int timeout_s) {
  return RuntimeG({}, args, input, timeout_s);
}

Result Harness::RuntimeG(const std::vector<std::string>& global, const std::vector<std::string>& args,
                         const std::string& input, int timeout_s) {
  std::vector<std::string> argv = {RuntimePath(), "--root", root_};
  argv.insert(argv.end(), global.begin(), global.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return Exec(argv, input, timeout_s, dir_ + "/cap");
}

Result Harness::RunSh(const std::string& script, const std::function<void(Json&)>& edit, std::string* id_out) {
  Bundle b = MakeBundle({"sh", "-c", script});
  if (edit) edit(b.config);
  b.Save();
  std::string id = NewId("run");
  if (id_out) *id_out = id;
  return Runtime({"run", "--bundle", b.path, id});
}

Result Harness::Create(const Bundle& b, const std::string& id, const std::vector<std::string>& extra) {
  Track(id);
  std::vector<std::string> a = {"create", "--bundle", b.path};
  a.insert(a.end(), extra.begin(), extra.end());
  a.push_back(id);
  return Runtime(a);
}

Result Harness::RunDetached(const Bundle& b, const std::string& id, const std::vector<std::string>& extra) {
  Track(id);
  std::vector<std::string> a = {"run", "-d", "--bundle", b.path};
  a.insert(a.end(), extra.begin(), extra.end());
  a.push_back(id);
  return Runtime(a);
}

Json Harness::State(const std::string& id) {
  Result r = Runtime({"state", id});
  if (r.code != 0) return Json();
  Json j = Json::parse(r.out, nullptr, false);
  return j.is_discarded() ? Json() : j;
}

std::string Harness::Status(const std::string& id) {
  Json j = State(id);
  if (!j.is_object() || !j.contains("status") || !j["status"].is_string()) return "<no state>";
  return j["status"].get<std::string>();
}

std::string Harness::WaitStatus(const std::string& id, const std::string& want, int timeout_ms) {
  std::string last;
  WaitFor([&] { return (last = Status(id)) == want; }, timeout_ms);
  return last;
}

bool Harness::WaitFor(const std::function<bool()>& pred, int timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  for (;;) {
    if (pred()) return true;
    if (NowMs() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace skiff::runtime::testing

#include "shim_harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>

namespace skiff::daemon::shim::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string SelfDir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = 0;
  return fs::path(buf).parent_path().string();
}

std::string SrcDir() {
  if (const char* s = ::getenv("SKIFF_SRC"); s && *s) return s;
  return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path().string();
}

// Runs argv, returns its exit code; stdout+stderr go to *out.
int RunCommand(const std::vector<std::string>& argv, std::string* out) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(p[1], 1);
    ::dup2(p[1], 2);
    std::vector<char*> av;
    for (const auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
    av.push_back(nullptr);
    ::execv(av[0], av.data());
    _exit(127);
  }
  ::close(p[1]);
  std::string text = ReadUntilEof(p[0], 120s);
  ::close(p[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (out) *out = text;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

std::string RootfsTemplate() {
  static std::string path = [] {
    std::string dest = SelfDir() + "/integration_shim.rootfs";
    if (fs::exists(dest + "/bin/sh")) return dest;
    std::string tmp = dest + ".tmp." + std::to_string(::getpid());
    std::error_code ec;
    fs::remove_all(tmp, ec);
    std::string out;
    int rc = RunCommand({"/bin/bash", SrcDir() + "/tests/support/busybox-rootfs.sh", tmp}, &out);
    if (rc != 0) {
      ADD_FAILURE() << "busybox-rootfs.sh failed: " << out;
      return std::string();
    }
    if (::rename(tmp.c_str(), dest.c_str()) != 0) fs::remove_all(tmp, ec);
    return dest;
  }();
  return path;
}

std::string RandomId() {
  std::random_device rd;
  std::string id;
  while (id.size() < 64) id += fmt::format("{:08x}", rd());
  return id.substr(0, 64);
}

}  // namespace

Frames Demux(const std::string& s) {
  Frames f;
  size_t i = 0;
  while (i < s.size()) {
    if (s.size() - i < 8) {
      f.bad = true;
      break;
    }
    auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i + k])); };
    uint32_t len = (b(4) << 24) | (b(5) << 16) | (b(6) << 8) | b(7);
    if ((b(0) != 1 && b(0) != 2) || b(1) || b(2) || b(3) || s.size() - i - 8 < len) {
      f.bad = true;
      break;
    }
    (b(0) == 1 ? f.out : f.err).append(s, i + 8, len);
    i += 8 + len;
  }
  f.raw = s;
  return f;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ReadUntilEof(int fd, std::chrono::milliseconds timeout, bool* eof) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (eof) *eof = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return out;
    struct pollfd p = {fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return out;
    char buf[65536];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      if (eof) *eof = true;
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string ReadUntil(int fd, const std::string& needle, std::chrono::milliseconds timeout) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    struct pollfd p = {fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

void WriteAllOrFail(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    ASSERT_GT(n, 0) << "write: " << strerror(errno);
    off += static_cast<size_t>(n);
  }
}

std::pair<UniqueFd, UniqueFd> StreamPair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) ADD_FAILURE() << "socketpair";
  return {UniqueFd(sv[0]), UniqueFd(sv[1])};
}

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

bool ProcessGone(pid_t pid) {
  std::string stat = ReadText(fmt::format("/proc/{}/stat", pid));
  if (stat.empty()) return true;
  auto pos = stat.rfind(')');
  return pos != std::string::npos && pos + 2 < stat.size() && (stat[pos + 2] == 'Z' || stat[pos + 2] == 'X');
}

std::vector<pid_t> ProcessesMentioning(const std::string& needle) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (struct dirent* e = ::readdir(d)) {
    char* end;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end || pid <= 0 || pid == ::getpid()) continue;
    std::string cmd = ReadText(fmt::format("/proc/{}/cmdline", pid));
    for (char& c : cmd)
      if (c == 0) c = ' ';
    if (cmd.find(needle) != std::string::npos && !ProcessGone(static_cast<pid_t>(pid)))
      out.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(d);
  return out;
}

std::string Harness::BinDir() {
  if (const char* b = ::getenv("SKIFF_BIN"); b && *b) return b;
  return fs::weakly_canonical(fs::path(SelfDir()) / ".." / "bin").string();
}
std::string Harness::RuntimePath() { return BinDir() + "/skiff-runtime"; }
std::string Harness::ShimExe() { return SelfDir() + "/skiff-shim-test"; }

Harness::Harness() {
  char tmpl[] = "/tmp/skshim-XXXXXX";
  char* d = ::mkdtemp(tmpl);
  if (!d) {
    ADD_FAILURE() << "mkdtemp: " << strerror(errno);
    return;
  }
  dir_ = d;
  ::chmod(dir_.c_str(), 0755);
  root_ = dir_ + "/state";
}

Harness::~Harness() {
  for (const auto& b : boxes_) {
    if (pid_t shim = LiveShimPid(b.dir)) {
      Runtime({"delete", "--force", b.id});
      if (!WaitFor([&] { return ProcessGone(shim); }, 20s)) {
        ADD_FAILURE() << "shim " << shim << " of " << b.dir << " did not exit; killing it";
        ::kill(shim, SIGKILL);
      }
    }
    Runtime({"delete", "--force", b.id});
  }
  if (dir_.empty()) return;
  // A shim that has answered its last Wait may still be closing its clients: give it a moment.
  WaitFor([&] { return ProcessesMentioning(dir_).empty(); }, 15s);
  auto left = ProcessesMentioning(dir_);
  for (pid_t p : left) {
    ADD_FAILURE() << "process " << p << " left behind: " << ReadText(fmt::format("/proc/{}/cmdline", p));
    ::kill(p, SIGKILL);
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

Box Harness::Make(const std::vector<std::string>& args, bool tty, const std::function<void(Json&)>& edit) {
  Box b;
  b.id = RandomId();
  b.dir = fmt::format("{}/c{}", dir_, next_++);
  fs::create_directories(b.dir);
  std::string rootfs = RootfsTemplate();
  std::string spec_dir = dir_ + "/spec";
  if (!fs::exists(spec_dir + "/config.json")) {
    fs::create_directories(spec_dir);
    std::string out;
    EXPECT_EQ(RunCommand({RuntimePath(), "spec", "--bundle", spec_dir}, &out), 0) << out;
  }
  b.config = Json::parse(ReadText(spec_dir + "/config.json"), nullptr, false);
  if (!b.config.is_object()) {
    ADD_FAILURE() << "skiff-runtime spec wrote no config";
    b.config = Json::object();
  }
  b.config["process"]["terminal"] = tty;
  b.config["process"]["args"] = args;
  b.config["root"] = {{"path", rootfs}, {"readonly", true}};
  b.cgroup = fmt::format("/skiff-shim-test-{}-{}", ::getpid(), next_);
  b.config["linux"]["cgroupsPath"] = b.cgroup;
  if (edit) edit(b.config);
  std::ofstream(b.dir + "/config.json") << b.config.dump(2);
  b.cfg.id = b.id;
  b.cfg.runtime = RuntimePath();
  b.cfg.runtime_root = root_;
  b.cfg.bundle = b.dir;
  b.cfg.tty = tty;
  b.cfg.log.path = b.dir + "/" + b.id + "-json.log";
  boxes_.push_back(b);
  return b;
}

Result<Spawned> Harness::Spawn(const Box& b) {
  // The latest config (tests may flip tty/stdin flags after Make).
  for (auto& x : boxes_)
    if (x.dir == b.dir) x = b;
  return shim::Spawn(ShimExe(), b.dir, b.cfg);
}

Spawned Harness::Run(const Box& b) {
  auto s = Spawn(b);
  EXPECT_TRUE(s.ok()) << s.error().message();
  if (!s.ok()) return {};
  auto st = Client(b.dir).Start();
  EXPECT_TRUE(st.ok()) << st.error().message();
  return *s;
}

int Harness::Runtime(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv = {RuntimePath(), "--root", root_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, out);
}

}  // namespace skiff::daemon::shim::testing

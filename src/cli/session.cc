#include "cli/session.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <sys/socket.h>
#include <time.h>

#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "base/json.h"
#include "cli/terminal.h"

namespace skiff::cli {

Result<ContainerWaiter> ContainerWaiter::Start(const ApiClient& api, const std::string& id,
                                               const std::string& condition) {
  Query q;
  q.Set("condition", condition);
  auto resp = SKIFF_TRY(api.Open("POST", "/containers/" + id + "/wait", q));
  return ContainerWaiter(std::move(resp));
}

Result<int64_t> ContainerWaiter::Finish() {
  std::string body = SKIFF_TRY(resp_->ReadAll());
  auto j = SKIFF_TRY(ParseJson(body, "wait response"));
  if (j.contains("Error") && j["Error"].is_object()) {
    return Error(Errc::kInternal, j["Error"].value("Message", ""));
  }
  return j.value("StatusCode", int64_t{0});
}

SignalThread::SignalThread(const sigset_t& set, std::function<void(int)> handler)
    : set_(set), handler_(std::move(handler)) {
  pthread_sigmask(SIG_BLOCK, &set_, &old_);
  sigfd_ = UniqueFd(::signalfd(-1, &set_, SFD_CLOEXEC));
  wake_ = UniqueFd(::eventfd(0, EFD_CLOEXEC));
  if (!sigfd_ || !wake_) return;  // no forwarding, the signals stay blocked until destruction
  thread_ = std::thread([this] {
    for (;;) {
      pollfd p[2] = {{sigfd_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
      if (::poll(p, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (p[1].revents) return;
      signalfd_siginfo info;
      if (::read(sigfd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) handler_(static_cast<int>(info.ssi_signo));
    }
  });
}

SignalThread::~SignalThread() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
    thread_.join();
  }
  pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

sigset_t ForwardableSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s = 1; s < NSIG; ++s) {
    if (s == SIGCHLD || s == SIGPIPE || s == SIGURG || s == SIGKILL || s == SIGSTOP || s == SIGSEGV ||
        s == SIGBUS || s == SIGFPE || s == SIGILL || s == SIGTRAP || s == SIGABRT) {
      continue;
    }
    if (s >= 32 && s < SIGRTMIN) continue;  // reserved by the C library for its threads
    sigaddset(&set, s);
  }
  return set;
}

std::string SignalName(int sig) {
  static const std::pair<int, const char*> kNames[] = {
      {SIGABRT, "ABRT"}, {SIGALRM, "ALRM"},   {SIGBUS, "BUS"},       {SIGCHLD, "CHLD"},   {SIGCONT, "CONT"},
      {SIGFPE, "FPE"},   {SIGHUP, "HUP"},     {SIGILL, "ILL"},       {SIGINT, "INT"},     {SIGIO, "IO"},
      {SIGKILL, "KILL"}, {SIGPIPE, "PIPE"},   {SIGPROF, "PROF"},     {SIGPWR, "PWR"},     {SIGQUIT, "QUIT"},
      {SIGSEGV, "SEGV"}, {SIGSTKFLT, "STKFLT"}, {SIGSTOP, "STOP"},   {SIGSYS, "SYS"},     {SIGTERM, "TERM"},
      {SIGTRAP, "TRAP"}, {SIGTSTP, "TSTP"},   {SIGTTIN, "TTIN"},     {SIGTTOU, "TTOU"},   {SIGURG, "URG"},
      {SIGUSR1, "USR1"}, {SIGUSR2, "USR2"},   {SIGVTALRM, "VTALRM"}, {SIGWINCH, "WINCH"}, {SIGXCPU, "XCPU"},
      {SIGXFSZ, "XFSZ"}};
  for (const auto& [n, name] : kNames) {
    if (n == sig) return name;
  }
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
    int off = sig - SIGRTMIN;
    return off == 0 ? "RTMIN" : fmt::format("RTMIN+{}", off);
  }
  return "";
}

Status ResizeTty(const Cli& cli, const std::string& id, bool exec) {
  auto size = GetTermSize(cli.out_fd());
  if (!size || (size->height == 0 && size->width == 0)) return Ok();
  Query q;
  q.Set("h", std::to_string(size->height));
  q.Set("w", std::to_string(size->width));
  auto r = cli.api().Call("POST", (exec ? "/exec/" : "/containers/") + id + "/resize", q);
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

void InitTtySize(const Cli& cli, const std::string& id, bool exec) {
  if (ResizeTty(cli, id, exec).ok()) return;
  // Docker retries in the background; a short synchronous retry keeps this simple and bounded (50ms).
  for (int retry = 0; retry < 5; ++retry) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (ResizeTty(cli, id, exec).ok()) return;
  }
  cli.Err("failed to resize tty, using default size\n");
}

BackgroundStream::BackgroundStream(HijackedConn conn, StreamOptions opts)
    : conn_(std::move(conn)), opts_(std::move(opts)) {
  thread_ = std::thread([this] { result_.emplace(StreamHijacked(conn_, opts_)); });
}

BackgroundStream::~BackgroundStream() {
  if (thread_.joinable()) Cancel();
}

Result<StreamEnd> BackgroundStream::Join() {
  if (thread_.joinable()) thread_.join();
  if (!result_) return Error(Errc::kInternal, "attach stream ended without a result");
  return *result_;
}

void BackgroundStream::Cancel() {
  if (conn_.fd) ::shutdown(conn_.fd.get(), SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
}

void LogrusError(const Cli& cli, std::string_view msg) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  if (::isatty(cli.err_fd())) {
    static const auto start = std::chrono::steady_clock::now();
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
    cli.Err(fmt::format("\x1b[31mERRO\x1b[0m[{:04d}] {}\n", secs, msg));
    return;
  }
  char ts[64];
  std::strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
  long off = tm.tm_gmtoff;
  std::string zone = off == 0 ? "Z" : fmt::format("{}{:02d}:{:02d}", off < 0 ? '-' : '+', std::abs(off) / 3600,
                                                  (std::abs(off) % 3600) / 60);
  std::string quoted;
  for (char c : msg) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  cli.Err(fmt::format("time=\"{}{}\" level=error msg=\"{}\"\n", ts, zone, quoted));
}

Query AttachQuery(bool in, bool out, bool err, const std::string& detach_keys) {
  Query q;
  q.SetBool("stream", true);
  q.SetBool("stdin", in);
  q.SetBool("stdout", out);
  q.SetBool("stderr", err);
  if (!detach_keys.empty()) q.Set("detachKeys", detach_keys);
  return q;
}

}  // namespace skiff::cli

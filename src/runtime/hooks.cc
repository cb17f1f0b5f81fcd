#include "runtime/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/fd.h"
#include "base/file.h"

namespace skiff::runtime {
namespace {

Status RunHook(const HookSpec& h, std::string_view kind, size_t index, const std::string& state_json) {
  std::string name = std::string(kind) + " hook " + std::to_string(index) + " (" + h.path + ")";
  int in[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return Error::Sys("pipe");
  UniqueFd in_r(in[0]), in_w(in[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) return Error::Sys("pipe");
  UniqueFd err_r(err[0]), err_w(err[1]);
  std::vector<std::string> args = h.args.empty() ? std::vector<std::string>{h.path} : h.args;
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = h.env;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Error::Sys("fork " + name);
  if (pid == 0) {
    ::dup2(in_r.get(), 0);
    ::dup2(err_w.get(), 2);
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 1);
    ::execve(h.path.c_str(), argv.data(), envp.data());
    dprintf(2, "exec %s: %s", h.path.c_str(), strerror(errno));
    _exit(127);
  }
  in_r.reset();
  err_w.reset();
  // The hook may not read stdin; a full pipe must not block us.
  ::fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
  ssize_t wr = ::write(in_w.get(), state_json.data(), state_json.size());
  (void)wr;
  in_w.reset();
  std::string err_text;
  int64_t deadline = h.timeout ? MonotonicMs() + *h.timeout * 1000LL : -1;
  bool timed_out = false;
  for (;;) {
    int wait_ms = deadline < 0 ? -1 : static_cast<int>(std::max<int64_t>(0, deadline - MonotonicMs()));
    struct pollfd p {err_r.get(), POLLIN, 0};
    int n = ::poll(&p, 1, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    char buf[4096];
    ssize_t r = ::read(err_r.get(), buf, sizeof buf);
    if (r <= 0) break;
    if (err_text.size() < 8192) err_text.append(buf, static_cast<size_t>(r));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (timed_out) return Error(Errc::kInternal, name + ": timed out after " + std::to_string(*h.timeout) + "s");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Ok();
  std::string why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                      : "killed by signal " + std::to_string(WTERMSIG(status));
  while (!err_text.empty() && (err_text.back() == '\n' || err_text.back() == '\r')) err_text.pop_back();
  return Error(Errc::kInternal, name + " failed: " + why + (err_text.empty() ? "" : ": " + err_text));
}

}  // namespace

Status RunHooks(const std::vector<HookSpec>& hooks, std::string_view kind, const std::string& state_json) {
  for (size_t i = 0; i < hooks.size(); ++i) SKIFF_TRY(RunHook(hooks[i], kind, i, state_json));
  return Ok();
}

}  // namespace skiff::runtime

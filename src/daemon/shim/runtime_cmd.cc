#include "daemon/shim/runtime_cmd.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "base/json.h"
#include "base/strings.h"

namespace skiff::daemon::shim {

Result<pid_t> StartChild(const std::vector<std::string>& argv, const ChildStdio& io) {
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/')
    return Error(Errc::kInvalidArgument, "start child: argv[0] must be an absolute path");
  std::vector<char*> av;
  for (const auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
  av.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Error::Sys("fork " + argv[0]);
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s) signal(s, SIG_DFL);
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    int fds[3] = {io.in, io.out, io.err};
    // Move the sources above 2 first so that dup2 into 0..2 cannot clobber one that is still needed.
    for (int& fd : fds) {
      if (fd < 0) fd = null;
      if (fd >= 0 && fd <= 2) fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    }
    for (int i = 0; i < 3; ++i)
      if (fds[i] < 0 || ::dup2(fds[i], i) < 0) _exit(126);
    ::close_range(3, ~0U, 0);
    ::execv(av[0], av.data());
    _exit(127);
  }
  return pid;
}

Result<int> WaitChild(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Error::Sys(fmt::format("waitpid {}", pid));
  }
  return status;
}

int ExitCodeOf(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 255;
}

std::vector<std::string> RuntimeArgv(const std::string& runtime, const std::string& root, const std::string& log) {
  std::vector<std::string> a = {runtime};
  if (!root.empty()) a.insert(a.end(), {"--root", root});
  a.insert(a.end(), {"--log", log, "--log-format", "json"});
  return a;
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

std::string LastRuntimeError(const std::string& path, uint64_t offset) {
  auto text = ReadFile(path);
  if (!text.ok() || text->size() <= offset) return "";
  std::string last;
  for (const auto& line : Split(std::string_view(*text).substr(offset), '\n')) {
    if (Trim(line).empty()) continue;
    Json j = Json::parse(line, nullptr, false);
    if (!j.is_object() || j.value("level", "") != "error") continue;
    if (auto m = j.find("msg"); m != j.end() && m->is_string()) last = m->get<std::string>();
  }
  return last;
}

Error RuntimeFailure(const std::string& log, uint64_t offset, const std::string& what, int wait_status) {
  std::string msg = LastRuntimeError(log, offset);
  if (msg.empty()) msg = fmt::format("{}: exit status {}", what, ExitCodeOf(wait_status));
  return Error(Errc::kInternal, std::move(msg));
}

}  // namespace skiff::daemon::shim

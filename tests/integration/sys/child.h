// Test helper: runs a function in a forked child, collects what it writes and how it ended.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <string>

namespace skiff::sys::testing {

struct ChildResult {
  int status = -1;     // raw waitpid status
  std::string output;  // everything the child wrote to its pipe
  bool Exited(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
  bool Signaled(int sig) const { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }
  std::string Describe() const {
    if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status)) + ", output: " + output;
    if (WIFSIGNALED(status)) return std::string("signal ") + strsignal(WTERMSIG(status)) + ", output: " + output;
    return "status " + std::to_string(status);
  }
};

// Writes a string to fd from the child (best effort; no allocation beyond the string itself).
inline void Say(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// fn(out_fd) runs in the child; its return value becomes the exit code (via _exit). The parent reads the
// pipe to EOF and reaps the child.
inline ChildResult RunInChild(const std::function<int(int out_fd)>& fn) {
  ChildResult r;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return r;
  pid_t pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return r;
  }
  if (pid == 0) {
    close(p[0]);
    int code = fn(p[1]);
    _exit(code);
  }
  close(p[1]);
  char buf[4096];
  for (;;) {
    ssize_t n = read(p[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    r.output.append(buf, static_cast<size_t>(n));
  }
  close(p[0]);
  while (waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
  }
  return r;
}

}  // namespace skiff::sys::testing

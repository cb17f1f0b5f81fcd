#include "runtime/linux/console.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "base/file.h"
#include "sys/mounts.h"
#include "sys/unix_socket.h"

namespace skiff::runtime::platform {

Status SetupConsole(int console_socket, const ProcessSpec& process, bool mount_console) {
  if (console_socket < 0) return Error(Errc::kInvalidArgument, "process.terminal is true but there is no console socket");
  UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) return Error::Sys("open /dev/ptmx");
  if (::unlockpt(master.get()) != 0) return Error::Sys("unlockpt");
  char name[128];
  if (::ptsname_r(master.get(), name, sizeof name) != 0) return Error::Sys("ptsname");
  if (process.console_height || process.console_width) {
    struct winsize ws {};
    ws.ws_row = static_cast<unsigned short>(process.console_height);
    ws.ws_col = static_cast<unsigned short>(process.console_width);
    ::ioctl(master.get(), TIOCSWINSZ, &ws);
  }
  UniqueFd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) return Error::Sys(std::string("open ") + name);
  if (mount_console) {
    int fd = ::open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
      ::close(fd);
      SKIFF_TRY(sys::Mount(name, "/dev/console", "", MS_BIND));
    }
  }
  SKIFF_TRY_CTX(sys::SendFd(console_socket, master.get(), "/dev/ptmx"), "console socket");
  master.reset();
  if (::ioctl(slave.get(), TIOCSCTTY, 0) != 0) return Error::Sys("set controlling terminal");
  for (int i = 0; i < 3; ++i)
    if (::dup2(slave.get(), i) < 0) return Error::Sys("dup2 console");
  return Ok();
}

namespace {
struct RawTerminal {
  bool active = false;
  struct termios saved {};
  explicit RawTerminal(int fd) {
    if (!::isatty(fd) || ::tcgetattr(fd, &saved) != 0) return;
    struct termios raw = saved;
    ::cfmakeraw(&raw);
    raw.c_oflag = saved.c_oflag;  // keep output processing so our own messages look right
    active = ::tcsetattr(fd, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active) ::tcsetattr(0, TCSANOW, &saved);
  }
};

void CopyWinsize(int master) {
  struct winsize ws {};
  if (::ioctl(0, TIOCGWINSZ, &ws) == 0) ::ioctl(master, TIOCSWINSZ, &ws);
}

bool Pump(int from, int to) {
  char buf[16384];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n <= 0) return !(n == 0 || (errno != EINTR && errno != EAGAIN));
  ssize_t off = 0;
  while (off < n) {
    ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return true;  // reader gone: drop output, keep going until the process exits
    }
    off += w;
  }
  return true;
}
}  // namespace

int WaitAndProxy(pid_t pid, int master) {
  sigset_t set;
  sigfillset(&set);
  sigdelset(&set, SIGKILL);
  sigdelset(&set, SIGSTOP);
  sigdelset(&set, SIGSEGV);
  sigdelset(&set, SIGBUS);
  sigdelset(&set, SIGFPE);
  sigdelset(&set, SIGILL);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
  std::unique_ptr<RawTerminal> raw;
  if (master >= 0) {
    raw = std::make_unique<RawTerminal>(0);
    CopyWinsize(master);
  }
  int status = -1;
  bool exited = false;
  bool stdin_open = master >= 0;
  auto reap = [&] {
    for (;;) {
      int st;
      pid_t r = ::waitpid(-1, &st, WNOHANG);
      if (r <= 0) break;
      if (r == pid) {
        status = st;
        exited = true;
      }
    }
  };
  reap();
  while (!exited) {
    struct pollfd fds[3] = {{sfd.get(), POLLIN, 0}, {master, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    int n = ::poll(fds, master >= 0 ? 3 : 1, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (::read(sfd.get(), &si, sizeof si) == sizeof si) {
        int sig = static_cast<int>(si.ssi_signo);
        if (sig == SIGCHLD) reap();
        else if (sig == SIGWINCH && master >= 0) CopyWinsize(master);
        else ::kill(pid, sig);
      }
    }
    if (master >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
      if (!Pump(master, 1) || (fds[1].revents & POLLHUP && !(fds[1].revents & POLLIN))) {
        // Slave side closed: the process is exiting; wait for it.
        master = -1;
        stdin_open = false;
      }
    }
    if (stdin_open && (fds[2].revents & (POLLIN | POLLHUP))) {
      if (!Pump(0, master)) stdin_open = false;
    }
  }
  if (!exited) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  }
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

}  // namespace skiff::runtime::platform

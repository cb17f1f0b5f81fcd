// process.terminal with --console-socket: we receive the pty master and talk to the shell through it.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "harness.h"

namespace skiff::runtime::testing {
namespace {

class Terminal : public RuntimeTest {};

int Listen(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Accepts one connection and receives one fd by SCM_RIGHTS (-1 on failure or timeout).
int ReceiveFd(int listener, int timeout_ms) {
  pollfd p{listener, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) != 1) return -1;
  int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (conn < 0) return -1;
  char data[256];
  iovec iov{data, sizeof data};
  alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))];
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctrl;
  m.msg_controllen = sizeof ctrl;
  pollfd q{conn, POLLIN, 0};
  int fd = -1;
  if (::poll(&q, 1, timeout_ms) == 1 && ::recvmsg(conn, &m, MSG_CMSG_CLOEXEC) >= 0) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  }
  ::close(conn);
  return fd;
}

// Reads from fd until `want` appears in what was read (or timeout); returns everything read.
std::string ReadUntil(int fd, const std::string& want, int timeout_ms) {
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (got.find(want) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) != 1) continue;
    char buf[1024];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

TEST_F(Terminal, ConsoleSocketPtyRoundTrip) {
  std::string sock = h().dir() + "/console.sock";
  int listener = Listen(sock);
  ASSERT_GE(listener, 0) << strerror(errno);
  Bundle b = h().MakeBundle({"sh"});
  b.config["process"]["terminal"] = true;
  b.Save();
  std::string id = h().NewId("tty");
  // create sends the master during setup; the connection waits in our backlog until we accept it.
  Result c = h().Create(b, id, {"--console-socket", sock});
  ASSERT_EQ(c.code, 0) << c;
  int master = ReceiveFd(listener, 5000);
  ::close(listener);
  ASSERT_GE(master, 0) << "no pty master received on the console socket";
  ASSERT_EQ(h().Runtime({"start", id}).code, 0);
  // `echo h""i` prints hi, while the terminal's echo of the typed line shows h""i: seeing "hi" proves the
  // shell ran it.
  const char cmd[] = "tty; echo h\"\"i\n";
  ASSERT_EQ(::write(master, cmd, sizeof cmd - 1), static_cast<ssize_t>(sizeof cmd - 1));
  std::string out = ReadUntil(master, "\nhi", 5000);
  EXPECT_NE(out.find("\nhi"), std::string::npos) << "pty output: " << out;
  EXPECT_NE(out.find("/dev/pts/0"), std::string::npos) << "pty output: " << out;
  const char bye[] = "exit 0\n";
  ASSERT_EQ(::write(master, bye, sizeof bye - 1), static_cast<ssize_t>(sizeof bye - 1));
  EXPECT_EQ(h().WaitStatus(id, "stopped"), "stopped");
  ::close(master);
}

TEST_F(Terminal, TerminalWithoutConsoleSocketFailsCreate) {
  Bundle b = h().MakeBundle({"sh"});
  b.config["process"]["terminal"] = true;
  b.Save();
  std::string id = h().NewId();
  Result c = h().Create(b, id);
  EXPECT_NE(c.code, 0) << c;
  EXPECT_NE(c.err.find("console-socket"), std::string::npos) << c;
  EXPECT_FALSE(Exists(h().root() + "/" + id));
}

TEST_F(Terminal, ExecWithConsoleSocket) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  std::string sock = h().dir() + "/exec-console.sock";
  int listener = Listen(sock);
  ASSERT_GE(listener, 0);
  Result e = h().Runtime({"exec", "--tty", "--detach", "--console-socket", sock, id, "sh", "-c", "tty; sleep 2"});
  ASSERT_EQ(e.code, 0) << e;
  int master = ReceiveFd(listener, 5000);
  ::close(listener);
  ASSERT_GE(master, 0);
  std::string out = ReadUntil(master, "/dev/pts/", 5000);
  EXPECT_NE(out.find("/dev/pts/"), std::string::npos) << out;
  ::close(master);
}

}  // namespace
}  // namespace skiff::runtime::testing

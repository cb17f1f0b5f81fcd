#include "sys/unix_socket.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

namespace skiff::sys {
namespace {
// A sockaddr_un for `path`. Paths longer than sun_path (108 bytes: container state dirs under long exec
// roots) go through an O_PATH fd of their directory, "/proc/self/fd/N/<name>", which the kernel resolves
// like the full path (permissions included); `dir` keeps that fd open for the bind/connect.
Result<sockaddr_un> UnixAddr(const std::string& path, UniqueFd& dir) {
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  std::string p = path;
  if (p.size() >= sizeof addr.sun_path) {
    size_t slash = p.rfind('/');
    if (slash == std::string::npos || slash == 0) return Error(Errc::kInvalidArgument, "socket path too long: " + path);
    std::string parent = p.substr(0, slash);
    dir.reset(::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return Error::Sys("open " + parent);
    p = "/proc/self/fd/" + std::to_string(dir.get()) + p.substr(slash);
    if (p.size() >= sizeof addr.sun_path) return Error(Errc::kInvalidArgument, "socket name too long: " + path);
  }
  memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  return addr;
}
}  // namespace

Result<UniqueFd> ConnectUnix(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Error::Sys("socket");
  UniqueFd dir;
  struct sockaddr_un addr = SKIFF_TRY(UnixAddr(path, dir));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return Error::Sys("connect " + path);
  return fd;
}

Result<UniqueFd> ListenUnix(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Error::Sys("socket");
  UniqueFd dir;
  struct sockaddr_un addr = SKIFF_TRY(UnixAddr(path, dir));
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return Error::Sys("bind " + path);
  if (::listen(fd.get(), 128) != 0) return Error::Sys("listen " + path);
  return fd;
}

Status SendFd(int sock, int fd, const std::string& name) {
  struct msghdr msg {};
  std::string payload = name.empty() ? std::string(1, '\0') : name;
  struct iovec iov {payload.data(), payload.size()};
  alignas(struct cmsghdr) char buf[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = buf;
  msg.msg_controllen = sizeof buf;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  while (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) return Error::Sys("send fd");
  }
  return Ok();
}

Result<std::pair<UniqueFd, std::string>> RecvFd(int sock) {
  struct msghdr msg {};
  char data[4096];
  struct iovec iov {data, sizeof data};
  alignas(struct cmsghdr) char buf[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = buf;
  msg.msg_controllen = sizeof buf;
  ssize_t n;
  while ((n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0) {
    if (errno != EINTR) return Error::Sys("receive fd");
  }
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return Error(Errc::kInvalidArgument, "receive fd: no fd in message");
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(int));
  std::string name(data, static_cast<size_t>(n));
  while (!name.empty() && name.back() == '\0') name.pop_back();
  return std::make_pair(UniqueFd(fd), std::move(name));
}

Result<std::pair<UniqueFd, UniqueFd>> SeqPacketPair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) return Error::Sys("socketpair");
  return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

Status SendMsg(int sock, const std::string& msg) {
  while (::send(sock, msg.data(), msg.size(), MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) return Error::Sys("sync send");
  }
  return Ok();
}

Result<std::string> RecvMsg(int sock) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(sock, buf, sizeof buf, 0);
    if (n >= 0) return std::string(buf, static_cast<size_t>(n));
    if (errno == EINTR) continue;
    if (errno == ECONNRESET) return std::string();
    return Error::Sys("sync receive");
  }
}

}  // namespace skiff::sys

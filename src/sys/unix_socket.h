// Unix-socket helpers: passing fds with SCM_RIGHTS (console sockets, seccomp listeners) and small
// message framing for parent/child sync over SOCK_SEQPACKET pairs.
#pragma once

#include <string>
#include <utility>

#include "base/error.h"
#include "base/fd.h"

namespace skiff::sys {

// Connects a SOCK_STREAM unix socket to `path` (any length: long paths go through their directory's fd).
Result<UniqueFd> ConnectUnix(const std::string& path);
// Binds and listens on a SOCK_STREAM unix socket at `path` (which must not exist; any length).
Result<UniqueFd> ListenUnix(const std::string& path);
// Sends fd with `name` as the payload (runc's console-socket protocol sends the pty name).
Status SendFd(int sock, int fd, const std::string& name);
// Receives one fd and its payload.
Result<std::pair<UniqueFd, std::string>> RecvFd(int sock);
// A SOCK_SEQPACKET | SOCK_CLOEXEC pair.
Result<std::pair<UniqueFd, UniqueFd>> SeqPacketPair();
Status SendMsg(int sock, const std::string& msg);
// Returns "" on EOF.
Result<std::string> RecvMsg(int sock);

}  // namespace skiff::sys

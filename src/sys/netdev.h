// Network devices of the current network namespace: the one thing every new container namespace needs
// before it is useful, its loopback up (the kernel gives lo 127.0.0.1/8 and ::1 when it goes up).
// Bridges, veths and addresses come with the network layer (src/network).
#pragma once

#include <string>

#include "base/error.h"

namespace skiff::sys {

// Sets IFF_UP on `ifname` in the calling thread's network namespace.
Status SetLinkUp(const std::string& ifname);
// Moves the calling (single-threaded) process into the network namespace of `pid`.
Status EnterNetns(int pid);

}  // namespace skiff::sys

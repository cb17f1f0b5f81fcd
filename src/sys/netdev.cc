#include "sys/netdev.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/fd.h"

namespace skiff::sys {

Status SetLinkUp(const std::string& ifname) {
  if (ifname.empty() || ifname.size() >= IFNAMSIZ) return Error(Errc::kInvalidArgument, "bad interface name \"" + ifname + "\"");
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s) return Error::Sys("socket");
  struct ifreq ifr {};
  memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
  if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) return Error::Sys("get flags of " + ifname);
  if (ifr.ifr_flags & IFF_UP) return Ok();
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) return Error::Sys("set " + ifname + " up");
  return Ok();
}

Status EnterNetns(int pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) return Error::Sys("open " + path);
  if (::setns(ns.get(), CLONE_NEWNET) != 0) return Error::Sys("setns " + path);
  return Ok();
}

}  // namespace skiff::sys

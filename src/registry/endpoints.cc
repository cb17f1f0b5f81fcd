// Endpoints() and IsInsecure(): which URLs a pull or push of a domain tries, and with what TLS checking
// (Docker's registry.Service LookupPullEndpoints/LookupPushEndpoints and isSecureIndex).
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "base/strings.h"
#include "registry/client.h"

namespace skiff::registry {

namespace {

constexpr const char* kDockerHubRegistry = "https://registry-1.docker.io";

// An IPv4 or IPv6 address in network order, with its family.
struct IpAddr {
  int family = 0;
  unsigned char bytes[16] = {};
  size_t len() const { return family == AF_INET ? 4 : 16; }
};

bool ParseIp(std::string_view text, IpAddr* out) {
  std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), out->bytes) == 1) {
    out->family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out->bytes) == 1) {
    out->family = AF_INET6;
    // An IPv4-mapped address matches IPv4 networks (Go's net.IP does the same).
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out->bytes, kMapped, 12) == 0) {
      std::memmove(out->bytes, out->bytes + 12, 4);
      out->family = AF_INET;
    }
    return true;
  }
  return false;
}

bool InCidr(const IpAddr& ip, std::string_view cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return false;
  IpAddr net;
  if (!ParseIp(cidr.substr(0, slash), &net) || net.family != ip.family) return false;
  auto bits = ParseUint(cidr.substr(slash + 1));
  if (!bits || *bits > net.len() * 8) return false;
  size_t full = *bits / 8, rest = *bits % 8;
  if (std::memcmp(ip.bytes, net.bytes, full) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (ip.bytes[full] & mask) == (net.bytes[full] & mask);
}

// "host:port" / "[v6]:port" / "host" / "v6" -> host without brackets.
std::string HostOf(std::string_view domain) {
  if (!domain.empty() && domain.front() == '[') {
    auto close = domain.find(']');
    return std::string(domain.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  if (std::count(domain.begin(), domain.end(), ':') > 1) return std::string(domain);  // bare IPv6
  auto colon = domain.find(':');
  return std::string(domain.substr(0, colon));
}

// The addresses a host stands for: itself when it is an IP, else what the resolver says.
std::vector<IpAddr> AddressesOf(const std::string& host) {
  IpAddr ip;
  if (ParseIp(host, &ip)) return {ip};
  std::vector<IpAddr> out;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return out;
  for (addrinfo* p = res; p; p = p->ai_next) {
    char buf[INET6_ADDRSTRLEN];
    const void* a = p->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(p->ai_addr)->sin_addr)
                                            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(p->ai_addr)->sin6_addr);
    if (inet_ntop(p->ai_family, a, buf, sizeof buf) && ParseIp(buf, &ip)) out.push_back(ip);
  }
  freeaddrinfo(res);
  return out;
}

std::string TrimSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

bool IsInsecure(const std::string& domain, const RegistryOptions& o) {
  std::string host = HostOf(domain);
  if (ToLower(host) == "localhost") return true;
  std::vector<std::string> cidrs = {"127.0.0.0/8", "::1/128"};
  for (const auto& e : o.insecure) {
    std::string entry(Trim(e));
    // Docker accepts scheme-prefixed entries in daemon.json and strips the scheme.
    for (std::string_view scheme : {"http://", "https://"}) {
      if (entry.starts_with(scheme)) entry = entry.substr(scheme.size());
    }
    entry = TrimSlashes(entry);
    if (entry.find('/') != std::string::npos) {
      cidrs.push_back(entry);
    } else if (entry == domain) {
      return true;
    }
  }
  for (const auto& ip : AddressesOf(host)) {
    for (const auto& c : cidrs) {
      if (InCidr(ip, c)) return true;
    }
  }
  return false;
}

std::vector<Endpoint> Endpoints(const std::string& domain, const RegistryOptions& o, bool for_push) {
  std::vector<Endpoint> out;
  if (domain == "docker.io" || domain == "index.docker.io" || domain == "registry-1.docker.io") {
    if (!for_push) {
      for (const auto& m : o.mirrors) {
        Endpoint e;
        e.url = TrimSlashes(std::string(Trim(m)));
        if (e.url.empty()) continue;
        if (e.url.find("://") == std::string::npos) e.url = "https://" + e.url;
        e.mirror = true;
        if (e.url.starts_with("https://")) {
          std::string hostport = e.url.substr(8);
          hostport = hostport.substr(0, hostport.find('/'));
          e.tls_verify = !IsInsecure(hostport, o);
        }
        out.push_back(std::move(e));
      }
    }
    out.push_back(Endpoint{kDockerHubRegistry, false, true});
    return out;
  }
  bool insecure = IsInsecure(domain, o);
  out.push_back(Endpoint{"https://" + domain, false, !insecure});
  if (insecure) out.push_back(Endpoint{"http://" + domain, false, true});
  return out;
}

std::string DomainOfServer(std::string s) {
  for (const char* scheme : {"https://", "http://"})
    if (s.starts_with(scheme)) s = s.substr(std::string_view(scheme).size());
  if (auto slash = s.find('/'); slash != std::string::npos) s = s.substr(0, slash);
  if (s.empty() || s == "index.docker.io" || s == "registry-1.docker.io" || s == "docker.io") return "docker.io";
  return s;
}

}  // namespace skiff::registry

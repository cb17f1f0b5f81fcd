// Docker's container Config shape and Go's fmt verbs as the legacy builder's history texts use them.
#include <time.h>

#include "base/strings.h"
#include "build/stage.h"

namespace skiff::build {

Json FullConfig(const Json& config) {
  static const char* kOrder[] = {"Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr",
                                 "Tty", "OpenStdin", "StdinOnce", "Env", "Cmd", "Image", "Volumes", "WorkingDir",
                                 "Entrypoint", "OnBuild", "Labels"};
  Json out = config.is_object() ? config : Json::object();
  for (const char* k : kOrder) {
    if (out.contains(k)) continue;
    std::string key = k;
    if (key == "Hostname" || key == "Domainname" || key == "User" || key == "Image" || key == "WorkingDir")
      out[k] = "";
    else if (key.starts_with("Attach") || key == "Tty" || key == "OpenStdin" || key == "StdinOnce")
      out[k] = false;
    else
      out[k] = nullptr;
  }
  return out;
}


std::string GoQuote(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + skiff::GoQuote(v[i]);
  return out + "]";
}

std::string GoList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + v[i];
  return out + "]";
}

int64_t MonoNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

bool IsBuiltinArg(const std::string& k) {
  static const char* kBuiltin[] = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
                                   "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"};
  for (const char* b : kBuiltin)
    if (k == b) return true;
  return false;
}

std::string ShortId(const Digest& d) { return d.empty() ? "" : d.hex().substr(0, 12); }

}  // namespace skiff::build

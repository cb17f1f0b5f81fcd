// `skiff-runtime hook loopback`: an OCI createRuntime hook skiffd adds for containers with a network
// namespace of their own. It reads the container state from stdin (OCI hook protocol), enters the
// container's network namespace and brings its loopback up, as every container engine does. A process of
// its own (single-threaded), so namespaces are never entered in the daemon.
#include <cstdio>
#include <string>

#include "base/file.h"
#include "base/json.h"
#include "sys/netdev.h"

namespace skiff::hooks {

int HookMain(int argc, char** argv) {
  std::string which = argc > 1 ? argv[1] : "";
  if (which != "loopback") {
    std::fprintf(stderr, "skiff-runtime hook: unknown hook \"%s\" (known: loopback)\n", which.c_str());
    return 2;
  }
  auto text = ReadFd(0);
  if (!text.ok()) {
    std::fprintf(stderr, "skiff-runtime hook loopback: read state: %s\n", text.error().message().c_str());
    return 1;
  }
  auto state = ParseJson(*text, "hook state on stdin");
  int pid = state.ok() && state->is_object() ? state->value("pid", 0) : 0;
  if (pid <= 0) {
    std::fprintf(stderr, "skiff-runtime hook loopback: no container pid in the state on stdin\n");
    return 1;
  }
  Status s = sys::EnterNetns(pid);
  if (s.ok()) s = sys::SetLinkUp("lo");
  if (!s.ok()) {
    std::fprintf(stderr, "skiff-runtime hook loopback: %s\n", s.error().message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace skiff::hooks

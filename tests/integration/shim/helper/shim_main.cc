// skiff-shim-test: the shim executable of the shim integration tests. `skiff-shim-test shim DIR` runs the
// shim for DIR exactly as skiffd's main does for `skiffd shim DIR`.
#include <cstdio>
#include <string>

#include "daemon/shim/shim.h"

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "shim") {
    std::fprintf(stderr, "usage: %s shim DIR\n", argv[0]);
    return 2;
  }
  return skiff::daemon::shim::ShimMain(argv[2]);
}

// skiff-image-bench: a CLI-free driver for bench/image/save_load.sh.
//   skiff-image-bench load ROOT ARCHIVE        load an archive into the store at ROOT
//   skiff-image-bench save ROOT ARCHIVE REF... save images into ARCHIVE
// Prints the elapsed seconds on stdout.
#include <fcntl.h>
#include <time.h>

#include <cstdio>
#include <string>
#include <vector>

#include "base/file.h"
#include "image/image_store.h"

using namespace skiff;

static double Now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s load ROOT ARCHIVE | save ROOT ARCHIVE REF...\n", argv[0]);
    return 2;
  }
  std::string cmd = argv[1];
  auto store = image::ImageStore::Open(argv[2]);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.error().message().c_str());
    return 1;
  }
  double t0 = Now();
  if (cmd == "load") {
    auto fd = OpenFile(argv[3], O_RDONLY);
    if (!fd.ok()) return std::fprintf(stderr, "%s\n", fd.error().message().c_str()), 1;
    storage::FdReader r(fd->get());
    auto res = (*store)->Load(r);
    if (!res.ok()) return std::fprintf(stderr, "load: %s\n", res.error().message().c_str()), 1;
    for (const auto& li : *res) std::fprintf(stderr, "Loaded image ID: %s\n", li.id.str().c_str());
  } else if (cmd == "save") {
    std::vector<std::string> refs(argv + 4, argv + argc);
    auto fd = OpenFile(argv[3], O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd.ok()) return std::fprintf(stderr, "%s\n", fd.error().message().c_str()), 1;
    storage::FdWriter w(fd->get());
    auto st = (*store)->Save(refs, w);
    if (!st.ok()) return std::fprintf(stderr, "save: %s\n", st.error().message().c_str()), 1;
  } else {
    std::fprintf(stderr, "unknown command %s\n", cmd.c_str());
    return 2;
  }
  std::printf("%.2f\n", Now() - t0);
  return 0;
}

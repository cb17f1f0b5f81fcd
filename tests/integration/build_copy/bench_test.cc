// The COPY benchmark on this library alone (root, opt-in: SKIFF_COPY_BENCH=1): 1 GiB in 10,000
// files copied with `COPY . /data` into an overlay mount (as a build step's snapshot), the cold hash of
// the sources, and the hash after touching one file with a warm FileHashCache. Prints the timings.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>
#include <utime.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/file.h"
#include "build/copy/copy.h"

namespace skiff::build::copy {
namespace {

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

TEST(CopyBench, OneGiBInTenThousandFiles) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (overlay mount)";
  const char* on = std::getenv("SKIFF_COPY_BENCH");
  if (!on || std::string(on) != "1") GTEST_SKIP() << "set SKIFF_COPY_BENCH=1 to run";
  auto work = TempDir::Create("/var/tmp", "copy-bench-").value();
  std::string ctx = work.path() + "/ctx";
  const size_t kFiles = 10000, kSize = (size_t(1) << 30) / kFiles;
  std::string data(kSize + 97, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
  for (size_t i = 0; i < kFiles; ++i) {
    std::string dir = ctx + "/d" + std::to_string(i % 100);
    if (i < 100) {
      ASSERT_TRUE(MkdirAll(dir).ok());
    }
    ASSERT_TRUE(WriteFileAtomic(dir + "/f" + std::to_string(i), std::string_view(data).substr(i % 97, kSize), 0644,
                                false).ok());
  }
  ::sync();
  for (const char* d : {"/lower", "/upper", "/work", "/merged"}) ASSERT_TRUE(MkdirAll(work.path() + d).ok());
  std::string opts = "lowerdir=" + work.path() + "/lower,upperdir=" + work.path() + "/upper,workdir=" + work.path() + "/work";
  std::string merged = work.path() + "/merged";
  ASSERT_EQ(::mount("overlay", merged.c_str(), "overlay", 0, opts.c_str()), 0);

  CopyRequest r;
  r.src_root = ctx;
  r.sources = {"."};
  r.dest = "/data";
  std::string cache_path = work.path() + "/hash-cache";
  FileHashCache cache(cache_path);
  ASSERT_TRUE(cache.Load().ok());
  double t0 = Now();
  auto cold = HashSources(r, &cache);
  double t1 = Now();
  ASSERT_TRUE(cold.ok()) << cold.error().message();
  ASSERT_TRUE(cache.Save().ok());
  double t2 = Now();
  auto st = CopyInto(r, merged);
  double t3 = Now();
  ASSERT_TRUE(st.ok()) << st.error().message();
  ::umount2(merged.c_str(), MNT_DETACH);

  ::utime((ctx + "/d5/f5").c_str(), nullptr);  // touched: same content
  FileHashCache warm(cache_path);
  double t4 = Now();
  ASSERT_TRUE(warm.Load().ok());
  auto again = HashSources(r, &warm);
  ASSERT_TRUE(warm.Save().ok());
  double t5 = Now();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->key, cold->key);
  double load[3] = {};
  ::getloadavg(load, 3);
  std::printf("1 GiB / %zu files: cold hash %.3f s, cold copy %.3f s (total %.3f s); touched-file hash with a warm "
              "cache (load+hash+save) %.3f s; load average %.1f\n",
              kFiles, t1 - t0, t3 - t2, (t1 - t0) + (t3 - t2), t5 - t4, load[0]);
}

}  // namespace
}  // namespace skiff::build::copy

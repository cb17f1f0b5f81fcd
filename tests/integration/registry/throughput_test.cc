// Streaming throughput of UploadBlob and GetBlob against a loopback docker-registry. 64 MiB by default;
// SKIFF_REGISTRY_BENCH_MIB=1024 measures 1 GiB. Prints MB/s (1 MB = 10^6 bytes).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "helpers.h"
#include "storage/stream.h"

namespace skiff::registry::testing {
namespace {

// n bytes cycling through a random 4 MiB pattern (no allocation of n).
class PatternReader : public storage::ByteReader {
 public:
  explicit PatternReader(uint64_t n) : left_(n), pattern_(RandomBytes(4 << 20, 5)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = static_cast<size_t>(std::min<uint64_t>({n, left_, pattern_.size() - pos_}));
    std::memcpy(buf, pattern_.data() + pos_, k);
    pos_ = (pos_ + k) % pattern_.size();
    left_ -= k;
    return k;
  }

 private:
  uint64_t left_;
  size_t pos_ = 0;
  std::string pattern_;
};

double MBps(uint64_t bytes, std::chrono::steady_clock::duration d) {
  return static_cast<double>(bytes) / 1e6 / std::chrono::duration<double>(d).count();
}

TEST(RegistryThroughput, UploadAndDownload) {
  uint64_t mib = 64;
  if (const char* e = std::getenv("SKIFF_REGISTRY_BENCH_MIB")) mib = std::strtoull(e, nullptr, 10);
  uint64_t size = mib << 20;
  SKIFF_START_REGISTRY(reg);
  auto c = Client::Create(reg->addr(), {}, RegistryOptions{}, true);
  ASSERT_TRUE(c.ok()) << c.error().message();

  PatternReader r(size);
  auto t0 = std::chrono::steady_clock::now();
  auto t_sent = t0;
  auto st = (*c)->UploadBlob("bench/blob", r, [&](uint64_t sent) {
    if (sent == size) t_sent = std::chrono::steady_clock::now();
  });
  auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(st.ok()) << st.error().message();
  ASSERT_EQ(st->size, size);

  uint64_t got = 0;
  auto t2 = std::chrono::steady_clock::now();
  Status g = (*c)->GetBlob("bench/blob", st->digest, 0, [&](const char*, size_t n) {
    got += n;
    return Ok();
  });
  auto t3 = std::chrono::steady_clock::now();
  ASSERT_TRUE(g.ok()) << g.error().message();
  ASSERT_EQ(got, size);
  double up = MBps(size, t1 - t0), down = MBps(size, t3 - t2);
  std::printf("registry throughput, %llu MiB: UploadBlob %.0f MB/s (body sent after %.2f s of %.2f s), GetBlob %.0f MB/s\n",
              static_cast<unsigned long long>(mib), up, std::chrono::duration<double>(t_sent - t0).count(),
              std::chrono::duration<double>(t1 - t0).count(), down);
  RecordProperty("upload_MBps", static_cast<int>(up));
  RecordProperty("download_MBps", static_cast<int>(down));
}

}  // namespace
}  // namespace skiff::registry::testing

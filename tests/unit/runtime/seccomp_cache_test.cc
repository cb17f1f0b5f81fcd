// The runtime's cache of built seccomp programs: the same profile text gives the same program, from the
// cache the second time; a changed profile or a damaged entry is built afresh.
#include <gtest/gtest.h>

#include "base/file.h"
#include "daemon/profiles/seccomp.h"
#include "runtime/seccomp_cache.h"
#include "sys/seccomp.h"

namespace skiff::runtime {
namespace {

std::string Bytes(const sys::SeccompProgram& p) {
  return std::string(reinterpret_cast<const char*>(p.prog.data()), p.prog.size() * sizeof(sock_filter));
}

TEST(SeccompCache, SameProfileSameProgramFromTheCache) {
  TempDir dir = TempDir::Create().value();
  Json j = daemon::profiles::DefaultSeccomp({"CAP_CHOWN", "CAP_KILL"});
  auto profile = sys::ParseSeccomp(j).value();
  std::string direct = sys::ExportSeccompBpf(profile).value();
  ASSERT_FALSE(direct.empty());

  auto first = CachedSeccompProgram(profile, j, dir.path() + "/cache");
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(Bytes(*first), direct);
  auto entries = ListDir(dir.path() + "/cache");
  ASSERT_EQ(entries.size(), 1u);
  std::string entry = dir.path() + "/cache/" + entries[0];
  EXPECT_EQ(ReadFile(entry).value(), direct);

  auto second = CachedSeccompProgram(profile, j, dir.path() + "/cache");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Bytes(*second), direct);
  EXPECT_EQ(second->flags, first->flags);

  // A damaged entry (not a whole number of instructions) is not used.
  ASSERT_TRUE(WriteFileAtomic(entry, "garbage", 0600, false).ok());
  auto third = CachedSeccompProgram(profile, j, dir.path() + "/cache");
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(Bytes(*third), direct);

  // Another profile has an entry of its own.
  Json j2 = daemon::profiles::DefaultSeccomp({"CAP_SYS_ADMIN"});
  auto p2 = sys::ParseSeccomp(j2).value();
  auto other = CachedSeccompProgram(p2, j2, dir.path() + "/cache");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Bytes(*other), sys::ExportSeccompBpf(p2).value());
  EXPECT_EQ(ListDir(dir.path() + "/cache").size(), 2u);
}

}  // namespace
}  // namespace skiff::runtime

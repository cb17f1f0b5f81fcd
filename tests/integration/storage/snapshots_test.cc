// Overlay snapshots on the real kernel: a stack of 130 layers mounts (past the mount option page limit),
// writes land in the upper dir, and the upper dir diffs into a tar with whiteouts.
#include "storage/snapshots.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "base/file.h"
#include "storage/tar_write.h"

namespace skiff::storage {
namespace {

struct StrWriter : ByteWriter {
  std::string s;
  Status Write(const char* d, size_t n) override {
    s.append(d, n);
    return Ok();
  }
};

TEST(Snapshots, DeepStackMountsAndDiffs) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto tmp = TempDir::Create("/var/tmp", "skiff-snap-").value();
  auto snaps = Snapshotter::Open(tmp.path()).value();
  std::vector<Digest> layers;
  for (int i = 0; i < 130; ++i) {
    auto staging = snaps->NewStagingDir().value();
    ASSERT_TRUE(WriteFileAtomic(JoinPath(staging.path(), "f" + std::to_string(i)), std::to_string(i)).ok());
    Digest d = Sha256Of("layer" + std::to_string(i));
    ASSERT_TRUE(snaps->CommitLayer(std::move(staging), d).ok());
    layers.push_back(d);
  }
  ASSERT_TRUE(snaps->CreateSnapshot("c1").ok());
  auto merged = snaps->MountSnapshot("c1", layers);
  ASSERT_TRUE(merged.ok()) << merged.error().message();
  EXPECT_EQ(*ReadFile(*merged + "/f0"), "0");
  EXPECT_EQ(*ReadFile(*merged + "/f129"), "129");
  ASSERT_TRUE(WriteFileAtomic(*merged + "/new", "n").ok());
  ASSERT_EQ(::unlink((*merged + "/f5").c_str()), 0);
  EXPECT_EQ(*ReadFile(snaps->SnapshotUpper("c1") + "/new"), "n");
  StrWriter w;
  ASSERT_TRUE(WriteTree(snaps->SnapshotUpper("c1"), TreeMode::kOverlayDiff, w).ok());
  EXPECT_NE(w.s.find(".wh.f5"), std::string::npos);
  EXPECT_NE(w.s.find("new"), std::string::npos);
  // Read-only view of the image.
  ASSERT_TRUE(MkdirAll(JoinPath(tmp.path(), "ro")).ok());
  {
    auto ro = snaps->MountReadOnly(layers, JoinPath(tmp.path(), "ro"));
    ASSERT_TRUE(ro.ok()) << ro.error().message();
    EXPECT_EQ(*ReadFile(JoinPath(tmp.path(), "ro/f5")), "5");
  }
  EXPECT_FALSE(IsMountPoint(JoinPath(tmp.path(), "ro")));
  ASSERT_TRUE(snaps->RemoveSnapshot("c1").ok());
  EXPECT_FALSE(snaps->HasSnapshot("c1"));
  EXPECT_FALSE(snaps->CreateSnapshot("../x").ok());
}

}  // namespace
}  // namespace skiff::storage

// Local volumes with driver options on the real kernel: mounted at first use, shared while used,
// unmounted at last release; a bind volume's host directory survives the volume's removal.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include "base/file.h"
#include "daemon/volumes.h"
#include "storage/mount.h"
#include "sys/mounts.h"

namespace skiff::daemon {
namespace {

class LocalOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    store_ = VolumeStore::Open(dir_.path() + "/volumes").value();
  }
  void TearDown() override {
    if (store_) {
      for (auto& v : store_->List().value_or({})) {
        if (!storage::IsMountPoint(v.mountpoint)) continue;
        ADD_FAILURE() << v.name << " left mounted";
        (void)sys::Umount(v.mountpoint, MNT_DETACH);
      }
    }
  }
  TempDir dir_ = TempDir::Create().value();
  std::unique_ptr<VolumeStore> store_;
};

TEST_F(LocalOptions, TmpfsIsMountedWhileUsedAndEmptyAfter) {
  auto v = store_->Create("tv", {}, {{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=1m,mode=0750"}}, false).value();
  EXPECT_FALSE(storage::IsMountPoint(v.mountpoint)) << "mounted at first use, not at create";
  ASSERT_TRUE(store_->Use("tv").ok());
  ASSERT_TRUE(storage::IsMountPoint(v.mountpoint));
  ASSERT_TRUE(store_->Use("tv").ok()) << "a second container shares the mount";
  ASSERT_TRUE(WriteFileAtomic(v.mountpoint + "/f", "x", 0644, false).ok());
  struct stat st;
  ASSERT_EQ(::stat(v.mountpoint.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  store_->Release("tv");
  EXPECT_TRUE(storage::IsMountPoint(v.mountpoint)) << "still used by one";
  EXPECT_TRUE(ReadFile(v.mountpoint + "/f").ok());
  store_->Release("tv");
  EXPECT_FALSE(storage::IsMountPoint(v.mountpoint));
  EXPECT_FALSE(ReadFile(v.mountpoint + "/f").ok()) << "the tmpfs went with its last user";
  store_->Release("tv");  // an extra release is harmless
}

TEST_F(LocalOptions, BindVolumeAndItsRemovalKeepTheHostDirectory) {
  std::string host = dir_.path() + "/host";
  ASSERT_TRUE(MkdirAll(host).ok());
  ASSERT_TRUE(WriteFileAtomic(host + "/keep", "k", 0644, false).ok());
  auto v = store_->Create("bv", {}, {{"type", "none"}, {"device", host}, {"o", "bind"}}, false).value();
  ASSERT_TRUE(store_->Use("bv").ok());
  EXPECT_EQ(ReadFile(v.mountpoint + "/keep").value_or(""), "k");
  // Removed while still mounted (a daemon that crashed with it in use): unmounted, never emptied.
  ASSERT_TRUE(store_->Remove("bv").ok());
  EXPECT_EQ(ReadFile(host + "/keep").value_or(""), "k");
  EXPECT_FALSE(IsDirectory(dir_.path() + "/volumes/bv"));
}

TEST_F(LocalOptions, MountErrorsAreDockersAndLeaveNothingMounted) {
  auto v = store_->Create("bad", {}, {{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=1x"}}, false).value();
  auto s = store_->Use("bad");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "error while mounting volume '" + v.mountpoint + "': failed to mount local volume: mount tmpfs:" +
                                      v.mountpoint + ", data: size=1x: invalid argument");
  EXPECT_FALSE(storage::IsMountPoint(v.mountpoint));
  auto m = store_->Create("missing", {}, {{"type", "none"}, {"device", dir_.path() + "/nope"}, {"o", "bind"}}, false).value();
  s = store_->Use("missing");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "error while mounting volume '" + m.mountpoint + "': failed to mount local volume: mount " +
                                      dir_.path() + "/nope:" + m.mountpoint + ", flags: 0x1000: no such file or directory");
  // A failed use is not counted: the next one mounts again.
  EXPECT_FALSE(store_->Use("bad").ok());
}

TEST_F(LocalOptions, UnmountIdleDropsMountsNobodyUses) {
  auto v = store_->Create("tv", {}, {{"type", "tmpfs"}, {"device", "tmpfs"}}, false).value();
  ASSERT_TRUE(store_->Use("tv").ok());
  // A new store over the same root: a daemon after a restart, before it counted the running containers.
  auto again = VolumeStore::Open(dir_.path() + "/volumes").value();
  ASSERT_TRUE(again->Use("tv").ok()) << "an existing mount is taken over, not stacked";
  again->UnmountIdle();
  EXPECT_TRUE(storage::IsMountPoint(v.mountpoint));
  again->Release("tv");
  EXPECT_FALSE(storage::IsMountPoint(v.mountpoint));
  store_->Release("tv");  // the old store's count: nothing left to unmount
}

}  // namespace
}  // namespace skiff::daemon

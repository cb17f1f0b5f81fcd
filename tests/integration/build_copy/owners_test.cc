// Owners as dockerd 20.10 sets them (root needed): 0:0 for the context, --chown by number or by name from
// the destination's /etc/passwd and /etc/group, parents made for a file owned by the chown user but not
// those made for a directory, COPY --from keeping the stage's owners and capabilities, ADD keeping the
// tar's owners (its --chown ignored for archives), setgid directories not leaking their group.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "base/file.h"
#include "build/copy/copy.h"

namespace skiff::build::copy {
namespace {

using ::testing::HasSubstr;

class OwnersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    ctx_ = std::make_unique<TempDir>(TempDir::Create("/tmp", "copy-own-ctx-").value());
    dst_ = std::make_unique<TempDir>(TempDir::Create("/tmp", "copy-own-dst-").value());
    Put(Dst("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1001:1002::/home/app:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n");
    Put(Dst("etc/group"), "root:x:0:\nstaff:x:2002:app\nnogroup:x:65534:\n");
  }
  std::string Ctx(const std::string& r) const { return ctx_->path() + "/" + r; }
  std::string Dst(const std::string& r) const { return dst_->path() + "/" + r; }
  static void Put(const std::string& path, const std::string& content, mode_t mode = 0644, uid_t uid = 0, gid_t gid = 0) {
    ASSERT_TRUE(MkdirAll(Dirname(path)).ok());
    ASSERT_TRUE(WriteFileAtomic(path, content, mode, false).ok());
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    ASSERT_EQ(::lchown(path.c_str(), uid, gid), 0);
  }
  static std::string Owner(const std::string& path) {
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0) return "missing";
    return std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
  }
  CopyRequest Req(std::vector<std::string> src, std::string dest, std::string chown = "") const {
    CopyRequest r;
    r.src_root = ctx_->path();
    r.sources = std::move(src);
    r.dest = std::move(dest);
    r.chown = std::move(chown);
    return r;
  }
  Status Copy(const CopyRequest& r) const { return CopyInto(r, dst_->path()); }

  std::unique_ptr<TempDir> ctx_, dst_;
};

TEST_F(OwnersTest, ContextFilesBecomeRootOwned) {
  Put(Ctx("d/f"), "f", 0644, 1234, 5678);
  ASSERT_EQ(::lchown(Ctx("d").c_str(), 1234, 5678), 0);
  ASSERT_EQ(::symlink("f", Ctx("d/l").c_str()), 0);
  ASSERT_EQ(::lchown(Ctx("d/l").c_str(), 1234, 5678), 0);
  ASSERT_TRUE(Copy(Req({"d"}, "/x")).ok());
  ASSERT_TRUE(Copy(Req({"d/"}, "/y/z/")).ok());
  EXPECT_EQ(Owner(Dst("x/f")), "0:0");
  EXPECT_EQ(Owner(Dst("x/l")), "0:0");
  EXPECT_EQ(Owner(Dst("y/z/f")), "0:0");
}

TEST_F(OwnersTest, ChownByNameAndNumber) {
  Put(Ctx("a"), "a");
  Put(Ctx("s/f"), "f");
  ASSERT_TRUE(Copy(Req({"a"}, "/p/q/r/", "app:staff")).ok());
  EXPECT_EQ(Owner(Dst("p")), "1001:2002");  // parents made for a file take the chown (MkdirAllAndChownNew)
  EXPECT_EQ(Owner(Dst("p/q/r")), "1001:2002");
  EXPECT_EQ(Owner(Dst("p/q/r/a")), "1001:2002");
  ASSERT_TRUE(Copy(Req({"s"}, "/p2/q/", "1000:1001")).ok());
  EXPECT_EQ(Owner(Dst("p2")), "0:0");  // ... those made for a directory do not
  EXPECT_EQ(Owner(Dst("p2/q")), "1000:1001");
  EXPECT_EQ(Owner(Dst("p2/q/f")), "1000:1001");
  ASSERT_TRUE(Copy(Req({"a"}, "/n", "nobody:nogroup")).ok());
  EXPECT_EQ(Owner(Dst("n")), "65534:65534");
  ASSERT_TRUE(Copy(Req({"a"}, "/m", "7")).ok());
  EXPECT_EQ(Owner(Dst("m")), "7:7");
  ASSERT_TRUE(Copy(Req({"s"}, "/etc", "app:staff")).ok());
  EXPECT_EQ(Owner(Dst("etc")), "0:0");  // an existing dest directory keeps its owner
}

TEST_F(OwnersTest, ChownErrorsInDockersWords) {
  Put(Ctx("a"), "a");
  const std::string p = "unable to convert uid/gid chown string to host mapping: ";
  EXPECT_EQ(Copy(Req({"a"}, "/x", "nobody")).error().message(),
            p + "can't find gid for group nobody: no such group: nobody");
  EXPECT_EQ(Copy(Req({"a"}, "/x", "bob")).error().message(), p + "can't find uid for user bob: no such user: bob");
  EXPECT_EQ(Copy(Req({"a"}, "/x", "0:bob")).error().message(), p + "can't find gid for group bob: no such group: bob");
  EXPECT_EQ(Copy(Req({"a"}, "/x", "1:2:3")).error().message(), p + "invalid chown string format: 1:2:3");
  ASSERT_EQ(::unlink(Dst("etc/passwd").c_str()), 0);
  EXPECT_EQ(Copy(Req({"a"}, "/x", "bob")).error().message(),
            p + "can't find uid for user bob: open /etc/passwd: no such file or directory");
  // /etc/passwd as a symlink resolves inside the destination root
  Put(Dst("real/passwd"), "bob:x:42:42::/:/bin/sh\n");
  ASSERT_EQ(::symlink("/real/passwd", Dst("etc/passwd").c_str()), 0);
  ASSERT_TRUE(Copy(Req({"a"}, "/x", "bob:0")).ok());
  EXPECT_EQ(Owner(Dst("x")), "42:0");
}

TEST_F(OwnersTest, FromStageKeepsOwnersCapabilitiesAndDevices) {
  Put(Ctx("own/f"), "f", 0755, 7, 8);
  ASSERT_EQ(::lchown(Ctx("own").c_str(), 7, 8), 0);
  const char cap[] = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // cap_net_raw+ep, v2
  bool have_cap = ::setxattr(Ctx("own/f").c_str(), "security.capability", cap, sizeof cap, 0) == 0;
  ASSERT_EQ(::mknod(Ctx("own/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(::mkfifo(Ctx("own/fifo").c_str(), 0640), 0);
  CopyRequest r = Req({"/own"}, "/x");
  r.from_context = false;
  ASSERT_TRUE(Copy(r).ok());
  EXPECT_EQ(Owner(Dst("x")), "0:0");
  EXPECT_EQ(Owner(Dst("x/f")), "7:8");
  struct stat st{};
  ASSERT_EQ(::lstat(Dst("x/null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  ASSERT_EQ(::lstat(Dst("x/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  char buf[64];
  if (have_cap) {
    EXPECT_EQ(::getxattr(Dst("x/f").c_str(), "security.capability", buf, sizeof buf), ssize_t(sizeof cap));
  }
  // from the context the chown to 0:0 drops it, as Docker's does
  ASSERT_TRUE(Copy(Req({"own/f"}, "/c")).ok());
  EXPECT_LT(::getxattr(Dst("c").c_str(), "security.capability", buf, sizeof buf), 0);
  r.chown = "3:3";
  ASSERT_TRUE(Copy(r).ok());
  EXPECT_EQ(Owner(Dst("x/f")), "3:3");
}

TEST_F(OwnersTest, AddKeepsTarOwnersEvenWithChown) {
  Put(Ctx("tb/own/o"), "o", 0644, 1234, 5678);
  ASSERT_EQ(std::system(("tar -C " + Ctx("tb") + " -czf " + Ctx("t.tar.gz") + " own").c_str()), 0);
  CopyRequest r = Req({"t.tar.gz"}, "/tgz/", "42:43");
  r.add = true;
  r.instruction = "ADD";
  ASSERT_TRUE(Copy(r).ok());
  EXPECT_EQ(Owner(Dst("tgz")), "0:0");
  EXPECT_EQ(Owner(Dst("tgz/own/o")), "1234:5678");
}

TEST_F(OwnersTest, SetgidDestinationDoesNotLeakItsGroup) {
  ASSERT_TRUE(MkdirAll(Dst("shared")).ok());
  ASSERT_EQ(::chown(Dst("shared").c_str(), 0, 2002), 0);
  ASSERT_EQ(::chmod(Dst("shared").c_str(), 02775), 0);
  Put(Ctx("d/sub/f"), "f");
  Put(Ctx("g"), "g");
  ASSERT_TRUE(Copy(Req({"d"}, "/shared")).ok());
  ASSERT_TRUE(Copy(Req({"g"}, "/shared/")).ok());
  EXPECT_EQ(Owner(Dst("shared/sub")), "0:0");
  EXPECT_EQ(Owner(Dst("shared/sub/f")), "0:0");
  EXPECT_EQ(Owner(Dst("shared/g")), "0:0");
}

}  // namespace
}  // namespace skiff::build::copy

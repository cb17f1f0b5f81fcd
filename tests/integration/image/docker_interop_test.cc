// Interop with the real Docker (Debian's docker.io) on a private dockerd: images built and saved by Docker
// load into Skiff with the same ID and files; images saved by Skiff load into Docker with the same ID and
// run there. Needs root; skips when docker.io is not installed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "base/file.h"
#include "base/strings.h"
#include "image/image_store.h"
#include "support/docker_support.h"

namespace skiff::image {
namespace {

using testsupport::Sh;
using testsupport::Src;

class DockerInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    tmp_.emplace(TempDir::Create("/tmp", "skiff-interop-").value());
    dir_ = tmp_->path();
    dockerd_.emplace(dir_ + "/d");
    auto [rc, out] = dockerd_->Start();
    if (rc == 77) GTEST_SKIP() << "docker.io not installed: " << out;
    ASSERT_EQ(rc, 0) << out;
    docker_ = dockerd_->docker();
    auto s = ImageStore::Open(dir_ + "/skiff");
    ASSERT_TRUE(s.ok()) << s.error().message();
    store_ = std::move(*s);
  }
  void TearDown() override {
    if (store_) {
      for (const auto& id : store_->snapshots().ListSnapshots()) (void)store_->RemoveContainerSnapshot(id);
      store_.reset();
    }
    dockerd_.reset();
    tmp_.reset();
  }
  std::string Docker(const std::string& args) {
    auto [rc, out] = Sh(docker_ + args);
    EXPECT_EQ(rc, 0) << "docker " << args << ":\n" << out;
    return std::string(Trim(out));
  }
  // Builds bbtest:1 on a busybox base: files, a symlink, a hardlink, a deleted file, config fields.
  std::string BuildImage() {
    auto [rc, out] = Sh("bash " + Src() + "/tests/support/busybox-rootfs.sh " + dir_ + "/rootfs");
    EXPECT_EQ(rc, 0) << out;
    auto [rc2, out2] = Sh("tar -C " + dir_ + "/rootfs -c . | " + docker_ + "import - bb:local");
    EXPECT_EQ(rc2, 0) << out2;
    EXPECT_TRUE(MkdirAll(dir_ + "/ctx").ok());
    EXPECT_TRUE(WriteFileAtomic(dir_ + "/ctx/Dockerfile",
                                "FROM bb:local\n"
                                "COPY hello /app/hello\n"
                                "RUN ln -s hello /app/link && ln /app/hello /app/hard && rm /bin/vi && "
                                "mkdir -p /opq && echo old > /opq/old\n"
                                "RUN rm -rf /opq && mkdir /opq && echo new > /opq/new\n"
                                "ENV FOO=bar\nEXPOSE 8080\nLABEL skiff=test\nWORKDIR /app\n"
                                "HEALTHCHECK --interval=5s CMD true\nCMD [\"cat\", \"/app/hello\"]\n")
                    .ok());
    EXPECT_TRUE(WriteFileAtomic(dir_ + "/ctx/hello", "hello from docker\n").ok());
    Docker("build --network none -q -t bbtest:1 " + dir_ + "/ctx");
    return Docker("image inspect -f '{{.Id}}' bbtest:1");
  }

  std::optional<TempDir> tmp_;
  std::string dir_, docker_;
  std::optional<testsupport::PrivateDockerd> dockerd_;
  std::unique_ptr<ImageStore> store_;
};

TEST_F(DockerInterop, DockerSaveLoadsIntoSkiffAndBack) {
  std::string id = BuildImage();
  ASSERT_TRUE(id.starts_with("sha256:")) << id;
  Docker("save -o " + dir_ + "/docker.tar bbtest:1");

  // Docker -> Skiff: same ID, same files.
  {
    UniqueFd fd = OpenFile(dir_ + "/docker.tar", O_RDONLY).value();
    storage::FdReader r(fd.get());
    auto loaded = store_->Load(r);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
    ASSERT_EQ(loaded->size(), 1u);
    EXPECT_EQ((*loaded)[0].id.str(), id);
    EXPECT_EQ((*loaded)[0].tags, (std::vector<std::string>{"bbtest:1"}));
  }
  EXPECT_EQ(store_->Resolve("bbtest:1")->str(), id);
  auto cfg = store_->Config(*store_->Resolve("bbtest:1")).value();
  EXPECT_EQ(*cfg.config.working_dir, "/app");
  EXPECT_EQ((*cfg.config.labels)["skiff"], "test");
  auto root = store_->CreateContainerSnapshot("c1", *Digest::Parse(id));
  ASSERT_TRUE(root.ok()) << root.error().message();
  EXPECT_EQ(*ReadFile(*root + "/app/hello"), "hello from docker\n");
  EXPECT_EQ(*ReadFile(*root + "/app/link"), "hello from docker\n");
  struct stat a, b, l;
  ASSERT_EQ(::stat((*root + "/app/hello").c_str(), &a), 0);
  ASSERT_EQ(::stat((*root + "/app/hard").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  ASSERT_EQ(::lstat((*root + "/app/link").c_str(), &l), 0);
  EXPECT_TRUE(S_ISLNK(l.st_mode));
  EXPECT_FALSE(PathExists(*root + "/bin/vi"));  // whiteout
  EXPECT_FALSE(PathExists(*root + "/opq/old"));        // opaque dir
  EXPECT_EQ(*ReadFile(*root + "/opq/new"), "new\n");
  EXPECT_TRUE(PathExists(*root + "/bin/busybox"));
  // Same file list as Docker's own view of the image (docker export of a created container).
  std::string cid = Docker("create bbtest:1");
  Docker("export -o " + dir_ + "/docker-export.tar " + cid);
  Docker("rm " + cid);
  {
    UniqueFd out = OpenFile(dir_ + "/skiff-export.tar", O_WRONLY | O_CREAT | O_TRUNC).value();
    storage::FdWriter w(out.get());
    ASSERT_TRUE(store_->ExportContainer("c1", w).ok());
  }
  // Docker adds /.dockerenv and the mount points it creates for every container; compare the rest.
  std::string filter = " | sed 's#^\\./##; s#/$##' | grep -v -E '^(\\.dockerenv|dev|dev/.*|proc|sys|etc/hostname|etc/hosts|etc/resolv.conf|etc/mtab)$' | sort";
  auto [rc1, theirs] = Sh("tar -tf " + dir_ + "/docker-export.tar" + filter);
  auto [rc2, ours] = Sh("tar -tf " + dir_ + "/skiff-export.tar" + filter);
  EXPECT_EQ(theirs, ours);

  // Skiff -> Docker: same ID, runs.
  {
    UniqueFd out = OpenFile(dir_ + "/skiff.tar", O_WRONLY | O_CREAT | O_TRUNC).value();
    storage::FdWriter w(out.get());
    auto st = store_->Save({"bbtest:1"}, w);
    ASSERT_TRUE(st.ok()) << st.error().message();
  }
  Docker("rmi -f bbtest:1 bb:local");
  EXPECT_NE(Sh(docker_ + "image inspect " + id).first, 0);
  std::string out = Docker("load -i " + dir_ + "/skiff.tar");
  EXPECT_NE(out.find("bbtest:1"), std::string::npos) << out;
  EXPECT_EQ(Docker("image inspect -f '{{.Id}}' bbtest:1"), id);
  EXPECT_EQ(Docker("run --rm --network none bbtest:1"), "hello from docker");
}

TEST_F(DockerInterop, ImportedImagesLoadIntoDocker) {
  auto [rc, o] = Sh("bash " + Src() + "/tests/support/busybox-rootfs.sh " + dir_ + "/rootfs && tar -C " + dir_ +
                    "/rootfs -czf " + dir_ + "/rootfs.tgz .");
  ASSERT_EQ(rc, 0) << o;
  ImportOptions opts;
  opts.tag = "imported:gz";
  opts.changes = {"CMD [\"echo\", \"imported ok\"]"};
  opts.message = "from a gzip tar";
  auto id = store_->ImportFrom(dir_ + "/rootfs.tgz", opts);
  ASSERT_TRUE(id.ok()) << id.error().message();
  {
    UniqueFd out = OpenFile(dir_ + "/imp.tar", O_WRONLY | O_CREAT | O_TRUNC).value();
    storage::FdWriter w(out.get());
    ASSERT_TRUE(store_->Save({"imported:gz"}, w).ok());
  }
  Docker("load -i " + dir_ + "/imp.tar");
  EXPECT_EQ(Docker("image inspect -f '{{.Id}}' imported:gz"), id->str());
  EXPECT_EQ(Docker("image inspect -f '{{.Comment}}' imported:gz"), "from a gzip tar");
  EXPECT_EQ(Docker("run --rm --network none imported:gz"), "imported ok");
}

}  // namespace
}  // namespace skiff::image

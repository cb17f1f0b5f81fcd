// daemon/fs against the real Docker 20.10 (a private dockerd, root): on the very files of a running Docker
// container (its overlay rootfs plus its volumes and /etc/hosts-style binds as a ContainerView), Skiff's
// Archive/Stat give the same tar listing and stat JSON as Docker's GET archive, Extract leaves the same
// tree as Docker's PUT archive (or fails the same way), Changes equals `docker diff`; and an image that
// Skiff commits loads into Docker with the same ID and runs there. Skips when docker.io is missing.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "../../unit/daemon_fs/fs_test_util.h"
#include "base/file.h"
#include "base/strings.h"
#include "daemon/fs/archive.h"
#include "daemon/fs/changes.h"
#include "image/image_store.h"
#include "support/docker_support.h"

namespace skiff {
namespace {

using namespace skiff::fstest;
using daemon::fs::ContainerView;
using testsupport::PrivateDockerd;
using testsupport::Sh;
using testsupport::Src;


std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

class DockerCompat : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    tmp_ = new TempDir(TempDir::Create("/tmp", "skiff-fs-docker-").value());
    dir_ = tmp_->path();
    dockerd_ = new PrivateDockerd(dir_ + "/d");
    auto [rc, out] = dockerd_->Start();
    if (rc == 77) {
      skip_ = "docker.io not installed: " + out;
      return;
    }
    if (rc != 0) {
      skip_ = "private dockerd did not start: " + out;
      return;
    }
    started_ = true;
    docker_ = dockerd_->docker();
    curl_ = "curl -s --unix-socket " + dir_ + "/d/docker.sock ";
    Must("bash " + Src() + "/tests/support/busybox-rootfs.sh " + dir_ + "/rootfs");
    Must("tar -C " + dir_ + "/rootfs -c . | " + docker_ + "import - busybox:latest");
    Put(dir_ + "/hostvol/sub/f", "vol\n");
    Put(dir_ + "/hostro/r", "ro\n");
    Must(docker_ + "run -d --name c1 --network none -v " + dir_ + "/hostvol:/vol -v " + dir_ +
         "/hostro:/data/ro:ro busybox sleep 100000");
    Must(docker_ + "exec c1 sh -c '"
         "mkdir -p /t/d/e && echo hello > /t/d/f && chmod 4755 /t/d/f && ln -s f /t/d/rel && ln -s /t/d /t/abs && "
         "ln -s /nonexist /t/dang && ln /t/d/f /t/d/hard && mkfifo /t/fifo && touch /t/own && chown 1000:2000 /t/own && "
         "ln -s /vol /t/tovol && touch -d \"2020-01-02 03:04:05\" /t/d/e && echo x > /vol/sub/g && "
         "ln -s ../../.. /t/up && ln -s d /t/reld && mkdir /u && touch /u/a /u/b && chown 65534:65534 /u/a && "
         "chown 100:100 /u/b && mknod /t/cdev c 1 3 && mkdir -p /t/$(printf %0120d 0) && "
         "touch /t/$(printf %0120d 0)/$(printf %0110d 1) && chown 3000000:3000000 /t/own'");
    auto fmt = [](const char* f) { return std::string(" -f '") + f + "' c1"; };
    std::string merged = Out(docker_ + "inspect" + fmt("{{.GraphDriver.Data.MergedDir}}"));
    view_.rootfs = merged;
    view_.mounts = {{"/vol", dir_ + "/hostvol", false},
                    {"/data/ro", dir_ + "/hostro", true},
                    {"/etc/hosts", Out(docker_ + "inspect" + fmt("{{.HostsPath}}")), false},
                    {"/etc/hostname", Out(docker_ + "inspect" + fmt("{{.HostnamePath}}")), false},
                    {"/etc/resolv.conf", Out(docker_ + "inspect" + fmt("{{.ResolvConfPath}}")), false}};
  }
  static void TearDownTestSuite() {
    delete dockerd_;  // stops it
    dockerd_ = nullptr;
    started_ = false;
    delete tmp_;
    tmp_ = nullptr;
  }
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(started_);
  }
  static void Must(const std::string& cmd) {
    auto [rc, out] = Sh(cmd);
    if (rc != 0) ADD_FAILURE() << cmd << ":\n" << out;
  }
  static std::string Out(const std::string& cmd) {
    auto [rc, out] = Sh(cmd);
    if (rc != 0) ADD_FAILURE() << cmd << ":\n" << out;
    return std::string(Trim(out));
  }
  static std::string Listing(const std::string& tar) { return Sh("tar --full-time -tvf " + tar, false).second; }
  // The same without times: entries the test made before a put, and the dirs a put changes, get the
  // second they were made in, which differs between the two sides when a second boundary falls between.
  static std::string ListingNoTimes(const std::string& tar) {
    return Sh("tar --full-time -tvf " + tar + " | sed -E 's/ [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} / /'", false).second;
  }
  // Docker's GET archive: status, stat JSON, tar written to `file`.
  static std::pair<int, Json> DockerGet(const std::string& path, const std::string& file) {
    auto [rc, out] = Sh(curl_ + "-D " + dir_ + "/hdr -o " + file + " -w '%{http_code}' 'http://x/v1.41/containers/c1/archive?path=" +
                        path + "'");
    int code = std::atoi(out.c_str());
    auto hdr = ReadFile(dir_ + "/hdr").value_or("");
    Json stat;
    std::string key = "X-Docker-Container-Path-Stat: ";
    if (auto p = hdr.find(key); p != std::string::npos) {
      std::string b64 = hdr.substr(p + key.size(), hdr.find('\r', p) - p - key.size());
      auto [brc, js] = Sh("echo " + b64 + " | base64 -d");
      stat = Json::parse(js, nullptr, false);
    }
    return {code, stat};
  }
  // Docker's PUT archive: "" on success, else the error message.
  static std::string DockerPut(const std::string& path, const std::string& tarfile, const std::string& query = "") {
    auto [rc, out] = Sh(curl_ + "-X PUT -T " + tarfile + " -w '\\n%{http_code}' 'http://x/v1.41/containers/c1/archive?path=" +
                        path + query + "'");
    auto nl = out.rfind('\n');
    if (out.substr(nl + 1) == "200") return "";
    Json j = Json::parse(out.substr(0, nl), nullptr, false);
    return j.is_object() ? j.value("message", out) : out;
  }

  static TempDir* tmp_;
  static PrivateDockerd* dockerd_;
  static std::string dir_, docker_, curl_, skip_;
  static bool started_;
  static ContainerView view_;
};
TempDir* DockerCompat::tmp_ = nullptr;
PrivateDockerd* DockerCompat::dockerd_ = nullptr;
std::string DockerCompat::dir_, DockerCompat::docker_, DockerCompat::curl_, DockerCompat::skip_;
bool DockerCompat::started_ = false;
ContainerView DockerCompat::view_;

TEST_F(DockerCompat, GetArchiveAndStatMatchDocker) {
  int compared = 0;
  for (std::string path : {"/", "/.", "/t", "/t/", "/t/.", "/t/d/f", "/t/abs", "/t/abs/", "/t/abs/.", "/t/dang",
                           "/t/dang/", "/t/tovol", "/t/tovol/", "/vol", "/t/up", "/t/up/", "/t/up/t/d/rel", "/t/fifo",
                           "/t/own", "/t/cdev", "/nonexist", "/t/reld/../own", "/u", "/etc", "/etc/hosts", "/data",
                           "/data/ro", "/bin/sh", "/t/d/f/", "/t/d/f/x"}) {
    SCOPED_TRACE(path);
    auto [code, dstat] = DockerGet(path, dir_ + "/docker.tar");
    std::string ours = dir_ + "/skiff.tar";
    daemon::fs::PathStat ps;
    Status st;
    {
      UniqueFd fd = OpenFile(ours, O_WRONLY | O_CREAT | O_TRUNC).value();
      storage::FdWriter w(fd.get());
      st = daemon::fs::Archive(view_, path, w, &ps);
    }
    if (code == 404) {
      ASSERT_FALSE(st.ok());
      EXPECT_EQ(st.error().code(), Errc::kNotFound);
      continue;
    }
    if (code != 200) {  // Docker: 500 "lstat ...: not a directory"
      ASSERT_FALSE(st.ok());
      EXPECT_EQ(st.error().code(), Errc::kInvalidArgument);
      EXPECT_NE(Lower(st.error().message()).find("not a directory"), std::string::npos) << st.error().message();
      continue;
    }
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_EQ(ps.ToJson(), dstat);
    auto daemon_listing = Listing(dir_ + "/docker.tar");
    EXPECT_FALSE(daemon_listing.empty());
    EXPECT_EQ(Listing(ours), daemon_listing);
    auto s2 = daemon::fs::Stat(view_, path);
    ASSERT_TRUE(s2.ok());
    EXPECT_EQ(s2->ToJson(), dstat);
    ++compared;
  }
  EXPECT_GE(compared, 24);
}

TEST_F(DockerCompat, PutArchiveMatchesDocker) {
  struct Case {
    const char* name;
    std::vector<TarIn> entries;
    bool no_overwrite = false;
  };
  std::vector<Case> cases = {
      {"rich",
       {{"./", 'd', "", 0700, 1000, 0, 0},
        {"dir", 'f', "replaced dir", 0644, 1600000000, 0, 0},
        {"file/", 'd', "", 0750, 1600000000, 0, 0},
        {"file/in", 'f', "in", 04755, 1600000000, 1000, 2000},
        {"lnk/through", 'f', "via link", 0644, 1600000000, 0, 0},
        {"lnkv/invol", 'f', "into the volume", 0644, 1600000000, 0, 0},
        {"new/a/b", 'f', "b", 0600, 1600000000, 0, 0},
        {"new/", 'd', "", 0711, 1234567890, 0, 0},
        {"h1", 'f', "hard", 0640, 1600000000, 0, 0},
        {"h2", 'h', "h1", 0644, 1600000000, 0, 0},
        {"fifo", 'p', "", 0644, 1600000000, 0, 0},
        {"sym", 'l', "h1", 0777, 1600000000, 0, 0},
        {"absym", 'l', "/etc/passwd", 0777, 1600000000, 0, 0},
        {"x/.wh.gone", 'f', "", 0644, 1600000000, 0, 0},
        {"x/.wh..wh..opq", 'f', "", 0644, 1600000000, 0, 0},
        {"/abs/name", 'f', "abs", 0644, 1600000000, 0, 0},
        {"xa", 'f', "x", 0644, 1600000000, 0, 0, {{"user.foo", "bar"}}},
        {"ro/", 'd', "", 0555, 1600000000, 0, 0},
        {"ro/f", 'f', "", 0644, 1600000000, 0, 0}}},
      {"noover", {{"dir", 'f', "x", 0644, 1, 0, 0}}, true},
      {"noover2", {{"file/", 'd', "", 0755, 1, 0, 0}}, true},
      {"dotdot", {{"../x", 'f', "x", 0644, 1, 0, 0}}},
      {"dotdot2", {{"a/../../x", 'f', "x", 0644, 1, 0, 0}}},
      {"escsym", {{"esc", 'l', "../../../../etc", 0777, 1, 0, 0}}},
      {"eschl", {{"hl", 'h', "../../etc/passwd", 0644, 1, 0, 0}}},
      {"ro-volume", {{"toro/x", 'f', "x", 0644, 1, 0, 0}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string tarfile = dir_ + "/" + c.name + ".tar";
    std::string tar = Tar(c.entries);
    ASSERT_TRUE(WriteFileAtomic(tarfile, tar).ok());
    std::string prep;
    for (const char* side : {"D", "S"}) {
      std::string b = std::string("/cmp") + side + "/s";
      prep += "rm -rf /cmp" + std::string(side) + "; mkdir -p " + b + "/dir; ln -s /t " + b + "/lnk; ln -s /vol " + b +
              "/lnkv; ln -s /data/ro " + b + "/toro; echo old > " + b + "/file; ";
    }
    Must(docker_ + "exec c1 sh -c '" + prep + "'");
    std::string theirs = DockerPut("/cmpD/s", tarfile, c.no_overwrite ? "&noOverwriteDirNonDir=1" : "");
    daemon::fs::ExtractOptions o;
    o.no_overwrite_dir_non_dir = c.no_overwrite;
    storage::MemoryReader r(tar);
    Status st = daemon::fs::Extract(view_, "/cmpS/s", r, o);
    if (theirs.empty()) {
      EXPECT_TRUE(st.ok()) << st.error().message();
    } else {
      ASSERT_FALSE(st.ok()) << "Docker failed with: " << theirs;
      // Same reason; Docker's re-exec adds "(exit status 1)", strerror texts differ in case only.
      std::string want = theirs, got = st.error().message();
      if (auto p = want.find("(exit status 1)"); p != std::string::npos) want.erase(p, 15);
      for (auto* s : {&want, &got}) {
        *s = Lower(*s);
        for (size_t p; (p = s->find("/cmpd")) != std::string::npos || (p = s->find("/cmps")) != std::string::npos;)
          s->replace(p, 5, "/cmpX");
      }
      EXPECT_EQ(got, want);
    }
    DockerGet("/cmpD/.", dir_ + "/d.tar");
    DockerGet("/cmpS/.", dir_ + "/s.tar");
    EXPECT_EQ(ListingNoTimes(dir_ + "/s.tar"), ListingNoTimes(dir_ + "/d.tar"));
  }
  EXPECT_EQ(Slurp(dir_ + "/hostvol/invol"), "into the volume");
}

TEST_F(DockerCompat, ChangesMatchDockerDiff) {
  Must(docker_ + "run -d --name c2 --network none busybox sleep 100000");
  Must(docker_ + "exec c2 sh -c 'rm -rf /etc/group; mkdir /new; touch /etc/y; rm -rf /usr; mkdir -p /usr/bin; "
       "touch /usr/z; echo > /root/.ash_history; rm /bin/vi; mkdir -p /home/a/b/c; touch -r /sbin /sbin; "
       "chmod 700 /var; ln -s x /tmp/l; mknod /tmp/fifo p; chown 5:5 /etc/passwd; rm -rf /tmp/l'");
  std::string fmt = " -f '{{.GraphDriver.Data.UpperDir}} {{.GraphDriver.Data.LowerDir}}' c2";
  auto dirs = Split(Out(docker_ + "inspect" + fmt), ' ');
  ASSERT_EQ(dirs.size(), 2u);
  auto c = daemon::fs::Changes(dirs[0], Split(dirs[1], ':'));
  ASSERT_TRUE(c.ok()) << c.error().message();
  std::vector<std::string> ours;
  for (const auto& x : *c) ours.push_back(std::string(1, daemon::fs::ChangeLetter(x.kind)) + " " + x.path);
  auto theirs = Split(Out(docker_ + "diff c2"), '\n');
  std::sort(theirs.begin(), theirs.end());
  std::vector<std::string> sorted = ours;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, theirs);
  EXPECT_GE(ours.size(), 15u);
  Must(docker_ + "rm -f c2");
}

TEST_F(DockerCompat, CommittedImageLoadsIntoDocker) {
  auto store = image::ImageStore::Open(dir_ + "/skiff").value();
  image::ImportOptions io;
  io.tag = "skiffbase:1";
  Must("tar -C " + dir_ + "/rootfs -cf " + dir_ + "/rootfs.tar .");
  auto base = store->ImportFrom(dir_ + "/rootfs.tar", io);
  ASSERT_TRUE(base.ok()) << base.error().message();
  std::string root = store->CreateContainerSnapshot("k1", *base).value();
  Put(root + "/new/file", "made in skiff\n");
  ASSERT_EQ(::unlink((root + "/etc/group").c_str()), 0);
  image::CommitOptions o;
  o.container_id = "k1";
  o.upper_dir = store->snapshots().SnapshotUpper("k1");
  o.parent = *base;
  o.container_config = {{"Cmd", {"cat", "/new/file"}}, {"Image", "skiffbase:1"}};
  o.config.cmd = std::vector<std::string>{"cat", "/new/file"};
  o.comment = "skiff commit";
  o.tag = "skiffcommit:1";
  auto id = store->Commit(o);
  ASSERT_TRUE(id.ok()) << id.error().message();
  {
    UniqueFd fd = OpenFile(dir_ + "/commit.tar", O_WRONLY | O_CREAT | O_TRUNC).value();
    storage::FdWriter w(fd.get());
    ASSERT_TRUE(store->Save({"skiffcommit:1"}, w).ok());
  }
  (void)store->RemoveContainerSnapshot("k1");
  Must(docker_ + "load -i " + dir_ + "/commit.tar");
  EXPECT_EQ(Out(docker_ + "image inspect -f '{{.Id}}' skiffcommit:1"), id->str());
  EXPECT_EQ(Out(docker_ + "image inspect -f '{{.Comment}}' skiffcommit:1"), "skiff commit");
  EXPECT_EQ(Out(docker_ + "run --rm --network none skiffcommit:1"), "made in skiff");
  EXPECT_NE(Sh(docker_ + "run --rm --network none skiffcommit:1 cat /etc/group").first, 0);
  auto hist = Out(docker_ + "history --no-trunc --format '{{.CreatedBy}}|{{.Comment}}' skiffcommit:1");
  EXPECT_EQ(Split(hist, '\n')[0], "cat /new/file|skiff commit");
}

}  // namespace
}  // namespace skiff

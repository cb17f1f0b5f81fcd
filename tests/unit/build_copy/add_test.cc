// ADD: local archives extracted (plain, gzip, bzip2, xz; by content), everything else copied; URL
// sources downloaded from a local http server started by the test.
#include <gmock/gmock.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "fixture.h"

namespace skiff::build::copy::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class AddTest : public CopyTest {
 protected:
  void MakeTree() {
    Write(Ctx("tb/own/o"), "o");
    Write(Ctx("tb/own/sub/p"), "p", 0600);
    Link("o", Ctx("tb/own/l"));
    ASSERT_EQ(::link(Ctx("tb/own/o").c_str(), Ctx("tb/own/hl").c_str()), 0);
  }
  void Tar(const std::string& flags, const std::string& name) {
    std::string cmd = "tar -C " + Ctx("tb") + " -c" + flags + "f " + Ctx(name) + " own";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  CopyRequest Add(std::vector<std::string> src, std::string dest) {
    CopyRequest r = Req(std::move(src), std::move(dest));
    r.add = true;
    r.instruction = "ADD";
    return r;
  }
};

TEST_F(AddTest, ArchivesExtractedByContent) {
  MakeTree();
  Tar("z", "t.tar.gz");
  Tar("j", "t.tar.bz2");
  Tar("J", "t.tar.xz");
  Tar("", "plain.bin");  // no .tar name: recognised by content
  for (auto& [src, dst] : std::vector<std::pair<std::string, std::string>>{
           {"t.tar.gz", "/tgz"}, {"t.tar.bz2", "/bz/"}, {"t.tar.xz", "/xz"}, {"plain.bin", "/plain"}}) {
    auto st = Copy(Add({src}, dst));
    ASSERT_TRUE(st.ok()) << src << ": " << st.error().message();
    std::string d = Dst(dst.substr(1));
    if (d.back() == '/') d.pop_back();
    EXPECT_THAT(List(d), ElementsAre("d 755 own/", "d 755 own/sub/", "f 600 own/sub/p", "f 644 own/hl", "f 644 own/o", "l own/l -> o"))
        << src;
    EXPECT_EQ(Lstat(d + "/own/o").st_ino, Lstat(d + "/own/hl").st_ino) << src;
  }
}

TEST_F(AddTest, NonArchivesAreCopied) {
  Write(Ctx("fake.tar"), "not a tar\n");
  ASSERT_EQ(std::system(("tar -cf " + Ctx("empty.tar") + " -T /dev/null").c_str()), 0);
  ASSERT_EQ(std::system(("printf 'x' | zstd -q > " + Ctx("t.tar.zst") + " 2>/dev/null || printf '\\050\\265\\057\\375' > " +
                         Ctx("t.tar.zst")).c_str()),
            0);
  ASSERT_TRUE(Copy(Add({"fake.tar", "empty.tar", "t.tar.zst"}, "/f/")).ok());
  EXPECT_THAT(List(Dst("f")), ElementsAre("f 644 empty.tar", "f 644 fake.tar", "f 644 t.tar.zst"));
  EXPECT_EQ(Read(Dst("f/fake.tar")), "not a tar\n");
}

TEST_F(AddTest, CopyNeverExtracts) {
  MakeTree();
  Tar("z", "t.tar.gz");
  ASSERT_TRUE(Copy(Req({"t.tar.gz"}, "/c/")).ok());
  EXPECT_THAT(List(Dst("c")), ElementsAre("f 644 t.tar.gz"));
}

TEST_F(AddTest, ArchiveOverExistingTreeAndThroughItsSymlinks) {
  MakeTree();
  Tar("", "t.tar");
  Mkdir(Dst("x/real"));
  Link("/real", Dst("x/own"));  // resolved inside the extraction dir, as Docker's chroot does
  Write(Dst("x/real/o"), "old");
  ASSERT_TRUE(Copy(Add({"t.tar"}, "/x")).ok());
  // the "own/" entry replaces the symlink with a directory
  EXPECT_THAT(List(Dst("x")), ElementsAre("d 755 own/", "d 755 own/sub/", "d 755 real/", "f 600 own/sub/p",
                                          "f 644 own/hl", "f 644 own/o", "f 644 real/o", "l own/l -> o"));
}

TEST_F(AddTest, EscapingArchiveEntriesFail) {
  Write(Ctx("w/x"), "x");
  ASSERT_EQ(std::system(("tar -C " + Ctx("w") + " -cf " + Ctx("evil.tar") + " --transform 's,^x,../../evil,' x").c_str()),
            0);
  auto r = Copy(Add({"evil.tar"}, "/e/"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("is outside of the destination"));
  EXPECT_FALSE(PathExists(Dst("../evil")));
  Link("../../../outside", Ctx("w/l"));
  ASSERT_EQ(std::system(("tar -C " + Ctx("w") + " -cf " + Ctx("evil2.tar") + " l").c_str()), 0);
  r = Copy(Add({"evil2.tar"}, "/e2/"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("invalid symlink"));
}

TEST_F(AddTest, DirectoryReplacedByASymlinkLaterInTheArchiveIsLeftAlone) {
  // "a/" (mode 0700) then "a" -> <an absolute path outside>: the directory's final chmod/utimes must not
  // follow the link that replaced it.
  Mkdir(Ctx("outside"), 0755);
  Mkdir(Ctx("w/a"), 0700);
  ASSERT_EQ(std::system(("tar -C " + Ctx("w") + " -cf " + Ctx("evil3.tar") + " a").c_str()), 0);
  ASSERT_EQ(::rmdir(Ctx("w/a").c_str()), 0);
  Link(Ctx("outside"), Ctx("w/a"));
  ASSERT_EQ(std::system(("tar -C " + Ctx("w") + " -rf " + Ctx("evil3.tar") + " a").c_str()), 0);
  ASSERT_TRUE(Copy(Add({"evil3.tar"}, "/e3/")).ok());
  EXPECT_TRUE(S_ISLNK(Lstat(Dst("e3/a")).st_mode));
  EXPECT_EQ(Lstat(Ctx("outside")).st_mode & 07777, 0755u);
}

// A python http.server in a temp dir on a free loopback port, stopped by pid.
class UrlTest : public AddTest {
 protected:
  void SetUp() override {
    AddTest::SetUp();
    www_ = std::make_unique<TempDir>(TempDir::Create("/tmp", "copy-www-").value());
    Write(www_->path() + "/f.txt", "hello\n");
    SetMtime(www_->path() + "/f.txt", 1286705410);
    Mkdir(www_->path() + "/sub");
    std::string portfile = www_->path() + "/.port";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::chdir(www_->path().c_str());
      const char* py =
          "import http.server,socketserver,sys\n"
          "class H(http.server.SimpleHTTPRequestHandler):\n"
          "  def log_message(self,*a): pass\n"
          "s=socketserver.TCPServer(('127.0.0.1',0),H)\n"
          "open(sys.argv[1],'w').write(str(s.server_address[1]))\n"
          "s.serve_forever()\n";
      ::execlp("python3", "python3", "-c", py, portfile.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 100 && !PathExists(portfile); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto port = ReadFile(portfile);
    if (!port || port->empty()) GTEST_SKIP() << "python3 http.server did not start";
    base_ = "http://127.0.0.1:" + *port;
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::unique_ptr<TempDir> www_;
  pid_t pid_ = -1;
  std::string base_;
};

TEST_F(UrlTest, DownloadNamedAfterThePathMode0600MtimeFromLastModified) {
  ASSERT_TRUE(Copy(Add({base_ + "/f.txt"}, "/x")).ok());
  ASSERT_TRUE(Copy(Add({base_ + "/f.txt?q=1"}, "/y/")).ok());
  EXPECT_THAT(List(Dst()), ElementsAre("d 755 y/", "f 600 x", "f 600 y/f.txt"));
  EXPECT_EQ(Read(Dst("x")), "hello\n");
  EXPECT_EQ(Lstat(Dst("y/f.txt")).st_mtim.tv_sec, 1286705410);
}

TEST_F(UrlTest, ArchivesFromUrlsAreNotExtracted) {
  MakeTree();
  ASSERT_EQ(std::system(("tar -C " + Ctx("tb") + " -czf " + www_->path() + "/t.tar.gz own").c_str()), 0);
  ASSERT_TRUE(Copy(Add({base_ + "/t.tar.gz"}, "/z/")).ok());
  EXPECT_THAT(List(Dst("z")), ElementsAre("f 600 t.tar.gz"));
}

TEST_F(UrlTest, ErrorsInDockersWords) {
  auto r = Copy(Add({base_ + "/"}, "/v/"));
  EXPECT_EQ(r.error().message(), "ADD failed: cannot determine filename for source " + base_ + "/");
  r = Copy(Add({base_ + "/nope"}, "/u"));
  EXPECT_THAT(r.error().message(), HasSubstr("ADD failed: failed to GET " + base_ + "/nope with status 404 File not found: <"));
  r = Copy(Add({"http://127.0.0.1:1/f.txt"}, "/u"));
  EXPECT_THAT(r.error().message(), HasSubstr("ADD failed: Get \"http://127.0.0.1:1/f.txt\": "));
  ASSERT_TRUE(Copy(Add({base_ + "/"}, "/w")).ok());  // no name, dest without '/': the dest is the file
  EXPECT_TRUE(S_ISREG(Lstat(Dst("w")).st_mode));
  EXPECT_EQ(Lstat(Dst("w")).st_mtim.tv_sec, 0);  // no Last-Modified: the epoch
}

TEST_F(UrlTest, Checksum) {
  CopyRequest r = Add({base_ + "/f.txt"}, "/c");
  r.checksum = "sha256:" + std::string(64, '0');
  auto st = Copy(r);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message(), HasSubstr("checksum mismatch"));
  r.checksum = Sha256Of("hello\n").str();
  ASSERT_TRUE(Copy(r).ok());
  r.checksum = "md5:x";
  EXPECT_THAT(Copy(r).error().message(), HasSubstr("invalid checksum digest format"));
  CopyRequest local = Add({"f"}, "/l");
  local.checksum = Sha256Of("hello\n").str();
  EXPECT_THAT(Copy(local).error().message(), HasSubstr("checksum can't be specified for non-HTTP(S) sources"));
}

TEST_F(UrlTest, HashCountsContentUnlessAChecksumIsGiven) {
  CopyRequest r = Add({base_ + "/f.txt"}, "/c");
  auto a = HashSources(r, nullptr);
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_TRUE(a->history.starts_with("file:")) << a->history;
  Write(www_->path() + "/f.txt", "changed\n");
  auto b = HashSources(r, nullptr);
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a->key, b->key);
  r.checksum = Sha256Of("changed\n").str();
  auto c = HashSources(r, nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(c->key, b->key);
}

}  // namespace
}  // namespace skiff::build::copy::testing

// COPY semantics of CopyInto against what dockerd 20.10's legacy builder does (checked on a private
// dockerd: see the comments in src/build/copy/copy.h).
#include <gmock/gmock.h>

#include "fixture.h"

namespace skiff::build::copy::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_F(CopyTest, FileKeepsModeAndMtimeTruncatedToSeconds) {
  Write(Ctx("a.txt"), "a\n", 0640);
  SetMtime(Ctx("a.txt"), 978307200, 123456789);
  ASSERT_TRUE(Copy(Req({"a.txt"}, "/d6")).ok());
  struct stat st = Lstat(Dst("d6"));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_mtim.tv_sec, 978307200);
  EXPECT_EQ(st.st_mtim.tv_nsec, 0);
  EXPECT_EQ(st.st_atim.tv_sec, 978307200);
  EXPECT_EQ(Read(Dst("d6")), "a\n");
}

TEST_F(CopyTest, SlashDestCreatesParents) {
  Write(Ctx("a.txt"), "a");
  ASSERT_TRUE(Copy(Req({"./a.txt"}, "/d5/x/y/")).ok());
  EXPECT_THAT(List(Dst()), ElementsAre("d 755 d5/", "d 755 d5/x/", "d 755 d5/x/y/", "f 644 d5/x/y/a.txt"));
}

TEST_F(CopyTest, DirectorySourceCopiesItsContents) {
  Write(Ctx("sub/b.txt"), "b");
  Write(Ctx("sub/inner/c"), "c");
  ::chmod(Ctx("sub/inner").c_str(), 0700);
  ::chmod(Ctx("sub").c_str(), 0750);
  SetMtime(Ctx("sub/inner"), 1012608000);
  SetMtime(Ctx("sub"), 1012608000);
  ASSERT_TRUE(Copy(Req({"sub"}, "/d3")).ok());
  ASSERT_TRUE(Copy(Req({"sub/"}, "/d4/")).ok());
  for (const char* d : {"d3", "d4"}) {
    EXPECT_THAT(List(Dst(d)), ElementsAre("d 700 inner/", "f 644 b.txt", "f 644 inner/c"));
    EXPECT_EQ(Lstat(Dst(d)).st_mode & 07777, 0755u);  // the dest dir is made, not copied
    EXPECT_NE(Lstat(Dst(d)).st_mtim.tv_sec, 1012608000);
    EXPECT_EQ(Lstat(Dst(std::string(d) + "/inner")).st_mtim.tv_sec, 1012608000);  // subdirectories keep it
  }
}

TEST_F(CopyTest, NamedSymlinkIsFollowedButSymlinksInsideAreKept) {
  Write(Ctx("a.txt"), "a");
  Write(Ctx("sub/b"), "b");
  Link("a.txt", Ctx("link"));
  Link("sub", Ctx("dirlink"));
  Link("../a.txt", Ctx("sub/up"));
  ASSERT_TRUE(Copy(Req({"link"}, "/d1/")).ok());
  ASSERT_TRUE(Copy(Req({"dirlink"}, "/d2/")).ok());
  ASSERT_TRUE(Copy(Req({"dirlink/b"}, "/d3")).ok());
  EXPECT_THAT(List(Dst()), ElementsAre("d 755 d1/", "d 755 d2/", "f 644 d1/link", "f 644 d2/b", "f 644 d3",
                                       "l d2/up -> ../a.txt"));
}

TEST_F(CopyTest, SymlinksPointingOutsideResolveInsideTheContext) {
  Write(Ctx("a.txt"), "inside");
  Link("/etc/passwd", Ctx("abs_out"));
  Link("../../../../../../a.txt", Ctx("deep_rel"));
  Link("/a.txt", Ctx("abs_in"));
  auto r = Copy(Req({"abs_out"}, "/x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "COPY failed: file not found in build context or excluded by .dockerignore: stat abs_out: file does not "
            "exist");
  ASSERT_TRUE(Copy(Req({"deep_rel"}, "/x")).ok());
  EXPECT_EQ(Read(Dst("x")), "inside");
  ASSERT_TRUE(Copy(Req({"abs_in"}, "/y")).ok());
  EXPECT_EQ(Read(Dst("y")), "inside");
}

TEST_F(CopyTest, SourceErrorsInDockersWords) {
  Write(Ctx("a.txt"), "a");
  auto r = Copy(Req({"../outside/s"}, "/x"));
  EXPECT_EQ(r.error().message(), "COPY failed: forbidden path outside the build context: ../outside/s ()");
  r = Copy(Req({"nope"}, "/x"));
  EXPECT_EQ(r.error().message(),
            "COPY failed: file not found in build context or excluded by .dockerignore: stat nope: file does not exist");
  EXPECT_EQ(r.error().code(), Errc::kNotFound);
  r = Copy(Req({"*.nope"}, "/x"));
  EXPECT_EQ(r.error().message(), "COPY failed: no source files were specified");
  r = Copy(Req({"a.txt", "a.txt"}, "/x"));
  EXPECT_EQ(r.error().message(),
            "When using COPY with more than one source file, the destination must be a directory and end with a /");
  r = Copy(Req({"http://127.0.0.1:1/f"}, "/x"));
  EXPECT_EQ(r.error().message(), "COPY failed: source can't be a URL for COPY");
  CopyRequest from = Req({"/nope"}, "/x");
  from.from_context = false;
  r = Copy(from);
  EXPECT_EQ(r.error().message(), "COPY failed: stat nope: file does not exist");
  EXPECT_EQ(Copy(Req({"a.txt"}, "x")).error().code(), Errc::kInvalidArgument);
}

TEST_F(CopyTest, WildcardsMatchPerElementAndDirectoriesGiveTheirContents) {
  Write(Ctx("sub/b"), "b");
  Write(Ctx("sfile"), "s");
  Write(Ctx("other"), "o");
  Write(Ctx("d/x.txt"), "x");
  Write(Ctx("d/e/y.txt"), "y");
  ASSERT_TRUE(Copy(Req({"s*"}, "/w/")).ok());
  EXPECT_THAT(List(Dst("w")), ElementsAre("f 644 b", "f 644 sfile"));
  ASSERT_TRUE(Copy(Req({"d/*.txt"}, "/t/")).ok());
  EXPECT_THAT(List(Dst("t")), ElementsAre("f 644 x.txt"));
  ASSERT_TRUE(Copy(Req({"oth?r"}, "/one")).ok());  // one match: a dest without '/' is fine
  EXPECT_EQ(Read(Dst("one")), "o");
  ASSERT_FALSE(Copy(Req({"s*"}, "/two")).ok());
}

TEST_F(CopyTest, DestSymlinksAreFollowedInsideTheDestRoot) {
  Write(Ctx("a.txt"), "a");
  Write(Ctx("sub/b"), "b");
  Mkdir(Dst("realdir"));
  Link("realdir", Dst("rellink"));
  Link("/realdir", Dst("abslink"));
  Link("/nowhere", Dst("dangling"));
  Link("/nowhere2", Dst("dangling2"));
  Link("../../../../../../etc", Dst("escape"));
  ASSERT_TRUE(Copy(Req({"a.txt"}, "/rellink")).ok());
  ASSERT_TRUE(Copy(Req({"sub"}, "/abslink")).ok());
  ASSERT_TRUE(Copy(Req({"a.txt"}, "/dangling")).ok());
  ASSERT_TRUE(Copy(Req({"a.txt"}, "/dangling2/")).ok());
  ASSERT_TRUE(Copy(Req({"a.txt"}, "/escape/passwd")).ok());
  Link("/etc", Dst("abs_etc"));
  ASSERT_TRUE(Copy(Req({"a.txt"}, "/abs_etc/group")).ok());
  ::unlink(Dst("abs_etc").c_str());
  EXPECT_THAT(List(Dst()), ElementsAre("d 755 etc/", "d 755 nowhere2/",
                                       "d 755 realdir/", "f 644 etc/group", "f 644 etc/passwd", "f 644 nowhere", "f 644 nowhere2/a.txt",
                                       "f 644 realdir/a.txt", "f 644 realdir/b", "l abslink -> /realdir",
                                       "l dangling -> /nowhere", "l dangling2 -> /nowhere2",
                                       "l escape -> ../../../../../../etc", "l rellink -> realdir"));
}

TEST_F(CopyTest, DirectoryCopyReplacesWhatIsInTheWay) {
  Write(Ctx("hd/lib/x"), "x");
  Write(Ctx("fsrc/fdir"), "f");
  Mkdir(Dst("realdir"));
  Write(Dst("realdir/keep"), "keep");
  Link("realdir", Dst("lib"));
  Write(Dst("fdir/inner"), "in");
  ASSERT_TRUE(Copy(Req({"hd/"}, "/")).ok());
  ASSERT_TRUE(Copy(Req({"fsrc/"}, "/")).ok());
  EXPECT_THAT(List(Dst()), ElementsAre("d 755 lib/", "d 755 realdir/", "f 644 fdir", "f 644 lib/x",
                                       "f 644 realdir/keep"));
}

TEST_F(CopyTest, DirectoryOntoAFileFails) {
  Write(Ctx("sub/b"), "b");
  Write(Dst("file"), "f");
  auto r = Copy(Req({"sub"}, "/file"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "failed to copy files: failed to copy directory: mkdir /file: not a directory");
}

TEST_F(CopyTest, FileOverwritesFileAndReplacesSymlinkInDirDest) {
  Write(Ctx("a.txt"), "new");
  Write(Dst("etc/group"), "old");
  Write(Dst("d/target"), "t");
  Link("target", Dst("d/a.txt"));
  ASSERT_TRUE(Copy(Req({"a.txt"}, "/etc/group")).ok());
  ASSERT_TRUE(Copy(Req({"a.txt"}, "/d/")).ok());
  EXPECT_EQ(Read(Dst("etc/group")), "new");
  EXPECT_TRUE(S_ISREG(Lstat(Dst("d/a.txt")).st_mode));
  EXPECT_EQ(Read(Dst("d/target")), "t");
}

TEST_F(CopyTest, HardLinksKeptWithinOneDirectorySource) {
  Write(Ctx("hd/h1"), "h");
  ASSERT_EQ(::link(Ctx("hd/h1").c_str(), Ctx("hd/h2").c_str()), 0);
  ASSERT_TRUE(Copy(Req({"hd"}, "/hd")).ok());
  ASSERT_TRUE(Copy(Req({"hd/h1", "hd/h2"}, "/hl/")).ok());
  EXPECT_EQ(Lstat(Dst("hd/h1")).st_ino, Lstat(Dst("hd/h2")).st_ino);
  EXPECT_NE(Lstat(Dst("hl/h1")).st_ino, Lstat(Dst("hl/h2")).st_ino);
}

TEST_F(CopyTest, ChmodAppliesToWhatIsCopiedNotToTheDestDir) {
  Write(Ctx("s/f"), "f");
  Write(Ctx("s/sub/g"), "g");
  CopyRequest r = Req({"s"}, "/x");
  r.chmod = 0751;
  ASSERT_TRUE(Copy(r).ok());
  r = Req({"s/f"}, "/r/s/");
  r.chmod = 0640;
  ASSERT_TRUE(Copy(r).ok());
  EXPECT_THAT(List(Dst()), ElementsAre("d 751 x/sub/", "d 755 r/", "d 755 r/s/", "d 755 x/", "f 640 r/s/f",
                                       "f 751 x/f", "f 751 x/sub/g"));
}

TEST_F(CopyTest, SetuidBitsClearedAsDockersChownDoes) {
  Write(Ctx("d/suid"), "x", 04755);
  Write(Ctx("d/sgid"), "x", 02755);
  Write(Ctx("d/sgid_noexec"), "x", 02644);
  ASSERT_TRUE(Copy(Req({"d"}, "/d")).ok());
  EXPECT_THAT(List(Dst("d")), ElementsAre("f 2644 sgid_noexec", "f 755 sgid", "f 755 suid"));
}

TEST_F(CopyTest, FromStageKeepsSetuidBits) {
  Write(Ctx("d/suid"), "x", 04755);
  CopyRequest r = Req({"/d"}, "/e");
  r.from_context = false;
  ASSERT_TRUE(Copy(r).ok());
  EXPECT_THAT(List(Dst("e")), ElementsAre("f 4755 suid"));
}

TEST_F(CopyTest, InlineFiles) {
  CopyRequest r = Req({}, "/app/");
  r.inline_files = {{"hello.sh", "echo hi\n"}, {"two", "2"}};
  ASSERT_TRUE(Copy(r).ok());
  EXPECT_THAT(List(Dst()), ElementsAre("d 755 app/", "f 644 app/hello.sh", "f 644 app/two"));
  EXPECT_EQ(Read(Dst("app/hello.sh")), "echo hi\n");
  r = Req({}, "/single");
  r.inline_files = {{"EOF", "x"}};
  ASSERT_TRUE(Copy(r).ok());
  EXPECT_EQ(Read(Dst("single")), "x");
}

TEST_F(CopyTest, ManyFilesInParallel) {
  for (int i = 0; i < 300; ++i) Write(Ctx("many/d" + std::to_string(i % 7) + "/f" + std::to_string(i)), std::string(i * 13, 'x'));
  auto st = Copy(Req({"many"}, "/m"));
  ASSERT_TRUE(st.ok()) << st.error().message();
  for (int i = 0; i < 300; ++i)
    ASSERT_EQ(Read(Dst("m/d" + std::to_string(i % 7) + "/f" + std::to_string(i))), std::string(i * 13, 'x'));
}

TEST_F(CopyTest, ReadOnlyDirectoriesAreFilledThenRestricted) {
  Write(Ctx("ro/f"), "f");
  Mkdir(Ctx("ro/sub"));
  Write(Ctx("ro/sub/g"), "g");
  ::chmod(Ctx("ro/sub").c_str(), 0555);
  ASSERT_TRUE(Copy(Req({"ro"}, "/ro")).ok());
  EXPECT_EQ(Lstat(Dst("ro/sub")).st_mode & 07777, 0555u);
  EXPECT_EQ(Read(Dst("ro/sub/g")), "g");
  ::chmod(Ctx("ro/sub").c_str(), 0755);
  ::chmod(Dst("ro/sub").c_str(), 0755);
}

TEST_F(CopyTest, ExcludesRelativeToTheSource) {
  Write(Ctx("src/a.txt"), "a");
  Write(Ctx("src/b.md"), "b");
  Write(Ctx("src/deep/c.md"), "c");
  CopyRequest r = Req({"src"}, "/x");
  r.excludes = {"*.md", "deep"};
  ASSERT_TRUE(Copy(r).ok());
  EXPECT_THAT(List(Dst("x")), ElementsAre("f 644 a.txt"));
}

}  // namespace
}  // namespace skiff::build::copy::testing

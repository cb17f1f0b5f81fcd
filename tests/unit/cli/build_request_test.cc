// What `skiff build` sends: docker 20.10's query (compared with what its client sent, recorded through a
// socat proxy), --secret parsing, the context resolution of PATH/-f/stdin with docker's error texts, the
// context tar read back with libarchive, and Skiff's local-context parameters.
#include "cli/build_context.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <map>

#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/file.h"
#include "base/json.h"

namespace skiff::cli {
namespace {

void Write(const std::string& path, const std::string& text) { ASSERT_TRUE(WriteFileAtomic(path, text, 0644, false).ok()); }

// An fd reading `data` (stdin stand-in).
UniqueFd Input(const std::string& dir, const std::string& data) {
  std::string path = dir + "/stdin";
  Write(path, data);
  return UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
}

// name -> content ("<dir>" for directories) of a tar.
std::map<std::string, std::string> ReadTar(const std::string& tar, std::vector<std::string>* order = nullptr) {
  std::map<std::string, std::string> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_support_filter_all(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(e);
    std::string content;
    if (archive_entry_filetype(e) == AE_IFDIR) {
      content = "<dir>";
    } else {
      char buf[4096];
      la_ssize_t n;
      while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) content.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(out.count(name), 0u) << "duplicate entry " << name;
    out[name] = content;
    if (order) order->push_back(name);
  }
  archive_read_free(a);
  return out;
}

std::string Tar(const BuildContext& c, int in_fd = -1, const std::string& random = "") {
  std::string tar;
  Status st = WriteContextTar(c, in_fd, random, [&](const char* d, size_t n) {
    tar.append(d, n);
    return Ok();
  });
  EXPECT_TRUE(st.ok()) << st.error().message();
  return tar;
}

TEST(BuildQuery, DefaultsAsDocker2010Sends) {
  BuildOptions o;
  EXPECT_EQ(BuildQuery(o, "Dockerfile").Encode(),
            "buildargs=%7B%7D&cachefrom=%5B%5D&cgroupparent=&cpuperiod=0&cpuquota=0&cpusetcpus=&cpusetmems=&"
            "cpushares=0&dockerfile=Dockerfile&labels=%7B%7D&memory=0&memswap=0&networkmode=default&rm=1&"
            "shmsize=0&target=&ulimits=null&version=1");
}

TEST(BuildQuery, TagsArgsLabelsAsDocker2010Sends) {
  // docker build --network none -t t1 -t t1:v2 --build-arg V=7 --build-arg HOME --build-arg NOPE --label a=b
  // (HOME set in the client's environment, NOPE not).
  BuildOptions o;
  o.network = "none";
  o.tags = {"t1", "t1:v2"};
  o.build_args = {"V=7", "HOME=/root", "NOPE"};
  o.labels = {"a=b"};
  EXPECT_EQ(BuildQuery(o, "Dockerfile").Encode(),
            "buildargs=%7B%22HOME%22%3A%22%2Froot%22%2C%22NOPE%22%3Anull%2C%22V%22%3A%227%22%7D&cachefrom=%5B%5D&"
            "cgroupparent=&cpuperiod=0&cpuquota=0&cpusetcpus=&cpusetmems=&cpushares=0&dockerfile=Dockerfile&"
            "labels=%7B%22a%22%3A%22b%22%7D&memory=0&memswap=0&networkmode=none&rm=1&shmsize=0&t=t1&t=t1%3Av2&"
            "target=&ulimits=null&version=1");
}

TEST(BuildQuery, FlagsAndJsonValues) {
  BuildOptions o;
  o.quiet = o.no_cache = o.pull = o.force_rm = o.squash = true;
  o.rm = false;
  o.extra_hosts = {"a:1.2.3.4"};
  o.cache_from = {"x", "y"};
  o.platform = "Linux/AMD64";
  o.target = "build";
  o.memory = 64 << 20;
  o.labels = {"k", "html=<b>"};
  o.ulimits = {*ParseUlimit("nproc=10"), *ParseUlimit("nofile=1024:2048"), *ParseUlimit("nproc=20")};
  std::string q = BuildQuery(o, "sub/Dockerfile").Encode();
  for (const char* part : {"q=1", "nocache=1", "pull=1", "forcerm=1", "squash=1", "rm=0", "extrahosts=a%3A1.2.3.4",
                           "cachefrom=%5B%22x%22%2C%22y%22%5D", "platform=linux%2Famd64", "target=build",
                           "memory=67108864", "dockerfile=sub%2FDockerfile"}) {
    EXPECT_NE(q.find(part), std::string::npos) << part << " in " << q;
  }
  // Go's encoding/json: sorted keys, <> escaped; one ulimit per name (the last), by name.
  EXPECT_NE(q.find("labels=" + QueryEscape(R"({"html":"\u003cb\u003e","k":""})")), std::string::npos) << q;
  EXPECT_NE(q.find("ulimits=" + QueryEscape(R"([{"Name":"nofile","Hard":2048,"Soft":1024},{"Name":"nproc","Hard":20,"Soft":20}])")),
            std::string::npos)
      << q;
}

TEST(BuildSecrets, Parse) {
  auto s = ParseSecret("id=a,src=/x");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->id, "a");
  EXPECT_EQ(s->file, "/x");
  s = ParseSecret("id=t,type=env,source=TOKEN");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->env, "TOKEN");
  EXPECT_EQ(s->file, "");
  EXPECT_EQ(ParseSecret("id=a,bogus").error().message(), "invalid field 'bogus' must be a key=value pair");
  EXPECT_EQ(ParseSecret("id=a,type=ssh").error().message(), "unsupported secret type \"ssh\"");
  EXPECT_EQ(ParseSecret("id=a,what=1").error().message(), "unexpected key 'what' in 'what=1'");
}

TEST(BuildSecrets, HeaderCarriesContents) {
  auto dir = TempDir::Create();
  Write(dir->path() + "/s", "file-secret\n");
  ::setenv("SKIFF_TEST_SECRET", "env-secret", 1);
  auto h = SecretsHeader({"id=f,src=" + dir->path() + "/s", "id=e,env=SKIFF_TEST_SECRET", "id=SKIFF_TEST_SECRET"});
  ::unsetenv("SKIFF_TEST_SECRET");
  ASSERT_TRUE(h.ok()) << h.error().message();
  auto j = ParseJson(*Base64Decode(*h), "header");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(*Base64Decode((*j)["f"].get<std::string>()), "file-secret\n");
  EXPECT_EQ(*Base64Decode((*j)["e"].get<std::string>()), "env-secret");
  EXPECT_EQ(*Base64Decode((*j)["SKIFF_TEST_SECRET"].get<std::string>()), "env-secret");
  EXPECT_EQ(*SecretsHeader({}), "");
  auto missing = SecretsHeader({"id=m,src=/nonexistent/secret"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "could not parse secrets: [id=m,src=/nonexistent/secret]: failed to stat /nonexistent/secret: stat "
            "/nonexistent/secret: no such file or directory");
}

TEST(BuildContextPrepare, DirectoryAndDockerfilePaths) {
  auto dir = TempDir::Create();
  std::string ctx = dir->path() + "/ctx";
  ASSERT_TRUE(MkdirAll(ctx + "/sub").ok());
  Write(ctx + "/Dockerfile", "FROM scratch\n");
  Write(ctx + "/sub/app.Dockerfile", "FROM scratch\n");
  Write(dir->path() + "/outside.Dockerfile", "FROM scratch\n");

  auto c = PrepareBuildContext(ctx, "", -1);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->kind, BuildContext::Kind::kDirectory);
  EXPECT_EQ(c->dir, ctx);
  EXPECT_EQ(c->dockerfile, ctx + "/Dockerfile");
  EXPECT_EQ(c->dockerfile_rel, "Dockerfile");
  EXPECT_FALSE(c->NeedsRandomDockerfile());

  c = PrepareBuildContext(ctx, ctx + "/sub/app.Dockerfile", -1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->dockerfile_rel, "sub/app.Dockerfile");

  c = PrepareBuildContext(ctx, dir->path() + "/outside.Dockerfile", -1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->dockerfile_rel, "../outside.Dockerfile");
  EXPECT_TRUE(c->DockerfileOutside());
  EXPECT_TRUE(c->NeedsRandomDockerfile());

  // A symlinked context resolves; only "dockerfile" (lower case) also works.
  ASSERT_EQ(::symlink(ctx.c_str(), (dir->path() + "/link").c_str()), 0);
  ASSERT_EQ(::rename((ctx + "/Dockerfile").c_str(), (ctx + "/dockerfile").c_str()), 0);
  c = PrepareBuildContext(dir->path() + "/link", "", -1);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->dir, ctx);
  EXPECT_EQ(c->dockerfile_rel, "dockerfile");
}

TEST(BuildContextPrepare, DockerErrors) {
  auto dir = TempDir::Create();
  Write(dir->path() + "/file", "x");
  EXPECT_EQ(PrepareBuildContext(dir->path() + "/nope", "", -1).error().message(),
            "path \"" + dir->path() + "/nope\" not found");
  EXPECT_EQ(PrepareBuildContext(dir->path() + "/file", "", -1).error().message(),
            "context must be a directory: " + dir->path() + "/file");
  EXPECT_EQ(PrepareBuildContext(dir->path(), "", -1).error().message(),
            "unable to evaluate symlinks in Dockerfile path: lstat " + dir->path() +
                "/Dockerfile: no such file or directory");
  EXPECT_EQ(PrepareBuildContext(dir->path(), dir->path() + "/no/Dockerfile", -1).error().message(),
            "unable to evaluate symlinks in Dockerfile path: lstat " + dir->path() + "/no: no such file or directory");
}

TEST(BuildContextPrepare, RemoteUrls) {
  for (const char* url : {"https://example.com/repo.git", "https://example.com/repo.git#main:sub", "git@host:r",
                          "github.com/a/b", "http://example.com/ctx.tar"}) {
    auto c = PrepareBuildContext(url, "df", -1);
    ASSERT_TRUE(c.ok()) << url;
    EXPECT_EQ(c->kind, BuildContext::Kind::kRemote);
    EXPECT_EQ(c->remote, url);
    EXPECT_EQ(c->dockerfile_rel, "df");
  }
}

TEST(BuildContextPrepare, StdinArchiveOrDockerfile) {
  auto dir = TempDir::Create();
  std::string tar = *TarFileBytes("Dockerfile", "FROM scratch\n", 0644, 0, true);
  auto in = Input(dir->path(), tar);
  auto c = PrepareBuildContext("-", "", in.get());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, BuildContext::Kind::kStdinArchive);
  EXPECT_EQ(Tar(*c, in.get()), tar);  // the head read for detection, then the rest, unchanged

  in = Input(dir->path(), "FROM busybox\nRUN true\n");
  c = PrepareBuildContext("-", "", in.get());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, BuildContext::Kind::kStdinDockerfile);
  EXPECT_EQ(TarDockerfileParam(*c, ""), "Dockerfile");
  auto entries = ReadTar(Tar(*c));
  EXPECT_EQ(entries, (std::map<std::string, std::string>{{"Dockerfile", "FROM busybox\nRUN true\n"}}));

  in = Input(dir->path(), "FROM busybox\n");
  EXPECT_EQ(PrepareBuildContext("-", "-", in.get()).error().message(), "build context is not an archive");
}

TEST(BuildContextPrepare, ArchiveDetection) {
  EXPECT_TRUE(IsArchiveHead(std::string("\x1f\x8b\x08\x00rest", 8)));
  EXPECT_TRUE(IsArchiveHead("BZh91AY"));
  EXPECT_TRUE(IsArchiveHead(std::string("\xfd\x37\x7a\x58\x5a\x00", 6)));
  EXPECT_TRUE(IsArchiveHead(std::string("\x28\xb5\x2f\xfd", 4)));
  EXPECT_TRUE(IsArchiveHead(TarFileBytes("a", "x", 0644, 0, true)->substr(0, 1024)));
  EXPECT_FALSE(IsArchiveHead("FROM busybox\n"));
  EXPECT_FALSE(IsArchiveHead(std::string(1024, '\0')));  // an empty tar is no context
}

TEST(BuildContextTar, DockerignoreKeepsDockerfileAndItself) {
  auto dir = TempDir::Create();
  std::string ctx = dir->path();
  ASSERT_TRUE(MkdirAll(ctx + "/logs").ok());
  Write(ctx + "/Dockerfile", "FROM busybox\n");
  Write(ctx + "/.dockerignore", "*.log\nlogs\nDockerfile\n.dockerignore\n");
  Write(ctx + "/app.py", "print(1)\n");
  Write(ctx + "/junk.log", "x");
  Write(ctx + "/logs/a", "x");
  auto c = PrepareBuildContext(ctx, "", -1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(TarDockerfileParam(*c, ""), "Dockerfile");
  auto entries = ReadTar(Tar(*c));
  EXPECT_EQ(entries, (std::map<std::string, std::string>{{".dockerignore", "*.log\nlogs\nDockerfile\n.dockerignore\n"},
                                                          {"Dockerfile", "FROM busybox\n"},
                                                          {"app.py", "print(1)\n"}}));
}

TEST(BuildContextTar, DockerfileFromStdinGoesUnderARandomName) {
  auto dir = TempDir::Create();
  std::string ctx = dir->path() + "/ctx";
  ASSERT_TRUE(MkdirAll(ctx).ok());
  Write(ctx + "/Dockerfile", "FROM the-context-one\n");
  Write(ctx + "/.dockerignore", "*.log\nDockerfile\n");
  Write(ctx + "/a.txt", "a");
  Write(ctx + "/b.log", "b");
  auto in = Input(dir->path(), "FROM busybox\nCOPY . /c\n");
  auto c = PrepareBuildContext(ctx, "-", in.get());
  ASSERT_TRUE(c.ok()) << c.error().message();
  ASSERT_TRUE(c->NeedsRandomDockerfile());
  std::string random = RandomDockerfileName();
  ASSERT_EQ(random.size(), std::string(".dockerfile.").size() + 20);
  EXPECT_NE(random, RandomDockerfileName());
  EXPECT_EQ(TarDockerfileParam(*c, random), random);
  std::vector<std::string> order;
  auto entries = ReadTar(Tar(*c, -1, random), &order);
  // docker's AddDockerfileToBuildContext: the .dockerignore lists the random name; the context's Dockerfile
  // stays excluded (a Dockerfile from stdin is not re-included).
  EXPECT_EQ(entries, (std::map<std::string, std::string>{{".dockerignore", "*.log\nDockerfile\n\n" + random + "\n"},
                                                          {"a.txt", "a"},
                                                          {random, "FROM busybox\nCOPY . /c\n"}}));
}

TEST(BuildContextTar, OutsideDockerfileWithoutDockerignore) {
  auto dir = TempDir::Create();
  std::string ctx = dir->path() + "/ctx";
  ASSERT_TRUE(MkdirAll(ctx).ok());
  Write(ctx + "/a.txt", "a");
  Write(dir->path() + "/Dockerfile", "FROM busybox\n");
  auto c = PrepareBuildContext(ctx, dir->path() + "/Dockerfile", -1);
  ASSERT_TRUE(c.ok());
  std::string random = RandomDockerfileName();
  auto entries = ReadTar(Tar(*c, -1, random));
  EXPECT_EQ(entries, (std::map<std::string, std::string>{{".dockerignore", ".dockerignore\n" + random + "\n"},
                                                          {"a.txt", "a"},
                                                          {random, "FROM busybox\n"}}));
}

TEST(BuildContextLocal, Params) {
  auto dir = TempDir::Create();
  std::string ctx = dir->path() + "/ctx";
  ASSERT_TRUE(MkdirAll(ctx + "/sub").ok());
  Write(ctx + "/sub/Dockerfile", "FROM busybox\n");
  Write(dir->path() + "/Dockerfile", "FROM busybox\n");
  struct stat st;
  ASSERT_EQ(::stat(ctx.c_str(), &st), 0);
  std::string devino = "skiff.contextdev=" + std::to_string(st.st_dev) + "&skiff.contextdir=" + QueryEscape(ctx) +
                       "&skiff.contextino=" + std::to_string(st.st_ino);

  auto c = PrepareBuildContext(ctx, ctx + "/sub/Dockerfile", -1);
  ASSERT_TRUE(c.ok());
  Query q;
  EXPECT_EQ(*AddLocalContextParams(*c, &q), "");
  EXPECT_EQ(q.Encode(), "dockerfile=sub%2FDockerfile&" + devino);

  c = PrepareBuildContext(ctx, dir->path() + "/Dockerfile", -1);
  ASSERT_TRUE(c.ok());
  Query q2;
  EXPECT_EQ(*AddLocalContextParams(*c, &q2), "");
  EXPECT_EQ(q2.Encode(), "dockerfile=" + QueryEscape(dir->path() + "/Dockerfile") + "&" + devino);

  auto in = Input(dir->path(), "FROM busybox\nRUN true\n");
  c = PrepareBuildContext(ctx, "-", in.get());
  ASSERT_TRUE(c.ok());
  Query q3;
  EXPECT_EQ(*AddLocalContextParams(*c, &q3), "FROM busybox\nRUN true\n");
  EXPECT_EQ(q3.Encode(), "dockerfile=&" + devino + "&skiff.dockerfilestdin=1");
}

// Reads fd to its end: the bytes, and the errno that ended it (0 for a clean end).
std::string ReadBody(int fd, int* err) {
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *err = n < 0 ? errno : 0;
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

TEST(BodyPump, EndsCleanlyOrResets) {
  std::vector<std::pair<int64_t, bool>> progress;
  auto ok = BodyPump::Start([](const BodyPump::Sink& out) { return out("hello ", 6).ok() ? out("world", 5) : Ok(); },
                            [&](int64_t n, bool last) { progress.emplace_back(n, last); });
  ASSERT_TRUE(ok.ok());
  int err = -1;
  EXPECT_EQ(ReadBody((*ok)->fd(), &err), "hello world");
  EXPECT_EQ(err, 0);
  EXPECT_TRUE((*ok)->Finish().ok());
  EXPECT_EQ(progress, (std::vector<std::pair<int64_t, bool>>{{6, false}, {11, false}, {11, true}}));

  // A producer failing midway: what it sent arrives, then the read fails instead of ending.
  auto bad = BodyPump::Start(
      [](const BodyPump::Sink& out) -> Status {
        SKIFF_TRY(out("partial", 7));
        return Error(Errc::kPermissionDenied, "no permission to read from 'x'");
      },
      nullptr);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(ReadBody((*bad)->fd(), &err), "partial");
  EXPECT_EQ(err, ECONNRESET);
  Status st = (*bad)->Finish();
  EXPECT_EQ(st.error().message(), "no permission to read from 'x'");
  EXPECT_FALSE((*bad)->send_failed());

  // A reader that goes away stops a producer that would write forever.
  auto endless = BodyPump::Start(
      [](const BodyPump::Sink& out) -> Status {
        std::string chunk(64 * 1024, 'x');
        while (true) SKIFF_TRY(out(chunk.data(), chunk.size()));
      },
      nullptr);
  ASSERT_TRUE(endless.ok());
  EXPECT_FALSE((*endless)->Finish().ok());
  EXPECT_TRUE((*endless)->send_failed());
}

}  // namespace
}  // namespace skiff::cli

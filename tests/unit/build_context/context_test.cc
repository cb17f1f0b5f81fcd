#include "build/context/context.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <map>
#include <optional>

#include "base/file.h"

namespace skiff::build::context {
namespace {

class ContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TempDir::Create("/tmp", "skiff-ctx-");
    ASSERT_TRUE(t.ok());
    dir_.emplace(std::move(*t));
  }
  std::string P(const std::string& rel) { return JoinPath(dir_->path(), rel); }
  void File(const std::string& rel, const std::string& content, mode_t mode = 0644) {
    ASSERT_TRUE(MkdirAll(Dirname(P(rel))).ok());
    ASSERT_TRUE(WriteFileAtomic(P(rel), content, 0644, false).ok());
    ASSERT_EQ(::chmod(P(rel).c_str(), mode), 0);
  }
  std::vector<std::string> Visited(const std::vector<std::string>& patterns,
                                   const std::vector<std::string>& always = {}) {
    auto m = IgnoreMatcher::FromPatterns(patterns);
    EXPECT_TRUE(m.ok());
    std::vector<std::string> out;
    Status st = Walk(dir_->path(), *m, always, [&](const Entry& e) -> Status {
      out.push_back(S_ISDIR(e.st.st_mode) ? e.rel + "/" : e.rel);
      EXPECT_EQ(e.name, Basename(e.rel));
      return Ok();
    });
    EXPECT_TRUE(st.ok()) << st.error().message();
    return out;
  }
  std::optional<TempDir> dir_;
};

TEST_F(ContextTest, WalkOrderAndIgnoreRules) {
  File("Dockerfile", "FROM scratch\n");
  File(".dockerignore", "x\n");
  File("b.txt", "b");
  File("a/z.go", "z");
  File("a/b.go", "b");
  File("a/sub/c.md", "c");
  File("node_modules/m/index.js", "i");
  File("vendor/keep/me.go", "k");
  File("vendor/drop.go", "d");
  ASSERT_EQ(::symlink("b.txt", P("link").c_str()), 0);

  EXPECT_EQ(Visited({}), (std::vector<std::string>{".dockerignore", "Dockerfile", "a/", "a/b.go", "a/sub/",
                                                   "a/sub/c.md", "a/z.go", "b.txt", "link", "node_modules/",
                                                   "node_modules/m/", "node_modules/m/index.js", "vendor/",
                                                   "vendor/drop.go", "vendor/keep/", "vendor/keep/me.go"}));
  // Excluded dirs are skipped whole; an exception naming a path inside re-opens it (the dir itself and
  // what is not re-included stay out); ** exceptions do not re-open directories (Docker's rule).
  EXPECT_EQ(Visited({"node_modules", "vendor", "!vendor/keep/me.go", "**/*.md", "!a/sub/c.md", "Dockerfile",
                     ".dockerignore"},
                    {"Dockerfile", ".dockerignore"}),
            (std::vector<std::string>{".dockerignore", "Dockerfile", "a/", "a/b.go", "a/sub/", "a/sub/c.md",
                                      "a/z.go", "b.txt", "link", "vendor/keep/me.go"}));
  EXPECT_EQ(Visited({"*", "!*.txt", "!**/*.go"}), (std::vector<std::string>{"b.txt"}));
  EXPECT_EQ(Visited({"a/**", "!a/sub"}), (std::vector<std::string>{".dockerignore", "Dockerfile", "a/",
                                                                   "a/sub/", "a/sub/c.md", "b.txt", "link",
                                                                   "node_modules/", "node_modules/m/",
                                                                   "node_modules/m/index.js", "vendor/",
                                                                   "vendor/drop.go", "vendor/keep/",
                                                                   "vendor/keep/me.go"}));
}

TEST_F(ContextTest, WalkStopsOnVisitorErrorAndMissingDir) {
  File("a", "1");
  File("b", "2");
  int n = 0;
  Status st = Walk(dir_->path(), IgnoreMatcher(), {}, [&](const Entry&) -> Status {
    ++n;
    return Error(Errc::kCancelled, "stop");
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "stop");
  EXPECT_EQ(n, 1);
  Status missing = Walk(P("nope"), IgnoreMatcher(), {}, [](const Entry&) { return Ok(); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Errc::kNotFound);
}

struct TarEntry {
  std::string type;  // f d l h p
  mode_t perm = 0;
  int64_t uid = -1, gid = -1, mtime = 0;
  std::string data, link;
};

std::vector<std::pair<std::string, TarEntry>> ReadTar(const std::string& tar) {
  std::vector<std::pair<std::string, TarEntry>> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    TarEntry t;
    if (archive_entry_hardlink(e)) {
      t.type = "h";
      t.link = archive_entry_hardlink(e);
    } else {
      switch (archive_entry_filetype(e)) {
        case AE_IFREG: t.type = "f"; break;
        case AE_IFDIR: t.type = "d"; break;
        case AE_IFLNK: t.type = "l"; t.link = archive_entry_symlink(e); break;
        case AE_IFIFO: t.type = "p"; break;
        default: t.type = "?";
      }
    }
    t.perm = archive_entry_perm(e);
    t.uid = archive_entry_uid(e);
    t.gid = archive_entry_gid(e);
    t.mtime = archive_entry_mtime(e);
    char buf[4096];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) t.data.append(buf, n);
    out.emplace_back(archive_entry_pathname(e), t);
  }
  archive_read_free(a);
  return out;
}

TEST_F(ContextTest, WriteTarAsDockerCli) {
  File("Dockerfile", "FROM scratch\nCOPY . /\n");
  File(".dockerignore", "secret\nDockerfile\n");
  File("bin/run.sh", "#!/bin/sh\necho hi\n", 04755);
  File("secret", "no");
  File("big", std::string(300000, 'x'), 0600);
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(P("bin/run.sh").c_str(), 1234, 5678), 0);
    ASSERT_EQ(::chmod(P("bin/run.sh").c_str(), 04755), 0);  // chown clears setuid
  }
  ASSERT_EQ(::chmod(P("bin").c_str(), 0750), 0);
  ASSERT_EQ(::symlink("bin/run.sh", P("run").c_str()), 0);
  ASSERT_EQ(::link(P("big").c_str(), P("big2").c_str()), 0);
  ASSERT_EQ(::mkfifo(P("fifo").c_str(), 0640), 0);
  std::string long_name(150, 'n');
  File("deep/" + long_name, "long");
  struct timespec ts[2] = {{1000000000, 999999999}, {1000000000, 999999999}};
  ASSERT_EQ(::utimensat(AT_FDCWD, P("secret").c_str(), ts, AT_SYMLINK_NOFOLLOW), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, P("bin/run.sh").c_str(), ts, AT_SYMLINK_NOFOLLOW), 0);
  int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::string sp = P("sock");
  ASSERT_LT(sp.size(), sizeof sa.sun_path);
  std::copy(sp.begin(), sp.end(), sa.sun_path);
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ::close(sock);

  auto ignore = LoadIgnore(dir_->path(), "");
  ASSERT_TRUE(ignore.ok());
  std::string tar;
  Status st = WriteTar(dir_->path(), *ignore, {"Dockerfile", ".dockerignore"}, [&](const char* d, size_t n) {
    tar.append(d, n);
    return Ok();
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(tar.size() % 512, 0u);
  auto entries = ReadTar(tar);
  std::vector<std::string> names;
  std::map<std::string, TarEntry> by;
  for (auto& [n, t] : entries) {
    names.push_back(n);
    by[n] = t;
  }
  EXPECT_EQ(names, (std::vector<std::string>{".dockerignore", "Dockerfile", "big", "big2", "bin/", "bin/run.sh",
                                             "deep/", "deep/" + long_name, "fifo", "run"}));
  EXPECT_EQ(by["Dockerfile"].data, "FROM scratch\nCOPY . /\n");
  EXPECT_EQ(by["Dockerfile"].type, "f");
  EXPECT_EQ(by["big"].data.size(), 300000u);
  EXPECT_EQ(by["big"].perm, 0600u);
  EXPECT_EQ(by["big2"].type, "h");
  EXPECT_EQ(by["big2"].link, "big");
  EXPECT_EQ(by["bin/"].type, "d");
  EXPECT_EQ(by["bin/"].perm, 0750u);
  EXPECT_EQ(by["bin/run.sh"].perm, 04755u);
  EXPECT_EQ(by["bin/run.sh"].mtime, 1000000000);  // truncated to seconds
  EXPECT_EQ(by["bin/run.sh"].uid, 0);  // the CLI sends 0:0 whoever owns the file
  EXPECT_EQ(by["bin/run.sh"].gid, 0);
  EXPECT_EQ(by["run"].type, "l");
  EXPECT_EQ(by["run"].link, "bin/run.sh");
  EXPECT_EQ(by["fifo"].type, "p");
  EXPECT_EQ(by["deep/" + long_name].data, "long");
}

TEST_F(ContextTest, WriteTarExtraDockerfile) {
  File("app.py", "print(1)\n");
  std::string tar;
  auto sink = [&](const char* d, size_t n) {
    tar.append(d, n);
    return Ok();
  };
  ASSERT_TRUE(WriteTar(dir_->path(), IgnoreMatcher(), {}, sink, ".dockerfile.abc", "FROM scratch\n").ok());
  auto entries = ReadTar(tar);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].first, "app.py");
  EXPECT_EQ(entries[1].first, ".dockerfile.abc");
  EXPECT_EQ(entries[1].second.data, "FROM scratch\n");
  EXPECT_EQ(entries[1].second.perm, 0600u);
  EXPECT_EQ(entries[1].second.uid, 0);
}

TEST_F(ContextTest, WriteTarSinkErrorAndUnreadable) {
  File("a", std::string(200000, 'a'));
  Status st = WriteTar(dir_->path(), IgnoreMatcher(), {}, [](const char*, size_t) -> Status {
    return Error(Errc::kUnavailable, "pipe closed");
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "pipe closed");
  if (::geteuid() != 0) {
    File("locked", "x", 0000);
    Status st2 = WriteTar(dir_->path(), IgnoreMatcher(), {}, [](const char*, size_t) { return Ok(); });
    ASSERT_FALSE(st2.ok());
    EXPECT_EQ(st2.error().message(), "no permission to read from '" + P("locked") + "'");
  }
}

}  // namespace
}  // namespace skiff::build::context

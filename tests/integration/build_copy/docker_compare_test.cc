// The same COPY/ADD steps run by a private dockerd 20.10 (legacy builder) and by CopyInto on the same
// busybox root filesystem; the resulting trees (types, modes, owners, sizes, link targets, hard links,
// mtimes) must be identical. Needs root and docker.io; skipped otherwise.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <set>
#include <sstream>

#include "base/file.h"
#include "build/context/ignore.h"
#include "build/copy/copy.h"
#include "support/docker_support.h"

namespace skiff::build::copy {
namespace {

using testsupport::PrivateDockerd;
using testsupport::Sh;
using testsupport::Src;

struct Step {
  std::string line;
  CopyRequest req;
};

// "tar tv" lines of a tar stream on stdin of `cmd`, for the entries under `names`: "./" stripped, times
// of the last hour (made by the build, different on the two sides) replaced by "recent".
std::vector<std::string> Listing(const std::string& cmd, const std::set<std::string>& names) {
  auto [rc, out] = Sh(cmd + " | tar -tv --full-time --numeric-owner -f -", false);
  EXPECT_EQ(rc, 0) << cmd;
  std::vector<std::string> lines;
  std::istringstream in(out);
  std::string line;
  time_t now = ::time(nullptr);
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string perm, owner, size, date, tod;
    f >> perm >> owner >> size >> date >> tod;
    std::string rest;
    std::getline(f, rest);
    rest.erase(0, rest.find_first_not_of(' '));
    if (rest.starts_with("./")) rest.erase(0, 2);
    if (size_t l = rest.find(" link to ./"); l != std::string::npos) rest.erase(l + 9, 2);
    std::string top = rest.substr(0, rest.find_first_of("/ "));
    if (!names.count(top)) continue;
    struct tm tm{};
    strptime((date + " " + tod).c_str(), "%Y-%m-%d %H:%M:%S", &tm);
    time_t t = timegm(&tm);
    std::string when = (now - t < 3600 && t - now < 3600) ? "recent" : date + " " + tod;
    lines.push_back(perm + " " + owner + " " + (perm[0] == 'd' ? "-" : size) + " " + when + " " + rest);
  }
  std::sort(lines.begin(), lines.end(), [](const std::string& a, const std::string& b) {
    auto path = [](const std::string& s) { return s.substr(s.find(' ', s.find(' ', s.find(' ', s.find(' ') + 1) + 1) + 1)); };
    return path(a) < path(b);
  });
  return lines;
}

class DockerCompareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (Sh("command -v dockerd").first != 0) GTEST_SKIP() << "dockerd not installed";
    work_ = std::make_unique<TempDir>(TempDir::Create("/tmp", "copy-cmp-").value());
  }
  std::string W(const std::string& r) const { return work_->path() + "/" + r; }
  void Run(const std::string& cmd) {
    auto [rc, out] = Sh(cmd);
    ASSERT_EQ(rc, 0) << cmd << "\n" << out;
  }
  void Compare(const std::string& c, const std::vector<Step>& steps, const std::set<std::string>& names,
               size_t min_entries) {
    std::string dockerfile = "FROM busybox\n";
    for (auto& s : steps) dockerfile += s.line + "\n";
    ASSERT_TRUE(WriteFileAtomic(c + "/Dockerfile", dockerfile, 0644, false).ok());
    Run("bash " + Src() + "/tests/support/busybox-rootfs.sh " + W("rootfs"));

    // Skiff's side.
    Run("cp -a " + W("rootfs") + " " + W("ours"));
    for (auto& s : steps) {
      auto st = CopyInto(s.req, W("ours"));
      ASSERT_TRUE(st.ok()) << s.line << ": " << st.error().message();
    }
    auto ours = Listing("tar -C " + W("ours") + " --sort=name --numeric-owner -cf - .", names);

    // Docker's side.
    PrivateDockerd d(W("docker"));
    auto [rc, out] = d.Start();
    if (rc == 77) GTEST_SKIP() << out;
    ASSERT_EQ(rc, 0) << out;
    Run("tar -C " + W("rootfs") + " -c . | " + d.docker() + "import - busybox:latest >/dev/null");
    auto [brc, bout] = Sh("cd " + c + " && DOCKER_BUILDKIT=0 " + d.docker() + "build -q -t cmp . 2>&1 | tail -1");
    ASSERT_EQ(brc, 0) << bout;
    auto [crc, cid] = Sh(d.docker() + "create cmp true", false);
    ASSERT_EQ(crc, 0);
    while (!cid.empty() && cid.back() == '\n') cid.pop_back();
    auto theirs = Listing(d.docker() + "export " + cid, names);
    Sh(d.docker() + "rm " + cid);

    EXPECT_GT(theirs.size(), min_entries);
    std::string a, b;
    for (auto& l : theirs) a += l + "\n";
    for (auto& l : ours) b += l + "\n";
    EXPECT_EQ(a, b);
  }
  std::unique_ptr<TempDir> work_;
};

TEST_F(DockerCompareTest, SameTreesAsDockersLegacyBuilder) {
  const std::string c = W("ctx");
  // The context (old mtimes, so that kept times are visible).
  Run("mkdir -p " + c + " && cd " + c +
      " && mkdir -p sub/inner hd/lib rootish/realdir rootish/fdir/inner fsrc tb/own"
      " && printf 'a\\n' > a.txt && chmod 0640 a.txt && echo b > sub/b.txt && echo c > sub/inner/c"
      " && chmod 0750 sub && chmod 0700 sub/inner && ln -s a.txt link && ln -s sub dirlink && echo s > sfile"
      " && echo h > hd/h1 && ln hd/h1 hd/h2 && echo x > hd/lib/x"
      " && echo keep > rootish/realdir/keep && ln -s realdir rootish/rellink && ln -s /realdir rootish/abslink"
      " && ln -s /nowhere rootish/dangling && ln -s realdir rootish/lib && echo in > rootish/fdir/inner/i"
      " && echo f > fsrc/fdir && echo o > tb/own/o && chown 1234:5678 tb/own/o"
      " && cp /bin/true suid && chmod 4755 suid && cp /bin/true sgid && chmod 2755 sgid"
      " && echo owned > owned && chown 1234:5678 owned"
      " && find . -exec touch -h -d '2002-02-02 02:02:02' {} + && touch -d '2001-01-01 01:01:01' a.txt hd/h1"
      " && tar -C tb -czf t.tar.gz own && echo 'not a tar' > fake.tar && touch -d '2003-03-03' t.tar.gz fake.tar");
  auto R = [&](std::vector<std::string> src, std::string dest, std::string chown = "", bool add = false) {
    CopyRequest r;
    r.add = add;
    r.instruction = add ? "ADD" : "COPY";
    r.src_root = c;
    r.sources = std::move(src);
    r.dest = std::move(dest);
    r.chown = std::move(chown);
    return r;
  };
  std::vector<Step> steps = {
      {"COPY rootish/ /", R({"rootish/"}, "/")},
      {"COPY link /d1/", R({"link"}, "/d1/")},
      {"COPY dirlink /d2/", R({"dirlink"}, "/d2/")},
      {"COPY sub /d3", R({"sub"}, "/d3")},
      {"COPY sub/ /d4/", R({"sub/"}, "/d4/")},
      {"COPY a.txt /d5/x/y/", R({"a.txt"}, "/d5/x/y/")},
      {"COPY a.txt /d6", R({"a.txt"}, "/d6")},
      {"COPY a.txt /rellink", R({"a.txt"}, "/rellink")},
      {"COPY sub /abslink", R({"sub"}, "/abslink")},
      {"COPY a.txt /dangling", R({"a.txt"}, "/dangling")},
      {"COPY s* /w/", R({"s*"}, "/w/")},
      {"COPY hd /hd", R({"hd"}, "/hd")},
      {"COPY hd/h1 hd/h2 /hl/", R({"hd/h1", "hd/h2"}, "/hl/")},
      {"COPY --chown=1000:1001 a.txt /p/q/r/", R({"a.txt"}, "/p/q/r/", "1000:1001")},
      {"COPY --chown=1000:1001 sub /p2/q/", R({"sub"}, "/p2/q/", "1000:1001")},
      {"COPY --chown=nobody:nogroup owned /own", R({"owned"}, "/own", "nobody:nogroup")},
      {"ADD t.tar.gz /tgz", R({"t.tar.gz"}, "/tgz", "", true)},
      {"ADD fake.tar /fake/", R({"fake.tar"}, "/fake/", "", true)},
      {"ADD --chown=42:43 t.tar.gz /tgzchown/", R({"t.tar.gz"}, "/tgzchown/", "42:43", true)},
      {"COPY suid sgid owned /perm/", R({"suid", "sgid", "owned"}, "/perm/")},
      {"COPY hd/ /", R({"hd/"}, "/")},
      {"COPY fsrc/ /", R({"fsrc/"}, "/")},
  };
  std::set<std::string> names = {"d1", "d2", "d3", "d4", "d5", "d6", "realdir", "rellink", "abslink", "dangling",
                                 "nowhere", "lib", "fdir", "w", "hd", "hl", "p", "p2", "own", "tgz", "fake",
                                 "tgzchown", "perm", "h1", "h2"};
  Compare(c, steps, names, 40);
}

TEST_F(DockerCompareTest, DockerignoreAsDockersContext) {
  const std::string c = W("ctx");
  Run("mkdir -p " + c + "/a/logs " + c + "/a/cache && cd " + c +
      " && echo k > a/keep.py && echo d > a/drop.pyc && echo o > a/logs/old.log && echo i > a/logs/important.log"
      " && echo x > a/cache/x && echo s > secret.txt && ln -s a/keep.py keeplink"
      " && printf 'secret*\\na/logs\\n!a/logs/important.log\\n**/*.pyc\\na/cache\\n' > .dockerignore"
      " && find . -exec touch -h -d '2002-02-02 02:02:02' {} +");
  auto ignore = context::LoadIgnore(c, "");
  ASSERT_TRUE(ignore.ok()) << ignore.error().message();
  auto R = [&](std::vector<std::string> src, std::string dest) {
    CopyRequest r;
    r.src_root = c;
    r.ignore = &*ignore;
    r.sources = std::move(src);
    r.dest = std::move(dest);
    return r;
  };
  std::vector<Step> steps = {
      {"COPY a /a2", R({"a"}, "/a2")},
      {"COPY a/* /a3/", R({"a/*"}, "/a3/")},
      {"COPY keeplink k* . /a4/", R({"keeplink", "k*", "."}, "/a4/")},
  };
  Compare(c, steps, {"a2", "a3", "a4"}, 8);
  EXPECT_TRUE(PathExists(W("ours/a2/logs/important.log")));  // re-included below an excluded directory
  EXPECT_FALSE(PathExists(W("ours/a2/logs/old.log")));
  EXPECT_FALSE(PathExists(W("ours/a2/cache")));
  EXPECT_FALSE(PathExists(W("ours/a4/secret.txt")));
}

}  // namespace
}  // namespace skiff::build::copy

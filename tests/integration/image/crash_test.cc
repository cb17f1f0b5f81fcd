// Crash consistency: kill -9 a process in the middle of loading a large archive, reopen the store, check
// that it is consistent (no rows pointing at missing files, no partial blobs, no leftovers) and that the
// load can be repeated. The loader is a fork()ed child of the test.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <random>

#include "base/file.h"
#include "image/image_store.h"
#include "unit/storage/tar_builder.h"

namespace skiff::image {
namespace {

using skiff::testing::BuildTar;
using skiff::testing::TarEntry;

void ExpectConsistent(ImageStore& s) {
  EXPECT_TRUE(ListDir(JoinPath(s.root(), "content/ingest")).empty());
  EXPECT_TRUE(ListDir(JoinPath(s.root(), "storage/staging")).empty());
  auto list = s.List();
  ASSERT_TRUE(list.ok()) << list.error().message();
  std::set<std::string> referenced;
  for (const auto& img : *list) {
    auto cfg = s.Config(img.id);  // reads and verifies the digest
    ASSERT_TRUE(cfg.ok()) << cfg.error().message();
    referenced.insert(img.id.hex());
    auto layers = s.ImageLayers(img.id).value();
    ASSERT_EQ(layers.size(), cfg->diff_ids.size());
    for (size_t i = 0; i < layers.size(); ++i) {
      EXPECT_EQ(layers[i].diff_id, cfg->diff_ids[i]);
      EXPECT_TRUE(s.snapshots().HasLayer(layers[i].diff_id));
      EXPECT_EQ(s.content().Size(layers[i].blob).value_or(0), layers[i].blob_size);
      referenced.insert(layers[i].blob.hex());
    }
  }
  for (const auto& b : s.content().List()) EXPECT_TRUE(referenced.count(b.hex())) << "unreferenced blob " << b.str();
}

TEST(Crash, KillDuringLoadLeavesConsistentStore) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto tmp = TempDir::Create("/var/tmp", "skiff-crash-").value();
  std::string archive = JoinPath(tmp.path(), "images.tar");
  std::vector<Digest> ids;
  {
    auto src = ImageStore::Open(JoinPath(tmp.path(), "src")).value();
    std::mt19937 rng(42);
    std::vector<std::string> names;
    for (int img = 0; img < 3; ++img) {
      std::vector<TarEntry> entries = {{"data/", 'd'}};
      for (int f = 0; f < 400; ++f) {
        std::string content(150000, '\0');
        for (auto& c : content) c = static_cast<char>(rng());
        entries.push_back({"data/f" + std::to_string(f), 'f', content});
      }
      std::string tar = BuildTar(entries);
      storage::MemoryReader r(tar);
      ImportOptions o;
      o.tag = "crash:" + std::to_string(img);
      ids.push_back(src->Import(r, o).value());
      names.push_back(o.tag);
    }
    UniqueFd out = OpenFile(archive, O_WRONLY | O_CREAT | O_TRUNC).value();
    storage::FdWriter w(out.get());
    ASSERT_TRUE(src->Save(names, w).ok());
  }
  std::string dst = JoinPath(tmp.path(), "dst");
  auto load = [&]() -> Status {
    auto s = SKIFF_TRY(ImageStore::Open(dst));
    UniqueFd fd = SKIFF_TRY(OpenFile(archive, O_RDONLY));
    storage::FdReader r(fd.get());
    SKIFF_TRY(s->Load(r));
    return Ok();
  };
  int killed = 0;
  for (int delay_ms : {50, 200, 400, 700, 1000, 1500}) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) ::_exit(load().ok() ? 0 : 1);
    ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
    if (::kill(pid, SIGKILL) == 0) ++killed;
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
      auto s = ImageStore::Open(dst);  // recovery runs here
      ASSERT_TRUE(s.ok()) << s.error().message();
      ExpectConsistent(**s);
    }
  }
  EXPECT_GT(killed, 0);
  auto st = load();
  ASSERT_TRUE(st.ok()) << st.error().message();
  auto s = ImageStore::Open(dst).value();
  ExpectConsistent(*s);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*s->Resolve("crash:" + std::to_string(i)), ids[i]);
}

}  // namespace
}  // namespace skiff::image

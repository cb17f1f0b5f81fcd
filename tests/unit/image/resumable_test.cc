// ContentStore's resumable writers: an interrupted download's bytes stay and are replayed, a corrupt one is
// discarded, leftovers survive RemoveIngestLeftovers (only partial downloads do).
#include <gtest/gtest.h>

#include "base/file.h"
#include "image/content_store.h"

namespace skiff::image {
namespace {

TEST(ResumableWriter, ContinuesWhereTheLastOneStopped) {
  auto tmp = TempDir::Create("/tmp", "skiff-cs-").value();
  auto cs = ContentStore::Open(tmp.path()).value();
  std::string data(3 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + i / 4096);
  Digest d = Sha256Of(data);
  {
    auto w = cs->OpenResumable(d).value();
    ASSERT_TRUE(w->Replay({}).ok());
    EXPECT_EQ(w->size(), 0u);
    ASSERT_TRUE(w->Write(data.data(), 1 << 20).ok());
  }  // dropped uncommitted: the partial file stays
  ASSERT_TRUE(cs->RemoveIngestLeftovers().ok());
  auto w = cs->OpenResumable(d).value();
  std::string replayed;
  ASSERT_TRUE(w->Replay([&](const char* p, size_t n) -> Status {
                 replayed.append(p, n);
                 return Ok();
               }).ok());
  EXPECT_EQ(w->size(), 1u << 20);
  EXPECT_EQ(replayed, data.substr(0, 1 << 20));
  ASSERT_TRUE(w->Write(data.data() + (1 << 20), data.size() - (1 << 20)).ok());
  auto got = w->Commit(d);
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(*cs->Read(d), data);
  EXPECT_TRUE(ListDir(JoinPath(tmp.path(), "ingest")).empty());
}

TEST(ResumableWriter, ACorruptPartialIsDiscarded) {
  auto tmp = TempDir::Create("/tmp", "skiff-cs-").value();
  auto cs = ContentStore::Open(tmp.path()).value();
  std::string data(100000, 'a');
  Digest d = Sha256Of(data);
  auto w = cs->OpenResumable(d).value();
  ASSERT_TRUE(w->Replay({}).ok());
  std::string bad = data;
  bad[5000] = 'b';
  ASSERT_TRUE(w->Write(bad.data(), bad.size()).ok());
  auto got = w->Commit(d);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code(), Errc::kDataLoss);
  w->Discard();
  w.reset();
  EXPECT_FALSE(cs->Has(d));
  EXPECT_TRUE(ListDir(JoinPath(tmp.path(), "ingest")).empty());
}

TEST(ResumableWriter, OtherLeftoversAreRemoved) {
  auto tmp = TempDir::Create("/tmp", "skiff-cs-").value();
  auto cs = ContentStore::Open(tmp.path()).value();
  {
    auto w = cs->NewWriter().value();
    ASSERT_TRUE(w->Write("x", 1).ok());
    ASSERT_TRUE(WriteFileAtomic(JoinPath(tmp.path(), "ingest/blob-leftover"), "y", 0644, false).ok());
  }
  ASSERT_TRUE(cs->RemoveIngestLeftovers().ok());
  EXPECT_TRUE(ListDir(JoinPath(tmp.path(), "ingest")).empty());
}

}  // namespace
}  // namespace skiff::image

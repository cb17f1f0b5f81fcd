// VolumeStore without mounts: names, Docker's local-driver option rules, idempotent create, remove.
#include <gtest/gtest.h>

#include "base/file.h"
#include "daemon/volumes.h"

namespace skiff::daemon {
namespace {

class Volumes : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = VolumeStore::Open(dir_.path() + "/volumes");
    ASSERT_TRUE(s.ok()) << s.error().message();
    store_ = std::move(*s);
  }
  std::string Err(const std::map<std::string, std::string>& opts) {
    auto v = store_->Create("v1", {}, opts, false);
    return v.ok() ? "ok" : v.error().message();
  }
  TempDir dir_ = TempDir::Create().value();
  std::unique_ptr<VolumeStore> store_;
};

TEST_F(Volumes, OptionRulesAndMessagesAreDockers) {
  EXPECT_EQ(Err({{"nosuch", "1"}}), "create v1: invalid option: \"nosuch\"");
  EXPECT_EQ(Err({{"device", "tmpfs"}}), "create v1: missing required option: \"type\"");
  EXPECT_EQ(Err({{"type", "tmpfs"}}), "create v1: missing required option: \"device\"");
  EXPECT_EQ(Err({{"o", "size=1m"}}), "create v1: missing required option: \"device\"");
  EXPECT_EQ(Err({{"size", "1m"}}), "create v1: quota size requested but no quota support");
  EXPECT_FALSE(store_->Get("v1").ok()) << "a refused create leaves no volume";
  for (auto& e : ListDir(store_->root())) EXPECT_TRUE(e.starts_with("volumes.db")) << e << " left behind";
  EXPECT_EQ(Err({{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=1m"}}), "ok");
  auto v = store_->Get("v1").value();
  EXPECT_EQ(v.options.at("o"), "size=1m");
  EXPECT_EQ(v.ToJson()["Options"]["type"], "tmpfs");
  EXPECT_EQ(v.ToJson()["Mountpoint"], store_->root() + "/v1/_data");
}

TEST_F(Volumes, CreateIsIdempotentAndRemoveTakesTheDirectory) {
  auto a = store_->Create("data", {{"k", "v"}}, {}, false);
  ASSERT_TRUE(a.ok());
  auto b = store_->Create("data", {}, {}, false);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->labels.at("k"), "v") << "the existing volume is returned as is";
  EXPECT_TRUE(IsDirectory(a->mountpoint));
  EXPECT_TRUE(store_->Use("data").ok()) << "a plain volume needs no mount";
  store_->Release("data");
  ASSERT_TRUE(store_->Remove("data").ok());
  EXPECT_FALSE(IsDirectory(store_->root() + "/data"));
  EXPECT_EQ(store_->Remove("data").error().code(), Errc::kNotFound);
  EXPECT_EQ(store_->Create("-x", {}, {}, false).error().code(), Errc::kInvalidArgument);
  auto anon = store_->Create("", {}, {}, true);
  ASSERT_TRUE(anon.ok());
  EXPECT_EQ(anon->name.size(), 64u);
}

}  // namespace
}  // namespace skiff::daemon

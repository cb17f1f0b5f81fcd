// Formatter rows of ps, images and history: docker's field computations and the rendered tables.
#include "cli/rows.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "cli/format/format.h"

namespace skiff::cli {
namespace {

class Rows : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

const int64_t kNow = 1764574000;

Json Container() {
  return Json::parse(R"({"Id":"a4bfb710dd0c44779ab3f0ce4e8108b108850f706ffb89632056bcdfe211749e",
    "Names":["/cap1"],"Image":"busybox","ImageID":"sha256:5152e13df0eace2d1fdb802a0c459f5cfb567edf789436d66fab772dd686635c",
    "Command":"sh -c 'echo out; echo err >&2; sleep 300'","Created":1764573900,
    "Ports":[{"PrivatePort":80,"Type":"tcp"},{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},
             {"IP":"127.0.0.1","PrivatePort":53,"PublicPort":53,"Type":"udp"}],
    "Labels":{"b":"2","a":"1"},"State":"running","Status":"Up 2 minutes",
    "SizeRw":12,"SizeRootFs":1982358,
    "Mounts":[{"Type":"volume","Name":"0123456789abcdef0123","Source":"/x","Driver":"local"}],
    "NetworkSettings":{"Networks":{"none":{},"bridge":{}}}})");
}

TEST_F(Rows, ContainerFields) {
  Json r = ContainerRow(Container(), true, kNow);
  EXPECT_EQ(r["ID"], "a4bfb710dd0c");
  EXPECT_EQ(r["Names"], "cap1");
  EXPECT_EQ(r["Image"], "busybox");
  EXPECT_EQ(r["Command"], "\"sh -c 'echo out; ec…\"");
  EXPECT_EQ(r["CreatedAt"], "2025-12-01 07:25:00 +0000 UTC");
  EXPECT_EQ(r["RunningFor"], "About a minute ago");
  EXPECT_EQ(r["Ports"], "127.0.0.1:53->53/udp, 80/tcp, 0.0.0.0:8080->80/tcp");
  EXPECT_EQ(r["Size"], "12B (virtual 1.98MB)");
  EXPECT_EQ(r["Labels"], "a=1,b=2");
  EXPECT_EQ(r["Mounts"], "0123456789abcd…");
  EXPECT_EQ(r["LocalVolumes"], "1");
  EXPECT_EQ(r["Networks"], "bridge,none");
  Json full = ContainerRow(Container(), false, kNow);
  EXPECT_EQ(full["ID"], "a4bfb710dd0c44779ab3f0ce4e8108b108850f706ffb89632056bcdfe211749e");
  EXPECT_EQ(full["Command"], "\"sh -c 'echo out; echo err >&2; sleep 300'\"");
}

TEST_F(Rows, ContainerImageNames) {
  Json c = Container();
  c["Image"] = "sha256:5152e13df0eace2d1fdb802a0c459f5cfb567edf789436d66fab772dd686635c";
  EXPECT_EQ(ContainerRow(c, true, kNow)["Image"], "5152e13df0ea");
  c["Image"] = "docker.io/library/busybox:1.36@sha256:" + std::string(64, 'a');
  EXPECT_EQ(ContainerRow(c, true, kNow)["Image"], "busybox:1.36");
  c["Image"] = "";
  EXPECT_EQ(ContainerRow(c, true, kNow)["Image"], "<no image>");
}

TEST_F(Rows, DisplayablePorts) {
  auto ports = [](const char* j) { return DisplayablePorts(Json::parse(j)); };
  EXPECT_EQ(ports("[]"), "");
  EXPECT_EQ(ports(R"([{"PrivatePort":80,"Type":"tcp"},{"PrivatePort":81,"Type":"tcp"},{"PrivatePort":82,"Type":"tcp"},
                     {"PrivatePort":90,"Type":"tcp"}])"),
            "80-82/tcp, 90/tcp");
  EXPECT_EQ(ports(R"([{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":80,"Type":"tcp"},
                     {"IP":"0.0.0.0","PrivatePort":81,"PublicPort":81,"Type":"tcp"}])"),
            "0.0.0.0:80-81->80-81/tcp");
  EXPECT_EQ(ports(R"([{"IP":"::","PrivatePort":80,"PublicPort":8080,"Type":"tcp"}])"), "[::]:8080->80/tcp");
}

TEST_F(Rows, QuoteEllipsisTruncate) {
  EXPECT_EQ(GoStrconvQuote("a\"b\\c\n\t\x01"), "\"a\\\"b\\\\c\\n\\t\\x01\"");
  EXPECT_EQ(GoStrconvQuote("héllo"), "\"héllo\"");
  EXPECT_EQ(GoStrconvQuote("\xff"), "\"\\xff\"");
  EXPECT_EQ(Ellipsis("short", 20), "short");
  EXPECT_EQ(Ellipsis("0123456789abcdefghijXYZ", 20), "0123456789abcdefghi…");
  EXPECT_EQ(Ellipsis("日本語のテキスト", 7), "日本語…");
  EXPECT_EQ(TruncateId("sha256:5152e13df0eace2d1fdb"), "5152e13df0ea");
  EXPECT_EQ(TruncateId("<missing>"), "<missing>");
  EXPECT_EQ(JoinHostPort("::1", "80"), "[::1]:80");
}

TEST_F(Rows, PsTable) {
  auto out = format::RenderRows(format::ParseFormat(std::string(kContainerTableFormat)), ContainerHeader(),
                                {ContainerRow(Container(), true, kNow)});
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(*out,
            std::string("CONTAINER ID   IMAGE     COMMAND                  CREATED              STATUS         PORTS" +
                std::string(48, ' ') + "NAMES\n"
            "a4bfb710dd0c   busybox   \"sh -c 'echo out; ec…\"   About a minute ago   Up 2 minutes   127.0.0.1:53->53/udp, "
            "80/tcp, 0.0.0.0:8080->80/tcp   cap1\n"));
}

Json Image() {
  return Json::parse(R"({"Id":"sha256:5152e13df0eace2d1fdb802a0c459f5cfb567edf789436d66fab772dd686635c",
    "RepoTags":["busybox:latest","t2/x:b","busybox:1"],"RepoDigests":["busybox@sha256:)" + std::string(64, 'c') +
                     R"("],"Created":1764566692,"Size":1982358,"VirtualSize":1982358,"SharedSize":-1,"Containers":-1})");
}

TEST_F(Rows, ImageRowsPerTag) {
  auto rows = ImageRows(Image(), true, false, kNow);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["Repository"], "busybox");
  EXPECT_EQ(rows[0]["Tag"], "latest");
  EXPECT_EQ(rows[1]["Tag"], "1");
  EXPECT_EQ(rows[2]["Repository"], "t2/x");
  EXPECT_EQ(rows[0]["ID"], "5152e13df0ea");
  EXPECT_EQ(rows[0]["Size"], "1.98MB");
  EXPECT_EQ(rows[0]["VirtualSize"], "1.982MB");
  EXPECT_EQ(rows[0]["SharedSize"], "N/A");
  EXPECT_EQ(rows[0]["UniqueSize"], "N/A");
  EXPECT_EQ(rows[0]["Containers"], "N/A");
  EXPECT_EQ(rows[0]["CreatedSince"], "2 hours ago");
  EXPECT_EQ(rows[0]["Digest"], "<none>");
  auto with_digests = ImageRows(Image(), true, true, kNow);
  EXPECT_EQ(with_digests[0]["Digest"], "sha256:" + std::string(64, 'c'));
  EXPECT_EQ(with_digests[2]["Digest"], "<none>");
}

TEST_F(Rows, ImageDanglingAndDigestOnly) {
  Json dangling = Image();
  dangling["RepoTags"] = Json::array({"<none>:<none>"});
  dangling["RepoDigests"] = Json::array({"<none>@<none>"});
  auto rows = ImageRows(dangling, true, false, kNow);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["Repository"], "<none>");
  EXPECT_EQ(rows[0]["Tag"], "<none>");
  Json digest_only = Image();
  digest_only["RepoTags"] = Json::array();
  rows = ImageRows(digest_only, true, false, kNow);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["Repository"], "busybox");
  EXPECT_EQ(rows[0]["Tag"], "<none>");
  EXPECT_EQ(rows[0]["Digest"], "");
}

TEST_F(Rows, ImagesTable) {
  auto out = format::RenderRows(format::ParseFormat(std::string(kImageTableFormat)), ImageHeader(),
                                ImageRows(Image(), true, false, kNow));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE\n"
            "busybox      latest    5152e13df0ea   2 hours ago   1.98MB\n"
            "busybox      1         5152e13df0ea   2 hours ago   1.98MB\n"
            "t2/x         b         5152e13df0ea   2 hours ago   1.98MB\n");
}

TEST_F(Rows, History) {
  Json h = Json::parse(R"({"Id":"<missing>","Created":1764566692,"CreatedBy":"/bin/sh -c #(nop)\tCMD [\"sh\"] and a long tail of text","Size":1982358,"Comment":"Imported from -"})");
  Json r = HistoryRow(h, true, true, kNow);
  EXPECT_EQ(r["ID"], "<missing>");
  EXPECT_EQ(r["CreatedBy"], "/bin/sh -c #(nop) CMD [\"sh\"] and a long tail…");
  EXPECT_EQ(r["Size"], "1.98MB");
  EXPECT_EQ(r["CreatedSince"], "2 hours ago");
  Json raw = HistoryRow(h, false, false, kNow);
  EXPECT_EQ(raw["Size"], "1982358");
  EXPECT_EQ(raw["CreatedSince"], "2025-12-01T05:24:52Z");
  EXPECT_EQ(raw["CreatedAt"], "2025-12-01T05:24:52Z");
}

}  // namespace
}  // namespace skiff::cli

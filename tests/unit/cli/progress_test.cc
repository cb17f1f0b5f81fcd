// jsonmessage rendering (pull/load/import output) and JSONProgress.String().
#include "cli/progress.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file.h"

namespace skiff::cli {
namespace {

std::string Render(const std::vector<const char*>& msgs, bool terminal, std::string* error = nullptr) {
  auto dir = TempDir::Create();
  std::string path = dir->path() + "/out";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  JsonMessageRenderer r(fd.get(), terminal);
  for (const char* m : msgs) {
    Status st = r.Render(Json::parse(m));
    if (!st.ok()) {
      if (error) *error = st.error().message();
      break;
    }
  }
  return *ReadFile(path);
}

TEST(Progress, PlainOutputSkipsProgressBars) {
  std::string out = Render({R"({"status":"Pulling from library/busybox","id":"latest"})",
                            R"({"status":"Pulling fs layer","progressDetail":{},"id":"abc"})",
                            R"({"status":"Downloading","progressDetail":{"current":100,"total":1000},"progress":"[=> ]","id":"abc"})",
                            R"({"status":"Download complete","progressDetail":{},"id":"abc"})",
                            R"({"status":"Digest: sha256:1234"})", R"({"stream":"Loaded image: x:latest\n"})",
                            R"({"aux":{"ID":"sha256:1"}})"},
                           false);
  EXPECT_EQ(out,
            "latest: Pulling from library/busybox\nabc: Pulling fs layer\nabc: Download complete\nDigest: sha256:1234\n"
            "Loaded image: x:latest\n");
}

TEST(Progress, ErrorMessageEndsTheStream) {
  std::string err;
  std::string out = Render({R"({"status":"Pulling"})", R"({"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"})",
                            R"({"status":"never"})"},
                           false, &err);
  EXPECT_EQ(out, "Pulling\n");
  EXPECT_EQ(err, "manifest unknown");
}

TEST(Progress, TerminalRewritesLayerLinesInPlace) {
  std::string out = Render({R"({"status":"Downloading","progressDetail":{"current":100,"total":1000},"id":"abc"})",
                            R"({"status":"Downloading","progressDetail":{"current":500,"total":1000},"id":"abc"})"},
                           true);
  EXPECT_EQ(out.substr(0, 13), "\n\x1b[1A\x1b[2K\rabc");
  EXPECT_NE(out.find("\x1b[1B"), std::string::npos);
  EXPECT_EQ(out.find('\n', 1), std::string::npos);  // the second update reuses the line
}

TEST(Progress, ProgressString) {
  Json p = Json::parse(R"({"current":100,"total":1000})");
  EXPECT_EQ(ProgressString(p, 200, 0), "[=====>" + std::string(45, ' ') + "]     100B/1kB");
  EXPECT_EQ(ProgressString(p, 80, 0), "    100B/1kB");
  EXPECT_EQ(ProgressString(Json::parse(R"({"current":2500000})"), 80, 0), "   2.5MB");
  EXPECT_EQ(ProgressString(Json::parse(R"({"current":3,"total":10,"units":"layers"})"), 80, 0), "3/10 layers");
  EXPECT_EQ(ProgressString(Json::parse(R"({"current":500,"total":1000,"start":100})"), 80, 110), "    500B/1kB 10s");
  EXPECT_EQ(ProgressString(Json::parse("{}"), 80, 0), "");
}

}  // namespace
}  // namespace skiff::cli

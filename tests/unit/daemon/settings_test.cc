// Container settings: Docker's merge of the user's and the image's config, HostConfig defaults and
// validation messages, the command.
#include <gtest/gtest.h>

#include "daemon/settings.h"

namespace skiff::daemon {
namespace {

TEST(Settings, EntrypointAndCmdCombineAsDocker) {
  Json image = {{"Entrypoint", {"/bin/ep"}}, {"Cmd", {"default"}}};
  // No user entrypoint, no cmd: both from the image.
  Json c = MergeImageConfig(NormalizeConfig({}), image);
  EXPECT_EQ(c["Entrypoint"], Json({"/bin/ep"}));
  EXPECT_EQ(c["Cmd"], Json({"default"}));
  // A user cmd replaces the image's cmd; the entrypoint stays.
  c = MergeImageConfig(NormalizeConfig({{"Cmd", {"x", "y"}}}), image);
  EXPECT_EQ(c["Entrypoint"], Json({"/bin/ep"}));
  EXPECT_EQ(c["Cmd"], Json({"x", "y"}));
  auto cmd = Command(c);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->first, "/bin/ep");
  EXPECT_EQ(cmd->second, (std::vector<std::string>{"x", "y"}));
  // A user entrypoint drops the image's cmd.
  c = MergeImageConfig(NormalizeConfig({{"Entrypoint", {"sh"}}}), image);
  EXPECT_EQ(c["Entrypoint"], Json({"sh"}));
  EXPECT_TRUE(c["Cmd"].is_null());
  // --entrypoint "": no entrypoint at all and the image's cmd is not used either.
  c = NormalizeConfig(MergeImageConfig(NormalizeConfig({{"Entrypoint", {""}}, {"Cmd", {"echo", "hi"}}}), image));
  EXPECT_TRUE(c["Entrypoint"].is_null());
  EXPECT_EQ(c["Cmd"], Json({"echo", "hi"}));
  c = NormalizeConfig(MergeImageConfig(NormalizeConfig({{"Entrypoint", {""}}}), image));
  EXPECT_FALSE(Command(c).ok());
  EXPECT_EQ(Command(c).error().message(), "No command specified");
}

TEST(Settings, EnvLabelsVolumesMerge) {
  Json image = {{"Env", {"PATH=/img", "A=image"}}, {"Labels", {{"l1", "image"}, {"l2", "image"}}},
                {"Volumes", {{"/data", Json::object()}}}, {"ExposedPorts", {{"80/tcp", Json::object()}}},
                {"WorkingDir", "/app"}, {"User", "app"}, {"StopSignal", "SIGQUIT"}};
  Json c = MergeImageConfig(NormalizeConfig({{"Env", {"A=user", "B=user"}}, {"Labels", {{"l1", "user"}}},
                                             {"ExposedPorts", {{"53/udp", Json::object()}}}}),
                            image);
  EXPECT_EQ(c["Env"], Json({"A=user", "B=user", "PATH=/img"}));
  EXPECT_EQ(c["Labels"], Json({{"l1", "user"}, {"l2", "image"}}));
  EXPECT_TRUE(c["Volumes"].contains("/data"));
  EXPECT_TRUE(c["ExposedPorts"].contains("80/tcp"));
  EXPECT_TRUE(c["ExposedPorts"].contains("53/udp"));
  EXPECT_EQ(c["WorkingDir"], "/app");
  EXPECT_EQ(c["User"], "app");
  EXPECT_EQ(c["StopSignal"], "SIGQUIT");
  // Empty user values (what the CLI sends) take the image's, even when the image has none.
  c = NormalizeConfig(MergeImageConfig(NormalizeConfig({{"Volumes", Json::object()}, {"Env", Json::array()}}), Json::object()));
  EXPECT_TRUE(c["Volumes"].is_null());
  EXPECT_TRUE(c["Env"].is_null());
}

TEST(Settings, HealthcheckFieldsFilledFromImage) {
  Json image = {{"Healthcheck", {{"Test", {"CMD", "true"}}, {"Interval", 5}, {"Retries", 2}}}};
  Json c = MergeImageConfig(NormalizeConfig({{"Healthcheck", {{"Interval", 9}}}}), image);
  EXPECT_EQ(c["Healthcheck"]["Test"], Json({"CMD", "true"}));
  EXPECT_EQ(c["Healthcheck"]["Interval"], 9);
  EXPECT_EQ(c["Healthcheck"]["Retries"], 2);
}

TEST(Settings, NormalizeConfigKeepsDockerShape) {
  Json c = NormalizeConfig({{"Image", "busybox"}, {"StopTimeout", 0}, {"Healthcheck", nullptr}});
  for (const char* k : {"Hostname", "Domainname", "User", "AttachStdin", "Tty", "OpenStdin", "StdinOnce", "Env", "Cmd",
                        "Image", "Volumes", "WorkingDir", "Entrypoint", "OnBuild", "Labels"}) {
    EXPECT_TRUE(c.contains(k)) << k;
  }
  EXPECT_FALSE(c.contains("StopTimeout"));
  EXPECT_FALSE(c.contains("Healthcheck"));
  EXPECT_EQ(c["Labels"], Json::object());
}

TEST(Settings, HostConfigDefaults) {
  Json hc = NormalizeHostConfig({{"Memory", 64 << 20}}, "json-file", {{"max-size", "10m"}}, false);
  EXPECT_EQ(hc["MemorySwap"], 128 << 20);
  EXPECT_EQ(hc["ShmSize"], 64 << 20);
  EXPECT_EQ(hc["IpcMode"], "private");
  EXPECT_EQ(hc["CgroupnsMode"], "host");
  EXPECT_EQ(hc["NetworkMode"], "default");
  EXPECT_EQ(hc["LogConfig"]["Type"], "json-file");
  EXPECT_EQ(hc["LogConfig"]["Config"]["max-size"], "10m");
  EXPECT_EQ(hc["RestartPolicy"]["Name"], "");
  EXPECT_TRUE(hc["PidsLimit"].is_null());
  EXPECT_EQ(NormalizeHostConfig({}, "json-file", {}, true)["CgroupnsMode"], "private");
  // A container's own log driver keeps its options; the daemon's are not mixed in.
  Json own = NormalizeHostConfig({{"LogConfig", {{"Type", "none"}, {"Config", Json::object()}}}}, "json-file",
                                 {{"max-size", "10m"}}, false);
  EXPECT_EQ(own["LogConfig"]["Config"], Json::object());
}

Status Validate(const Json& hc_in, const Json& cfg = Json::object()) {
  Json hc = NormalizeHostConfig(hc_in, "json-file", {}, false);
  return ValidateSettings(NormalizeConfig(cfg), hc, 2);
}

TEST(Settings, ValidationMessagesAreDockers) {
  EXPECT_TRUE(Validate({}).ok());
  EXPECT_EQ(Validate({{"Memory", 1024}}).error().message(), "Minimum memory limit allowed is 6MB");
  EXPECT_EQ(Validate({{"NanoCpus", 3000000000LL}}).error().message(),
            "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available");
  EXPECT_EQ(Validate({{"NanoCpus", 1000000000LL}, {"CpuQuota", 50000}}).error().message(),
            "Conflicting options: Nano CPUs and CPU Period cannot both be set");
  EXPECT_EQ(Validate({{"RestartPolicy", {{"Name", "sometimes"}}}}).error().message(), "invalid restart policy 'sometimes'");
  EXPECT_EQ(Validate({{"RestartPolicy", {{"Name", "always"}, {"MaximumRetryCount", 2}}}}).error().message(),
            "maximum retry count cannot be used with restart policy 'always'");
  EXPECT_EQ(Validate({{"AutoRemove", true}, {"RestartPolicy", {{"Name", "always"}}}}).error().message(),
            "can't create 'AutoRemove' container with restart policy");
  EXPECT_EQ(Validate({{"OomScoreAdj", 2000}}).error().message(), "Invalid value 2000, range for oom score adj is [-1000, 1000]");
  EXPECT_EQ(Validate({{"NetworkMode", "skynet"}}).error().code(), Errc::kNotFound);
  EXPECT_EQ(Validate({{"PortBindings", {{"80/tcp", {{{"HostPort", "8080"}}}}}}}).error().code(), Errc::kUnsupported);
  EXPECT_EQ(Validate({}, {{"Healthcheck", {{"Interval", 10}}}}).error().message(), "Interval in Healthcheck cannot be less than 1ms");
  EXPECT_TRUE(Validate({{"NetworkMode", "none"}}).ok());
  EXPECT_TRUE(Validate({{"NetworkMode", "host"}}).ok());
  EXPECT_TRUE(Validate({{"NetworkMode", "container:abc"}}).ok());
}

TEST(Settings, ReplaceOrAppendEnv) {
  auto env = ReplaceOrAppendEnv({"PATH=/a", "HOSTNAME=h"}, {"PATH=/b", "X=1"});
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/b", "HOSTNAME=h", "X=1"}));
  EXPECT_EQ(ReplaceOrAppendEnv({"PATH=/a", "NOEQ=1"}, {"NOEQ", "EMPTY="}), (std::vector<std::string>{"PATH=/a", "EMPTY="}));
}

}  // namespace
}  // namespace skiff::daemon

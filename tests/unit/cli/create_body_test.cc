// run/create flags -> POST /containers/create body, byte for byte what docker 20.10 sends.
#include <gtest/gtest.h>

#include "base/strings.h"
#include "cli/flags.h"
#include "cli/run_config.h"
#include "unit/cli/docker_bodies.h"

namespace skiff::cli {
namespace {

Result<CreateRequest> Build(const std::string& args, FlagSet* flags, ContainerFlags* f) {
  std::vector<std::string> argv;
  for (const auto& a : Split(args, ' ')) {
    if (!a.empty()) argv.push_back(a);
  }
  DefineContainerFlags(*flags, f, false);
  auto parsed = SKIFF_TRY(flags->Parse(argv, false));
  return BuildCreateRequest(*flags, *f, parsed.args);
}

void ExpectBody(const char* args, const char* expected) {
  FlagSet flags;
  ContainerFlags f;
  auto req = Build(args, &flags, &f);
  ASSERT_TRUE(req.ok()) << args << ": " << req.error().message();
  EXPECT_EQ(GoJsonDump(req->body), expected) << "docker create " << args;
}

TEST(CreateBody, PlainImage) { ExpectBody(testdata::kArgs1, testdata::kBody1); }
TEST(CreateBody, InteractiveTty) { ExpectBody(testdata::kArgs2, testdata::kBody2); }
TEST(CreateBody, ManyFlags) { ExpectBody(testdata::kArgs3, testdata::kBody3); }
TEST(CreateBody, VolumesMountsGpusSecurity) { ExpectBody(testdata::kArgs4, testdata::kBody4); }
TEST(CreateBody, PortRanges) { ExpectBody(testdata::kArgs5, testdata::kBody5); }
TEST(CreateBody, LinksLabelsDeviceLimits) { ExpectBody(testdata::kArgs6, testdata::kBody6); }

TEST(CreateBody, NameAndPlatformGoToTheQuery) {
  FlagSet flags;
  ContainerFlags f;
  auto req = Build("--name web --platform linux/amd64 busybox", &flags, &f);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->name, "web");
  EXPECT_EQ(req->platform, "linux/amd64");
  EXPECT_EQ(req->image, "busybox");
}

TEST(CreateBody, ValidationErrorsAsDocker) {
  struct Case {
    const char* args;
    const char* msg;
  } cases[] = {
      {"--rm --restart always busybox", "Conflicting options: --restart and --rm"},
      {"--restart on-failure:x busybox", "maximum retry count must be an integer"},
      {"--restart a:b:c busybox", "invalid restart policy format"},
      {"-p 99999:80 busybox", "Invalid hostPort: 99999"},
      {"-p abc busybox", "Invalid containerPort: abc"},
      {"-p 1.2.3:80:80 busybox", "Invalid ip address: 1.2.3"},
      {"-p 80/foo busybox", "Invalid proto: foo"},
      {"--expose 1:2 busybox", "invalid port format for --expose: 1:2"},
      {"--device /dev/null:x busybox", "x is not an absolute path"},
      {"--mac-address xx busybox", "xx is not a valid mac address"},
      {"--pid foo busybox", "--pid: invalid PID mode"},
      {"--uts foo busybox", "--uts: invalid UTS mode"},
      {"--userns foo busybox", "--userns: invalid USER mode"},
      {"--cgroupns foo busybox", "--cgroupns: invalid CGROUP mode"},
      {"--security-opt foo busybox", "Invalid --security-opt: \"foo\""},
      {"--log-driver none --log-opt a=b busybox", "invalid logging opts for driver none"},
      {"--no-healthcheck --health-cmd x busybox", "--no-healthcheck conflicts with --health-* options"},
      {"--health-retries -1 busybox", "--health-retries cannot be negative"},
      {"--network none --network-alias a busybox", "network-scoped aliases are only supported for user-defined networks"},
      {"--env-file /nonexistent/env busybox", "open /nonexistent/env: no such file or directory"},
  };
  for (const auto& c : cases) {
    FlagSet flags;
    ContainerFlags f;
    auto req = Build(c.args, &flags, &f);
    ASSERT_FALSE(req.ok()) << c.args;
    EXPECT_EQ(req.error().message(), c.msg) << c.args;
  }
}

TEST(CreateBody, FlagValueErrorsAsDocker) {
  struct Case {
    const char* args;
    const char* msg;
  } cases[] = {
      {"-m abc busybox", "invalid argument \"abc\" for \"-m, --memory\" flag: invalid size: 'abc'"},
      {"--cpus abc busybox", "invalid argument \"abc\" for \"--cpus\" flag: failed to parse abc as a rational number"},
      {"--cpus 0.0000000001 busybox", "invalid argument \"0.0000000001\" for \"--cpus\" flag: value is too precise"},
      {"--ulimit nofile busybox", "invalid argument \"nofile\" for \"--ulimit\" flag: invalid ulimit argument: nofile"},
      {"--ulimit foo=1 busybox", "invalid argument \"foo=1\" for \"--ulimit\" flag: invalid ulimit type: foo"},
      {"--mount type=bind busybox", "invalid argument \"type=bind\" for \"--mount\" flag: target is required"},
      {"--health-interval 5 busybox",
       "invalid argument \"5\" for \"--health-interval\" flag: time: missing unit in duration \"5\""},
      {"--sysctl foo=1 busybox", "invalid argument \"foo=1\" for \"--sysctl\" flag: sysctl 'foo=1' is not whitelisted"},
      {"--add-host foo busybox", "invalid argument \"foo\" for \"--add-host\" flag: bad format for add-host: \"foo\""},
      {"--dns x busybox", "invalid argument \"x\" for \"--dns\" flag: x is not an ip address"},
      {"-a foo busybox", "invalid argument \"foo\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR"},
      {"-e =x busybox", "invalid argument \"=x\" for \"-e, --env\" flag: invalid environment variable: =x"},
  };
  for (const auto& c : cases) {
    FlagSet flags;
    ContainerFlags f;
    auto req = Build(c.args, &flags, &f);
    ASSERT_FALSE(req.ok()) << c.args;
    EXPECT_EQ(req.error().message(), c.msg) << c.args;
  }
}

// docker update --memory 64m --memory-swap 128m --cpus 0.5 --pids-limit 99 --restart on-failure:2 (captured).
TEST(UpdateBody, ResourcesAsDockerSends) {
  ContainerFlags f;
  f.memory = 64 << 20;
  f.memory_swap = 128 << 20;
  f.nano_cpus = 500000000;
  f.pids_limit = 99;
  OJson b = ResourcesJson(f, true, OJson(nullptr));
  b["RestartPolicy"] = *ParseRestartPolicy("on-failure:2");
  EXPECT_EQ(GoJsonDump(b), R"JSON({"CpuShares":0,"Memory":67108864,"NanoCpus":500000000,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":null,"BlkioDeviceReadBps":null,"BlkioDeviceWriteBps":null,"BlkioDeviceReadIOps":null,"BlkioDeviceWriteIOps":null,"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":null,"DeviceCgroupRules":null,"DeviceRequests":null,"KernelMemory":0,"KernelMemoryTCP":0,"MemoryReservation":0,"MemorySwap":134217728,"MemorySwappiness":null,"OomKillDisable":null,"PidsLimit":99,"Ulimits":null,"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":2}})JSON");
}

TEST(CreateBody, GoJsonEscapesHtmlCharacters) {
  OJson o = OJson::object();
  o["a"] = "<b>&\xE2\x80\xA8";
  EXPECT_EQ(GoJsonDump(o), "{\"a\":\"\\u003cb\\u003e\\u0026\\u2028\"}");
}

}  // namespace
}  // namespace skiff::cli

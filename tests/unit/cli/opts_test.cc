// Flag value parsers: ports, mounts, ulimits, restart policies, env/label files, durations, CPUs, devices.
#include "cli/opts.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "base/file.h"

namespace skiff::cli {
namespace {

std::string Ports(const std::vector<std::string>& specs) {
  std::set<std::string> exposed;
  std::map<std::string, std::vector<PortBinding>> bindings;
  Status st = ParsePortSpecs(specs, &exposed, &bindings);
  if (!st.ok()) return "error: " + st.error().message();
  std::string out;
  for (const auto& [port, list] : bindings) {
    for (const auto& b : list) out += port + "=" + b.host_ip + "|" + b.host_port + " ";
  }
  return out;
}

TEST(Ports, Specs) {
  EXPECT_EQ(Ports({"80"}), "80/tcp=| ");
  EXPECT_EQ(Ports({"8080:80"}), "80/tcp=|8080 ");
  EXPECT_EQ(Ports({"127.0.0.1:53:53/udp"}), "53/udp=127.0.0.1|53 ");
  EXPECT_EQ(Ports({"127.0.0.1::22"}), "22/tcp=127.0.0.1| ");
  EXPECT_EQ(Ports({"[::1]:8443:443"}), "443/tcp=::1|8443 ");
  EXPECT_EQ(Ports({"8000-8001:80-81"}), "80/tcp=|8000 81/tcp=|8001 ");
  EXPECT_EQ(Ports({"9000-9010:80"}), "80/tcp=|9000-9010 ");
  EXPECT_EQ(Ports({"80/SCTP"}), "80/sctp=| ");
  EXPECT_EQ(Ports({"8080:80", "8081:80"}), "80/tcp=|8080 80/tcp=|8081 ");
}

TEST(Ports, Errors) {
  EXPECT_EQ(Ports({"99999:80"}), "error: Invalid hostPort: 99999");
  EXPECT_EQ(Ports({"abc"}), "error: Invalid containerPort: abc");
  EXPECT_EQ(Ports({"1.2.3:80:80"}), "error: Invalid ip address: 1.2.3");
  EXPECT_EQ(Ports({"80/foo"}), "error: Invalid proto: foo");
  EXPECT_EQ(Ports({"8000-8002:80-81"}), "error: Invalid ranges specified for container and host Ports: 80-81 and 8000-8002");
  EXPECT_EQ(Ports({""}), "error: No port specified: <empty>");
}

TEST(Ports, ExposeAndLongSyntax) {
  std::set<std::string> exposed;
  ASSERT_TRUE(ParseExpose("7000-7002/udp", &exposed).ok());
  EXPECT_EQ(exposed, (std::set<std::string>{"7000/udp", "7001/udp", "7002/udp"}));
  EXPECT_FALSE(ParseExpose("1:2", &exposed).ok());
  auto std = ConvertPortsToStandardNotation({"target=80,published=8080,protocol=udp", "90"});
  ASSERT_TRUE(std.ok());
  EXPECT_EQ(*std, (std::vector<std::string>{"8080:80/udp", "90"}));
  EXPECT_EQ(SplitProtoPort("80/udp"), (std::pair<std::string, std::string>{"udp", "80"}));
  EXPECT_EQ(SplitProtoPort("80"), (std::pair<std::string, std::string>{"tcp", "80"}));
}

TEST(Mount, Specs) {
  auto m = ParseMountSpec("type=bind,src=/a,dst=/b,ro,bind-propagation=rshared");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->dump(), R"({"Type":"bind","Source":"/a","Target":"/b","ReadOnly":true,"BindOptions":{"Propagation":"rshared"}})");
  m = ParseMountSpec("source=v,target=/v,volume-nocopy,volume-label=x=y,volume-driver=local,volume-opt=o=p");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->dump(),
            R"({"Type":"volume","Source":"v","Target":"/v","VolumeOptions":{"NoCopy":true,"Labels":{"x":"y"},"DriverConfig":{"Name":"local","Options":{"o":"p"}}}})");
  m = ParseMountSpec("type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1770");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->dump(), R"({"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1048576,"Mode":1016}})");
  m = ParseMountSpec("\"type=bind\",\"src=/a,b\",dst=/c");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)["Source"], "/a,b");
}

TEST(Mount, Errors) {
  EXPECT_EQ(ParseMountSpec("src=/a").error().message(), "target is required");
  EXPECT_EQ(ParseMountSpec("foo=bar,dst=/x").error().message(), "unexpected key 'foo' in 'foo=bar'");
  EXPECT_EQ(ParseMountSpec("type=bind,dst=/x,volume-nocopy").error().message(),
            "cannot mix 'volume-*' options with mount type 'bind'");
  EXPECT_EQ(ParseMountSpec("dst=/x,bogus").error().message(), "invalid field 'bogus' must be a key=value pair");
  EXPECT_EQ(ParseMountSpec("dst=/x,ro=maybe").error().message(), "invalid value for ro: maybe");
  EXPECT_EQ(ParseMountSpec("type=tmpfs,dst=/x,tmpfs-size=huge").error().message(), "invalid value for tmpfs-size: huge");
}

TEST(Ulimit, Parse) {
  EXPECT_EQ(ParseUlimit("nofile=1024:2048")->dump(), R"({"Name":"nofile","Hard":2048,"Soft":1024})");
  EXPECT_EQ(ParseUlimit("nproc=10")->dump(), R"({"Name":"nproc","Hard":10,"Soft":10})");
  EXPECT_EQ(ParseUlimit("nofile").error().message(), "invalid ulimit argument: nofile");
  EXPECT_EQ(ParseUlimit("foo=1").error().message(), "invalid ulimit type: foo");
  EXPECT_EQ(ParseUlimit("nofile=a").error().message(), "strconv.ParseInt: parsing \"a\": invalid syntax");
  EXPECT_EQ(ParseUlimit("nofile=2:1").error().message(),
            "ulimit soft limit must be less than or equal to hard limit: 2 > 1");
}

TEST(Restart, Policies) {
  EXPECT_EQ(ParseRestartPolicy("no")->dump(), R"({"Name":"no","MaximumRetryCount":0})");
  EXPECT_EQ(ParseRestartPolicy("on-failure:3")->dump(), R"({"Name":"on-failure","MaximumRetryCount":3})");
  EXPECT_EQ(ParseRestartPolicy("unless-stopped")->dump(), R"({"Name":"unless-stopped","MaximumRetryCount":0})");
  EXPECT_EQ(ParseRestartPolicy("")->dump(), R"({"Name":"","MaximumRetryCount":0})");
  EXPECT_EQ(ParseRestartPolicy("on-failure:x").error().message(), "maximum retry count must be an integer");
  EXPECT_EQ(ParseRestartPolicy("a:b:c").error().message(), "invalid restart policy format");
}

TEST(EnvFile, ParsesLikeDocker) {
  auto dir = TempDir::Create();
  ASSERT_TRUE(dir.ok());
  std::string path = dir->path() + "/env";
  setenv("SKIFF_TEST_PASSTHROUGH", "from-env", 1);
  unsetenv("SKIFF_TEST_UNSET");
  ASSERT_TRUE(WriteFileAtomic(path, "\xEF\xBB\xBF# comment\nA=1\n  B=two words \n\nSKIFF_TEST_PASSTHROUGH\nSKIFF_TEST_UNSET\nC=x=y\r\n").ok());
  auto env = ParseEnvFile(path);
  ASSERT_TRUE(env.ok()) << env.error().message();
  EXPECT_EQ(*env, (std::vector<std::string>{"A=1", "B=two words ", "SKIFF_TEST_PASSTHROUGH=from-env", "C=x=y"}));
  ASSERT_TRUE(WriteFileAtomic(path, "BAD KEY=1\n").ok());
  EXPECT_EQ(ParseEnvFile(path).error().message(), "poorly formatted environment: variable 'BAD KEY' contains whitespaces");
  EXPECT_EQ(ParseEnvFile(dir->path() + "/missing").error().message(),
            "open " + dir->path() + "/missing: no such file or directory");
  ASSERT_TRUE(WriteFileAtomic(path, "onlykey\nk=v\n").ok());
  EXPECT_EQ(*ParseLabelFile(path), (std::vector<std::string>{"onlykey", "k=v"}));
}

TEST(Env, Validate) {
  setenv("SKIFF_TEST_V", "val", 1);
  EXPECT_EQ(*ValidateEnv("A=B"), "A=B");
  EXPECT_EQ(*ValidateEnv("SKIFF_TEST_V"), "SKIFF_TEST_V=val");
  unsetenv("SKIFF_TEST_NOPE");
  EXPECT_EQ(*ValidateEnv("SKIFF_TEST_NOPE"), "SKIFF_TEST_NOPE");
  EXPECT_EQ(ValidateEnv("=x").error().message(), "invalid environment variable: =x");
}

TEST(Duration, GoSyntax) {
  EXPECT_EQ(*ParseGoDuration("5s"), 5000000000);
  EXPECT_EQ(*ParseGoDuration("1m30s"), 90000000000);
  EXPECT_EQ(*ParseGoDuration("1.5h"), 5400000000000);
  EXPECT_EQ(*ParseGoDuration("300ms"), 300000000);
  EXPECT_EQ(*ParseGoDuration("-2s"), -2000000000);
  EXPECT_EQ(*ParseGoDuration("0"), 0);
  EXPECT_EQ(*ParseGoDuration("2us"), 2000);
  EXPECT_EQ(ParseGoDuration("5").error().message(), "time: missing unit in duration \"5\"");
  EXPECT_EQ(ParseGoDuration("abc").error().message(), "time: invalid duration \"abc\"");
  EXPECT_EQ(ParseGoDuration("5x").error().message(), "time: unknown unit \"x\" in duration \"5x\"");
  EXPECT_EQ(FormatGoDuration(0), "0s");
  EXPECT_EQ(FormatGoDuration(90000000000), "1m30s");
  EXPECT_EQ(FormatGoDuration(1500000000), "1.5s");
  EXPECT_EQ(FormatGoDuration(3600000000000), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(300000000), "300ms");
}

TEST(Cpus, Rationals) {
  EXPECT_EQ(*ParseNanoCpus("1.5"), 1500000000);
  EXPECT_EQ(*ParseNanoCpus("2"), 2000000000);
  EXPECT_EQ(*ParseNanoCpus("0.001"), 1000000);
  EXPECT_EQ(*ParseNanoCpus("3/2"), 1500000000);
  EXPECT_EQ(*ParseNanoCpus("1e-3"), 1000000);
  EXPECT_EQ(ParseNanoCpus("abc").error().message(), "failed to parse abc as a rational number");
  EXPECT_EQ(ParseNanoCpus("0.0000000001").error().message(), "value is too precise");
}

TEST(Memory, Bytes) {
  EXPECT_EQ(*ParseMemBytes("6m"), 6291456);
  EXPECT_EQ(*ParseMemBytes("1g"), 1073741824);
  EXPECT_EQ(*ParseMemBytes("512k"), 524288);
  EXPECT_EQ(*ParseMemBytes("-1", true), -1);
  EXPECT_EQ(ParseMemBytes("-1").error().message(), "invalid size: '-1'");
  EXPECT_EQ(ParseMemBytes("abc").error().message(), "invalid size: 'abc'");
}

TEST(Devices, ValidateAndParse) {
  EXPECT_EQ(*ValidateDevice("/dev/null"), "/dev/null");
  EXPECT_EQ(*ValidateDevice("/dev/null:/dev/x//"), "/dev/null:/dev/x");
  EXPECT_EQ(*ValidateDevice("/dev/null:rw"), "/dev/null:rw");
  EXPECT_EQ(ValidateDevice(":/x").error().message(), "bad format for path: :/x");
  EXPECT_EQ(ValidateDevice("/dev/null:x").error().message(), "x is not an absolute path");
  EXPECT_EQ(ValidateDevice("/dev/null:/x:abc").error().message(), "bad mode specified: abc");
  EXPECT_EQ(ParseDevice("/dev/null")->dump(), R"({"PathOnHost":"/dev/null","PathInContainer":"/dev/null","CgroupPermissions":"rwm"})");
  EXPECT_EQ(ParseDevice("/dev/null:/x:r")->dump(), R"({"PathOnHost":"/dev/null","PathInContainer":"/x","CgroupPermissions":"r"})");
  EXPECT_EQ(ParseDevice("/dev/null:rw")->dump(), R"({"PathOnHost":"/dev/null","PathInContainer":"/dev/null","CgroupPermissions":"rw"})");
}

TEST(Validators, HostsDnsAttachSysctlMac) {
  EXPECT_EQ(*ValidateExtraHost("a:1.2.3.4"), "a:1.2.3.4");
  EXPECT_EQ(*ValidateExtraHost("gw:host-gateway"), "gw:host-gateway");
  EXPECT_EQ(*ValidateExtraHost("v6:::1"), "v6:::1");
  EXPECT_EQ(ValidateExtraHost("foo").error().message(), "bad format for add-host: \"foo\"");
  EXPECT_EQ(ValidateExtraHost("a:b").error().message(), "invalid IP address in add-host: \"b\"");
  EXPECT_EQ(*ValidateIPAddress("8.8.8.8"), "8.8.8.8");
  EXPECT_EQ(ValidateIPAddress("x").error().message(), "x is not an ip address");
  EXPECT_EQ(*ValidateDNSSearch("example.com"), "example.com");
  EXPECT_EQ(*ValidateDNSSearch("."), ".");
  EXPECT_EQ(ValidateDNSSearch("-x").error().message(), "-x is not a valid domain");
  EXPECT_EQ(*ValidateAttach("STDOUT"), "stdout");
  EXPECT_FALSE(ValidateAttach("foo").ok());
  EXPECT_TRUE(ValidateSysctl("net.ipv4.ip_forward=1").ok());
  EXPECT_TRUE(ValidateSysctl("kernel.shmmax=1").ok());
  EXPECT_EQ(ValidateSysctl("kernel.shmmax").error().message(), "sysctl 'kernel.shmmax' is not whitelisted");
  EXPECT_TRUE(IsValidMac("02:42:ac:11:00:02"));
  EXPECT_FALSE(IsValidMac("xx"));
}

TEST(Gpus, Requests) {
  EXPECT_EQ(ParseGpus("all")->dump(), R"({"Driver":"","Count":-1,"DeviceIDs":null,"Capabilities":[["gpu"]],"Options":{}})");
  EXPECT_EQ((*ParseGpus("2"))["Count"], 2);
}

TEST(Csv, Fields) {
  EXPECT_EQ(*ParseCsvLine("a,b,,c"), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(*ParseCsvLine("\"a,b\",\"c\"\"d\""), (std::vector<std::string>{"a,b", "c\"d"}));
  EXPECT_FALSE(ParseCsvLine("a\"b").ok());
}

TEST(PathErrors, GoWording) {
  EXPECT_EQ(GoErrnoText(ENOENT), "no such file or directory");
  EXPECT_EQ(GoPathError("lstat", "/x", ENOTDIR), "lstat /x: not a directory");
}

}  // namespace
}  // namespace skiff::cli

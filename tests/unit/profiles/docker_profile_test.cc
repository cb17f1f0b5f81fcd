// SeccompFromDockerProfile: Docker's profile format resolved for one container on one host.
#include <gtest/gtest.h>

#include "daemon/profiles/seccomp.h"
#include "sys/seccomp.h"

namespace skiff::daemon::profiles {
namespace {

const SeccompHost kAmd64{"amd64", "SCMP_ARCH_X86_64", 5, 10};
const SeccompHost kArm64{"arm64", "SCMP_ARCH_AARCH64", 4, 4};

Json Convert(const std::string& text, const std::vector<std::string>& caps = {}, const SeccompHost& h = kAmd64) {
  auto r = SeccompFromDockerProfile(Json::parse(text), caps, h);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? *r : Json();
}

std::string ConvertError(const std::string& text, const SeccompHost& h = kAmd64) {
  auto r = SeccompFromDockerProfile(Json::parse(text), {}, h);
  if (r.ok()) return "(no error) " + r->dump();
  EXPECT_EQ(r.error().code(), Errc::kInvalidArgument) << r.error().message();
  return r.error().message();
}

// The rules' names, in order, one string per rule ("a,b").
std::vector<std::string> RuleNames(const Json& oci) {
  std::vector<std::string> out;
  for (const auto& r : oci.value("syscalls", Json::array())) {
    std::string s;
    for (const auto& n : r["names"]) s += (s.empty() ? "" : ",") + n.get<std::string>();
    out.push_back(s);
  }
  return out;
}

TEST(DockerProfile, TopLevelFieldsPassThrough) {
  Json o = Convert(R"({"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64"],
      "flags":["SECCOMP_FILTER_FLAG_LOG"],"listenerPath":"/run/l.sock","listenerMetadata":"m","unknown":1,
      "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW","comment":"io","bogus":true},
                  {"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]})");
  EXPECT_EQ(o, Json::parse(R"({"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,
      "architectures":["SCMP_ARCH_X86_64"],"flags":["SECCOMP_FILTER_FLAG_LOG"],"listenerPath":"/run/l.sock",
      "listenerMetadata":"m","syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
      {"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]})"));
  // What the runtime loads.
  auto p = sys::ParseSeccomp(o);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_TRUE(p->enabled);
}

TEST(DockerProfile, NameIsOneNameAndBothIsAnError) {
  EXPECT_EQ(RuleNames(Convert(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"mkdir",
      "action":"SCMP_ACT_ERRNO"}]})")),
            std::vector<std::string>{"mkdir"});
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"mkdir","names":["rmdir"],
      "action":"SCMP_ACT_ERRNO"}]})"),
            "'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names' (syscalls[0])");
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"action":"SCMP_ACT_ERRNO"}]})"),
            "seccomp profile: syscalls[0].names: must name at least one syscall");
}

TEST(DockerProfile, BadFieldsAreNamed) {
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW"},
      {"names":["b"],"action":"SCMP_ACT_ALLOW"},{"names":["c"],"action":"SCMP_ACT_ALLOW"},
      {"names":["d"],"action":"X"}]})"),
            "seccomp profile: syscalls[3].action: unknown action \"X\"");
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_FOO"})"), "seccomp profile: defaultAction: unknown action \"SCMP_ACT_FOO\"");
  EXPECT_EQ(ConvertError(R"({"syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW"}]})"),
            "seccomp profile: defaultAction: required");
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"]}]})"),
            "seccomp profile: syscalls[0].action: required");
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO",
      "args":[{"index":0,"value":1,"op":"SCMP_CMP_BAD"}]}]})"),
            "seccomp profile: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_BAD\"");
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO",
      "args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]})"),
            "seccomp profile: syscalls[0].args[0].index: 6 out of range (a syscall has 6 arguments)");
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO",
      "errnoRet":-1}]})"),
            "seccomp profile: syscalls[0].errnoRet: expected unsigned integer");
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_NOPE"]})"),
            "seccomp profile: architectures[0]: unknown architecture \"SCMP_ARCH_NOPE\"");
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":{}})"),
            "seccomp profile: syscalls: expected array");
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW",
      "includes":{"caps":"CAP_X"}}]})"),
            "seccomp profile: syscalls[0].includes.caps: expected array of strings");
  EXPECT_EQ(ConvertError(R"([1,2])"), "seccomp profile: expected a JSON object");
}

TEST(DockerProfile, EmptyProfileMeansNoFilter) {
  Json o = Convert("{}");
  EXPECT_EQ(o, Json::object());
  auto p = sys::ParseSeccomp(o);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->enabled);
}

TEST(DockerProfile, ArchMapPicksTheHostsEntry) {
  const char* prof = R"({"defaultAction":"SCMP_ACT_ERRNO","archMap":[
      {"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]},
      {"architecture":"SCMP_ARCH_AARCH64","subArchitectures":["SCMP_ARCH_ARM"]}]})";
  EXPECT_EQ(Convert(prof)["architectures"], Json::parse(R"(["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"])"));
  EXPECT_EQ(Convert(prof, {}, kArm64)["architectures"], Json::parse(R"(["SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"])"));
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],
      "archMap":[{"architecture":"SCMP_ARCH_X86_64"}]})"),
            "'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or "
            "'archMap'");
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64",
      "subArchitectures":["x86"]}]})"),
            "seccomp profile: archMap[0].subArchitectures[0]: unknown architecture \"x86\"");
}

TEST(DockerProfile, IncludesAndExcludesOnCapabilities) {
  const char* prof = R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
      {"names":["always"],"action":"SCMP_ACT_ALLOW"},
      {"names":["admin"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]}},
      {"names":["both"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN","CAP_BPF"]}},
      {"names":["notadmin"],"action":"SCMP_ACT_ALLOW","excludes":{"caps":["CAP_SYS_ADMIN","CAP_BPF"]}}]})";
  using V = std::vector<std::string>;
  EXPECT_EQ(RuleNames(Convert(prof, {})), (V{"always", "notadmin"}));
  EXPECT_EQ(RuleNames(Convert(prof, {"CAP_SYS_ADMIN"})), (V{"always", "admin"}));
  EXPECT_EQ(RuleNames(Convert(prof, {"CAP_BPF"})), (V{"always"}));
  EXPECT_EQ(RuleNames(Convert(prof, {"CAP_BPF", "CAP_SYS_ADMIN"})), (V{"always", "admin", "both"}));
}

TEST(DockerProfile, IncludesAndExcludesOnArchitectures) {
  const char* prof = R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
      {"names":["x86"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["amd64","x32","386"]}},
      {"names":["scmpname"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["SCMP_ARCH_AARCH64"]}},
      {"names":["notarm"],"action":"SCMP_ACT_ALLOW","excludes":{"arches":["arm","arm64"]}}]})";
  using V = std::vector<std::string>;
  EXPECT_EQ(RuleNames(Convert(prof, {}, kAmd64)), (V{"x86", "notarm"}));
  EXPECT_EQ(RuleNames(Convert(prof, {}, kArm64)), (V{"scmpname"}));
}

TEST(DockerProfile, MinKernel) {
  const char* prof = R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
      {"names":["new"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"4.8"}},
      {"names":["old"],"action":"SCMP_ACT_ALLOW","excludes":{"minKernel":"4.8"}},
      {"names":["newer"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"5.10"}}]})";
  using V = std::vector<std::string>;
  EXPECT_EQ(RuleNames(Convert(prof, {}, {"amd64", "SCMP_ARCH_X86_64", 4, 4})), (V{"old"}));
  EXPECT_EQ(RuleNames(Convert(prof, {}, {"amd64", "SCMP_ARCH_X86_64", 4, 8})), (V{"new"}));
  EXPECT_EQ(RuleNames(Convert(prof, {}, {"amd64", "SCMP_ARCH_X86_64", 5, 9})), (V{"new"}));
  EXPECT_EQ(RuleNames(Convert(prof, {}, {"amd64", "SCMP_ARCH_X86_64", 5, 10})), (V{"new", "newer"}));
  EXPECT_EQ(RuleNames(Convert(prof, {}, {"amd64", "SCMP_ARCH_X86_64", 6, 1})), (V{"new", "newer"}));
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO",
      "includes":{"minKernel":"abc"}}]})"),
            "seccomp profile: syscalls[0].includes.minKernel: invalid kernel version: \"abc\", expected "
            "\"<kernel>.<major>\"");
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO",
      "excludes":{"minKernel":"0.0"}}]})"),
            "seccomp profile: syscalls[0].excludes.minKernel: invalid kernel version: \"0.0\", expected "
            "\"<kernel>.<major>\": version cannot be 0.0");
}

TEST(DockerProfile, SkippedRulesAreStillValidated) {
  EXPECT_EQ(ConvertError(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"NOPE",
      "includes":{"arches":["s390x"]}}]})"),
            "seccomp profile: syscalls[0].action: unknown action \"NOPE\"");
}

TEST(DockerProfile, ArgsAreNormalized) {
  Json o = Convert(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["personality"],"action":"SCMP_ACT_ALLOW",
      "args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"},{"index":1,"value":255,"valueTwo":3,"op":"SCMP_CMP_MASKED_EQ"}]}]})");
  EXPECT_EQ(o["syscalls"][0]["args"], Json::parse(R"([{"index":0,"value":8,"valueTwo":0,"op":"SCMP_CMP_EQ"},
      {"index":1,"value":255,"valueTwo":3,"op":"SCMP_CMP_MASKED_EQ"}])"));
  auto p = sys::ParseSeccomp(o);
  ASSERT_TRUE(p.ok()) << p.error().message();
}

TEST(DockerProfile, UnknownSyscallNamesAreKeptForTheRuntimeToSkip) {
  Json o = Convert(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["nosuchcall","mkdir"],
      "action":"SCMP_ACT_ERRNO"}]})");
  auto p = sys::ParseSeccomp(o);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->skipped_names, std::vector<std::string>{"nosuchcall"});
}

}  // namespace
}  // namespace skiff::daemon::profiles

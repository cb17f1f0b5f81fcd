// Root-only: applies capabilities and rlimits in forked children and checks what the kernel reports.
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cinttypes>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "base/file.h"
#include "integration/sys/child.h"
#include "sys/caps.h"
#include "sys/rlimit.h"

namespace skiff::sys {
namespace {

using testing::RunInChild;
using testing::Say;

#define REQUIRE_ROOT() \
  if (geteuid() != 0) GTEST_SKIP() << "needs root"

// "CapEff:\t0000000000000020" lines of /proc/self/status -> {"CapEff": 0x20, ...}; also "Uid".
std::map<std::string, uint64_t> ParseStatus(const std::string& status) {
  std::map<std::string, uint64_t> out;
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    std::string val = line.substr(colon + 1);
    if (key.rfind("Cap", 0) == 0) out[key] = std::stoull(val, nullptr, 16);
    if (key == "Uid") out[key] = std::stoull(val, nullptr, 10);  // real uid, first column
  }
  return out;
}

// Child side: report /proc/self/status, or an error line, and return an exit code.
int ReportStatus(int out) {
  auto st = ReadFile("/proc/self/status");
  if (!st.ok()) {
    Say(out, "error: " + st.error().message());
    return 2;
  }
  Say(out, *st);
  return 0;
}

int Fail(int out, const Error& e) {
  Say(out, "error: " + e.message());
  return 1;
}

TEST(CapsIntegration, BoundingKeepcapsUserSwitchAndAmbient) {
  REQUIRE_ROOT();
  auto sets = ParseCapabilities(Json::parse(R"({
      "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "inheritable": ["CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_KILL"],
      "ambient": ["CAP_NET_BIND_SERVICE"]})"));
  ASSERT_TRUE(sets.ok()) << sets.error().message();
  auto r = RunInChild([&](int out) {
    if (auto s = DropBoundingSet(*sets); !s.ok()) return Fail(out, s.error());
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return Fail(out, Error::Sys("keepcaps"));
    if (setgroups(0, nullptr) != 0 || setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0) {
      return Fail(out, Error::Sys("switch user"));
    }
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return Fail(out, Error::Sys("keepcaps off"));
    if (auto s = ApplyCapSets(*sets); !s.ok()) return Fail(out, s.error());
    auto cur = CurrentCapSets();
    if (!cur.ok() || !(*cur == *sets)) return Fail(out, Error(Errc::kInternal, "CurrentCapSets mismatch"));
    return ReportStatus(out);
  });
  ASSERT_TRUE(r.Exited(0)) << r.Describe();
  auto st = ParseStatus(r.output);
  EXPECT_EQ(st["Uid"], 1000u);
  EXPECT_EQ(st["CapBnd"], CapBit(0) | CapBit(5) | CapBit(10)) << r.output;
  EXPECT_EQ(st["CapPrm"], CapBit(5) | CapBit(10));
  EXPECT_EQ(st["CapEff"], CapBit(5));
  EXPECT_EQ(st["CapInh"], CapBit(10));
  EXPECT_EQ(st["CapAmb"], CapBit(10));
}

TEST(CapsIntegration, AmbientSurvivesExecAsNonRoot) {
  REQUIRE_ROOT();
  CapSets sets;
  sets.bounding = sets.permitted = sets.inheritable = sets.ambient = CapBit(10);
  sets.effective = CapBit(10);
  auto r = RunInChild([&](int out) {
    if (auto s = DropBoundingSet(sets); !s.ok()) return Fail(out, s.error());
    prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) {
      return Fail(out, Error::Sys("switch user"));
    }
    if (auto s = ApplyCapSets(sets); !s.ok()) return Fail(out, s.error());
    dup2(out, 1);
    execl("/bin/grep", "grep", "^Cap", "/proc/self/status", static_cast<char*>(nullptr));
    return Fail(out, Error::Sys("exec grep"));
  });
  ASSERT_TRUE(r.Exited(0)) << r.Describe();
  auto st = ParseStatus(r.output);
  // Ambient caps become permitted+effective of a non-root exec'd program: that is the point of them.
  EXPECT_EQ(st["CapAmb"], CapBit(10)) << r.output;
  EXPECT_EQ(st["CapEff"], CapBit(10));
  EXPECT_EQ(st["CapPrm"], CapBit(10));
  EXPECT_EQ(st["CapBnd"], CapBit(10));
}

TEST(CapsIntegration, AmbientWithoutInheritableIsWarnedNotFatal) {
  REQUIRE_ROOT();
  CapSets sets;
  sets.bounding = sets.permitted = sets.effective = CapBit(5);
  sets.ambient = CapBit(5);  // not inheritable: the kernel refuses to raise it
  auto r = RunInChild([&](int out) {
    if (auto s = ApplyCapSets(sets); !s.ok()) return Fail(out, s.error());
    return ReportStatus(out);
  });
  ASSERT_TRUE(r.Exited(0)) << r.Describe();
  auto st = ParseStatus(r.output);
  EXPECT_EQ(st["CapAmb"], 0u);
  EXPECT_EQ(st["CapEff"], CapBit(5));
}

TEST(CapsIntegration, UngrantableCapsAreWarnedNotFatal) {
  REQUIRE_ROOT();
  auto r = RunInChild([&](int out) {
    // Give up CAP_SYS_NICE, then ask for it again: capset could not grant it.
    auto cur = CurrentCapSets();
    if (!cur.ok()) return Fail(out, cur.error());
    CapSets less;
    less.permitted = less.effective = cur->permitted & ~CapBit(23);
    if (auto s = ApplyCapSets(less); !s.ok()) return Fail(out, s.error());
    CapSets want;
    want.permitted = want.effective = CapBit(23) | CapBit(5);
    want.inheritable = CapBit(23);
    if (auto s = ApplyCapSets(want); !s.ok()) return Fail(out, s.error());
    return ReportStatus(out);
  });
  ASSERT_TRUE(r.Exited(0)) << r.Describe();
  auto st = ParseStatus(r.output);
  EXPECT_EQ(st["CapEff"], CapBit(5));
  EXPECT_EQ(st["CapPrm"], CapBit(5));
  // CAP_SETPCAP is still effective, so inheritable may come from the bounding set, which still has it.
  EXPECT_EQ(st["CapInh"], CapBit(23));
}

TEST(CapsIntegration, DropBoundingWithoutSetpcapFailsClosed) {
  REQUIRE_ROOT();
  auto r = RunInChild([&](int out) {
    auto cur = CurrentCapSets();
    if (!cur.ok()) return Fail(out, cur.error());
    CapSets keep;
    keep.permitted = keep.effective = cur->permitted & ~CapBit(8);  // everything held but CAP_SETPCAP
    if (auto s = ApplyCapSets(keep); !s.ok()) return Fail(out, s.error());
    CapSets none;  // drop the whole bounding set
    auto s = DropBoundingSet(none);
    if (s.ok()) return 3;
    Say(out, s.error().message());
    return 0;
  });
  ASSERT_TRUE(r.Exited(0)) << r.Describe();
  EXPECT_EQ(r.output, "drop CAP_CHOWN from the bounding set: Operation not permitted");
}

TEST(RlimitIntegration, AppliedAndReadBack) {
  REQUIRE_ROOT();
  auto limits = ParseRlimits(Json::parse(R"([
      {"type": "RLIMIT_NOFILE", "soft": 64, "hard": 128},
      {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
      {"type": "RLIMIT_MSGQUEUE", "soft": 8192, "hard": 16384},
      {"type": "RLIMIT_AS", "soft": 1099511627776, "hard": 18446744073709551615}])"));
  struct rlimit as;
  ASSERT_EQ(getrlimit(RLIMIT_AS, &as), 0);
  ASSERT_EQ(as.rlim_max, RLIM_INFINITY) << "test assumes an unlimited RLIMIT_AS hard limit";
  ASSERT_TRUE(limits.ok()) << limits.error().message();
  auto r = RunInChild([&](int out) {
    if (auto s = ApplyRlimits(*limits); !s.ok()) return Fail(out, s.error());
    for (const auto& l : *limits) {
      struct rlimit rl;
      getrlimit(static_cast<__rlimit_resource>(l.resource), &rl);
      char buf[128];
      snprintf(buf, sizeof buf, "%s %" PRIu64 " %" PRIu64 "\n", RlimitName(l.resource).c_str(),
               static_cast<uint64_t>(rl.rlim_cur), static_cast<uint64_t>(rl.rlim_max));
      Say(out, buf);
    }
    return 0;
  });
  ASSERT_TRUE(r.Exited(0)) << r.Describe();
  EXPECT_EQ(r.output,
            "RLIMIT_NOFILE 64 128\nRLIMIT_CORE 0 0\nRLIMIT_MSGQUEUE 8192 16384\n"
            "RLIMIT_AS 1099511627776 18446744073709551615\n");
}

TEST(RlimitIntegration, ApplyToAnotherProcess) {
  REQUIRE_ROOT();
  int go[2];
  ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    char c;
    close(go[1]);
    while (read(go[0], &c, 1) < 0 && errno == EINTR) {
    }
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    _exit(rl.rlim_cur == 100 && rl.rlim_max == 200 ? 0 : 1);
  }
  close(go[0]);
  Status s = ApplyRlimitsTo(pid, {Rlimit{RLIMIT_NOFILE, 100, 200}});
  close(go[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(RlimitIntegration, FailureNamesTheType) {
  REQUIRE_ROOT();
  auto nr_open = ReadFile("/proc/sys/fs/nr_open");
  ASSERT_TRUE(nr_open.ok());
  uint64_t too_many = std::stoull(*nr_open) + 1;
  auto r = RunInChild([&](int out) {
    Status s = ApplyRlimits({Rlimit{RLIMIT_CORE, 0, 0}, Rlimit{RLIMIT_NOFILE, too_many, too_many}});
    if (s.ok()) return 3;
    Say(out, s.error().message());
    return 0;
  });
  ASSERT_TRUE(r.Exited(0)) << r.Describe();
  EXPECT_EQ(r.output, "set RLIMIT_NOFILE (soft " + std::to_string(too_many) + ", hard " +
                          std::to_string(too_many) + "): Operation not permitted");
}

}  // namespace
}  // namespace skiff::sys

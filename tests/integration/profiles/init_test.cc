// `--init`: skiff-runtime bind-mounted as /sbin/docker-init, as the daemon sets it up, in busybox
// containers run by skiff-runtime: PID 1, zombie reaping, signal forwarding, exit status, errors.
#include <gtest/gtest.h>

#include "integration/runtime/harness.h"

namespace skiff::init {
namespace {

using skiff::runtime::testing::Bundle;
using skiff::runtime::testing::Exists;
using skiff::runtime::testing::Harness;
using skiff::runtime::testing::ReadText;
using skiff::runtime::testing::Result;
using skiff::runtime::testing::RuntimeTest;

class InitContainer : public RuntimeTest {
 protected:
  // A bundle running `/sbin/docker-init <init_args> -- sh -c script`, the init bind-mounted read-only as
  // docker does it.
  Bundle MakeInitBundle(const std::string& script, const std::vector<std::string>& init_args = {}) {
    std::vector<std::string> args = {"/sbin/docker-init"};
    args.insert(args.end(), init_args.begin(), init_args.end());
    for (const char* a : {"--", "sh", "-c"}) args.push_back(a);
    args.push_back(script);
    Bundle b = h().MakeBundle(args);
    b.config["mounts"].push_back(
        {{"destination", "/sbin/docker-init"}, {"type", "bind"}, {"source", Harness::RuntimePath()},
         {"options", {"bind", "ro"}}});
    b.Save();
    return b;
  }
  Result RunInit(const std::string& script, const std::vector<std::string>& init_args = {}) {
    Bundle b = MakeInitBundle(script, init_args);
    return h().Runtime({"run", "--bundle", b.path, h().NewId("init")});
  }
};

TEST_F(InitContainer, InitIsPid1AndTheCommandItsChildInItsOwnGroup) {
  Result r = RunInit("cat /proc/1/comm; echo pid=$$ ppid=$PPID; ps -o pid,pgid,comm | grep -w ps");
  ASSERT_EQ(r.code, 0) << r;
  auto lines = skiff::runtime::testing::Lines(r.out);
  ASSERT_GE(lines.size(), 3u) << r;
  EXPECT_EQ(lines[0], "docker-init");
  EXPECT_NE(lines[1], "pid=1 ppid=1");
  EXPECT_NE(lines[1].find("ppid=1"), std::string::npos) << r;
  // ps runs in the shell's group, which is the child's own (pgid = the shell's pid, not 1).
  std::string shell_pid = lines[1].substr(4, lines[1].find(' ') - 4);
  EXPECT_NE(lines[2].find(" " + shell_pid + " "), std::string::npos) << r;
}

TEST_F(InitContainer, ExitStatusIsTheChilds) {
  EXPECT_EQ(RunInit("exit 3").code, 3);
  EXPECT_EQ(RunInit("exit 0").code, 0);
  EXPECT_EQ(RunInit("kill -TERM $$").code, 143);
  EXPECT_EQ(RunInit("kill -KILL $$").code, 137);
  EXPECT_EQ(RunInit("exit 4", {"-e", "4"}).code, 0);
}

TEST_F(InitContainer, ReapsOrphans) {
  // The inner shell leaves `sleep` behind: it is re-parented to PID 1, which must reap it once it exits.
  Result r = RunInit(
      "sh -c 'sleep 0.3 & echo $! > /tmp/orphan'; o=$(cat /tmp/orphan); grep PPid /proc/$o/status;"
      " sleep 1.5; if [ -e /proc/$o ]; then grep State /proc/$o/status; else echo reaped; fi");
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_NE(r.out.find("PPid:\t1\n"), std::string::npos) << r;
  EXPECT_NE(r.out.find("reaped"), std::string::npos) << r;
}

TEST_F(InitContainer, ForwardsSignalsSentToPid1) {
  // From inside: a signal to PID 1 reaches the child's trap.
  Result r = RunInit("trap 'echo trapped; exit 7' TERM; kill -TERM 1; sleep 5 & wait $!; echo not-reached");
  EXPECT_EQ(r.code, 7) << r;
  EXPECT_EQ(r.out, "trapped\n") << r;
  // From outside: `kill <id> TERM` goes to the init, which passes it on.
  Bundle b = MakeInitBundle(
      "trap 'echo x > /trapped; exit 0' TERM; touch /ready; while :; do sleep 0.1; done");
  std::string id = h().NewId("initsig");
  Result d = h().RunDetached(b, id);
  ASSERT_EQ(d.code, 0) << d;
  ASSERT_TRUE(Harness::WaitFor([&] { return Exists(b.rootfs + "/ready"); })) << "container never got ready";
  Result k = h().Runtime({"kill", id, "TERM"});
  ASSERT_EQ(k.code, 0) << k;
  EXPECT_EQ(h().WaitStatus(id, "stopped"), "stopped");
  EXPECT_EQ(ReadText(b.rootfs + "/trapped"), "x\n");
}

TEST_F(InitContainer, CommandNotFoundAndNotExecutable) {
  Bundle b = h().MakeBundle({"/sbin/docker-init", "--", "nope"});
  b.config["mounts"].push_back({{"destination", "/sbin/docker-init"}, {"type", "bind"},
                                {"source", Harness::RuntimePath()}, {"options", {"bind", "ro"}}});
  b.Save();
  Result r = h().Runtime({"run", "--bundle", b.path, h().NewId("init")});
  EXPECT_EQ(r.code, 127) << r;
  EXPECT_NE(r.err.find("[FATAL tini ("), std::string::npos) << r;
  EXPECT_NE(r.err.find(")] exec nope failed: No such file or directory"), std::string::npos) << r;
  b.config["process"]["args"] = {"/sbin/docker-init", "--", "/etc/passwd"};
  b.Save();
  r = h().Runtime({"run", "--bundle", b.path, h().NewId("init")});
  EXPECT_EQ(r.code, 126) << r;
  EXPECT_NE(r.err.find("exec /etc/passwd failed: Permission denied"), std::string::npos) << r;
}

// The same init straight from the host, as `skiff-runtime init`.
TEST(InitHost, SubcommandForm) {
  using skiff::runtime::testing::Exec;
  std::string rt = Harness::RuntimePath();
  EXPECT_EQ(Exec({rt, "init", "-s", "--", "/bin/sh", "-c", "exit 5"}).code, 5);
  Result usage = Exec({rt, "init"});
  EXPECT_EQ(usage.code, 1);
  EXPECT_NE(usage.err.find("Usage: init [OPTIONS] PROGRAM"), std::string::npos) << usage;
  Result bad = Exec({rt, "init", "-e", "300", "true"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("Not a valid option for -e: 300"), std::string::npos) << bad;
  Result warn = Exec({rt, "init", "/bin/true"});
  EXPECT_EQ(warn.code, 0);
  EXPECT_NE(warn.err.find("[WARN  tini ("), std::string::npos) << warn;
  Result verbose = Exec({rt, "init", "-s", "-v", "--", "/bin/sh", "-c", "exit 2"});
  EXPECT_EQ(verbose.code, 2);
  EXPECT_NE(verbose.out.find("Main child exited normally (with status '2')"), std::string::npos) << verbose;
}

}  // namespace
}  // namespace skiff::init

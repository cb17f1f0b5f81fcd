// exec into a running container.
#include <signal.h>
#include <unistd.h>

#include "harness.h"

namespace skiff::runtime::testing {
namespace {

class ExecTest : public RuntimeTest {
 protected:
  // A running `sleep 30` container with hostname skit-exec.
  std::string StartSleeper(Bundle* out = nullptr) {
    Bundle b = h().MakeBundle({"sleep", "30"});
    b.config["hostname"] = "skit-exec";
    b.Save();
    std::string id = h().NewId("exec");
    Result r = h().RunDetached(b, id);
    EXPECT_EQ(r.code, 0) << r;
    if (out) *out = b;
    return id;
  }
};

std::string NsOf(int pid, const std::string& type) {
  char buf[256];
  ssize_t n = ::readlink(("/proc/" + std::to_string(pid) + "/ns/" + type).c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST_F(ExecTest, RunsInContainerNamespaces) {
  std::string id = StartSleeper();
  int pid = h().State(id).value("pid", 0);
  ASSERT_GT(pid, 0);
  Result e = h().Runtime({"exec", id, "sh", "-c",
                          "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; for t in pid net ipc uts mnt; do "
                          "readlink /proc/self/ns/$t; done"});
  ASSERT_EQ(e.code, 0) << e;
  auto l = Lines(e.out);
  ASSERT_EQ(l.size(), 7u) << e;
  EXPECT_EQ(l[0], "skit-exec");
  EXPECT_EQ(Trim(l[1]), "sleep 30") << "pid 1 must be the container's init";
  EXPECT_EQ(l[2], NsOf(pid, "pid"));
  EXPECT_EQ(l[3], NsOf(pid, "net"));
  EXPECT_EQ(l[4], NsOf(pid, "ipc"));
  EXPECT_EQ(l[5], NsOf(pid, "uts"));
  EXPECT_EQ(l[6], NsOf(pid, "mnt"));
}

TEST_F(ExecTest, JoinsContainerCgroup) {
  std::string id = StartSleeper();
  Result e = h().Runtime({"exec", id, "sh", "-c", "grep ':memory:' /proc/self/cgroup"});
  ASSERT_EQ(e.code, 0) << e;
  EXPECT_TRUE(Trim(e.out).ends_with(":memory:/" + id)) << e;
}

TEST_F(ExecTest, ExitCodePropagates) {
  std::string id = StartSleeper();
  Result e = h().Runtime({"exec", id, "sh", "-c", "exit 7"});
  EXPECT_EQ(e.code, 7) << e;
}

TEST_F(ExecTest, EnvCwdUser) {
  std::string id = StartSleeper();
  Result e = h().Runtime({"exec", "--env", "FOO=bar", "--env", "BAZ=qux", "--cwd", "/tmp", "--user", "1000:1001", id,
                          "sh", "-c", "echo $FOO $BAZ; pwd; id -u; id -g"});
  ASSERT_EQ(e.code, 0) << e;
  EXPECT_EQ(e.out, "bar qux\n/tmp\n1000\n1001\n");
}

TEST_F(ExecTest, ProcessFile) {
  std::string id = StartSleeper();
  Json p = {{"terminal", false},
            {"args", {"sh", "-c", "echo $SKIT; pwd; id -u; grep NoNewPrivs /proc/self/status"}},
            {"env", {"PATH=/bin:/usr/bin", "SKIT=from-process-file"}},
            {"cwd", "/etc"},
            {"user", {{"uid", 1234}, {"gid", 1234}}},
            {"noNewPrivileges", true}};
  std::string file = h().dir() + "/process.json";
  WriteText(file, p.dump());
  Result e = h().Runtime({"exec", "--process", file, id});
  ASSERT_EQ(e.code, 0) << e;
  auto l = Lines(e.out);
  ASSERT_EQ(l.size(), 4u) << e;
  EXPECT_EQ(l[0], "from-process-file");
  EXPECT_EQ(l[1], "/etc");
  EXPECT_EQ(l[2], "1234");
  EXPECT_EQ(Trim(l[3].substr(l[3].find(':') + 1)), "1");
}

TEST_F(ExecTest, DetachWithPidFile) {
  std::string id = StartSleeper();
  int init = h().State(id).value("pid", 0);
  std::string pid_file = h().dir() + "/exec.pid";
  Result e = h().Runtime({"exec", "--detach", "--pid-file", pid_file, id, "sleep", "20"});
  ASSERT_EQ(e.code, 0) << e;
  std::string text = Trim(ReadText(pid_file));
  ASSERT_FALSE(text.empty()) << "pid file not written";
  int pid = std::stoi(text);
  EXPECT_EQ(::kill(pid, 0), 0) << "detached exec process is not running";
  EXPECT_TRUE(Harness::WaitFor([&] { return ReadText("/proc/" + text + "/cmdline").starts_with("sleep"); }));
  EXPECT_EQ(NsOf(pid, "pid"), NsOf(init, "pid"));
  Result ps = h().Runtime({"ps", "--format", "json", id});
  Json j = Json::parse(ps.out, nullptr, false);
  ASSERT_TRUE(j.is_array()) << ps;
  EXPECT_NE(std::find(j.begin(), j.end(), Json(pid)), j.end()) << ps;
}

TEST_F(ExecTest, IntoStoppedContainerFails) {
  Bundle b = h().MakeBundle({"true"});
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  ASSERT_EQ(h().WaitStatus(id, "stopped"), "stopped");
  Result e = h().Runtime({"exec", id, "true"});
  EXPECT_NE(e.code, 0) << e;
  EXPECT_NE(e.err.find("stopped"), std::string::npos) << e;
}

TEST_F(ExecTest, IntoMissingContainerFails) {
  Result e = h().Runtime({"exec", "skit-nope", "true"});
  EXPECT_NE(e.code, 0) << e;
  EXPECT_NE(e.err.find("does not exist"), std::string::npos) << e;
}

TEST_F(ExecTest, InheritsContainerCapsAndSeccomp) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  Json caps = {"CAP_KILL"};
  b.config["process"]["capabilities"] = {{"bounding", caps}, {"effective", caps}, {"permitted", caps}};
  b.config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                  {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
  b.Save();
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  Result e = h().Runtime({"exec", id, "sh", "-c", "grep CapEff /proc/self/status; mkdir /tmp/x 2>&1; echo rc=$?"});
  ASSERT_EQ(e.code, 0) << e;
  EXPECT_NE(e.out.find("0000000000000020"), std::string::npos) << e;
  EXPECT_NE(e.out.find("Operation not permitted"), std::string::npos) << e;
}

}  // namespace
}  // namespace skiff::runtime::testing

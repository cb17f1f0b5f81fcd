// run / create / start / state / kill / delete on the real kernel.
#include <signal.h>
#include <sys/stat.h>

#include "harness.h"

namespace skiff::runtime::testing {
namespace {

class Lifecycle : public RuntimeTest {};

TEST_F(Lifecycle, RunPropagatesExitCode) {
  Result r = h().RunSh("exit 3");
  EXPECT_EQ(r.code, 3) << r;
}

TEST_F(Lifecycle, RunStdoutReachesCaller) {
  Result r = h().RunSh("echo hello-from-container; echo to-stderr >&2");
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(Trim(r.out), "hello-from-container");
  EXPECT_NE(r.err.find("to-stderr"), std::string::npos) << r;
}

TEST_F(Lifecycle, RunRemovesStateWhenDone) {
  std::string id;
  Result r = h().RunSh("true", {}, &id);
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_FALSE(Exists(h().root() + "/" + id)) << "run without --keep must delete the container";
  EXPECT_FALSE(Exists("/sys/fs/cgroup/memory/" + id));
}

TEST_F(Lifecycle, CreateStartStates) {
  // The process waits for a file the test creates, so "running" is observable, then exits.
  Bundle b = h().MakeBundle({"sh", "-c", "echo started > /tmp/started; while [ ! -e /tmp/go ]; do usleep 10000; done"});
  std::string id = h().NewId();
  Result c = h().Create(b, id);
  ASSERT_EQ(c.code, 0) << c;
  EXPECT_EQ(h().Status(id), "created");
  EXPECT_FALSE(Exists(b.rootfs + "/tmp/started")) << "the process must not run before start";
  Result s = h().Runtime({"start", id});
  ASSERT_EQ(s.code, 0) << s;
  EXPECT_EQ(h().Status(id), "running");
  EXPECT_TRUE(Harness::WaitFor([&] { return Exists(b.rootfs + "/tmp/started"); }));
  WriteText(b.rootfs + "/tmp/go", "");
  EXPECT_EQ(h().WaitStatus(id, "stopped"), "stopped");
  // A second start of a stopped container fails.
  Result s2 = h().Runtime({"start", id});
  EXPECT_NE(s2.code, 0) << s2;
  Result d = h().Runtime({"delete", id});
  EXPECT_EQ(d.code, 0) << d;
  EXPECT_FALSE(Exists(h().root() + "/" + id));
}

TEST_F(Lifecycle, PidFileAndStateFields) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  std::string id = h().NewId();
  std::string pid_file = h().dir() + "/pid";
  Result c = h().Create(b, id, {"--pid-file", pid_file});
  ASSERT_EQ(c.code, 0) << c;
  std::string pid_text = Trim(ReadText(pid_file));
  ASSERT_FALSE(pid_text.empty()) << "pid file not written";
  int pid = std::stoi(pid_text);
  EXPECT_GT(pid, 1);
  EXPECT_EQ(::kill(pid, 0), 0) << "pid in pid-file is not alive";

  Json st = h().State(id);
  ASSERT_TRUE(st.is_object()) << h().Runtime({"state", id});
  EXPECT_TRUE(st.contains("ociVersion") && st["ociVersion"].is_string()) << st.dump();
  EXPECT_EQ(st.value("id", ""), id);
  EXPECT_EQ(st.value("pid", 0), pid);
  EXPECT_EQ(st.value("status", ""), "created");
  EXPECT_EQ(st.value("bundle", ""), b.path);
  // The pid is the container's init: its /proc/<pid>/cmdline is our args once started.
  ASSERT_EQ(h().Runtime({"start", id}).code, 0);
  EXPECT_TRUE(Harness::WaitFor([&] { return ReadText("/proc/" + pid_text + "/cmdline").starts_with("sleep"); }))
      << ReadText("/proc/" + pid_text + "/cmdline");
  st = h().State(id);
  EXPECT_EQ(st.value("status", ""), "running");
  EXPECT_EQ(st.value("pid", 0), pid);
}

TEST_F(Lifecycle, StateOfUnknownContainerFails) {
  Result r = h().Runtime({"state", "skit-does-not-exist"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r;
}

TEST_F(Lifecycle, ListShowsContainers) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  std::string id = h().NewId();
  ASSERT_EQ(h().Create(b, id).code, 0);
  Result l = h().Runtime({"list", "--format", "json"});
  ASSERT_EQ(l.code, 0) << l;
  Json j = Json::parse(l.out, nullptr, false);
  ASSERT_TRUE(j.is_array()) << l;
  ASSERT_EQ(j.size(), 1u) << l;
  EXPECT_EQ(j[0].value("id", ""), id);
  EXPECT_EQ(j[0].value("status", ""), "created");
  Result q = h().Runtime({"list", "-q"});
  EXPECT_EQ(Trim(q.out), id);
}

// --- kill ---

// A container whose shell traps the given signal and records it before exiting.
Bundle TrapBundle(Harness& h, const std::string& sig) {
  return h.MakeBundle({"sh", "-c", "trap 'echo got-" + sig + " > /tmp/sig; exit 0' " + sig +
                                       "; touch /tmp/ready; while true; do usleep 10000; done"});
}

void KillAndExpect(Harness& h, const std::string& sig_arg, const std::string& trapped) {
  Bundle b = TrapBundle(h, trapped);
  std::string id = h.NewId("kill");
  Result r = h.RunDetached(b, id);
  ASSERT_EQ(r.code, 0) << r;
  ASSERT_TRUE(Harness::WaitFor([&] { return Exists(b.rootfs + "/tmp/ready"); })) << "container did not start";
  Result k = h.Runtime({"kill", id, sig_arg});
  ASSERT_EQ(k.code, 0) << k;
  EXPECT_EQ(h.WaitStatus(id, "stopped"), "stopped");
  EXPECT_EQ(Trim(ReadText(b.rootfs + "/tmp/sig")), "got-" + trapped) << "signal " << sig_arg;
}

TEST_F(Lifecycle, KillBySignalName) { KillAndExpect(h(), "SIGUSR1", "USR1"); }
TEST_F(Lifecycle, KillByShortSignalName) { KillAndExpect(h(), "HUP", "HUP"); }
TEST_F(Lifecycle, KillBySignalNumber) { KillAndExpect(h(), "10", "USR1"); }

TEST_F(Lifecycle, KillDefaultIsTerm) {
  Bundle b = TrapBundle(h(), "TERM");
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  ASSERT_TRUE(Harness::WaitFor([&] { return Exists(b.rootfs + "/tmp/ready"); }));
  Result k = h().Runtime({"kill", id});
  ASSERT_EQ(k.code, 0) << k;
  EXPECT_EQ(h().WaitStatus(id, "stopped"), "stopped");
  EXPECT_EQ(Trim(ReadText(b.rootfs + "/tmp/sig")), "got-TERM");
}

TEST_F(Lifecycle, KillBadSignalFails) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  Result k = h().Runtime({"kill", id, "SIGNOPE"});
  EXPECT_NE(k.code, 0) << k;
  EXPECT_EQ(h().Status(id), "running");
}

TEST_F(Lifecycle, KillAllReachesEveryProcess) {
  // No pid namespace: the init's children live on after it dies unless kill --all reaches them too.
  Bundle b = h().MakeBundle(
      {"sh", "-c", "sleep 300 & echo $! > /tmp/child; sleep 300 & echo $! >> /tmp/child; touch /tmp/ready; wait"});
  auto& ns = b.config["linux"]["namespaces"];
  for (auto it = ns.begin(); it != ns.end();) {
    if ((*it)["type"] == "pid") it = ns.erase(it);
    else ++it;
  }
  b.Save();
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  ASSERT_TRUE(Harness::WaitFor([&] { return Exists(b.rootfs + "/tmp/ready"); }));
  std::vector<std::string> kids = Lines(ReadText(b.rootfs + "/tmp/child"));
  ASSERT_EQ(kids.size(), 2u);
  for (auto& k : kids) ASSERT_EQ(::kill(std::stoi(k), 0), 0) << "child " << k << " not running";
  Result k = h().Runtime({"kill", "--all", id, "KILL"});
  ASSERT_EQ(k.code, 0) << k;
  for (auto& kid : kids) {
    int pid = std::stoi(kid);
    // Gone or a zombie.
    EXPECT_TRUE(Harness::WaitFor([&] {
      std::string s = ReadText("/proc/" + kid + "/stat");
      return s.empty() || s.find(") Z") != std::string::npos;
    })) << "pid " << pid << " survived kill --all";
  }
  EXPECT_EQ(h().WaitStatus(id, "stopped"), "stopped");
}

TEST_F(Lifecycle, KillStoppedContainerFails) {
  Bundle b = h().MakeBundle({"true"});
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  ASSERT_EQ(h().WaitStatus(id, "stopped"), "stopped");
  Result k = h().Runtime({"kill", id, "KILL"});
  EXPECT_NE(k.code, 0) << k;
}

// --- delete ---

TEST_F(Lifecycle, DeleteRefusesRunningWithoutForce) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  int pid = h().State(id).value("pid", 0);
  ASSERT_GT(pid, 0);
  Result d = h().Runtime({"delete", id});
  EXPECT_NE(d.code, 0) << d;
  EXPECT_NE(d.err.find("running"), std::string::npos) << d;
  EXPECT_EQ(h().Status(id), "running");
  EXPECT_EQ(::kill(pid, 0), 0);
  EXPECT_TRUE(Exists("/sys/fs/cgroup/memory/" + id));
}

TEST_F(Lifecycle, DeleteForceKillsAndCleans) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  int pid = h().State(id).value("pid", 0);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(Exists("/sys/fs/cgroup/memory/" + id));
  Result d = h().Runtime({"delete", "--force", id});
  ASSERT_EQ(d.code, 0) << d;
  std::string pid_s = std::to_string(pid);
  EXPECT_TRUE(Harness::WaitFor([&] {
    std::string s = ReadText("/proc/" + pid_s + "/stat");
    return s.empty() || s.find(") Z") != std::string::npos;
  }));
  EXPECT_FALSE(Exists(h().root() + "/" + id));
  for (const char* c : {"memory", "pids", "cpu", "freezer", "devices"})
    EXPECT_FALSE(Exists(std::string("/sys/fs/cgroup/") + c + "/" + id)) << c;
  EXPECT_NE(h().Runtime({"state", id}).code, 0);
}

TEST_F(Lifecycle, DeleteCreatedContainer) {
  Bundle b = h().MakeBundle({"true"});
  std::string id = h().NewId();
  ASSERT_EQ(h().Create(b, id).code, 0);
  // created counts as not running for delete in runc? It has a live init: --force is the safe form.
  Result d = h().Runtime({"delete", "--force", id});
  ASSERT_EQ(d.code, 0) << d;
  EXPECT_FALSE(Exists(h().root() + "/" + id));
}

TEST_F(Lifecycle, DuplicateIdFailsAndLeavesFirstUntouched) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  std::string id = h().NewId();
  ASSERT_EQ(h().RunDetached(b, id).code, 0);
  Json before = h().State(id);
  ASSERT_EQ(before.value("status", ""), "running");
  std::string state_file = ReadText(h().root() + "/" + id + "/state.json");
  Bundle b2 = h().MakeBundle({"true"});
  Result r = h().Runtime({"create", "--bundle", b2.path, id});
  EXPECT_NE(r.code, 0) << r;
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r;
  Json after = h().State(id);
  EXPECT_EQ(after.value("status", ""), "running");
  EXPECT_EQ(after.value("pid", 0), before.value("pid", -1));
  EXPECT_EQ(after.value("bundle", ""), b.path);
  EXPECT_EQ(ReadText(h().root() + "/" + id + "/state.json"), state_file);
  EXPECT_TRUE(Exists("/sys/fs/cgroup/memory/" + id)) << "the failed create removed the first one's cgroup";
  EXPECT_EQ(::kill(before.value("pid", 0), 0), 0);
}

}  // namespace
}  // namespace skiff::runtime::testing

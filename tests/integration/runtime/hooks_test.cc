// OCI hooks: each kind runs, at its point, with the state on stdin.
#include <signal.h>
#include <sys/stat.h>

#include "harness.h"

namespace skiff::runtime::testing {
namespace {

class Hooks : public RuntimeTest {};

// A hook that saves its stdin to <dir>/<name>.json and appends <name> to <dir>/order.
Json Hook(const std::string& script, const std::string& name, const std::string& dir) {
  return {{"path", "/bin/sh"}, {"args", {"sh", script, name, dir}}, {"env", {"PATH=/usr/bin:/bin"}}};
}

const char* kHookScript = "#!/bin/sh\ncat > \"$2/$1.json\"\necho \"$1\" >> \"$2/order\"\n";

TEST_F(Hooks, AllHooksRunWithState) {
  std::string dir = h().MakeDir("hooks");
  std::string script = dir + "/hook.sh";
  WriteText(script, kHookScript, 0755);
  Bundle b = h().MakeBundle({"sh", "-c", "echo ran > /tmp/ran"});
  // startContainer runs in the container after pivot_root: its paths are the container's.
  WriteText(b.rootfs + "/hook.sh", kHookScript, 0755);
  ::mkdir((b.rootfs + "/hookout").c_str(), 0755);
  Json& hooks = b.config["hooks"];
  for (const char* kind : {"prestart", "createRuntime", "createContainer", "poststart", "poststop"})
    hooks[kind] = {Hook(script, kind, dir)};
  hooks["startContainer"] = {Hook("/hook.sh", "startContainer", "/hookout")};
  b.Save();
  std::string id = h().NewId("hooks");
  Result r = h().Runtime({"run", "--bundle", b.path, id});
  ASSERT_EQ(r.code, 0) << r;

  for (const char* kind : {"prestart", "createRuntime", "createContainer", "poststart", "poststop"}) {
    std::string text = ReadText(dir + "/" + kind + ".json");
    ASSERT_FALSE(text.empty()) << kind << " hook did not run (or got no stdin)";
    Json st = Json::parse(text, nullptr, false);
    ASSERT_TRUE(st.is_object()) << kind << ": " << text;
    EXPECT_EQ(st.value("id", ""), id) << kind;
    EXPECT_EQ(st.value("bundle", ""), b.path) << kind;
    EXPECT_TRUE(st.contains("ociVersion")) << kind;
    if (std::string(kind) != "poststop") {
      EXPECT_GT(st.value("pid", 0), 0) << kind;
    }
  }
  std::string inside = ReadText(b.rootfs + "/hookout/startContainer.json");
  ASSERT_FALSE(inside.empty()) << "startContainer hook did not run in the container";
  Json st = Json::parse(inside, nullptr, false);
  EXPECT_EQ(st.value("id", ""), id);
  EXPECT_EQ(ReadText(b.rootfs + "/tmp/ran"), "ran\n");

  // Host-side order (startContainer is logged inside the container).
  auto order = Lines(ReadText(dir + "/order"));
  std::vector<std::string> want = {"prestart", "createRuntime", "createContainer", "poststart", "poststop"};
  EXPECT_EQ(order, want);
  Json state_status = Json::parse(ReadText(dir + "/poststart.json"), nullptr, false);
  EXPECT_EQ(state_status.value("status", ""), "running");
  state_status = Json::parse(ReadText(dir + "/poststop.json"), nullptr, false);
  EXPECT_EQ(state_status.value("status", ""), "stopped");
}

TEST_F(Hooks, CreateRuntimeHooksRunAtCreateNotStart) {
  std::string dir = h().MakeDir("hooks");
  std::string script = dir + "/hook.sh";
  WriteText(script, kHookScript, 0755);
  Bundle b = h().MakeBundle({"true"});
  b.config["hooks"]["createRuntime"] = {Hook(script, "createRuntime", dir)};
  b.config["hooks"]["poststart"] = {Hook(script, "poststart", dir)};
  b.config["hooks"]["poststop"] = {Hook(script, "poststop", dir)};
  b.Save();
  std::string id = h().NewId();
  ASSERT_EQ(h().Create(b, id).code, 0);
  EXPECT_EQ(Lines(ReadText(dir + "/order")), std::vector<std::string>{"createRuntime"});
  ASSERT_EQ(h().Runtime({"start", id}).code, 0);
  EXPECT_EQ(Lines(ReadText(dir + "/order")), (std::vector<std::string>{"createRuntime", "poststart"}));
  ASSERT_EQ(h().WaitStatus(id, "stopped"), "stopped");
  ASSERT_EQ(h().Runtime({"delete", id}).code, 0);
  EXPECT_EQ(Lines(ReadText(dir + "/order")),
            (std::vector<std::string>{"createRuntime", "poststart", "poststop"}));
}

TEST_F(Hooks, FailingPrestartFailsCreateAndLeavesNothing) {
  std::string dir = h().MakeDir("hooks");
  std::string script = dir + "/fail.sh";
  WriteText(script, "#!/bin/sh\necho hook-said-no >&2\nexit 3\n", 0755);
  Bundle b = h().MakeBundle({"sh", "-c", "echo should-not-run > /tmp/ran"});
  b.config["hooks"]["prestart"] = {{{"path", "/bin/sh"}, {"args", {"sh", script}}}};
  b.Save();
  std::string id = h().NewId();
  auto mounts_before = MountPoints();
  Result r = h().Create(b, id);
  EXPECT_NE(r.code, 0) << r;
  EXPECT_NE(r.err.find("prestart"), std::string::npos) << r;
  EXPECT_NE(r.err.find("hook-said-no"), std::string::npos) << r;
  EXPECT_FALSE(Exists(h().root() + "/" + id)) << "state dir left behind";
  for (const char* c : {"memory", "pids", "cpu", "freezer", "devices", "systemd"})
    EXPECT_FALSE(Exists(std::string("/sys/fs/cgroup/") + c + "/" + id)) << "cgroup left behind in " << c;
  EXPECT_FALSE(Exists(b.rootfs + "/tmp/ran"));
  EXPECT_EQ(MountPoints(), mounts_before);
  Result l = h().Runtime({"list", "-q"});
  EXPECT_EQ(Trim(l.out), "");
}

TEST_F(Hooks, FailingPoststartKillsContainer) {
  Bundle b = h().MakeBundle({"sleep", "30"});
  b.config["hooks"]["poststart"] = {{{"path", "/bin/false"}}};
  b.Save();
  std::string id = h().NewId();
  ASSERT_EQ(h().Create(b, id).code, 0);
  int pid = h().State(id).value("pid", 0);
  Result s = h().Runtime({"start", id});
  EXPECT_NE(s.code, 0) << s;
  EXPECT_NE(s.err.find("poststart"), std::string::npos) << s;
  EXPECT_EQ(h().WaitStatus(id, "stopped"), "stopped");
  EXPECT_TRUE(pid > 0 && (::kill(pid, 0) != 0 || ReadText("/proc/" + std::to_string(pid) + "/stat").find(") Z") !=
                                                      std::string::npos));
}

TEST_F(Hooks, HookTimeout) {
  Bundle b = h().MakeBundle({"true"});
  b.config["hooks"]["createRuntime"] = {{{"path", "/bin/sleep"}, {"args", {"sleep", "30"}}, {"timeout", 1}}};
  b.Save();
  std::string id = h().NewId();
  Result r = h().Create(b, id);
  EXPECT_NE(r.code, 0) << r;
  EXPECT_NE(r.err.find("timed out"), std::string::npos) << r;
  EXPECT_FALSE(r.timed_out) << "the runtime must enforce the hook timeout itself";
  EXPECT_FALSE(Exists(h().root() + "/" + id));
}

}  // namespace
}  // namespace skiff::runtime::testing

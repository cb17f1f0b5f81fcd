// Bad input: a one-line error naming the problem, a non-zero exit, and nothing left behind.
#include <unistd.h>

#include <algorithm>

#include "harness.h"

namespace skiff::runtime::testing {
namespace {

class BadInput : public RuntimeTest {
 protected:
  // Runs `create` on the bundle (with extra global options) and checks the failure contract.
  void ExpectCleanFailure(const Bundle& b, const std::string& want_in_error, const std::string& id_in = "",
                          const std::vector<std::string>& global = {}) {
    std::string id = id_in.empty() ? h().NewId("bad") : id_in;
    auto mounts_before = MountPoints();
    std::vector<std::string> args = {"create", "--bundle", b.path, id};
    Result r = h().RuntimeG(global, args);
    EXPECT_NE(r.code, 0) << r;
    EXPECT_FALSE(r.timed_out) << r;
    std::string err = Trim(r.err);
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 0) << "error must be one line:\n" << err;
    EXPECT_FALSE(err.empty()) << r;
    EXPECT_NE(err.find(want_in_error), std::string::npos) << "error should name \"" << want_in_error << "\": " << err;
    EXPECT_TRUE(r.out.empty()) << r;
    // Nothing left: no state dir, no cgroup, no mounts, nothing listed.
    if (id.find('/') == std::string::npos) {
      EXPECT_FALSE(Exists(h().root() + "/" + id)) << "state dir left behind";
      for (const char* c : {"memory", "pids", "cpu", "cpuset", "freezer", "devices", "blkio", "systemd", "unified"})
        EXPECT_FALSE(Exists(std::string("/sys/fs/cgroup/") + c + "/" + id)) << "cgroup left behind in " << c;
    }
    auto mounts_after = MountPoints();
    std::sort(mounts_before.begin(), mounts_before.end());
    std::sort(mounts_after.begin(), mounts_after.end());
    std::vector<std::string> added;
    std::set_difference(mounts_after.begin(), mounts_after.end(), mounts_before.begin(), mounts_before.end(),
                        std::back_inserter(added));
    for (const auto& mp : added)
      EXPECT_FALSE(mp.starts_with(h().dir()) || mp.starts_with("/etc") || mp == "/") << "new mount: " << mp;
    Result l = h().Runtime({"list", "-q"});
    EXPECT_EQ(Trim(l.out), "") << l;
  }
};

TEST_F(BadInput, TruncatedConfig) {
  Bundle b = h().MakeBundle({"true"});
  std::string text = b.config.dump();
  WriteText(b.path + "/config.json", text.substr(0, text.size() / 2));
  ExpectCleanFailure(b, "config.json");
}

TEST_F(BadInput, MissingRootfs) {
  Bundle b = h().MakeBundle({"true"});
  b.config["root"]["path"] = "no-such-rootfs";
  b.Save();
  ExpectCleanFailure(b, "root.path");
}

TEST_F(BadInput, UnknownNamespaceType) {
  Bundle b = h().MakeBundle({"true"});
  b.config["linux"]["namespaces"].push_back({{"type", "bogus"}});
  b.Save();
  ExpectCleanFailure(b, "linux.namespaces");
}

TEST_F(BadInput, DuplicateNamespace) {
  Bundle b = h().MakeBundle({"true"});
  b.config["linux"]["namespaces"].push_back({{"type", "pid"}});
  b.Save();
  ExpectCleanFailure(b, "linux.namespaces");
}

TEST_F(BadInput, UnknownCapability) {
  Bundle b = h().MakeBundle({"true"});
  b.config["process"]["capabilities"]["bounding"].push_back("CAP_FOO");
  b.Save();
  ExpectCleanFailure(b, "CAP_FOO");
  Result r = h().Runtime({"create", "--bundle", b.path, h().NewId("bad")});
  EXPECT_NE(r.err.find("process.capabilities"), std::string::npos) << r;
}

TEST_F(BadInput, BadRlimitType) {
  Bundle b = h().MakeBundle({"true"});
  b.config["process"]["rlimits"] = {{{"type", "RLIMIT_BOGUS"}, {"soft", 1}, {"hard", 1}}};
  b.Save();
  ExpectCleanFailure(b, "process.rlimits");
}

TEST_F(BadInput, EmptyArgs) {
  Bundle b = h().MakeBundle({});
  b.config["process"]["args"] = Json::array();
  b.Save();
  ExpectCleanFailure(b, "process.args");
}

TEST_F(BadInput, RelativeCwd) {
  Bundle b = h().MakeBundle({"true"});
  b.config["process"]["cwd"] = "tmp";
  b.Save();
  ExpectCleanFailure(b, "process.cwd");
}

TEST_F(BadInput, MissingConfigJson) {
  Bundle b = h().MakeBundle({"true"});
  ::unlink((b.path + "/config.json").c_str());
  ExpectCleanFailure(b, "config.json");
}

TEST_F(BadInput, InvalidContainerId) {
  Bundle b = h().MakeBundle({"true"});
  ExpectCleanFailure(b, "container id", "bad/../id");
  ExpectCleanFailure(b, "container id", "has space");
}

TEST_F(BadInput, SystemdCgroupRejected) {
  Bundle b = h().MakeBundle({"true"});
  ExpectCleanFailure(b, "systemd", "", {"--systemd-cgroup"});
}

TEST_F(BadInput, SystemdStyleCgroupsPathRejected) {
  Bundle b = h().MakeBundle({"true"});
  b.config["linux"]["cgroupsPath"] = "system.slice:skiff:abc";
  b.Save();
  ExpectCleanFailure(b, "cgroupsPath");
}

TEST_F(BadInput, BadMountDestinationFailsLate) {
  // Fails in the container's setup (after the cgroup exists): still nothing may be left.
  Bundle b = h().MakeBundle({"true"});
  b.config["mounts"].push_back(
      {{"destination", "/mnt/x"}, {"type", "bind"}, {"source", "/no/such/source"}, {"options", {"rbind"}}});
  b.Save();
  ExpectCleanFailure(b, "/mnt/x");
}

TEST_F(BadInput, BadSysctlFailsLate) {
  Bundle b = h().MakeBundle({"true"});
  b.config["linux"]["sysctl"] = {{"net.ipv4.no_such_knob", "1"}};
  b.Save();
  ExpectCleanFailure(b, "net.ipv4.no_such_knob");
}

TEST_F(BadInput, UnknownCommandAndMissingContainer) {
  Result r = h().Runtime({"frobnicate"});
  EXPECT_NE(r.code, 0);
  EXPECT_FALSE(Trim(r.err).empty());
  Result s = h().Runtime({"start", "skit-missing"});
  EXPECT_NE(s.code, 0);
  EXPECT_NE(s.err.find("does not exist"), std::string::npos) << s;
  Result d = h().Runtime({"delete", "skit-missing"});
  EXPECT_NE(d.code, 0);
  Result df = h().Runtime({"delete", "--force", "skit-missing"});
  EXPECT_EQ(df.code, 0) << "delete --force of a missing container succeeds, as runc: " << df;
}

TEST_F(BadInput, JsonLogOnFailedCreate) {
  Bundle b = h().MakeBundle({"true"});
  b.config["root"]["path"] = "no-such-rootfs";
  b.Save();
  std::string log = h().dir() + "/runtime.log";
  std::string id = h().NewId("log");
  Result r = h().RuntimeG({"--log", log, "--log-format", "json"}, {"create", "--bundle", b.path, id});
  EXPECT_NE(r.code, 0) << r;
  auto lines = Lines(ReadText(log));
  ASSERT_FALSE(lines.empty()) << "nothing written to --log";
  bool found = false;
  for (const auto& l : lines) {
    Json j = Json::parse(l, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not a JSON line: " << l;
    if (j.value("level", "") == "error") {
      found = true;
      std::string msg = j.value("msg", j.value("message", ""));
      EXPECT_NE(msg.find("root.path"), std::string::npos) << l;
    }
  }
  EXPECT_TRUE(found) << "no {\"level\":\"error\"} line in:\n" << ReadText(log);
  EXPECT_FALSE(Exists(h().root() + "/" + id));
}

}  // namespace
}  // namespace skiff::runtime::testing

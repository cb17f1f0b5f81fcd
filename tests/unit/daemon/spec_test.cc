// The OCI spec Skiff builds for a container, against what dockerd 20.10 writes (see the captured
// config.json shape), and --user resolution in a rootfs.
#include <gtest/gtest.h>
#include <unistd.h>

#include "base/file.h"
#include "daemon/settings.h"
#include "daemon/spec.h"
#include "daemon/userinfo.h"

namespace skiff::daemon {
namespace {

ContainerRecord Rec(Json config, Json host) {
  ContainerRecord c;
  c.id = std::string(64, 'a');
  c.config = NormalizeConfig(config);
  if (c.config["Hostname"] == "") c.config["Hostname"] = c.id.substr(0, 12);
  c.host_config = NormalizeHostConfig(host, "json-file", {}, false);
  c.hosts_path = "/data/hosts";
  c.hostname_path = "/data/hostname";
  c.resolv_conf_path = "/data/resolv.conf";
  return c;
}

SpecContext Ctx() {
  SpecContext ctx;
  ctx.rootfs = "/rootfs";
  ctx.cgroup_parent = "/skiff";
  ctx.init_path = "/usr/bin/skiff-runtime";
  ctx.runtime_path = "/usr/bin/skiff-runtime";
  return ctx;
}

const Json* MountAt(const Json& spec, const std::string& dst) {
  for (auto& m : spec["mounts"]) {
    if (m["destination"] == dst) return &m;
  }
  return nullptr;
}

TEST(Spec, DefaultsAsDocker) {
  auto spec = BuildSpec(Rec({{"Cmd", {"sleep", "300"}}}, {}), Ctx());
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  const Json& s = *spec;
  EXPECT_EQ(s["process"]["args"], Json({"sleep", "300"}));
  EXPECT_EQ(s["process"]["env"][0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  EXPECT_EQ(s["process"]["env"][1], "HOSTNAME=aaaaaaaaaaaa");
  EXPECT_EQ(s["process"]["capabilities"]["bounding"].size(), 14u);
  EXPECT_EQ(s["hostname"], "aaaaaaaaaaaa");
  EXPECT_EQ(s["linux"]["cgroupsPath"], "/skiff/" + std::string(64, 'a'));
  EXPECT_EQ(s["linux"]["namespaces"].size(), 5u);
  EXPECT_TRUE(s["linux"].contains("seccomp"));
  EXPECT_EQ(s["linux"]["maskedPaths"][0], "/proc/asound");
  ASSERT_TRUE(MountAt(s, "/dev/shm"));
  EXPECT_EQ((*MountAt(s, "/dev/shm"))["options"].back(), "size=67108864");
  ASSERT_TRUE(MountAt(s, "/etc/hosts"));
  EXPECT_EQ((*MountAt(s, "/etc/hosts"))["source"], "/data/hosts");
  EXPECT_EQ((*MountAt(s, "/sys"))["options"].back(), "ro");
  EXPECT_EQ(s["linux"]["sysctl"]["net.ipv4.ping_group_range"], "0 2147483647");
  EXPECT_EQ(s["hooks"]["createRuntime"][0]["args"], Json({"skiff-runtime", "hook", "loopback"}));
}

TEST(Spec, ResourcesUserInitAndPrivileged) {
  auto spec = BuildSpec(Rec({{"Cmd", {"true"}}, {"Tty", true}, {"WorkingDir", "/w"}},
                            {{"Memory", 64 << 20}, {"NanoCpus", 1500000000}, {"PidsLimit", 50}, {"CpuShares", 512},
                             {"Init", true}, {"ReadonlyRootfs", true}, {"Ulimits", {{{"Name", "nofile"}, {"Soft", 100}, {"Hard", 200}}}},
                             {"CapDrop", {"ALL"}}, {"Tmpfs", {{"/run", "size=10m"}}}}),
                        Ctx());
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  const Json& s = *spec;
  EXPECT_EQ(s["process"]["args"], Json({"/sbin/docker-init", "--", "true"}));
  EXPECT_EQ((*MountAt(s, "/sbin/docker-init"))["source"], "/usr/bin/skiff-runtime");
  EXPECT_EQ(s["process"]["cwd"], "/w");
  EXPECT_TRUE(s["process"]["terminal"]);
  EXPECT_EQ(s["process"]["env"][2], "TERM=xterm");
  EXPECT_EQ(s["process"]["rlimits"][0], Json({{"type", "RLIMIT_NOFILE"}, {"soft", 100}, {"hard", 200}}));
  EXPECT_TRUE(s["process"]["capabilities"]["bounding"].empty());
  EXPECT_TRUE(s["root"]["readonly"]);
  EXPECT_EQ(s["linux"]["resources"]["memory"]["limit"], 64 << 20);
  EXPECT_EQ(s["linux"]["resources"]["memory"]["swap"], 128 << 20);
  EXPECT_EQ(s["linux"]["resources"]["cpu"]["quota"], 150000);
  EXPECT_EQ(s["linux"]["resources"]["cpu"]["period"], 100000);
  EXPECT_EQ(s["linux"]["resources"]["cpu"]["shares"], 512);
  EXPECT_EQ(s["linux"]["resources"]["pids"]["limit"], 50);
  const Json* run = MountAt(s, "/run");
  ASSERT_TRUE(run);
  EXPECT_EQ((*run)["options"], Json({"noexec", "nosuid", "nodev", "size=10m"}));

  auto priv = BuildSpec(Rec({{"Cmd", {"true"}}}, {{"Privileged", true}}), Ctx());
  ASSERT_TRUE(priv.ok());
  EXPECT_FALSE((*priv)["linux"].contains("seccomp"));
  EXPECT_FALSE((*priv)["linux"].contains("maskedPaths"));
  EXPECT_EQ((*MountAt(*priv, "/sys"))["options"].back(), "nodev");
  EXPECT_EQ((*priv)["linux"]["resources"]["devices"][0]["allow"], true);
}

TEST(Spec, HostNamespacesAndMountsOrder) {
  ContainerRecord c = Rec({{"Cmd", {"true"}}}, {{"NetworkMode", "host"}, {"PidMode", "host"}});
  c.mounts.push_back({"bind", "", "/h/a", "/a/b/c", "", "ro", false, "rprivate", false, "", true});
  c.mounts.push_back({"bind", "", "/h/x", "/x", "", "", true, "rslave", false, "", true});
  SpecContext ctx = Ctx();
  ctx.ns_paths["network"] = "host";
  ctx.ns_paths["pid"] = "host";
  auto spec = BuildSpec(c, ctx);
  ASSERT_TRUE(spec.ok());
  std::vector<std::string> types;
  for (auto& n : (*spec)["linux"]["namespaces"]) types.push_back(n["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"mount", "uts", "ipc"}));
  EXPECT_FALSE((*spec)["linux"].contains("sysctl"));
  EXPECT_FALSE(spec->contains("hooks"));  // the host's network: no loopback hook
  // Parents before children: /x (depth 2) before /a/b/c (depth 4).
  int x = -1, abc = -1, i = 0;
  for (auto& m : (*spec)["mounts"]) {
    if (m["destination"] == "/x") x = i;
    if (m["destination"] == "/a/b/c") abc = i;
    ++i;
  }
  EXPECT_LT(x, abc);
  EXPECT_EQ((*MountAt(*spec, "/a/b/c"))["options"], Json({"rbind", "rprivate", "ro"}));
  EXPECT_EQ((*MountAt(*spec, "/x"))["options"], Json({"rbind", "rslave"}));
}

TEST(Spec, ExecProcess) {
  ContainerRecord c = Rec({{"Cmd", {"sleep", "1"}}, {"Env", {"A=1"}}}, {});
  auto spec = BuildSpec(c, Ctx());
  ASSERT_TRUE(spec.ok());
  ExecUser u;
  u.uid = 65534;
  u.gid = 65534;
  u.sgids = {65534};
  u.home = "/home";
  auto p = BuildExecProcess(c, (*spec)["process"], {{"Cmd", {"sh"}}, {"Env", {"B=2"}}, {"Tty", true}, {"WorkingDir", "/tmp"}}, u);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)["args"], Json({"sh"}));
  EXPECT_EQ((*p)["cwd"], "/tmp");
  EXPECT_EQ((*p)["user"]["uid"], 65534);
  EXPECT_TRUE((*p)["terminal"]);
  std::vector<std::string> env = (*p)["env"];
  EXPECT_NE(std::find(env.begin(), env.end(), "TERM=xterm"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "A=1"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "B=2"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "HOME=/home"), env.end());
  EXPECT_FALSE(BuildExecProcess(c, (*spec)["process"], {{"Cmd", Json::array()}}, u).ok());
}

TEST(UserInfo, PasswdAndGroupInRootfs) {
  auto dir = TempDir::Create();
  ASSERT_TRUE(dir.ok());
  std::string r = dir->path();
  ASSERT_TRUE(MkdirAll(r + "/etc").ok());
  ASSERT_TRUE(WriteFileAtomic(r + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n").ok());
  ASSERT_TRUE(WriteFileAtomic(r + "/etc/group", "root:x:0:\napp:x:1000:\nwheel:x:10:app\nstaff:x:50:\n").ok());
  auto root = ResolveUser(r, "");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->uid, 0u);
  EXPECT_EQ(root->home, "/root");
  auto app = ResolveUser(r, "app");
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(app->uid, 1000u);
  EXPECT_EQ(app->gid, 1000u);
  EXPECT_EQ(app->sgids, (std::vector<uint32_t>{1000, 10}));
  EXPECT_EQ(app->home, "/home/app");
  auto numeric = ResolveUser(r, "4242:4343", {"staff"});
  ASSERT_TRUE(numeric.ok());
  EXPECT_EQ(numeric->uid, 4242u);
  EXPECT_EQ(numeric->gid, 4343u);
  EXPECT_EQ(numeric->sgids, (std::vector<uint32_t>{4343, 50}));
  auto named = ResolveUser(r, "app:staff");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->gid, 50u);
  EXPECT_EQ(ResolveUser(r, "nobody").error().message(), "unable to find user nobody: no matching entries in passwd file");
  EXPECT_FALSE(ResolveUser(r, "app:nogroup").ok());
  // An absolute symlink for /etc/passwd resolves inside the rootfs, never on the host.
  auto dir2 = TempDir::Create();
  ASSERT_TRUE(dir2.ok());
  std::string r2 = dir2->path();
  ASSERT_TRUE(MkdirAll(r2 + "/etc").ok());
  ASSERT_TRUE(MkdirAll(r2 + "/var").ok());
  ASSERT_TRUE(WriteFileAtomic(r2 + "/var/passwd", "inner:x:777:777::/in:/bin/sh\n").ok());
  ASSERT_EQ(::symlink("/var/passwd", (r2 + "/etc/passwd").c_str()), 0);
  auto inner = ResolveUser(r2, "inner");
  ASSERT_TRUE(inner.ok()) << inner.error().message();
  EXPECT_EQ(inner->uid, 777u);
  ASSERT_EQ(::unlink((r2 + "/etc/passwd").c_str()), 0);
  ASSERT_EQ(::symlink("../../../../../../etc/passwd", (r2 + "/etc/passwd").c_str()), 0);
  EXPECT_FALSE(ResolveUser(r2, "root").ok());  // the host's root entry is not reachable
}

}  // namespace
}  // namespace skiff::daemon

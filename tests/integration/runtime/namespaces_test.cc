// Namespaces as the container process sees them.
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

namespace skiff::runtime::testing {
namespace {

class Namespaces : public RuntimeTest {};

std::string HostNs(const std::string& type) {
  char buf[256];
  ssize_t n = ::readlink(("/proc/self/ns/" + type).c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

void AddNamespace(Json& c, const std::string& type, const std::string& path = "") {
  Json ns = {{"type", type}};
  if (!path.empty()) ns["path"] = path;
  c["linux"]["namespaces"].push_back(ns);
}

void RemoveNamespace(Json& c, const std::string& type) {
  auto& arr = c["linux"]["namespaces"];
  for (auto it = arr.begin(); it != arr.end();) {
    if ((*it)["type"] == type) it = arr.erase(it);
    else ++it;
  }
}

TEST_F(Namespaces, PidNamespaceSeesItselfAsPid1) {
  Result r = h().RunSh("echo $$; ls /proc | grep -c '^[0-9]'; readlink /proc/self/ns/pid");
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_EQ(l.size(), 3u) << r;
  EXPECT_EQ(l[0], "1");
  // sh, ls, grep (maybe a subshell): nothing from the host.
  EXPECT_LE(std::stoi(l[1]), 4) << r;
  EXPECT_NE(l[2], HostNs("pid"));
}

TEST_F(Namespaces, UtsHostnameAndDomainname) {
  char host_before[256] = {};
  ::gethostname(host_before, sizeof host_before);
  Result r = h().RunSh("hostname; cat /proc/sys/kernel/domainname; readlink /proc/self/ns/uts", [](Json& c) {
    c["hostname"] = "skit-host";
    c["domainname"] = "skit.example";
  });
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_EQ(l.size(), 3u) << r;
  EXPECT_EQ(l[0], "skit-host");
  EXPECT_EQ(l[1], "skit.example");
  EXPECT_NE(l[2], HostNs("uts"));
  char host_after[256] = {};
  ::gethostname(host_after, sizeof host_after);
  EXPECT_STREQ(host_before, host_after) << "the host's hostname changed";
}

TEST_F(Namespaces, IpcNamespaceIsNew) {
  Result r = h().RunSh("readlink /proc/self/ns/ipc; cat /proc/sysvipc/shm | wc -l");
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_EQ(l.size(), 2u) << r;
  EXPECT_NE(l[0], HostNs("ipc"));
  EXPECT_EQ(Trim(l[1]), "1") << "a fresh ipc namespace has no shm segments (only the header line)";
}

TEST_F(Namespaces, IpcNamespaceAbsentSharesHost) {
  Result r = h().RunSh("readlink /proc/self/ns/ipc", [](Json& c) { RemoveNamespace(c, "ipc"); });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(Trim(r.out), HostNs("ipc"));
}

TEST_F(Namespaces, NetNamespaceHasOnlyLo) {
  Result r = h().RunSh("ls /sys/class/net; echo ---; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.out, "lo\n---\nlo\n") << r;
}

TEST_F(Namespaces, MountNamespaceIsNew) {
  Result r = h().RunSh("readlink /proc/self/ns/mnt; grep -c . /proc/self/mountinfo");
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_EQ(l.size(), 2u) << r;
  EXPECT_NE(l[0], HostNs("mnt"));
  // The container's mount table is its own, much smaller than the host's.
  EXPECT_LT(std::stoul(l[1]), MountPoints().size() + 20);
}

TEST_F(Namespaces, CgroupNamespaceHidesHostPath) {
  std::string id;
  Result r = h().RunSh("readlink /proc/self/ns/cgroup; grep -E ':memory:' /proc/self/cgroup",
                       [](Json& c) { AddNamespace(c, "cgroup"); }, &id);
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_EQ(l.size(), 2u) << r;
  EXPECT_NE(l[0], HostNs("cgroup"));
  EXPECT_TRUE(l[1].ends_with(":memory:/")) << "inside a cgroup ns the own cgroup is /: " << l[1];
}

TEST_F(Namespaces, WithoutCgroupNamespaceSeesOwnCgroupPath) {
  std::string id;
  Result r = h().RunSh("grep -E ':memory:' /proc/self/cgroup", {}, &id);
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_TRUE(Trim(r.out).ends_with(":memory:/" + id)) << r;
}

TEST_F(Namespaces, UserNamespaceMappings) {
  std::string shared = h().MakeDir("shared");
  ::chmod(shared.c_str(), 0777);
  Bundle b = h().MakeBundle(
      {"sh", "-c", "cat /proc/self/uid_map; cat /proc/self/gid_map; id -u; touch /data/made-inside && echo made"});
  AddNamespace(b.config, "user");
  b.config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  b.config["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  b.config["mounts"].push_back(
      {{"destination", "/data"}, {"type", "bind"}, {"source", shared}, {"options", {"rbind", "rw"}}});
  b.Save();
  // As for any user-namespaced container, the rootfs belongs to the mapped root.
  Result chown = Exec({"/bin/chown", "-R", "100000:100000", b.rootfs});
  ASSERT_EQ(chown.code, 0) << chown;
  // --root is left for the runtime to create (0700, as runc's /run/runc): the runtime must not need
  // the container's (unprivileged on the host) root to reach into it.
  Result r = h().Runtime({"run", "--bundle", b.path, h().NewId("userns")});
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_EQ(l.size(), 4u) << r;
  auto fields = [](const std::string& s) {
    std::vector<std::string> f;
    std::string w;
    for (char ch : s + " ") {
      if (ch == ' ' || ch == '\t') {
        if (!w.empty()) f.push_back(w);
        w.clear();
      } else {
        w += ch;
      }
    }
    return f;
  };
  EXPECT_EQ(fields(l[0]), (std::vector<std::string>{"0", "100000", "65536"})) << l[0];
  EXPECT_EQ(fields(l[1]), (std::vector<std::string>{"0", "100000", "65536"})) << l[1];
  EXPECT_EQ(l[2], "0");
  EXPECT_EQ(l[3], "made");
  struct stat st;
  ASSERT_EQ(::stat((shared + "/made-inside").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 100000u);
  EXPECT_EQ(st.st_gid, 100000u);
}

TEST_F(Namespaces, TimeNamespaceOffsets) {
  if (!Exists("/proc/self/ns/time")) GTEST_SKIP() << "kernel has no time namespaces";
  double host_uptime = std::stod(ReadText("/proc/uptime"));
  Result r = h().RunSh("cat /proc/self/timens_offsets; cut -d' ' -f1 /proc/uptime", [](Json& c) {
    AddNamespace(c, "time");
    c["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 864000}, {"nanosecs", 0}}},
                                 {"boottime", {{"secs", 1728000}, {"nanosecs", 0}}}};
  });
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_NE(r.out.find("monotonic"), std::string::npos) << r;
  EXPECT_NE(r.out.find("864000"), std::string::npos) << r;
  auto l = Lines(r.out);
  ASSERT_FALSE(l.empty());
  double inside = std::stod(l.back());
  // /proc/uptime follows CLOCK_BOOTTIME: offset by 20 days.
  EXPECT_GT(inside, host_uptime + 1728000 - 5) << r;
  EXPECT_LT(inside, host_uptime + 1728000 + 60) << r;
}

// An `ip netns` namespace, deleted on scope exit.
struct NetNs {
  std::string name;
  explicit NetNs(std::string n) : name(std::move(n)) {
    Exec({"/usr/sbin/ip", "netns", "add", name});
  }
  ~NetNs() { Exec({"/usr/sbin/ip", "netns", "del", name}); }
};

TEST_F(Namespaces, JoinNetnsByPath) {
  if (!Exists("/usr/sbin/ip")) GTEST_SKIP() << "no ip(8)";
  NetNs ns("skit-" + std::to_string(::getpid()));
  ASSERT_TRUE(Exists("/run/netns/" + ns.name)) << "ip netns add failed";
  // Mark the namespace: its lo is up (a fresh one's is down).
  Result up = Exec({"/usr/sbin/ip", "-n", ns.name, "link", "set", "lo", "up"});
  ASSERT_EQ(up.code, 0) << up;
  struct stat st;
  ASSERT_EQ(::stat(("/run/netns/" + ns.name).c_str(), &st), 0);
  Result r = h().RunSh("readlink /proc/self/ns/net; cat /sys/class/net/lo/flags", [&](Json& c) {
    RemoveNamespace(c, "network");
    AddNamespace(c, "network", "/run/netns/" + ns.name);
  });
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_EQ(l.size(), 2u) << r;
  EXPECT_EQ(l[0], "net:[" + std::to_string(st.st_ino) + "]");
  EXPECT_EQ(l[1], "0x9") << "lo should be up (IFF_UP|IFF_LOOPBACK) in the joined namespace";
  // Control: a new network namespace has lo down.
  Result fresh = h().RunSh("cat /sys/class/net/lo/flags");
  EXPECT_EQ(Trim(fresh.out), "0x8") << fresh;
}

TEST_F(Namespaces, JoinAnotherContainersUtsNamespace) {
  Bundle a = h().MakeBundle({"sleep", "30"}, "a");
  a.config["hostname"] = "skit-first";
  a.Save();
  std::string ida = h().NewId("a");
  ASSERT_EQ(h().RunDetached(a, ida).code, 0);
  int pid = h().State(ida).value("pid", 0);
  ASSERT_GT(pid, 0);
  Result r = h().RunSh("hostname; readlink /proc/self/ns/uts", [&](Json& c) {
    c.erase("hostname");
    RemoveNamespace(c, "uts");
    AddNamespace(c, "uts", "/proc/" + std::to_string(pid) + "/ns/uts");
  });
  ASSERT_EQ(r.code, 0) << r;
  auto l = Lines(r.out);
  ASSERT_EQ(l.size(), 2u) << r;
  EXPECT_EQ(l[0], "skit-first");
  char buf[256];
  ssize_t n = ::readlink(("/proc/" + std::to_string(pid) + "/ns/uts").c_str(), buf, sizeof buf);
  ASSERT_GT(n, 0);
  EXPECT_EQ(l[1], std::string(buf, static_cast<size_t>(n)));
}

TEST_F(Namespaces, JoinMissingNamespacePathFails) {
  Bundle b = h().MakeBundle({"true"});
  RemoveNamespace(b.config, "network");
  AddNamespace(b.config, "network", "/run/netns/skit-no-such-ns");
  b.Save();
  std::string id = h().NewId();
  Result r = h().Create(b, id);
  EXPECT_NE(r.code, 0) << r;
  EXPECT_NE(r.err.find("network"), std::string::npos) << r;
  EXPECT_FALSE(Exists(h().root() + "/" + id));
  EXPECT_FALSE(Exists("/sys/fs/cgroup/memory/" + id));
}

}  // namespace
}  // namespace skiff::runtime::testing

// Which cgroup hierarchies this host has mounted, and where this process sits in each. A Layout is plain
// data, computed once per command by DetectLayout and copied freely (Manager keeps one inside it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace skiff::runtime::cgroups {

// kV1: only legacy hierarchies; kV2: only the unified hierarchy; kHybrid: v1 controllers plus a cgroup2
// mount (usually /sys/fs/cgroup/unified) holding whatever controllers v1 does not.
enum class Mode { kV1, kV2, kHybrid };

std::string_view ModeName(Mode m);  // "v1", "v2", "hybrid"

// One mounted hierarchy.
struct Hierarchy {
  std::string mountpoint;                // e.g. /sys/fs/cgroup/memory or /sys/fs/cgroup/unified
  std::vector<std::string> controllers;  // v1: {"cpu","cpuacct"} / {"name=systemd"}; v2: cgroup.controllers
  bool v2 = false;
  std::string self_path;  // this process's cgroup in that hierarchy, from /proc/self/cgroup ("/a/b")
  std::string mount_root = "/";  // the cgroup the mount shows at mountpoint (mountinfo field 4)

  bool Has(std::string_view controller) const;
  // Host directory of cgroup path `cg` (a path from the hierarchy's root, as in /proc/self/cgroup).
  std::string DirOf(std::string_view cg) const;
};

struct Layout {
  Mode mode = Mode::kV1;
  std::vector<Hierarchy> hierarchies;

  // The v1 hierarchy holding `controller`, else nullptr.
  const Hierarchy* V1(std::string_view controller) const;
  // The cgroup2 hierarchy, else nullptr.
  const Hierarchy* Unified() const;
};

// Reads mountinfo + /proc/<self>/cgroup. Paths are parameters so tests can use fake files. The v2
// controller list is read from <mountpoint>/cgroup.controllers (empty when unreadable).
Result<Layout> DetectLayout(const std::string& mountinfo = "/proc/self/mountinfo",
                            const std::string& self_cgroup = "/proc/self/cgroup");

// Parses one line of mountinfo's escaped path form ("\040" -> ' ').
std::string UnescapeMountPath(std::string_view s);

}  // namespace skiff::runtime::cgroups

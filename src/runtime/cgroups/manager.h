// Manager: one container's cgroup, across every mounted hierarchy. A value type holding paths only
// (no fds, no threads); it owns the directories it created (Destroy removes them) and is persisted in
// the container state file with ToJson/FromJson so later commands (start, kill, pause, update, delete,
// events) reload it.
//
// Placement of settings: each controller's values go to the v1 hierarchy that has the controller, else
// to the cgroup2 hierarchy if it offers it (so on a hybrid host everything lands on v1, except what only
// the unified mount has, e.g. hugetlb). Processes join every hierarchy, including hybrid's unified one.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "runtime/cgroups/layout.h"
#include "runtime/cgroups/resources.h"

namespace skiff::runtime::cgroups {

class Manager {
 public:
  // cgroups_path: OCI linux.cgroupsPath. Empty -> "/<id>". Absolute -> under each hierarchy's root;
  // relative -> under this process's own cgroup (self_path). "slice:prefix:name" (systemd form) ->
  // InvalidArgument ("systemd cgroup driver is not supported"). ".." components are refused.
  static Result<Manager> ForPath(const Layout& layout, std::string_view cgroups_path, std::string_view id);

  // mkdir in every hierarchy (incl. hybrid's unified), enable needed v2 controllers, apply resources; on
  // failure rmdir what it made. An existing directory is joined, not owned.
  Status Create(const Resources& r);
  // Writes pid into cgroup.procs of every hierarchy.
  Status AddProcess(pid_t pid);
  // `runc update`: writes only the fields set in r.
  Status Update(const Resources& r);
  // v1 freezer.state FROZEN/THAWED waiting for it to settle; v2 cgroup.freeze + cgroup.events.
  Status Freeze();
  Status Thaw();
  Result<bool> IsFrozen() const;
  // All processes in the cgroup and its descendants, sorted.
  Result<std::vector<pid_t>> Pids() const;
  // The "data" object of `runc events --stats` (cpu, memory, pids, blkio, hugetlb) with runc's field names.
  Result<Json> Stats() const;
  // rmdir each owned directory, deepest first (retrying briefly on EBUSY); missing is fine. Directories
  // this Manager did not create are left alone.
  Status Destroy();

  Json ToJson() const;
  static Result<Manager> FromJson(const Json& j);

  // For mounting /sys/fs/cgroup inside the container: per hierarchy, the host dir of this container's cgroup.
  std::vector<std::pair<Hierarchy, std::string>> ContainerDirs() const;

  Mode mode() const { return mode_; }
  // True when at least one hierarchy's directory exists on the host.
  bool Exists() const;

 private:
  struct Dir {
    Hierarchy hierarchy;
    std::string path;                  // host directory of the container's cgroup
    std::vector<std::string> created;  // directories this Manager made, outermost first
  };

  Status Apply(const Resources& r, std::string_view field);
  Status MakeDirs(Dir& d);
  // Directory for a controller: the v1 hierarchy with v1_name, else the v2 one offering v2_name.
  const Dir* Find(std::string_view v1_name, std::string_view v2_name) const;
  const Dir* V2Dir() const;
  const Dir* FreezerDir() const;

  Mode mode_ = Mode::kV1;
  std::vector<Dir> dirs_;
};

}  // namespace skiff::runtime::cgroups

// Building the container's root filesystem inside its new mount namespace (runs in the container init,
// single-threaded): propagation, the rootfs bind, config mounts (incl. cgroup), /dev, then pivot_root, then
// read-only root, masked and read-only paths. Every destination is resolved inside the rootfs with
// RESOLVE_IN_ROOT, so symlinks in the image cannot redirect a mount to the host.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "runtime/cgroups/manager.h"
#include "runtime/spec.h"

namespace skiff::runtime::platform {

struct RootfsContext {
  // Per hierarchy, the host directory of this container's cgroup (for "cgroup" mounts).
  std::vector<std::pair<cgroups::Hierarchy, std::string>> cgroup_dirs;
  bool new_cgroupns = false;
  bool in_userns = false;
};

// Before pivot_root: propagation, mounts, devices. The process must already be in its own mount namespace.
Status PrepareRootfs(const Spec& spec, const RootfsContext& ctx);
// pivot_root into spec.root_path (or MS_MOVE + chroot when no_pivot), leaving no trace of the old root.
Status EnterRootfs(const Spec& spec, bool no_pivot);
// After pivot_root: read-only root, readonlyPaths, maskedPaths.
Status FinalizeRootfs(const Spec& spec);
// chroot only (container without a mount namespace).
Status ChrootOnly(const Spec& spec);

}  // namespace skiff::runtime::platform

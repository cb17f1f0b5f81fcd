// Overlay mounts for snapshots. Uses the new mount API (fsopen + one "lowerdir+" per layer), which has no
// page-size limit on the option string, so stacks of hundreds of layers mount; falls back to mount(2)
// with paths relative to a common parent (done in a forked child that chdir()s) on older kernels.
// Temporary: src/sys will own raw mount wrappers later.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace skiff::storage {

struct OverlaySpec {
  std::vector<std::string> lowers;  // top-most first, as overlayfs wants
  std::string upper;                // empty: read-only overlay (needs >= 2 lowers, or 1 lower + ro)
  std::string work;
  bool read_only = false;
};

Status MountOverlay(const OverlaySpec& spec, const std::string& target);
// umount2; "not mounted" is not an error. MNT_DETACH when lazy.
Status Unmount(const std::string& target, bool lazy = false);
// True when target is a mount point (its device differs from its parent's, or listed in mountinfo).
bool IsMountPoint(const std::string& target);

// Owns one mount: unmounts it on destruction unless Release()d.
class ScopedMount {
 public:
  ScopedMount() = default;
  explicit ScopedMount(std::string target) : target_(std::move(target)) {}
  ScopedMount(ScopedMount&& o) noexcept : target_(std::move(o.target_)) { o.target_.clear(); }
  ScopedMount& operator=(ScopedMount&&) = delete;
  ScopedMount(const ScopedMount&) = delete;
  ~ScopedMount() {
    if (!target_.empty()) (void)Unmount(target_, true);
  }
  const std::string& target() const { return target_; }
  std::string Release() { return std::exchange(target_, std::string()); }

 private:
  std::string target_;
};

}  // namespace skiff::storage

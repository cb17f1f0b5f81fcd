// Thin, error-reporting wrappers over mount(2)/umount2(2), and the parser for OCI/fstab-style mount
// option lists ("ro", "nosuid", "rbind", "rslave", "mode=755", ...).
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace skiff::sys {

Status Mount(const std::string& source, const std::string& target, const std::string& fstype,
             unsigned long flags, const std::string& data = "");
Status Umount(const std::string& target, int flags = 0);

// Parsed mount options. `flags` are set, `clear` are explicitly cleared ("rw", "suid", ...), propagation is
// MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE possibly | MS_REC, unknown words go to `data` (comma-joined).
struct MountOptions {
  unsigned long flags = 0;
  unsigned long clear = 0;
  unsigned long propagation = 0;
  bool bind = false;
  bool recursive = false;  // rbind
  std::string data;
};
MountOptions ParseMountOptions(const std::vector<std::string>& options);
// Propagation keyword ("rslave", "private", ...) -> flags; 0 for unknown.
unsigned long PropagationFlags(const std::string& word);

}  // namespace skiff::sys

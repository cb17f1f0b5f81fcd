// Container defaults Docker applies to every container: the default capability set, the capability
// arithmetic of --cap-add/--cap-drop/--privileged, and the /proc and /sys paths that are masked or made
// read-only. Values checked against the config.json docker.io 20.10 generates. Pure functions; nothing is
// owned or cached except the kernel's capability list (read once).
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace skiff::daemon::profiles {

// Docker's 14 default capabilities, "CAP_" names, in Docker's order (CAP_CHOWN ... CAP_AUDIT_WRITE).
std::vector<std::string> DefaultCapabilities();

// Every capability the running kernel knows that this process may hand on: 0..cap_last_cap, restricted to
// the daemon's own bounding set (a container cannot get what its parent lacks; docker 20.10 asks for them
// anyway and its runtime fails with "unable to apply caps"). For --privileged and --cap-add ALL.
std::vector<std::string> AllCapabilities();

// --cap-add / --cap-drop with Docker's rules: names with or without "CAP_", any case, "ALL" for every
// capability. privileged -> AllCapabilities(). Otherwise: add contains ALL -> AllCapabilities() minus drop;
// drop contains ALL -> add only; else base minus drop, then add (so a capability both added and dropped
// ends up added). The result has no duplicates. A name that is not a capability is InvalidArgument:
// `invalid CapAdd: unknown capability: "CAP_FOO"` (add is checked before drop; checked even when
// privileged), as dockerd 20.10 answers.
Result<std::vector<std::string>> MergeCapabilities(const std::vector<std::string>& base,
                                                   const std::vector<std::string>& add,
                                                   const std::vector<std::string>& drop, bool privileged);

// linux.maskedPaths Docker sets for an unprivileged container (/proc/asound, /proc/kcore, ... /sys/firmware).
std::vector<std::string> DefaultMaskedPaths();
// linux.readonlyPaths Docker sets for an unprivileged container (/proc/bus, /proc/fs, /proc/irq, /proc/sys,
// /proc/sysrq-trigger).
std::vector<std::string> DefaultReadonlyPaths();

}  // namespace skiff::daemon::profiles

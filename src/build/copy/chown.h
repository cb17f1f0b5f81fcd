// COPY/ADD --chown (internal to skiff_build_copy): "user[:group]" (a lone user is the group too, as in
// Docker), numeric ids as they are, names looked up in the destination's /etc/passwd and /etc/group
// (resolved in scope). Errors in dockerd 20.10's words ("unable to convert uid/gid chown string to host
// mapping: can't find uid for user bob: no such user: bob").
#pragma once

#include <string>

#include "base/error.h"
#include "build/copy/paths.h"

namespace skiff::build::copy {

Result<Owner> ParseChown(const std::string& spec, int dest_root_fd);

}  // namespace skiff::build::copy

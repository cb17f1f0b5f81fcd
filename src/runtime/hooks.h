// Running OCI lifecycle hooks: each hook is exec'd with the container state JSON on stdin, its own args and
// env, and killed if it outlives its timeout. A failing hook's stderr is included in the error.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "runtime/spec.h"

namespace skiff::runtime {

// Runs hooks in order; stops at the first failure. `kind` names the list in errors ("prestart").
Status RunHooks(const std::vector<HookSpec>& hooks, std::string_view kind, const std::string& state_json);

}  // namespace skiff::runtime

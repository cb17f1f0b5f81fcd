// Docker's field order for the JSON documents clients print as they come (`docker inspect` re-indents
// the daemon's bytes): the daemon's values are plain (key-sorted) JSON; these schemas order the keys as
// dockerd's Go structs do before the body is written. Keys a schema does not name follow, sorted.
#pragma once

#include <string>

#include "base/json.h"

namespace skiff::server::api {

enum class DocKind { kContainer, kContainerList, kImage, kExec };

// Compact JSON of `j` (a document of that kind, or an array of them) in Docker's key order, without
// the trailing newline.
std::string DumpInDockerOrder(const Json& j, DocKind kind);

}  // namespace skiff::server::api

// Wall-clock timestamps in the formats Docker and OCI tools print.
#pragma once

#include <string>

namespace skiff {

// Current UTC time as RFC 3339 with nanoseconds: "2026-11-23T09:27:55.642504440Z".
std::string NowRfc3339Nano();

}  // namespace skiff

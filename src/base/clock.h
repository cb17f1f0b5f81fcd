// Wall-clock timestamps in the formats Docker and OCI tools print; a monotonic millisecond clock.
#pragma once

#include <cstdint>
#include <string>

namespace skiff {

// Current UTC time as RFC 3339 with nanoseconds: "2026-11-23T09:27:55.642504440Z".
std::string NowRfc3339Nano();
// CLOCK_MONOTONIC in milliseconds (intervals, throttling).
int64_t MonotonicMs();

}  // namespace skiff

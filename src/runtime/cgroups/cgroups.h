// Umbrella header of the cgroups library used by skiff-runtime: layout detection, OCI resource parsing and
// the per-container Manager.
#pragma once

#include "runtime/cgroups/layout.h"     // IWYU pragma: export
#include "runtime/cgroups/manager.h"    // IWYU pragma: export
#include "runtime/cgroups/resources.h"  // IWYU pragma: export

#include "runtime/cgroups/oom.h"

#include "runtime/cgroups/knobs.h"

namespace skiff::runtime::cgroups {

Result<uint64_t> OomKillCount(const Manager& m) {
  const std::pair<Hierarchy, std::string>* v2 = nullptr;
  auto dirs = m.ContainerDirs();
  for (const auto& d : dirs) {
    if (!d.first.v2 && d.first.Has("memory")) {
      auto keys = SKIFF_TRY(ReadFlatKeyed(d.second, "memory.oom_control"));
      return keys["oom_kill"];
    }
    if (d.first.v2 && d.first.Has("memory") && !v2) v2 = &d;
  }
  if (!v2) return Error(Errc::kNotFound, "cgroups: no memory hierarchy holds the container");
  auto keys = SKIFF_TRY(ReadFlatKeyed(v2->second, "memory.events"));
  return keys["oom_kill"];
}

}  // namespace skiff::runtime::cgroups

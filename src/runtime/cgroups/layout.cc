#include "runtime/cgroups/layout.h"

#include <algorithm>
#include <map>

#include "base/file.h"
#include "base/strings.h"

namespace skiff::runtime::cgroups {

std::string_view ModeName(Mode m) {
  switch (m) {
    case Mode::kV1: return "v1";
    case Mode::kV2: return "v2";
    case Mode::kHybrid: return "hybrid";
  }
  return "unknown";
}

bool Hierarchy::Has(std::string_view controller) const {
  return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

std::string Hierarchy::DirOf(std::string_view cg) const {
  std::string rel(cg.empty() ? "/" : cg);
  // The mount shows mount_root at mountpoint; paths outside it are not reachable through this mount,
  // in which case the path is taken as relative to the mountpoint (as runc does inside containers).
  if (mount_root != "/" && !mount_root.empty()) {
    if (rel == mount_root) {
      rel = "/";
    } else if (rel.size() > mount_root.size() && rel.compare(0, mount_root.size(), mount_root) == 0 &&
               rel[mount_root.size()] == '/') {
      rel = rel.substr(mount_root.size());
    }
  }
  return rel == "/" ? mountpoint : JoinPath(mountpoint, rel);
}

const Hierarchy* Layout::V1(std::string_view controller) const {
  for (const auto& h : hierarchies)
    if (!h.v2 && h.Has(controller)) return &h;
  return nullptr;
}

const Hierarchy* Layout::Unified() const {
  for (const auto& h : hierarchies)
    if (h.v2) return &h;
  return nullptr;
}

std::string UnescapeMountPath(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

namespace {

struct CgroupMount {
  std::string root, mountpoint, fstype;
  std::vector<std::string> options;  // super options
};

Result<std::vector<CgroupMount>> ParseMountinfo(const std::string& text, const std::string& path) {
  std::vector<CgroupMount> out;
  int lineno = 0;
  for (const auto& line : Split(text, '\n')) {
    ++lineno;
    if (Trim(line).empty()) continue;
    auto fields = Split(Trim(line), ' ');
    auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 7 || dash == fields.end() || fields.end() - dash < 3)
      return Error(Errc::kDataLoss, path + ": line " + std::to_string(lineno) + ": malformed mountinfo");
    const std::string& fstype = *(dash + 1);
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    CgroupMount m;
    m.root = UnescapeMountPath(fields[3]);
    m.mountpoint = UnescapeMountPath(fields[4]);
    m.fstype = fstype;
    m.options = Split(*(dash + 3), ',');
    out.push_back(std::move(m));
  }
  return out;
}

bool HasOption(const CgroupMount& m, const std::string& opt) {
  return std::find(m.options.begin(), m.options.end(), opt) != m.options.end();
}

// Prefers a mount of the whole hierarchy (root "/") over bind mounts of a sub-cgroup.
const CgroupMount* PickMount(const std::vector<const CgroupMount*>& candidates) {
  for (auto* m : candidates)
    if (m->root == "/") return m;
  return candidates.empty() ? nullptr : candidates.front();
}

}  // namespace

Result<Layout> DetectLayout(const std::string& mountinfo, const std::string& self_cgroup) {
  std::string mi_text = SKIFF_TRY_CTX(ReadFile(mountinfo), "detect cgroup layout");
  std::string cg_text = SKIFF_TRY_CTX(ReadFile(self_cgroup), "detect cgroup layout");
  auto mounts = SKIFF_TRY(ParseMountinfo(mi_text, mountinfo));

  Layout layout;
  bool have_v1_controller = false;
  int lineno = 0;
  for (const auto& line : Split(cg_text, '\n')) {
    ++lineno;
    if (Trim(line).empty()) continue;
    auto parts = SplitN(Trim(line), ':', 3);
    if (parts.size() != 3)
      return Error(Errc::kDataLoss, self_cgroup + ": line " + std::to_string(lineno) + ": malformed");
    Hierarchy h;
    h.self_path = parts[2].empty() ? "/" : parts[2];
    std::vector<const CgroupMount*> candidates;
    if (parts[0] == "0" && parts[1].empty()) {
      for (const auto& m : mounts)
        if (m.fstype == "cgroup2") candidates.push_back(&m);
      const CgroupMount* m = PickMount(candidates);
      if (!m) continue;  // the default hierarchy always appears here, mounted or not
      h.v2 = true;
      h.mountpoint = m->mountpoint;
      h.mount_root = m->root;
      if (auto c = ReadFile(JoinPath(m->mountpoint, "cgroup.controllers")); c.ok()) {
        for (auto& word : Split(std::string(Trim(*c)), ' '))
          if (!word.empty()) h.controllers.push_back(word);
      }
    } else {
      if (parts[1].empty()) continue;  // a v1 hierarchy with no controllers and no name: unusable
      h.controllers = Split(parts[1], ',');
      for (const auto& m : mounts) {
        if (m.fstype != "cgroup") continue;
        bool all = std::all_of(h.controllers.begin(), h.controllers.end(),
                               [&](const std::string& c) { return HasOption(m, c); });
        if (all) candidates.push_back(&m);
      }
      const CgroupMount* m = PickMount(candidates);
      if (!m) continue;  // attached to this process but not mounted anywhere we can see
      h.mountpoint = m->mountpoint;
      h.mount_root = m->root;
      for (const auto& c : h.controllers)
        if (c.rfind("name=", 0) != 0) have_v1_controller = true;
    }
    layout.hierarchies.push_back(std::move(h));
  }
  // Stable order: v1 hierarchies by mountpoint, then the unified one.
  std::stable_sort(layout.hierarchies.begin(), layout.hierarchies.end(),
                   [](const Hierarchy& a, const Hierarchy& b) {
                     if (a.v2 != b.v2) return !a.v2;
                     return a.mountpoint < b.mountpoint;
                   });
  bool have_v2 = layout.Unified() != nullptr;
  if (layout.hierarchies.empty())
    return Error(Errc::kUnsupported, "detect cgroup layout: no cgroup hierarchy is mounted (" + mountinfo + ")");
  if (have_v1_controller) {
    layout.mode = have_v2 ? Mode::kHybrid : Mode::kV1;
  } else if (have_v2) {
    layout.mode = Mode::kV2;
    // A named-only v1 hierarchy next to a full v2 mount is not used for anything on a v2 host.
    std::erase_if(layout.hierarchies, [](const Hierarchy& h) { return !h.v2; });
  } else {
    layout.mode = Mode::kV1;
  }
  return layout;
}

}  // namespace skiff::runtime::cgroups

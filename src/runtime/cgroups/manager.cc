#include "runtime/cgroups/manager.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"
#include "runtime/cgroups/knobs.h"
#include "runtime/cgroups/v1.h"
#include "runtime/cgroups/v2.h"

namespace skiff::runtime::cgroups {
namespace {

constexpr std::string_view kPathField = "linux.cgroupsPath";

// Normalises "a//b/./c/" -> "a/b/c"; refuses "..".
Result<std::string> CleanCgroupPath(std::string_view p) {
  std::vector<std::string> out;
  for (auto& part : Split(p, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..")
      return Error(Errc::kInvalidArgument, fmt::format("{}: \"{}\": \"..\" is not allowed", kPathField, p));
    out.push_back(part);
  }
  return Join(out, "/");
}

Result<std::vector<std::string>> StringList(const Json& j, const std::string& field) {
  if (!j.is_array()) return Error(Errc::kInvalidArgument, field + ": expected array");
  std::vector<std::string> out;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) return Error(Errc::kInvalidArgument, fmt::format("{}[{}]: expected string", field, i));
    out.push_back(j[i].get<std::string>());
  }
  return out;
}

Result<std::string> StringField(const Json& j, const char* key, const std::string& parent) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    return Error(Errc::kInvalidArgument, fmt::format("{}.{}: expected string", parent, key));
  return it->get<std::string>();
}

// rmdir with a short retry: v1 cgroups stay busy for a moment after their last task exits.
Status RemoveCgroupDir(const std::string& path, bool leaf) {
  // Sub-cgroups the container made (e.g. systemd inside it) go first.
  if (leaf) {
    for (const auto& name : ListDir(path)) {
      std::string sub = JoinPath(path, name);
      struct stat st;
      if (::lstat(sub.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) SKIFF_TRY(RemoveCgroupDir(sub, true));
    }
  }
  auto delay = std::chrono::milliseconds(10);
  for (int attempt = 0;; ++attempt) {
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return Ok();
    int err = errno;
    if (!leaf && (err == ENOTEMPTY || err == EBUSY || err == EEXIST)) return Ok();  // shared parent
    if (err != EBUSY || attempt >= 8) return Error::FromErrno(err, "rmdir " + path);
    std::this_thread::sleep_for(delay);
    delay *= 2;
  }
}

}  // namespace

Result<Manager> Manager::ForPath(const Layout& layout, std::string_view cgroups_path, std::string_view id) {
  if (cgroups_path.find(':') != std::string_view::npos)
    return Error(Errc::kInvalidArgument, fmt::format("{}: \"{}\": systemd cgroup driver is not supported",
                                                     kPathField, cgroups_path));
  if (layout.hierarchies.empty()) return Error(Errc::kUnsupported, "cgroups: no hierarchy is mounted");
  std::string spec(cgroups_path);
  if (spec.empty()) {
    if (id.empty() || id.find('/') != std::string_view::npos || id == "." || id == "..")
      return Error(Errc::kInvalidArgument, fmt::format("container id \"{}\" cannot name a cgroup", id));
    spec = "/" + std::string(id);
  }
  bool absolute = spec.front() == '/';
  std::string rel = SKIFF_TRY(CleanCgroupPath(spec));
  if (rel.empty() && absolute)
    return Error(Errc::kInvalidArgument, fmt::format("{}: \"{}\": refusing the root cgroup", kPathField, spec));
  if (rel.empty()) return Error(Errc::kInvalidArgument, fmt::format("{}: \"{}\": empty path", kPathField, spec));
  Manager m;
  m.mode_ = layout.mode;
  for (const auto& h : layout.hierarchies) {
    std::string cg = absolute ? "/" + rel : JoinPath(h.self_path.empty() ? "/" : h.self_path, rel);
    m.dirs_.push_back(Dir{h, h.DirOf(cg), {}});
  }
  return m;
}

bool Manager::Exists() const {
  return std::any_of(dirs_.begin(), dirs_.end(), [](const Dir& d) { return IsDirectory(d.path); });
}

const Manager::Dir* Manager::Find(std::string_view v1_name, std::string_view v2_name) const {
  if (!v1_name.empty()) {
    for (const auto& d : dirs_)
      if (!d.hierarchy.v2 && d.hierarchy.Has(v1_name)) return &d;
  }
  if (!v2_name.empty()) {
    for (const auto& d : dirs_)
      if (d.hierarchy.v2 && d.hierarchy.Has(v2_name)) return &d;
  }
  return nullptr;
}

const Manager::Dir* Manager::V2Dir() const {
  for (const auto& d : dirs_)
    if (d.hierarchy.v2) return &d;
  return nullptr;
}

const Manager::Dir* Manager::FreezerDir() const {
  if (const Dir* d = Find("freezer", "")) return d;
  return V2Dir();  // cgroup.freeze is core v2, no controller to enable
}

Status Manager::MakeDirs(Dir& d) {
  const std::string& root = d.hierarchy.mountpoint;
  if (!IsDirectory(root)) return Error(Errc::kNotFound, "cgroup hierarchy " + root + " is not mounted");
  // Missing levels between the mountpoint and the leaf, outermost first.
  std::vector<std::string> missing;
  for (std::string p = d.path; p.size() > root.size() && !IsDirectory(p); p = Dirname(p)) missing.push_back(p);
  std::reverse(missing.begin(), missing.end());
  bool cpuset = !d.hierarchy.v2 && d.hierarchy.Has("cpuset");
  for (const auto& p : missing) {
    if (::mkdir(p.c_str(), 0755) != 0) {
      if (errno == EEXIST) continue;  // a concurrent create made it: not ours
      return Error::Sys("create cgroup: mkdir " + p);
    }
    d.created.push_back(p);
    if (cpuset) SKIFF_TRY_CTX(v1::InheritCpuset(p), "create cgroup " + p);
  }
  // A pre-existing leaf in the cpuset hierarchy may still be empty (made by someone else): fill it too.
  if (cpuset && missing.empty()) SKIFF_TRY_CTX(v1::InheritCpuset(d.path), "create cgroup " + d.path);
  return Ok();
}

Status Manager::Create(const Resources& r) {
  auto undo = [this] {
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
      for (auto c = it->created.rbegin(); c != it->created.rend(); ++c) (void)RemoveCgroupDir(*c, false);
      it->created.clear();
    }
  };
  for (auto& d : dirs_) {
    Status st = MakeDirs(d);
    if (st.ok() && d.hierarchy.v2 && mode_ == Mode::kV2) {
      // Pure v2 host: make every controller the root offers available to the container (as runc does), so
      // stats and later updates find their files. Controllers an ancestor lacks are skipped here; the
      // ones the resources need are checked strictly in Apply.
      st = v2::EnableControllers(d.hierarchy.mountpoint, d.path, d.hierarchy.controllers, "create cgroup",
                                 /*strict=*/false);
    }
    if (!st.ok()) {
      undo();
      return st;
    }
  }
  if (Status st = Apply(r, "linux.resources"); !st.ok()) {
    undo();
    return st;
  }
  return Ok();
}

Status Manager::Update(const Resources& r) { return Apply(r, "linux.resources"); }

Status Manager::Apply(const Resources& r, std::string_view f) {
  struct Step {
    const Dir* dir;
    std::function<Status(const std::string&)> run;
  };
  std::vector<Step> steps;
  std::set<std::string> v2_needed;
  auto missing = [&](std::string_view sub, std::string_view ctrl) {
    return Error(Errc::kUnsupported,
                 fmt::format("{}.{}: the {} controller is not available on this host", f, sub, ctrl));
  };
  // Routes one part of Resources to its hierarchy and the v1 or v2 writer.
  auto route = [&](std::string_view sub, std::string_view v1_name, std::string_view v2_name, auto v1_fn,
                   auto v2_fn) -> Status {
    const Dir* d = Find(v1_name, v2_name);
    if (!d) return missing(sub, v1_name.empty() ? v2_name : v1_name);
    if (d->hierarchy.v2) {
      if (!v2_name.empty()) v2_needed.insert(std::string(v2_name));
      steps.push_back({d, v2_fn});
    } else {
      steps.push_back({d, v1_fn});
    }
    return Ok();
  };

  if (!r.devices.empty()) {
    const Dir* d = Find("devices", "");
    if (!d) d = V2Dir();
    if (!d) return missing("devices", "devices");
    if (d->hierarchy.v2) {
      steps.push_back({d, [&](const std::string& p) { return v2::SetDevices(p, r.devices, f); }});
    } else {
      steps.push_back({d, [&](const std::string& p) { return v1::SetDevices(p, r.devices, f); }});
    }
  }
  if (!r.memory.Empty()) {
    SKIFF_TRY(route("memory", "memory", "memory",
                    [&](const std::string& p) { return v1::SetMemory(p, r.memory, f); },
                    [&](const std::string& p) { return v2::SetMemory(p, r.memory, f); }));
  }
  const auto& c = r.cpu;
  if (c.shares || c.quota || c.period || c.burst || c.realtime_period || c.realtime_runtime || c.idle) {
    SKIFF_TRY(route("cpu", "cpu", "cpu", [&](const std::string& p) { return v1::SetCpu(p, c, f); },
                    [&](const std::string& p) { return v2::SetCpu(p, c, f); }));
  }
  if ((c.cpus && !c.cpus->empty()) || (c.mems && !c.mems->empty())) {
    SKIFF_TRY(route(c.cpus ? "cpu.cpus" : "cpu.mems", "cpuset", "cpuset",
                    [&](const std::string& p) { return v1::SetCpuset(p, c, f); },
                    [&](const std::string& p) { return v2::SetCpuset(p, c, f); }));
  }
  if (r.pids_limit) {
    int64_t limit = *r.pids_limit;
    SKIFF_TRY(route("pids", "pids", "pids", [&, limit](const std::string& p) { return v1::SetPids(p, limit, f); },
                    [&, limit](const std::string& p) { return v2::SetPids(p, limit, f); }));
  }
  if (!r.block_io.Empty()) {
    SKIFF_TRY(route("blockIO", "blkio", "io", [&](const std::string& p) { return v1::SetBlkio(p, r.block_io, f); },
                    [&](const std::string& p) { return v2::SetIo(p, r.block_io, f); }));
  }
  if (!r.hugepage_limits.empty()) {
    SKIFF_TRY(route("hugepageLimits", "hugetlb", "hugetlb",
                    [&](const std::string& p) { return v1::SetHugetlb(p, r.hugepage_limits, f); },
                    [&](const std::string& p) { return v2::SetHugetlb(p, r.hugepage_limits, f); }));
  }
  if (r.network.class_id) {
    const Dir* d = Find("net_cls", "");
    if (!d) return missing("network.classID", "net_cls");
    uint32_t id = *r.network.class_id;
    steps.push_back({d, [&, id](const std::string& p) { return v1::SetNetCls(p, id, f); }});
  }
  if (!r.network.priorities.empty()) {
    const Dir* d = Find("net_prio", "");
    if (!d) return missing("network.priorities", "net_prio");
    steps.push_back({d, [&](const std::string& p) { return v1::SetNetPrio(p, r.network.priorities, f); }});
  }
  if (!r.rdma.empty()) {
    SKIFF_TRY(route("rdma", "rdma", "rdma", [&](const std::string& p) { return v1::SetRdma(p, r.rdma, f); },
                    [&](const std::string& p) { return v2::SetRdma(p, r.rdma, f); }));
  }
  if (!r.unified.empty()) {
    const Dir* d = V2Dir();
    if (!d)
      return Error(Errc::kUnsupported,
                   fmt::format("{}.unified: cgroup v2 is not mounted on this host (cgroup v1 only)", f));
    for (const auto& [key, value] : r.unified) {
      std::string ctrl = key.substr(0, key.find('.'));
      std::string ef = fmt::format("{}.unified[\"{}\"]", f, key);
      if (ctrl == "cgroup") continue;
      if (Find(ctrl, "") != nullptr)
        return Error(Errc::kUnsupported,
                     fmt::format("{}: the {} controller is managed by cgroup v1 on this host", ef, ctrl));
      if (!d->hierarchy.Has(ctrl))
        return Error(Errc::kUnsupported, fmt::format("{}: the {} controller is not available on this host", ef, ctrl));
      v2_needed.insert(ctrl);
    }
    steps.push_back({d, [&](const std::string& p) { return v2::SetUnified(p, r.unified, f); }});
  }

  if (!v2_needed.empty()) {
    const Dir* d = V2Dir();
    std::vector<std::string> ctrls(v2_needed.begin(), v2_needed.end());
    SKIFF_TRY(v2::EnableControllers(d->hierarchy.mountpoint, d->path, ctrls, f));
  }
  for (const auto& s : steps) SKIFF_TRY(s.run(s.dir->path));
  return Ok();
}

Status Manager::AddProcess(pid_t pid) {
  if (pid <= 0) return Error(Errc::kInvalidArgument, fmt::format("add process: invalid pid {}", pid));
  for (const auto& d : dirs_) {
    Status st = WriteKnob(d.path, "cgroup.procs", std::to_string(pid), fmt::format("add pid {} to cgroup", pid));
    if (!st.ok()) return st;
  }
  return Ok();
}

Status Manager::Freeze() {
  const Dir* d = FreezerDir();
  if (!d) return Error(Errc::kUnsupported, "freeze: no freezer on this host");
  return d->hierarchy.v2 ? v2::SetFrozen(d->path, true) : v1::SetFrozen(d->path, true);
}

Status Manager::Thaw() {
  const Dir* d = FreezerDir();
  if (!d) return Error(Errc::kUnsupported, "thaw: no freezer on this host");
  return d->hierarchy.v2 ? v2::SetFrozen(d->path, false) : v1::SetFrozen(d->path, false);
}

Result<bool> Manager::IsFrozen() const {
  const Dir* d = FreezerDir();
  if (!d) return false;
  return d->hierarchy.v2 ? v2::IsFrozen(d->path) : v1::IsFrozen(d->path);
}

Result<std::vector<pid_t>> Manager::Pids() const {
  // Every hierarchy holds the same processes; prefer one that cannot be absent from a container's setup.
  const Dir* d = nullptr;
  if (mode_ == Mode::kV2) d = V2Dir();
  for (const char* c : {"pids", "freezer", "devices", "memory", "cpu"}) {
    if (!d) d = Find(c, "");
  }
  if (!d && !dirs_.empty()) d = &dirs_.front();
  if (!d) return Error(Errc::kNotFound, "cgroup pids: no hierarchy");
  std::vector<pid_t> pids;
  std::vector<std::string> todo{d->path};
  while (!todo.empty()) {
    std::string dir = todo.back();
    todo.pop_back();
    auto text = ReadFile(JoinPath(dir, "cgroup.procs"));
    if (!text.ok()) {
      if (dir == d->path || text.error().sys_errno() != ENOENT) return std::move(text).error().Wrap("cgroup pids");
      continue;  // a sub-cgroup removed while walking
    }
    for (const auto& line : Split(*text, '\n')) {
      if (auto v = ParseInt(Trim(line)); v && *v > 0) pids.push_back(static_cast<pid_t>(*v));
    }
    for (const auto& name : ListDir(dir)) {
      std::string sub = JoinPath(dir, name);
      struct stat st;
      if (::lstat(sub.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) todo.push_back(sub);
    }
  }
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  return pids;
}

Status Manager::Destroy() {
  Status first;
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    auto& d = *it;
    for (auto c = d.created.rbegin(); c != d.created.rend(); ++c) {
      Status st = RemoveCgroupDir(*c, *c == d.path);
      if (!st.ok() && first.ok()) first = std::move(st);
    }
    if (first.ok()) d.created.clear();
  }
  return first;
}

std::vector<std::pair<Hierarchy, std::string>> Manager::ContainerDirs() const {
  std::vector<std::pair<Hierarchy, std::string>> out;
  for (const auto& d : dirs_) out.emplace_back(d.hierarchy, d.path);
  return out;
}

Json Manager::ToJson() const {
  Json dirs = Json::array();
  for (const auto& d : dirs_) {
    dirs.push_back({{"mountpoint", d.hierarchy.mountpoint},
                    {"controllers", d.hierarchy.controllers},
                    {"v2", d.hierarchy.v2},
                    {"self_path", d.hierarchy.self_path},
                    {"mount_root", d.hierarchy.mount_root},
                    {"path", d.path},
                    {"created", d.created}});
  }
  return Json{{"mode", std::string(ModeName(mode_))}, {"dirs", dirs}};
}

Result<Manager> Manager::FromJson(const Json& j) {
  const std::string f = "cgroups";
  if (!j.is_object()) return Error(Errc::kInvalidArgument, f + ": expected object");
  Manager m;
  std::string mode = SKIFF_TRY(StringField(j, "mode", f));
  if (mode == "v1") m.mode_ = Mode::kV1;
  else if (mode == "v2") m.mode_ = Mode::kV2;
  else if (mode == "hybrid") m.mode_ = Mode::kHybrid;
  else return Error(Errc::kInvalidArgument, f + ".mode: \"" + mode + "\" is not v1, v2 or hybrid");
  auto dirs = j.find("dirs");
  if (dirs == j.end() || !dirs->is_array()) return Error(Errc::kInvalidArgument, f + ".dirs: expected array");
  for (size_t i = 0; i < dirs->size(); ++i) {
    const Json& e = (*dirs)[i];
    std::string ef = fmt::format("{}.dirs[{}]", f, i);
    if (!e.is_object()) return Error(Errc::kInvalidArgument, ef + ": expected object");
    Dir d;
    d.hierarchy.mountpoint = SKIFF_TRY(StringField(e, "mountpoint", ef));
    d.hierarchy.self_path = SKIFF_TRY(StringField(e, "self_path", ef));
    d.hierarchy.mount_root = SKIFF_TRY(StringField(e, "mount_root", ef));
    d.path = SKIFF_TRY(StringField(e, "path", ef));
    auto v2 = e.find("v2");
    if (v2 == e.end() || !v2->is_boolean()) return Error(Errc::kInvalidArgument, ef + ".v2: expected boolean");
    d.hierarchy.v2 = v2->get<bool>();
    auto ctrls = e.find("controllers");
    auto created = e.find("created");
    if (ctrls == e.end()) return Error(Errc::kInvalidArgument, ef + ".controllers: expected array");
    if (created == e.end()) return Error(Errc::kInvalidArgument, ef + ".created: expected array");
    d.hierarchy.controllers = SKIFF_TRY(StringList(*ctrls, ef + ".controllers"));
    d.created = SKIFF_TRY(StringList(*created, ef + ".created"));
    // Only directories under this hierarchy may be removed by Destroy.
    for (const auto& c : d.created) {
      if (c.size() <= d.hierarchy.mountpoint.size() || c.compare(0, d.hierarchy.mountpoint.size(), d.hierarchy.mountpoint) ||
          c[d.hierarchy.mountpoint.size()] != '/' || c.find("/../") != std::string::npos)
        return Error(Errc::kInvalidArgument, ef + ".created: \"" + c + "\" is outside " + d.hierarchy.mountpoint);
    }
    m.dirs_.push_back(std::move(d));
  }
  return m;
}

}  // namespace skiff::runtime::cgroups

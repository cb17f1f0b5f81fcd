#include "runtime/state.h"

#include <sys/stat.h>
#include <time.h>

#include "base/file.h"

namespace skiff::runtime {

std::string_view RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kCreating: return "creating";
    case RunStatus::kCreated: return "created";
    case RunStatus::kRunning: return "running";
    case RunStatus::kPaused: return "paused";
    case RunStatus::kStopped: return "stopped";
  }
  return "unknown";
}

std::string StateStore::Dir(const std::string& id) const { return JoinPath(root_, id); }

Status StateStore::ValidateId(const std::string& id) {
  if (id.empty()) return Error(Errc::kInvalidArgument, "container id must not be empty");
  if (id == "." || id == "..") return Error(Errc::kInvalidArgument, "invalid container id \"" + id + "\"");
  if (id.size() > 1024) return Error(Errc::kInvalidArgument, "container id is too long");
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '+' || c == '-' || c == '.';
    if (!ok) return Error(Errc::kInvalidArgument, "invalid container id \"" + id + "\": only [A-Za-z0-9_+.-] allowed");
  }
  return Ok();
}

Status StateStore::CreateDir(const std::string& id) {
  SKIFF_TRY(ValidateId(id));
  SKIFF_TRY(MkdirAll(root_, 0700));
  if (::mkdir(Dir(id).c_str(), 0711) != 0) {
    if (errno == EEXIST) return Error(Errc::kAlreadyExists, "container with id \"" + id + "\" already exists");
    return Error::Sys("mkdir " + Dir(id));
  }
  return Ok();
}

Status StateStore::Save(const ContainerState& st) {
  Json j = {{"id", st.id},         {"bundle", st.bundle},   {"rootfs", st.rootfs},
            {"pid", st.pid},       {"start_time", st.start_time}, {"created", st.created},
            {"owner", st.owner},   {"annotations", st.annotations}, {"cgroup", st.cgroup},
            {"config", st.config}};
  return WriteFileAtomic(Dir(st.id) + "/state.json", DumpJson(j), 0600, /*sync=*/false);
}

Result<ContainerState> StateStore::Load(const std::string& id) const {
  SKIFF_TRY(ValidateId(id));
  std::string path = Dir(id) + "/state.json";
  auto text = ReadFile(path);
  if (!text.ok()) {
    if (text.error().code() == Errc::kNotFound)
      return Error(Errc::kNotFound, "container \"" + id + "\" does not exist");
    return std::move(text).error();
  }
  Json j = SKIFF_TRY(ParseJson(*text, path));
  ContainerState st;
  try {
    st.id = j.at("id").get<std::string>();
    st.bundle = j.value("bundle", "");
    st.rootfs = j.value("rootfs", "");
    st.pid = j.value("pid", 0);
    st.start_time = j.value("start_time", uint64_t{0});
    st.created = j.value("created", "");
    st.owner = j.value("owner", "");
    st.annotations = j.value("annotations", std::map<std::string, std::string>());
    st.cgroup = j.value("cgroup", Json());
    st.config = j.value("config", Json());
  } catch (const Json::exception& e) {
    return Error(Errc::kDataLoss, path + ": " + e.what());
  }
  return st;
}

Status StateStore::Remove(const std::string& id) {
  SKIFF_TRY(ValidateId(id));
  return RemoveAll(Dir(id));
}

std::vector<std::string> StateStore::List() const {
  std::vector<std::string> out;
  for (auto& name : ListDir(root_))
    if (PathExists(Dir(name) + "/state.json")) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

Json OciState(const ContainerState& st, RunStatus status) {
  Json j = {{"ociVersion", "1.0.2-dev"},
            {"id", st.id},
            {"pid", status == RunStatus::kStopped ? 0 : st.pid},
            {"status", RunStatusName(status)},
            {"bundle", st.bundle},
            {"rootfs", st.rootfs},
            {"created", st.created},
            {"owner", st.owner}};
  if (!st.annotations.empty()) j["annotations"] = st.annotations;
  return j;
}


}  // namespace skiff::runtime

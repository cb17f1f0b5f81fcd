// On-disk container state of skiff-runtime: <root>/<id>/state.json (plus exec.fifo while "created").
// StateStore owns the <root> directory layout; every command loads the state afresh (no daemon), so the
// file is the only source of truth. Writes are atomic (temp + rename).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"

namespace skiff::runtime {

struct ContainerState {
  std::string id;
  std::string bundle;
  std::string rootfs;
  pid_t pid = 0;              // init, in the runtime's pid namespace
  uint64_t start_time = 0;    // init's /proc start time, guards against pid reuse
  std::string created;        // RFC 3339 with nanoseconds, UTC
  std::string owner;
  std::map<std::string, std::string> annotations;
  Json cgroup;                // cgroups::Manager::ToJson()
  Json config;                // the config.json the container was created from
};

enum class RunStatus { kCreating, kCreated, kRunning, kPaused, kStopped };
std::string_view RunStatusName(RunStatus s);

class StateStore {
 public:
  explicit StateStore(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  std::string Dir(const std::string& id) const;
  std::string FifoPath(const std::string& id) const { return Dir(id) + "/exec.fifo"; }
  // runc's id rule: [A-Za-z0-9_+.-]+, not "." or "..".
  static Status ValidateId(const std::string& id);
  // Creates <root>/<id>; AlreadyExists if a container with that id exists.
  Status CreateDir(const std::string& id);
  Status Save(const ContainerState& st);
  // NotFound "container \"x\" does not exist" when absent.
  Result<ContainerState> Load(const std::string& id) const;
  Status Remove(const std::string& id);
  std::vector<std::string> List() const;

 private:
  std::string root_;
};

// The OCI state document (`state` command, hooks' stdin).
Json OciState(const ContainerState& st, RunStatus status);

}  // namespace skiff::runtime

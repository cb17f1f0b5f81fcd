// The runtime's commands as a library: each function is one `skiff-runtime` subcommand, stateless between
// calls apart from the StateStore directory. Output (state JSON, tables) is returned, not printed, except
// for run/exec in the foreground, which return the process's exit code.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "runtime/spec.h"
#include "runtime/state.h"

namespace skiff::runtime {

struct CreateOptions {
  std::string id;
  std::string bundle = ".";
  std::string console_socket;
  std::string pid_file;
  bool no_pivot = false;
  int preserve_fds = 0;
};

struct ExecRequest {
  std::string id;
  std::optional<ProcessSpec> process;  // from --process, else built from the fields below
  std::vector<std::string> args, env, caps, additional_gids;
  std::string cwd, user;
  bool tty = false, detach = false, no_new_privs = false, ignore_paused = false;
  std::string console_socket, pid_file, process_file;
  int preserve_fds = 0;
};

class Runtime {
 public:
  explicit Runtime(std::string root) : store_(std::move(root)) {}

  Status Create(const CreateOptions& o);
  Status Start(const std::string& id);
  // create + start; foreground (detach=false) waits and returns the exit code, then deletes (unless keep).
  Result<int> Run(const CreateOptions& o, bool detach, bool keep);
  Result<Json> State(const std::string& id);
  Status Kill(const std::string& id, int sig, bool all);
  Status Delete(const std::string& id, bool force);
  Status Pause(const std::string& id);
  Status Resume(const std::string& id);
  // Returns the exit code for foreground exec, 0 for detached.
  Result<int> Exec(const ExecRequest& r);
  Result<std::vector<pid_t>> Pids(const std::string& id);
  Status Update(const std::string& id, const Json& resources);
  Result<Json> Stats(const std::string& id);
  Result<std::vector<Json>> List();
  RunStatus ComputeStatus(const ContainerState& st) const;

 private:
  // A bundle read once: its absolute clean path, config.json as written, and the parsed spec.
  struct Bundle {
    std::string dir;
    Json config;
    Spec spec;
  };
  static Result<Bundle> LoadBundle(const std::string& dir);
  Status CreateFrom(const CreateOptions& o, Bundle b);
  Result<ContainerState> LoadExisting(const std::string& id);
  Status Destroy(const ContainerState& st);
  Status KillAndWait(const ContainerState& st);
  StateStore store_;
};

}  // namespace skiff::runtime

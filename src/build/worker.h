// Worker: how the builder runs a RUN step. The daemon implements it with its own containers (the same
// spec, user, mounts and network modes as `docker run`), so the builder stays below the daemon. A step
// container is created from the step's parent image, started with its output streamed to the builder,
// and waited for; it stays (stopped) until Remove so the builder can commit its upper dir.
#pragma once

#include <functional>
#include <map>
#include <stop_token>
#include <string>
#include <string_view>

#include "base/digest.h"
#include "base/error.h"
#include "base/json.h"

namespace skiff::build {

struct RunStep {
  Json config;       // Docker's create body Config part: Image, Cmd, Env, User, WorkingDir, Entrypoint (null), Labels
  Json host_config;  // NetworkMode, Mounts (bind/tmpfs for RUN --mount), ...
};

struct RunOutcome {
  std::string container_id;
  std::string upper_dir;  // the container's writable layer (overlay upper): the step's diff
  int exit_code = 0;
};

class Worker {
 public:
  virtual ~Worker() = default;
  // Creates and runs the step container to completion; `output` gets its stdout and stderr as they come
  // (possibly from another thread, one call at a time). `on_created` is called with the container's ID
  // before it starts ("Running in <id>"). The container remains until Remove, also on error.
  virtual Result<RunOutcome> Run(const RunStep& step, const std::function<void(const std::string&)>& on_created,
                                 const std::function<void(std::string_view)>& output, std::stop_token stop) = 0;
  // Removes a step container and its snapshot (never fails the build: errors are logged).
  virtual void Remove(const std::string& container_id) = 0;
  // Pulls a base image (FROM of an image not here, or --pull) with the build's registry credentials
  // (registry -> Docker AuthConfig JSON, as X-Registry-Config carries them); `output` gets the pull's
  // status lines. Returns the image ID. Workers that cannot reach registries say so.
  virtual Result<Digest> Pull(const std::string& name, const std::map<std::string, Json>& auths,
                              const std::function<void(std::string_view)>& output) {
    (void)auths;
    (void)output;
    return Error(Errc::kUnsupported, "pulling " + name + ": this build worker has no registry access");
  }
};

}  // namespace skiff::build

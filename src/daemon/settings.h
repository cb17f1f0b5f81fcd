// Container settings as Docker computes them at create time: the create body's Config merged with the
// image's config, the HostConfig with every field Docker shows, validation with Docker's messages, and
// the command (Path/Args) from Entrypoint and Cmd. Pure functions over JSON values.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"

namespace skiff::daemon {

// Docker's Config with every always-present field (Hostname, Env, Cmd, ...), absent ones null.
Json NormalizeConfig(const Json& config);
// Docker 20.10's HostConfig with every field present and Docker's defaults (IpcMode "private", ShmSize
// 64 MiB, CgroupnsMode host on cgroup v1 / private on v2, LogConfig filled from the daemon default, ...).
Json NormalizeHostConfig(const Json& host_config, const std::string& log_driver,
                         const std::map<std::string, std::string>& log_opts, bool cgroup_v2);
// daemon/commit.go's merge(): the user's Config takes precedence; Env, Labels, ExposedPorts, Volumes are
// combined; Cmd/Entrypoint come from the image only when the user gave no Entrypoint; Healthcheck fields
// are filled from the image's. A user Entrypoint of [""] (`--entrypoint ""`) blocks the image's Cmd and
// Entrypoint and comes out as null.
Json MergeImageConfig(Json user, const Json& image_config);
// Checks HostConfig (and Config) values the way dockerd does, with its messages; the error is
// InvalidArgument (HTTP 400) or Unsupported for what Skiff does not do yet.
Status ValidateSettings(const Json& config, const Json& host_config, int online_cpus);
// Path and Args: Entrypoint + Cmd. InvalidArgument "No command specified" when both are empty.
Result<std::pair<std::string, std::vector<std::string>>> Command(const Json& config);
// Docker's "KEY=VAL" list semantics: later entries replace earlier ones with the same key; a bare "KEY"
// removes it.
std::vector<std::string> ReplaceOrAppendEnv(std::vector<std::string> base, const std::vector<std::string>& over);
// A JSON array of strings (null/absent -> empty).
std::vector<std::string> Strings(const Json& j);

}  // namespace skiff::daemon

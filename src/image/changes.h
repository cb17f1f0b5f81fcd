// Dockerfile instructions accepted by `docker import --change` / `docker commit --change`, as Docker 20.10
// applies them (builder/dockerfile BuildFromConfig): the changes are joined with newlines and parsed as a
// Dockerfile (line continuations, comments), every instruction must be one of CMD ENTRYPOINT ENV EXPOSE
// HEALTHCHECK LABEL ONBUILD USER VOLUME WORKDIR ("stopsignal is not a valid change command" otherwise),
// then each is applied in order to a RunConfig, with Docker's parsing (JSON or shell form, KEY=VALUE or
// legacy "KEY VALUE", quotes) and $VAR/${VAR} expansion from the config's Env for ENV, LABEL, EXPOSE,
// USER, VOLUME and WORKDIR. An ENTRYPOINT with no CMD before it in the changes clears Cmd (absent = null),
// as Docker's builder does. Errors carry Docker's messages (InvalidArgument); on error `config` is left as
// it was. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "image/model.h"

namespace skiff::image {

// No changes: nothing to do. Changes with no instruction in them: "file with no instructions".
Status ApplyChanges(const std::vector<std::string>& changes, RunConfig& config);
// One instruction on its own (older callers loop over the changes with it): as ApplyChanges({instruction})
// except that an ENTRYPOINT leaves Cmd alone, since a CMD may have come in an earlier call.
Status ApplyChange(const std::string& instruction, RunConfig& config);

}  // namespace skiff::image

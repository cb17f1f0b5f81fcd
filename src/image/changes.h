// Dockerfile instructions accepted by `docker import --change` / `docker commit --change`:
// CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.
// Each is applied to a RunConfig; anything else is InvalidArgument naming the instruction.
#pragma once

#include <string>

#include "image/model.h"

namespace skiff::image {

Status ApplyChange(const std::string& instruction, RunConfig& config);

}  // namespace skiff::image

// The Docker Engine API (v1.41 and older version prefixes) over a daemon::Daemon: every route of skiffd.
// The router holds a reference to the daemon, which must outlive the server.
#pragma once

#include "daemon/daemon.h"
#include "server/router.h"

namespace skiff::server::api {

Router BuildRouter(daemon::Daemon& d);

// The route groups, one file each.
void AddContainerRoutes(Router& r, daemon::Daemon& d);  // containers.cc
void AddStreamRoutes(Router& r, daemon::Daemon& d);     // streams.cc: attach, logs, exec, archive, events
void AddImageRoutes(Router& r, daemon::Daemon& d);      // images.cc
void AddSystemRoutes(Router& r, daemon::Daemon& d);     // system.cc: info, version, df, volumes, networks
void AddBuildRoutes(Router& r, daemon::Daemon& d);      // build.cc: /build, /build/prune
void AddRegistryRoutes(Router& r, daemon::Daemon& d);   // registry.cc: push, auth, search, distribution
// POST /images/create?fromImage=: the pull (registry.cc); images.cc routes /images/create to it.
Status PullImage(daemon::Daemon& d, Request& req, Response& res);

}  // namespace skiff::server::api

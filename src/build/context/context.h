// Walking a build context directory and sending it as a tar, as `docker build` does: every file the
// ignore rules keep (the Dockerfile and .dockerignore always, as Docker's CLI trims those from the
// excludes), relative paths, lstat metadata, symlinks not followed. The tar is the Docker CLI's: PAX,
// uid/gid 0 for every entry (the CLI archives with ChownOpts 0:0, whoever owns the files), mode bits and
// mtimes (seconds) kept, names '/'-separated, directories with a trailing '/'. Stateless functions; the walk holds one fd per
// directory level while it runs.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <string>
#include <vector>

#include "base/error.h"
#include "build/context/ignore.h"

namespace skiff::build::context {

struct Entry {
  std::string rel;      // "app/main.py" ('/'-separated; directories without a trailing '/')
  struct stat st;       // lstat
  std::string link;     // symlink target
  std::string name;     // the last element of rel
  int parent_fd = -1;   // the open directory holding it (valid during the visit only: for openat)
};

// Visits the entries the matcher keeps, parents before children, sorted by name within a directory.
// `always` are relative paths kept even when excluded (the Dockerfile, ".dockerignore"): as docker's CLI,
// they are added as exceptions. An excluded directory is not visited itself; it is entered (its kept
// children visited) only when an exception pattern starts with its path (Docker's rule). Errors: the
// directory cannot be opened (NotFound/PermissionDenied), "can't stat '<path>'" for an unreadable
// subdirectory, or the visitor's error (which stops the walk).
Status Walk(const std::string& dir, const IgnoreMatcher& ignore, const std::vector<std::string>& always,
            const std::function<Status(const Entry&)>& visit);

// Writes the kept entries as an uncompressed tar to `out` (called with chunks). If extra_name is not
// empty, a regular file of that name with extra_content is added at the root (a Dockerfile read from
// stdin or from outside the context, as docker's CLI adds one under a random name; mode 0600, owner 0:0,
// written last; the CLI's rewrite of .dockerignore to list it is the caller's). A regular file that cannot
// be opened:
// PermissionDenied "no permission to read from '<path>'". Sockets are skipped (Docker logs and skips
// them); hard links to an earlier entry are written as links.
Status WriteTar(const std::string& dir, const IgnoreMatcher& ignore, const std::vector<std::string>& always,
                const std::function<Status(const char* data, size_t n)>& out, const std::string& extra_name = "",
                const std::string& extra_content = "");

}  // namespace skiff::build::context

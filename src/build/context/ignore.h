// .dockerignore: Docker's pattern rules (moby/patternmatcher): one pattern per line, `#` comment lines,
// blank lines skipped, each pattern trimmed and cleaned (filepath.Clean, leading '/' removed), `!` for an
// exception, `*` `?` `[...]` within one path element, `**` across any number of elements, a pattern
// matching a directory excluding everything under it. The last matching pattern decides. A
// Dockerfile-specific `<Dockerfile name>.dockerignore` next to the Dockerfile wins over the context's
// `.dockerignore`. Immutable after construction; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace skiff::build::context {

class IgnoreMatcher {
 public:
  IgnoreMatcher() = default;  // excludes nothing
  // The text of a .dockerignore. InvalidArgument for a bad pattern ("syntax error in pattern"), naming
  // the file (`source`) and the line.
  static Result<IgnoreMatcher> Parse(std::string_view text, const std::string& source = ".dockerignore");
  static Result<IgnoreMatcher> FromPatterns(const std::vector<std::string>& patterns);

  // rel: a path relative to the context root, '/'-separated, cleaned, no leading "./" or "/".
  bool Excluded(std::string_view rel) const;
  // Whether some exception pattern could re-include a path under the excluded directory `rel` (a walk
  // must then descend into it instead of skipping it whole). Docker's rule, kept exactly: an exception
  // whose text starts with "<rel_dir>/" (so `!**/*.go` never re-opens an excluded directory).
  bool MayReinclude(std::string_view rel_dir) const;
  bool empty() const { return patterns_.empty(); }
  const std::vector<std::string>& patterns() const { return patterns_; }
  // A copy with a literal exception appended for each of `rel_paths` that this matcher excludes (as
  // docker's CLI appends "!Dockerfile" and "!.dockerignore"; Walk does it for its `always`).
  IgnoreMatcher WithExceptions(const std::vector<std::string>& rel_paths) const;

  struct Pattern;  // one compiled pattern (ignore.cc)

 private:
  std::vector<std::string> patterns_;  // as cleaned, with their '!' (the form the API's "excludes" use)
  std::vector<std::shared_ptr<const Pattern>> compiled_;
};

// Reads the ignore file that applies to a build: `<dockerfile>.dockerignore` (next to the Dockerfile,
// when the Dockerfile is inside or outside the context) else `<context_dir>/.dockerignore`; none: an
// empty matcher. dockerfile_path may be empty (default Dockerfile: `<context_dir>/Dockerfile.dockerignore`),
// "-" (stdin: the context's .dockerignore only), absolute, or relative to the current directory (as
// `docker build -f` takes it). Errors name the ignore file and line.
Result<IgnoreMatcher> LoadIgnore(const std::string& context_dir, const std::string& dockerfile_path);

}  // namespace skiff::build::context

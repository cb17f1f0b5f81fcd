// Image references, parsed and normalised exactly as Docker does (distribution/reference):
//   busybox              -> docker.io/library/busybox:latest
//   host:5000/a/b:t      -> host:5000/a/b:t
//   name@sha256:<hex>    -> docker.io/library/name@sha256:<hex>
// Invalid names are rejected with Docker's rules and messages ("invalid reference format: repository
// name must be lowercase", dockerd 20.10's words). A Reference is a plain value.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/digest.h"
#include "base/error.h"

namespace skiff::image {

struct Reference {
  std::string domain;  // "docker.io", "host:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // "" when absent
  std::optional<Digest> digest;

  std::string Name() const { return domain + "/" + path; }                 // docker.io/library/busybox
  std::string String() const;                                              // full, normalised
  std::string FamiliarName() const;                                        // busybox, a/b, host:5000/a/b
  std::string FamiliarString() const;                                      // busybox:latest
  // The name:tag form with "latest" when neither tag nor digest was given.
  Reference WithDefaultTag() const;
};

// Parses a user-supplied reference and normalises it (docker.io, library/). No default tag is added.
Result<Reference> ParseReference(std::string_view s);
// True for a full 64-hex image ID, optionally "sha256:"-prefixed.
bool LooksLikeFullId(std::string_view s);
// Tag alone, as used by `docker tag`: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool IsValidTag(std::string_view tag);

}  // namespace skiff::image

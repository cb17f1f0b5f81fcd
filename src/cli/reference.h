// Docker image references as docker's CLI handles them (distribution/reference): normalizing "busybox" to
// "docker.io/library/busybox", tags and digests, the familiar form printed back ("busybox:latest"), and
// the validation texts ("invalid reference format", "...: repository name must be lowercase"). Values only.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace skiff::cli {

struct ImageRef {
  std::string domain;  // "docker.io"
  std::string path;    // "library/busybox"
  std::string tag;     // "" when none
  std::string digest;  // "" when none ("sha256:...")

  std::string Name() const { return domain + "/" + path; }           // docker.io/library/busybox
  std::string FamiliarName() const;                                   // busybox
  std::string String() const;                                         // docker.io/library/busybox:latest
  std::string FamiliarString() const;                                 // busybox:latest
  bool NameOnly() const { return tag.empty() && digest.empty(); }
};

// reference.ParseNormalizedNamed.
Result<ImageRef> ParseNormalizedNamed(std::string_view s);
// reference.TagNameOnly: adds ":latest" when neither tag nor digest is given.
ImageRef TagNameOnly(ImageRef r);
// True for a 64-hex ID (or "sha256:<64 hex>"), which reference parsing rejects as a name.
bool IsFullImageId(std::string_view s);

}  // namespace skiff::cli

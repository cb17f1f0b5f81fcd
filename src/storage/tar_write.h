// Writes a directory tree as a tar stream (PAX where needed: long names, xattrs, big ids): either the
// flat tree (container export) or an overlay upper directory as a layer diff, where overlay whiteouts
// (char device 0:0) become ".wh.<name>" entries and opaque directories get ".wh..wh..opq".
#pragma once

#include <string>

#include "storage/stream.h"

namespace skiff::storage {

enum class TreeMode { kFlat, kOverlayDiff };

struct WriteTreeResult {
  uint64_t entries = 0;
  uint64_t bytes = 0;  // tar bytes written
};

// Entries are sorted by name, so the same tree gives the same tar. The root itself is not an entry.
Result<WriteTreeResult> WriteTree(const std::string& dir, TreeMode mode, ByteWriter& out);

}  // namespace skiff::storage

// Writes a directory tree as a tar stream (PAX where needed: long names, xattrs, big ids): either the
// flat tree (container export) or an overlay upper directory as a layer diff, where overlay whiteouts
// (char device 0:0) become ".wh.<name>" entries and opaque directories get ".wh..wh..opq".
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "storage/stream.h"

namespace skiff::storage {

enum class TreeMode { kFlat, kOverlayDiff };

struct WriteTreeResult {
  uint64_t entries = 0;
  uint64_t bytes = 0;  // tar bytes written
};

// uid/gid -> the uname/gname fields of the entries (ids not in the maps get numeric owners only).
struct OwnerNames {
  std::map<uint32_t, std::string> users, groups;
};

// Entries are sorted by name, so the same tree gives the same tar. The root itself is not an entry.
Result<WriteTreeResult> WriteTree(const std::string& dir, TreeMode mode, ByteWriter& out,
                                  const OwnerNames* names = nullptr);

}  // namespace skiff::storage

// The sources of one COPY/ADD (internal to skiff_build_copy): expanding the request's source words into
// the files, directories, URLs and inline files Docker would copy (wildcards, symlinks followed in scope,
// .dockerignore applied, Docker's error words), and walking a directory source into the entries a copy
// writes (parents first, names sorted as Go's filepath.Walk, hard links detected, sockets skipped).
// Stateless functions.
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "build/context/ignore.h"
#include "build/copy/copy.h"

namespace skiff::build::copy {

enum class SourceKind { kPath, kUrl, kInline };

struct Source {
  SourceKind kind = SourceKind::kPath;
  std::string rel;   // kPath: the resolved path relative to src_root ("" = the root); symlink-free
  std::string name;  // the name a file gets in a directory dest: basename of the path as written, the
                     // URL's last path element ("" when it has none), the heredoc delimiter
  struct stat st{};  // kPath: stat of the resolved path
  std::string url;   // kUrl
  const InlineFile* inline_file = nullptr;
  bool is_dir() const { return kind == SourceKind::kPath && S_ISDIR(st.st_mode); }
};

// "COPY failed: ..." / "ADD failed: ..." errors for missing, forbidden and URL-for-COPY sources, and
// Docker's "When using COPY with more than one source file, ..." when several sources meet a dest without
// a trailing '/'. src_root_fd: an fd of req.src_root (unused when no path source is named).
Result<std::vector<Source>> ExpandSources(const CopyRequest& req, int src_root_fd);

struct TreeEntry {
  std::string rel;         // relative to the source ("" = the source itself)
  struct stat st{};        // lstat
  std::string link;        // symlink target
  long hardlink = -1;      // index of an earlier entry of the same inode (Docker's tar keeps hard links)
  bool implicit = false;   // an excluded directory kept because an exception re-includes something below
};

// The entries of a kPath source: a file source is one entry (rel ""), a directory its whole tree, the
// directory itself first. ignore: context-relative rules; excludes: --exclude rules, relative to the source.
Result<std::vector<TreeEntry>> WalkSource(int src_root_fd, const Source& src, const context::IgnoreMatcher* ignore,
                                          const context::IgnoreMatcher* excludes);

bool IsUrl(std::string_view s);
// The file name Docker gives a URL download: its path's last element, "" when the path ends in '/' or is empty.
std::string UrlFileName(std::string_view url);

}  // namespace skiff::build::copy

// COPY and ADD into a root filesystem, as Docker's builder does them, and the content hash of their
// sources for the build cache. The destination is a directory tree (a mounted overlay snapshot of the
// step's parent image); every path inside it is resolved beneath it (symlinks in the image cannot send a
// write outside). Sources come from a directory: the build context (filtered by its .dockerignore) or
// another stage's / image's mounted rootfs (--from). Stateless functions; FileHashCache is thread-safe.
//
// Docker's rules implemented here (dockerd 20.10's legacy builder, checked on a private dockerd; the
// integration test docker_compare_test builds the same steps there and compares the trees):
// - sources relative to the source root; "../x" escaping it: "forbidden path outside the build context:
//   ../x ()"; wildcards (filepath.Match per element); missing: "file not found in build context or
//   excluded by .dockerignore: stat x: file does not exist" (context) or "stat x: file does not exist"
//   (--from); nothing at all (wildcards matching nothing): "no source files were specified"; all of
//   these prefixed "COPY failed: " / "ADD failed: ";
// - symlinks are resolved in scope (FollowSymlinkInScope): a link in the context pointing outside it
//   resolves against the context root; in the destination against dest_root (a dangling link named as
//   the dest creates its target);
// - a directory source copies its contents; several sources (or a wildcard) need a dest ending in '/'
//   ("When using COPY with more than one source file, the destination must be a directory and end with
//   a /"); dest ending in '/' or being an existing dir receives basename(source); missing parents made
//   (0755); whatever is in the way of a copied entry is replaced unless both are directories (a source
//   directory replaces a symlink in the destination); a directory onto a file: "mkdir /x: not a
//   directory"; hard links within one directory source are kept;
// - modes kept, mtimes kept (truncated to seconds, atime = mtime, as Docker's tar), owner 0:0 unless
//   --chown (user[:group], a lone user being the group too; names looked up in the destination's
//   /etc/passwd and /etc/group; "unable to convert uid/gid chown string to host mapping: can't find uid
//   for user x: no such user: x"); Docker's chown drops setuid/setgid bits and file capabilities, so
//   does this; parents made for a file source get the chown owner, those made for a directory source
//   stay 0:0 (the dest directory itself, when made, gets it); COPY --from without --chown keeps the
//   stage's owners, modes and capabilities;
// - --chmod (octal, BuildKit's: the legacy builder refuses it) on every file and directory copied, not
//   on the dest directory or the parents made;
// - symlinks copied as symlinks, except a source named directly (or matched by a wildcard), which is
//   followed (as Docker);
// - ADD: a local tar source (plain, gzip, bzip2, xz; recognised by content; an empty tar or a text file
//   named .tar is copied as a file) is extracted into dest (existing files overwritten, owners, modes and
//   times from the tar: dockerd 20.10 ignores --chown for archives); http(s) URL sources are downloaded
//   (dest '/'-ended: file named after the URL path's last element, "cannot determine filename for
//   source <url>" when it has none; mode 0600; mtime from Last-Modified, else the epoch),
//   --checksum=sha256:<hex> verified ("checksum mismatch"); URLs are never extracted; COPY of a URL:
//   "source can't be a URL for COPY";
// - heredoc sources are files named after their delimiter (mode 0644) holding their content.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/digest.h"
#include "base/error.h"
#include "build/context/ignore.h"

namespace skiff::build::copy {

struct InlineFile {
  std::string name;     // the heredoc delimiter
  std::string content;  // already expanded if it had to be
};

struct CopyRequest {
  bool add = false;
  std::string src_root;                        // context dir or a stage/image rootfs
  const context::IgnoreMatcher* ignore = nullptr;  // context only (nullptr: nothing excluded)
  bool from_context = true;                    // wording of "not found" errors
  std::vector<std::string> sources;            // expanded; relative to src_root (or absolute within it), URLs
  std::vector<InlineFile> inline_files;        // heredoc sources
  std::vector<std::string> excludes;           // --exclude patterns
  std::string dest;                            // expanded and made absolute by the caller (WORKDIR applied),
                                               // keeping a trailing '/' when the user wrote one
  std::string chown;                           // "" = 0:0
  std::optional<mode_t> chmod;
  std::string checksum;                        // ADD --checksum
  std::string instruction = "COPY";            // for messages: "COPY failed: ..." / "ADD failed: ..."
  std::string dest_as_written;                 // the dest as the user wrote it (after expansion), for the
                                               // history text ("in ." as Docker shows it); "" = dest
};

// Caches the sha256 of files by (device, inode, size, mtime, ctime): a touched file is hashed again, a
// file left alone never is. Persisted as one file (Load at startup, Save after a build); a missing or
// corrupt file is an empty cache.
class FileHashCache {
 public:
  explicit FileHashCache(std::string path) : path_(std::move(path)) {}
  Status Load();
  Status Save();
  // abs: the file's path (the key); st: its lstat. Hashes the content when the entry is missing or stale.
  Result<Digest> Hash(const std::string& abs, const struct stat& st);
  // The same for a file opened as `rel` beneath dirfd (no symlink followed); `key` is its cache key.
  Result<Digest> HashAt(int dirfd, const std::string& rel, const std::string& key, const struct stat& st);
  size_t size();
  // Forgets every entry (`builder prune -a`); Save() then writes an empty cache.
  void Clear();


 private:
  struct Item {
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
    std::string hex;
    bool used = false;  // looked up since Load (Save drops unused items when the cache grows large)
  };
  Result<Digest> HashFd(int fd, const std::string& key, const struct stat& st);
  std::string path_;
  std::mutex mu_;
  std::unordered_map<std::string, Item> items_;
  bool dirty_ = false;
};

struct SourceDigest {
  Digest key;           // the cache key (below)
  std::string history;  // Docker's history text: "file:<hex> in /dst", "dir:<hex> in /dst", "multi:<hex> in
                        // /dst/" (hex over the sources' content and metadata), URLs as Docker shows them
};
// The cache key of a COPY/ADD's sources: a digest over every file it would copy (path relative to its
// source, type, mode, content digest or symlink target; uid/gid only when they are kept, i.e. ADD of a
// tar), plus dest, chown, chmod, inline files and excludes. mtimes and the context's location do not
// count. URL sources count by URL and --checksum, else by the downloaded content (then downloaded twice:
// here and by CopyInto; Docker's legacy builder also downloads on every build).
// Errors as CopyInto's for missing sources.
Result<SourceDigest> HashSources(const CopyRequest& req, FileHashCache* cache);

// Performs the copy into dest_root (a directory; paths resolved beneath it). Errors leave what was
// copied so far (the caller discards the snapshot).
Status CopyInto(const CopyRequest& req, const std::string& dest_root);

}  // namespace skiff::build::copy

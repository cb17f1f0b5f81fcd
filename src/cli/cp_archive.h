// Tar streams for `cp` and friends, with libarchive: TarProducer writes a tar of a local file or directory
// tree into a pipe on its own thread (entries renamed so the tree's root is called `root_name`), and
// ExtractTar unpacks a tar read from an HTTP body or fd into a local directory, renaming the first path
// component `from_base` to `to_base` (docker's RebaseArchiveEntries) and never chown-ing (NoLchown).
// TarProducer owns the pipe's read end and the thread; its destructor joins.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "base/error.h"
#include "base/fd.h"
#include "cli/http_client.h"

namespace skiff::cli {

class TarProducer {
 public:
  // Starts archiving `path` (lstat-ed; symlinks archived as links). Entry names start with root_name
  // ("." archives the contents at the top level).
  static Result<std::unique_ptr<TarProducer>> Start(const std::string& path, const std::string& root_name);
  ~TarProducer();
  int fd() const { return read_.get(); }
  // Waits for the writer and returns its status.
  Status Finish();

 private:
  TarProducer() = default;
  UniqueFd read_;
  std::thread thread_;
  Status result_;
};

// Reader over a source of bytes.
using ByteSource = std::function<Result<size_t>(char* buf, size_t n)>;

// Extracts into dst_dir. Entries whose first component is from_base get it replaced by to_base (both
// empty: names kept). no_overwrite_dir_nondir: refuse to replace a directory by a non-directory and back.
Status ExtractTar(const ByteSource& src, const std::string& dst_dir, const std::string& from_base,
                  const std::string& to_base);

// docker's archive.SplitPathDirEntry: ("/a/b/." -> "/a/b", "."), ("/a/b/" -> "/a", "b").
std::pair<std::string, std::string> SplitPathDirEntry(const std::string& path);

}  // namespace skiff::cli

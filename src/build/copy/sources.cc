#include "build/copy/sources.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "build/copy/match.h"
#include "build/copy/parallel.h"
#include "build/copy/paths.h"

namespace skiff::build::copy {
namespace {

// Go's filepath.Base.
std::string GoBase(std::string_view p) {
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  if (p.empty()) return ".";
  if (p == "/") return "/";
  size_t s = p.rfind('/');
  return std::string(s == std::string_view::npos ? p : p.substr(s + 1));
}

// The names in a directory (sorted bytewise, as Go's Walk); dirfd is consumed.
Result<std::vector<std::string>> ListSorted(int dirfd, const std::string& what) {
  DIR* d = ::fdopendir(dirfd);
  if (!d) {
    int e = errno;
    ::close(dirfd);
    return Error::FromErrno(e, "open directory /" + what);
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
    names.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// Whether a context path is absent from the context Docker's daemon sees (excluded and not a directory
// that an exception pattern reaches into).
bool Hidden(const context::IgnoreMatcher* ignore, const std::string& rel, bool is_dir) {
  if (!ignore || ignore->empty() || rel.empty() || !ignore->Excluded(rel)) return false;
  return !(is_dir && ignore->MayReinclude(rel));
}

class Expander {
 public:
  Expander(const CopyRequest& req, int rootfd) : req_(req), rootfd_(rootfd) {}

  Status Path(const std::string& word, std::vector<Source>& out) {
    std::string orig = word;
    if (orig.size() > 1 && orig[0] == '/') orig.erase(0, 1);
    if (orig.starts_with("./")) orig.erase(0, 2);
    if (ContainsWildcards(orig)) {
      std::vector<std::string> matches;
      elems_.clear();
      for (auto& e : SplitRel(orig))
        if (e != ".") elems_.push_back(e);
      if (!elems_.empty()) {
        int fd = OpenBeneath(rootfd_, "", O_RDONLY | O_DIRECTORY);
        if (fd < 0) return Error::Sys("open " + req_.src_root);
        SKIFF_TRY(Glob(fd, "", 0, matches));
      }
      for (auto& m : matches) SKIFF_TRY(One(m, out));
      return Ok();
    }
    std::string clean = CleanRel(orig);
    if (clean == ".." || clean.starts_with("../"))
      return Failed(Error(Errc::kInvalidArgument, "forbidden path outside the build context: " + orig + " ()"));
    return One(orig, out);
  }

  Error Failed(Error e) const { return std::move(e).Wrap(req_.instruction + " failed"); }

 private:
  Status One(const std::string& path, std::vector<Source>& out) {
    const context::IgnoreMatcher* ig = req_.from_context ? req_.ignore : nullptr;
    std::string resolved = SKIFF_TRY(FollowInScope(rootfd_, path, ig));
    Source s;
    s.kind = SourceKind::kPath;
    s.rel = resolved;
    s.name = GoBase(path);
    bool found = LstatAt(rootfd_, resolved, &s.st);
    if (!found && errno != ENOENT && errno != ENOTDIR) return Error::Sys("stat " + path);
    if (found && S_ISSOCK(s.st.st_mode)) found = false;  // Docker's context tar skips sockets
    if (found && Hidden(ig, resolved, S_ISDIR(s.st.st_mode))) found = false;
    if (!found) {
      std::string msg = "stat " + path + ": file does not exist";
      if (req_.from_context) msg = "file not found in build context or excluded by .dockerignore: " + msg;
      return Failed(Error(Errc::kNotFound, msg, ENOENT));
    }
    out.push_back(std::move(s));
    return Ok();
  }

  Status Glob(int dirfd, const std::string& prefix, size_t idx, std::vector<std::string>& matches) {
    UniqueFd keep(::dup(dirfd));
    auto names = SKIFF_TRY(ListSorted(dirfd, prefix));
    const context::IgnoreMatcher* ig = req_.from_context ? req_.ignore : nullptr;
    bool last = idx + 1 == elems_.size();
    for (auto& name : names) {
      if (!GoMatch(elems_[idx], name)) continue;
      std::string rel = JoinRel(prefix, name);
      struct stat st;
      if (::fstatat(keep.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISSOCK(st.st_mode) || Hidden(ig, rel, S_ISDIR(st.st_mode))) continue;
      if (last) {
        matches.push_back(rel);
      } else if (S_ISDIR(st.st_mode)) {
        int fd = OpenBeneath(keep.get(), name, O_RDONLY | O_DIRECTORY);
        if (fd < 0) return Error::Sys("open directory /" + rel);
        SKIFF_TRY(Glob(fd, rel, idx + 1, matches));
      }
    }
    return Ok();
  }

  const CopyRequest& req_;
  int rootfd_;
  std::vector<std::string> elems_;
};

class Walker {
 public:
  // A subdirectory of the top level whose walk was left to another thread.
  struct Deferred {
    size_t at;  // its index in the output
    UniqueFd fd;
  };

  // defer_top: the top level's subdirectories are not walked but listed in deferred().
  Walker(const Source& src, const context::IgnoreMatcher* ignore, const context::IgnoreMatcher* excludes,
         std::vector<TreeEntry>& out, bool defer_top)
      : src_(src), ignore_(ignore), excludes_(excludes), out_(out), defer_top_(defer_top) {}
  std::vector<Deferred>& deferred() { return deferred_; }

  // Visits the children of directory `rel` (fd consumed); returns how many entries were kept below.
  Result<size_t> Dir(int dirfd, std::string rel) {  // by value: out_ grows while it runs
    UniqueFd keep(::dup(dirfd));
    auto names = SKIFF_TRY(ListSorted(dirfd, JoinRel(src_.rel, rel)));
    size_t kept = 0;
    for (auto& name : names) {
      TreeEntry e;
      e.rel = JoinRel(rel, name);
      if (::fstatat(keep.get(), name.c_str(), &e.st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;
        return Error::Sys("stat /" + JoinRel(src_.rel, e.rel));
      }
      if (S_ISSOCK(e.st.st_mode)) continue;
      bool is_dir = S_ISDIR(e.st.st_mode);
      std::string ctx_rel = JoinRel(src_.rel, e.rel);
      bool hidden = false;
      if (ignore_ && !ignore_->empty() && ignore_->Excluded(ctx_rel)) {
        if (!is_dir || !ignore_->MayReinclude(ctx_rel)) continue;
        hidden = true;
      }
      if (excludes_ && !excludes_->empty() && excludes_->Excluded(e.rel)) {
        if (!is_dir || !excludes_->MayReinclude(e.rel)) continue;
        hidden = true;
      }
      if (S_ISLNK(e.st.st_mode)) {
        char buf[4097];
        ssize_t n = ::readlinkat(keep.get(), name.c_str(), buf, sizeof buf - 1);
        if (n < 0) return Error::Sys("readlink /" + ctx_rel);
        e.link.assign(buf, static_cast<size_t>(n));
      }
      if (hidden) {
        e.implicit = true;
        e.st.st_mode = S_IFDIR | 0755;
      }
      size_t at = out_.size();
      out_.push_back(std::move(e));
      size_t below = 0;
      if (is_dir) {
        int fd = OpenBeneath(keep.get(), name, O_RDONLY | O_DIRECTORY);
        if (fd < 0) return Error::Sys("open directory /" + ctx_rel);
        if (defer_top_ && rel.empty()) {
          deferred_.push_back({at, UniqueFd(fd)});
          continue;  // counted, and pruned when empty, by WalkSource
        }
        below = SKIFF_TRY(Dir(fd, out_[at].rel));
      }
      if (hidden && below == 0) {
        out_.resize(at);  // nothing re-included below: Docker's context has no such directory
        continue;
      }
      kept += 1 + below;
    }
    return kept;
  }

 private:
  const Source& src_;
  const context::IgnoreMatcher* ignore_;
  const context::IgnoreMatcher* excludes_;
  std::vector<TreeEntry>& out_;
  bool defer_top_;
  std::vector<Deferred> deferred_;
};

}  // namespace

bool IsUrl(std::string_view s) { return s.starts_with("http://") || s.starts_with("https://"); }

std::string UrlFileName(std::string_view url) {
  size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  size_t slash = rest.find_first_of("/?#");
  if (slash == std::string_view::npos || rest[slash] != '/') return "";
  std::string_view path = rest.substr(slash);
  path = path.substr(0, path.find_first_of("?#"));
  if (path.empty() || path.back() == '/') return "";
  std::string_view last = path.substr(path.rfind('/') + 1);
  std::string out;
  for (size_t i = 0; i < last.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (last[i] == '%' && i + 2 < last.size() + 0 && hex(last[i + 1]) >= 0 && hex(last[i + 2]) >= 0) {
      out += static_cast<char>(hex(last[i + 1]) * 16 + hex(last[i + 2]));
      i += 2;
    } else {
      out += last[i];
    }
  }
  if (out == "." || out == "..") return "";
  return out;
}

Result<std::vector<Source>> ExpandSources(const CopyRequest& req, int src_root_fd) {
  std::vector<Source> out;
  Expander ex(req, src_root_fd);
  for (auto& word : req.sources) {
    if (IsUrl(word)) {
      if (!req.add)
        return ex.Failed(Error(Errc::kInvalidArgument, "source can't be a URL for " + req.instruction));
      Source s;
      s.kind = SourceKind::kUrl;
      s.url = word;
      s.name = UrlFileName(word);
      out.push_back(std::move(s));
      continue;
    }
    SKIFF_TRY(ex.Path(word, out));
  }
  for (auto& f : req.inline_files) {
    Source s;
    s.kind = SourceKind::kInline;
    s.name = f.name;
    s.inline_file = &f;
    out.push_back(std::move(s));
  }
  if (out.empty()) return ex.Failed(Error(Errc::kInvalidArgument, "no source files were specified"));
  if (out.size() > 1 && !req.dest.ends_with('/'))
    return Error(Errc::kInvalidArgument, "When using " + req.instruction +
                                             " with more than one source file, the destination must be a "
                                             "directory and end with a /");
  return out;
}

Result<std::vector<TreeEntry>> WalkSource(int src_root_fd, const Source& src, const context::IgnoreMatcher* ignore,
                                          const context::IgnoreMatcher* excludes) {
  std::vector<TreeEntry> top;
  TreeEntry root;
  root.st = src.st;
  top.push_back(root);
  if (!src.is_dir()) return top;
  int fd = OpenBeneath(src_root_fd, src.rel, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Error::Sys("open directory /" + src.rel);
  Walker w(src, ignore, excludes, top, true);
  SKIFF_TRY(w.Dir(fd, ""));
  // The top level's subdirectories are walked in parallel, then stitched in place (Walk's order).
  auto& deferred = w.deferred();
  std::vector<std::vector<TreeEntry>> subs(deferred.size());
  std::vector<size_t> kept(deferred.size());
  SKIFF_TRY(ParallelFor(deferred.size(), deferred.size() >= 2 ? WorkThreads() : 1, [&](size_t k) -> Status {
    Walker sw(src, ignore, excludes, subs[k], false);
    kept[k] = SKIFF_TRY(sw.Dir(deferred[k].fd.release(), top[deferred[k].at].rel));
    return Ok();
  }));
  std::vector<TreeEntry> out;
  size_t total = top.size();
  for (auto& v : subs) total += v.size();
  out.reserve(total);
  for (size_t i = 0, d = 0; i < top.size(); ++i) {
    if (d < deferred.size() && deferred[d].at == i) {
      if (!(top[i].implicit && kept[d] == 0)) {  // an excluded directory with nothing re-included: absent
        out.push_back(std::move(top[i]));
        for (auto& e : subs[d]) out.push_back(std::move(e));
      }
      ++d;
      continue;
    }
    out.push_back(std::move(top[i]));
  }
  // Hard links: every later name of an inode points at its first (Docker's tar keeps them).
  std::map<std::pair<dev_t, ino_t>, long> inodes;
  for (size_t i = 1; i < out.size(); ++i) {
    const struct stat& st = out[i].st;
    if (S_ISDIR(st.st_mode) || st.st_nlink < 2 || out[i].implicit) continue;
    auto [it, fresh] = inodes.try_emplace({st.st_dev, st.st_ino}, static_cast<long>(i));
    if (!fresh) out[i].hardlink = it->second;
  }
  return out;
}

}  // namespace skiff::build::copy

// CopyInto: Docker's performCopy for each source (see copy.h for the rules).
#include "build/copy/copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <unordered_set>

#include "base/file.h"
#include "build/copy/add_tar.h"
#include "build/copy/add_url.h"
#include "build/copy/chown.h"
#include "build/copy/parallel.h"
#include "build/copy/paths.h"
#include "build/copy/sources.h"
#include "build/copy/write.h"

namespace skiff::build::copy {
namespace {


struct timespec Seconds(const struct timespec& t) { return {t.tv_sec, 0}; }

class Copier {
 public:
  Copier(const CopyRequest& req, int src_root, int dest_root) : req_(req), src_root_(src_root), dest_root_(dest_root) {}

  Status Run() {
    if (req_.dest.empty() || req_.dest[0] != '/')
      return Error(Errc::kInvalidArgument, "destination \"" + req_.dest + "\" is not absolute");
    if (!req_.checksum.empty()) {
      for (auto& s : req_.sources)
        if (!IsUrl(s)) return Failed(Error(Errc::kInvalidArgument, "checksum can't be specified for non-HTTP(S) sources"));
      if (!Digest::Parse(req_.checksum))
        return Failed(Error(Errc::kInvalidArgument, "invalid checksum digest format: " + req_.checksum));
    }
    if (!req_.excludes.empty()) excludes_ = SKIFF_TRY(context::IgnoreMatcher::FromPatterns(req_.excludes));
    auto sources = SKIFF_TRY(ExpandSources(req_, src_root_));
    dest_slash_ = req_.dest.ends_with('/');
    dest_rel_ = SKIFF_TRY(FollowInScope(dest_root_, req_.dest));
    if (!req_.chown.empty()) identity_ = SKIFF_TRY(ParseChown(req_.chown, dest_root_));
    else if (req_.from_context || req_.add) identity_ = ProcessOwner();
    // Downloads first: their errors, as Docker's, come before anything is written.
    std::vector<std::unique_ptr<TempDir>> downloads(sources.size());
    for (size_t i = 0; i < sources.size(); ++i) {
      Source& s = sources[i];
      if (s.kind != SourceKind::kUrl) continue;
      if (s.name.empty() && dest_slash_)
        return Failed(Error(Errc::kInvalidArgument, "cannot determine filename for source " + s.url));
      std::string file = s.name.empty() ? "__unnamed__" : s.name;
      auto tmp = SKIFF_TRY(TempDir::Create(TmpParent(), "skiff-remote-"));
      downloads[i] = std::make_unique<TempDir>(std::move(tmp));
      SKIFF_TRY_CTX(DownloadUrl(s.url, downloads[i]->path(), file, req_.checksum), req_.instruction + " failed");
      s.rel = file;
      s.name = file;
    }
    for (size_t i = 0; i < sources.size(); ++i) {
      const Source& s = sources[i];
      Status st;
      if (s.kind == SourceKind::kInline) {
        st = CopyInline(s);
      } else if (s.kind == SourceKind::kUrl) {
        UniqueFd dir(::open(downloads[i]->path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!dir) return Error::Sys("open " + downloads[i]->path());
        struct stat sst;
        if (!LstatAt(dir.get(), s.rel, &sst)) return Error::Sys("stat download " + s.rel);
        st = CopyFile(dir.get(), s.rel, s.name, sst, false);
      } else if (s.is_dir()) {
        st = CopyDir(s);
      } else {
        st = CopyFile(src_root_, s.rel, s.name, s.st, req_.add);
      }
      if (!st) return std::move(st).error().Wrap("failed to copy files");
    }
    return Ok();
  }

 private:
  Error Failed(Error e) const { return std::move(e).Wrap(req_.instruction + " failed"); }

  static std::string TmpParent() {
    const char* t = ::getenv("TMPDIR");
    return t && *t ? t : "/tmp";
  }

  // Owner, mode and times for a copied entry whose source metadata is `st`.
  EntryMeta MetaFor(const struct stat& st, bool parent_sgid) const {
    EntryMeta m;
    Owner o = identity_ ? *identity_ : Owner{st.st_uid, st.st_gid};
    m.owner = o;
    m.set_owner = !(o == ProcessOwner()) || parent_sgid;
    mode_t mode = st.st_mode & 07777;
    if (identity_ && S_ISREG(st.st_mode)) {
      // Docker chowns every copied file (fixPermissions); the kernel's chown clears these.
      mode &= ~S_ISUID;
      if (mode & S_IXGRP) mode &= ~S_ISGID;
    }
    if (req_.chmod) mode = *req_.chmod & 07777;
    m.mode = mode;
    m.mtime = Seconds(st.st_mtim);
    m.copy_caps = !identity_ && S_ISREG(st.st_mode);
    return m;
  }

  // Where a single file goes: the dest, or dest/<name> for a dest ending in '/' or an existing directory.
  Result<std::pair<UniqueFd, std::string>> FileTarget(const std::string& name) {
    struct stat st;
    bool dest_dir = LstatAt(dest_root_, dest_rel_, &st) && S_ISDIR(st.st_mode);
    std::string final = (dest_slash_ || dest_dir) ? JoinRel(dest_rel_, name) : dest_rel_;
    auto pfd = MkdirAllBeneath(dest_root_, ParentRel(final), identity_);
    if (!pfd) {
      if (identity_) return pfd.error().Wrap("failed to create new directory");
      return pfd.error();
    }
    return std::make_pair(std::move(*pfd), BaseRel(final));
  }

  static bool Sgid(int dirfd) {
    struct stat st;
    return ::fstat(dirfd, &st) == 0 && (st.st_mode & S_ISGID);
  }

  Status CopyFile(int src_dirfd, const std::string& rel, const std::string& name, const struct stat& st, bool maybe_tar) {
    std::string what = "/" + rel;
    if (maybe_tar && S_ISREG(st.st_mode)) {
      UniqueFd in(OpenBeneath(src_dirfd, rel, O_RDONLY | O_NOFOLLOW));
      if (!in) return GoSys("open " + what);
      if (SKIFF_TRY(IsTarArchive(in.get()))) {
        UniqueFd dfd = SKIFF_TRY(MkdirAllBeneath(dest_root_, dest_rel_, ProcessOwner()));
        return ExtractTar(in.get(), dfd.get(), what);
      }
    }
    auto [pfd, base] = SKIFF_TRY(FileTarget(name));
    EntryMeta m = MetaFor(st, Sgid(pfd.get()));
    Status s;
    CopyHint hint;
    if (S_ISREG(st.st_mode))
      s = WriteRegular(src_dirfd, rel, st.st_size, pfd.get(), base, m, "/" + JoinRel(dest_rel_, base), &hint);
    else s = WriteSpecial(st, pfd.get(), base, m, "/" + base);
    if (!s) return std::move(s).error().Wrap("failed to copy file");
    return Ok();
  }

  Status CopyInline(const Source& s) {
    auto [pfd, base] = SKIFF_TRY(FileTarget(s.name));
    struct stat st{};
    st.st_mode = S_IFREG | 0644;
    EntryMeta m = MetaFor(st, Sgid(pfd.get()));
    m.set_times = false;
    m.copy_caps = false;
    return WriteContent(s.inline_file->content, pfd.get(), base, m, "/" + base);
  }

  Status CopyDir(const Source& s) {
    struct stat dst;
    bool dest_exists = LstatAt(dest_root_, dest_rel_, &dst) && S_ISDIR(dst.st_mode);
    auto made = MkdirAllBeneath(dest_root_, dest_rel_, ProcessOwner());
    if (!made) return made.error().Wrap("failed to copy directory");
    UniqueFd dfd = std::move(*made);
    UniqueFd sfd(OpenBeneath(src_root_, s.rel, O_PATH | O_DIRECTORY));
    if (!sfd) return GoSys("open /" + s.rel);
    const context::IgnoreMatcher* ig = req_.from_context ? req_.ignore : nullptr;
    auto entries = SKIFF_TRY(WalkSource(src_root_, s, ig, excludes_ ? &*excludes_ : nullptr));

    std::unordered_set<std::string> sgid_dirs;
    bool root_sgid = Sgid(dfd.get());
    auto parent_sgid = [&](const std::string& rel) {
      std::string p = ParentRel(rel);
      return p.empty() ? root_sgid : (!sgid_dirs.empty() && sgid_dirs.count(p));
    };
    struct DirFix {
      size_t index;
      EntryMeta meta;
      bool fix_mode;
    };
    std::vector<DirFix> dirs;
    std::vector<size_t> files, links;
    std::vector<EntryMeta> file_meta;
    for (size_t i = 1; i < entries.size(); ++i) {
      const TreeEntry& e = entries[i];
      std::string what = "/" + JoinRel(dest_rel_, e.rel);
      bool psg = parent_sgid(e.rel);
      EntryMeta m = MetaFor(e.st, psg);
      if (e.hardlink >= 0) {
        links.push_back(i);
      } else if (S_ISDIR(e.st.st_mode)) {
        mode_t cur = 0;
        bool existed = SKIFF_TRY(EnsureDir(dfd.get(), e.rel, m.mode, &cur, what));
        if (!existed && psg) cur |= S_ISGID;
        if (cur & S_ISGID) sgid_dirs.insert(e.rel);
        m.set_times = !e.implicit;
        dirs.push_back({i, m, (cur & 07777) != m.mode});
      } else if (S_ISREG(e.st.st_mode)) {
        files.push_back(i);
        file_meta.push_back(m);
      } else if (S_ISLNK(e.st.st_mode)) {
        SKIFF_TRY(WriteSymlink(e.link, dfd.get(), e.rel, m, what));
      } else {
        SKIFF_TRY(WriteSpecial(e.st, dfd.get(), e.rel, m, what));
      }
    }
    uint64_t bytes = 0;
    for (size_t i : files) bytes += static_cast<uint64_t>(entries[i].st.st_size);
    unsigned threads = (files.size() >= 8 || bytes >= (64u << 20)) ? WorkThreads() : 1;
    CopyHint hint;
    SKIFF_TRY(ParallelFor(files.size(), threads, [&](size_t k) -> Status {
      const TreeEntry& e = entries[files[k]];
      return WriteRegular(sfd.get(), e.rel, e.st.st_size, dfd.get(), e.rel, file_meta[k],
                          "/" + JoinRel(dest_rel_, e.rel), &hint);
    }));
    for (size_t i : links) {
      const TreeEntry& e = entries[i];
      const std::string& target = entries[static_cast<size_t>(e.hardlink)].rel;
      for (int attempt = 0;; ++attempt) {
        if (::linkat(dfd.get(), target.c_str(), dfd.get(), e.rel.c_str(), 0) == 0) break;
        if (errno != EEXIST || attempt > 0) return GoSys("link /" + target + " /" + JoinRel(dest_rel_, e.rel));
        SKIFF_TRY(RemovePath(dfd.get(), e.rel));
      }
    }
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it)
      SKIFF_TRY(ApplyDirMeta(dfd.get(), entries[it->index].rel, it->meta, it->fix_mode,
                             "/" + JoinRel(dest_rel_, entries[it->index].rel)));
    if (identity_ && !dest_exists && !(*identity_ == ProcessOwner())) {
      if (::fchownat(dfd.get(), "", identity_->uid, identity_->gid, AT_EMPTY_PATH) != 0)
        return GoSys("lchown /" + dest_rel_);
    }
    return Ok();
  }

  const CopyRequest& req_;
  int src_root_;
  int dest_root_;
  std::optional<Owner> identity_;
  std::optional<context::IgnoreMatcher> excludes_;
  std::string dest_rel_;
  bool dest_slash_ = false;
};

}  // namespace

Status CopyInto(const CopyRequest& req, const std::string& dest_root) {
  UniqueFd dest(::open(dest_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dest) return GoSys("open destination " + dest_root);
  UniqueFd src;
  if (!req.src_root.empty()) {
    src.reset(::open(req.src_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!src) return GoSys("open source root " + req.src_root);
  }
  Copier c(req, src.get(), dest.get());
  return c.Run();
}

}  // namespace skiff::build::copy

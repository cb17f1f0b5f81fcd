// HashSources: the build-cache key of a COPY/ADD's sources (see copy.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "build/copy/add_url.h"
#include "build/copy/copy.h"
#include "build/copy/parallel.h"
#include "build/copy/paths.h"
#include "build/copy/sources.h"

namespace skiff::build::copy {
namespace {

// Length-prefixed fields, so that no two different inputs serialise alike.
void Field(std::string& out, std::string_view v) {
  out += std::to_string(v.size());
  out += ':';
  out += v;
}
void Field(std::string& out, uint64_t v) { Field(out, std::to_string(v)); }

char TypeChar(mode_t m) {
  switch (m & S_IFMT) {
    case S_IFDIR: return 'd';
    case S_IFREG: return 'f';
    case S_IFLNK: return 'l';
    case S_IFCHR: return 'c';
    case S_IFBLK: return 'b';
    case S_IFIFO: return 'p';
    default: return '?';
  }
}

struct Job {
  size_t source;
  size_t entry;
  std::string key;
};

}  // namespace

Result<SourceDigest> HashSources(const CopyRequest& req, FileHashCache* cache) {
  FileHashCache scratch("");
  if (!cache) cache = &scratch;
  UniqueFd src;
  if (!req.src_root.empty()) {
    src.reset(::open(req.src_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!src) return GoSys("open source root " + req.src_root);
  }
  std::optional<context::IgnoreMatcher> excludes;
  if (!req.excludes.empty()) excludes = SKIFF_TRY(context::IgnoreMatcher::FromPatterns(req.excludes));
  auto sources = SKIFF_TRY(ExpandSources(req, src.get()));
  const context::IgnoreMatcher* ig = req.from_context ? req.ignore : nullptr;
  // Owners are part of the result only when the copy keeps them (COPY --from without --chown).
  bool keep_owner = req.chown.empty() && !req.from_context && !req.add;

  std::vector<std::vector<TreeEntry>> trees(sources.size());
  std::vector<std::vector<Digest>> digests(sources.size());
  std::vector<Job> jobs;
  std::vector<Digest> url_digests(sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    const Source& s = sources[i];
    if (s.kind == SourceKind::kPath) {
      trees[i] = SKIFF_TRY(WalkSource(src.get(), s, ig, excludes ? &*excludes : nullptr));
      digests[i].resize(trees[i].size());
      for (size_t k = 0; k < trees[i].size(); ++k) {
        const TreeEntry& e = trees[i][k];
        if (S_ISREG(e.st.st_mode) && e.hardlink < 0)
          jobs.push_back({i, k, JoinPath(req.src_root, JoinRel(s.rel, e.rel))});
      }
    } else if (s.kind == SourceKind::kUrl && req.checksum.empty()) {
      if (s.name.empty() && req.dest.ends_with('/'))
        return Error(Errc::kInvalidArgument,
                     req.instruction + " failed: cannot determine filename for source " + s.url);
      auto tmp = SKIFF_TRY(TempDir::Create(::getenv("TMPDIR") && *::getenv("TMPDIR") ? ::getenv("TMPDIR") : "/tmp",
                                           "skiff-remote-"));
      url_digests[i] = SKIFF_TRY_CTX(DownloadUrl(s.url, tmp.path(), "download", ""), req.instruction + " failed");
    }
  }
  unsigned threads = jobs.size() >= 8 ? WorkThreads() : 1;
  SKIFF_TRY(ParallelFor(jobs.size(), threads, [&](size_t j) -> Status {
    const Job& job = jobs[j];
    const Source& s = sources[job.source];
    const TreeEntry& e = trees[job.source][job.entry];
    digests[job.source][job.entry] = SKIFF_TRY(cache->HashAt(src.get(), JoinRel(s.rel, e.rel), job.key, e.st));
    return Ok();
  }));

  std::vector<std::string> parts;  // "<kind>:<hex>" per source, as Docker's history shows them
  for (size_t i = 0; i < sources.size(); ++i) {
    const Source& s = sources[i];
    std::string ser;
    const char* kind = "file";
    switch (s.kind) {
      case SourceKind::kPath: {
        if (s.is_dir()) kind = "dir";
        Field(ser, s.is_dir() ? std::string_view("") : std::string_view(s.name));
        for (size_t k = 0; k < trees[i].size(); ++k) {
          const TreeEntry& e = trees[i][k];
          // A directory source copies its contents: its own mode and owner never reach the image (the
          // destination is made 0755 or left as it is), so they are not part of the key either (an
          // extracted tar context and the same directory read in place differ only there).
          if (s.is_dir() && e.rel.empty()) continue;
          Field(ser, e.rel);
          ser += TypeChar(e.st.st_mode);
          Field(ser, e.st.st_mode & 07777);
          if (keep_owner) {
            Field(ser, e.st.st_uid);
            Field(ser, e.st.st_gid);
          }
          if (e.hardlink >= 0) {
            ser += 'h';
            Field(ser, trees[i][static_cast<size_t>(e.hardlink)].rel);
          } else if (S_ISREG(e.st.st_mode)) {
            Field(ser, digests[i][k].hex());
          } else if (S_ISLNK(e.st.st_mode)) {
            Field(ser, e.link);
          } else if (S_ISCHR(e.st.st_mode) || S_ISBLK(e.st.st_mode)) {
            Field(ser, e.st.st_rdev);
          }
        }
        break;
      }
      case SourceKind::kUrl:
        ser += 'u';
        Field(ser, s.url);
        Field(ser, s.name);
        Field(ser, req.checksum.empty() ? url_digests[i].hex() : req.checksum);
        break;
      case SourceKind::kInline:
        ser += 'i';
        Field(ser, s.name);
        Field(ser, s.inline_file->content);
        break;
    }
    parts.push_back(std::string(kind) + ":" + Sha256Of(ser).hex());
  }

  std::string key = "skiff-copy-v1";
  Field(key, req.add ? "ADD" : "COPY");
  Field(key, keep_owner ? "keep-owner" : "");
  for (auto& p : parts) Field(key, p);
  Field(key, req.dest);
  Field(key, req.chown);
  Field(key, req.chmod ? std::to_string(*req.chmod) : std::string("-"));
  Field(key, req.checksum);
  for (auto& e : req.excludes) Field(key, e);

  SourceDigest out;
  out.key = Sha256Of(key);
  std::string dest = req.dest_as_written.empty() ? req.dest : req.dest_as_written;
  if (parts.size() == 1) {
    out.history = parts[0] + " in " + dest;
  } else {
    std::string joined;
    for (auto& p : parts) joined += (joined.empty() ? "" : ",") + p;
    out.history = "multi:" + Sha256Of(joined).hex() + " in " + dest;
  }
  return out;
}

}  // namespace skiff::build::copy

// cp, export, commit: moving container filesystems in and out.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "base/file.h"
#include "base/strings.h"
#include "cli/command.h"
#include "cli/container_common.h"
#include "cli/cp_archive.h"
#include "cli/opts.h"
#include "cli/reference.h"

namespace skiff::cli {
namespace {

constexpr uint32_t kGoModeDir = 1u << 31;
constexpr uint32_t kGoModeSymlink = 1u << 27;

struct PathStat {
  std::string name;
  uint32_t mode = 0;
  std::string link_target;
  bool is_dir() const { return mode & kGoModeDir; }
  bool is_symlink() const { return mode & kGoModeSymlink; }
};

Result<PathStat> DecodePathStat(const std::string& header) {
  if (header.empty()) return Error(Errc::kInternal, "no container path stat in the daemon's answer");
  std::string out(header.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(header.data()), static_cast<int>(header.size()));
  if (n < 0) return Error(Errc::kInternal, "unable to decode container path stat header");
  size_t pad = header.size() >= 2 && header.substr(header.size() - 2) == "==" ? 2 : header.back() == '=' ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  auto j = SKIFF_TRY(ParseJson(out, "container path stat"));
  PathStat st;
  st.name = j.value("name", "");
  st.mode = j.value("mode", uint32_t{0});
  st.link_target = j.value("linkTarget", "");
  return st;
}

Result<PathStat> StatContainerPath(const Cli& cli, const std::string& container, const std::string& path) {
  Query q;
  q.Set("path", path);
  auto r = cli.api().Open("HEAD", "/containers/" + container + "/archive", q);
  if (!r.ok()) return NotFoundAs(std::move(r).error(), "container:path", container + ":" + path);
  return DecodePathStat((*r)->header("X-Docker-Container-Path-Stat"));
}

bool HasTrailingDot(const std::string& p) { return p == "." || (p.size() >= 2 && p.substr(p.size() - 2) == "/."); }
bool AssertsDirectory(const std::string& p) { return (!p.empty() && p.back() == '/') || HasTrailingDot(p); }

// docker's resolveLocalPath: absolute, keeping a trailing "/" or "/.".
std::string ResolveLocalPath(const std::string& p) {
  std::string abs = p;
  if (abs.empty() || abs[0] != '/') {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof(cwd))) abs = JoinPath(cwd, p);
  }
  std::string cleaned = CleanPath(abs);
  if (HasTrailingDot(p) && !HasTrailingDot(cleaned)) return cleaned == "/" ? "/." : cleaned + "/.";
  if (!p.empty() && p.back() == '/' && cleaned.back() != '/') return cleaned + "/";
  return cleaned;
}

std::string Parent(const std::string& p) { return SplitPathDirEntry(p).first; }
std::string Base(const std::string& p) { return SplitPathDirEntry(p).second; }
// A symlink's target as a path: relative targets are relative to the link's directory.
std::string LinkTargetPath(const std::string& link, const std::string& target) {
  return !target.empty() && target[0] == '/' ? target : JoinPath(Parent(link), target);
}

// Where an archive of a source (dir or not, named src_base) goes for a destination: the directory to
// extract in and the name the source's root gets there (docker's PrepareArchiveCopy).
struct CopyPlan {
  std::string dst_dir;
  std::string root_name;
};

Result<CopyPlan> PlanCopy(bool src_is_dir, const std::string& src_base, const std::string& dst_path, bool dst_exists,
                          bool dst_is_dir) {
  auto [dst_dir, dst_base] = SplitPathDirEntry(dst_path);
  if (dst_exists && dst_is_dir) return CopyPlan{dst_path, src_base};
  if (dst_exists && src_is_dir) return Error(Errc::kInvalidArgument, "cannot copy directory");
  if (dst_exists || src_is_dir) return CopyPlan{dst_dir, dst_base};
  if (AssertsDirectory(dst_path)) return Error(Errc::kInvalidArgument, "no such directory");
  return CopyPlan{dst_dir, dst_base};
}

Result<int> CopyFromContainer(const Cli& cli, const std::string& container, std::string src, std::string dst,
                              bool follow) {
  if (dst != "-") {
    dst = ResolveLocalPath(dst);
    SKIFF_TRY(ValidateOutputPath(dst));
  }
  std::string rebase;
  if (follow) {
    auto st = StatContainerPath(cli, container, src);
    if (st.ok() && st->is_symlink()) {
      rebase = Base(src);
      src = LinkTargetPath(src, st->link_target);
    }
  }
  Query q;
  q.Set("path", src);
  auto resp = cli.api().Open("GET", "/containers/" + container + "/archive", q);
  if (!resp.ok()) return NotFoundAs(std::move(resp).error(), "container:path", container + ":" + src);
  auto& body = **resp;
  if (dst == "-") return WriteArchiveOutput(cli, body, "");
  auto st = SKIFF_TRY(DecodePathStat(body.header("X-Docker-Container-Path-Stat")));
  // The local destination: follow symlinks; a missing path needs an existing parent directory.
  std::string path = dst;
  struct stat ls;
  int rc = ::lstat(path.c_str(), &ls);
  for (int n = 0; rc == 0 && S_ISLNK(ls.st_mode); ++n) {
    if (n > 10) return Error(Errc::kInvalidArgument, "too many symlinks in " + dst);
    char target[PATH_MAX];
    ssize_t len = ::readlink(path.c_str(), target, sizeof(target) - 1);
    if (len < 0) return Error(Errc::kInvalidArgument, GoPathError("readlink", path, errno));
    target[len] = '\0';
    path = LinkTargetPath(path, target);
    rc = ::lstat(path.c_str(), &ls);
  }
  bool exists = rc == 0, is_dir = exists && S_ISDIR(ls.st_mode);
  if (!exists) {
    if (errno != ENOENT) return Error(Errc::kInvalidArgument, GoPathError("lstat", path, errno));
    struct stat ps;
    std::string parent = Parent(path);
    if (::stat(parent.c_str(), &ps) != 0) {
      return Error(Errc::kInvalidArgument, GoPathError("stat", parent, errno));
    }
    if (!S_ISDIR(ps.st_mode)) return Error(Errc::kInvalidArgument, "not a directory");
  }
  std::string src_base = Base(src);
  auto plan = SKIFF_TRY(PlanCopy(st.is_dir(), rebase.empty() ? src_base : rebase, path, exists, is_dir));
  // The daemon names entries after the source's base name; rename them to the plan's root name.
  SKIFF_TRY(ExtractTar([&](char* buf, size_t n) { return body.Read(buf, n); }, plan.dst_dir, src_base,
                       plan.root_name));
  return 0;
}

Result<int> CopyToContainer(const Cli& cli, const std::string& container, std::string src, const std::string& dst,
                            bool follow, bool copy_uid_gid) {
  if (src != "-") src = ResolveLocalPath(src);
  std::string dst_path = dst;
  auto st = StatContainerPath(cli, container, dst);
  if (st.ok() && st->is_symlink()) {
    dst_path = LinkTargetPath(dst, st->link_target);
    st = StatContainerPath(cli, container, dst_path);
  }
  bool exists = st.ok(), is_dir = st.ok() && st->is_dir();
  Query q;
  if (copy_uid_gid) q.Set("copyUIDGID", "true");
  q.Set("noOverwriteDirNonDir", "true");
  auto put = [&](const std::string& dir, int fd) -> Result<int> {
    Query qq = q;
    qq.Set("path", dir);
    auto r = cli.api().Open("PUT", "/containers/" + container + "/archive", qq, {}, fd,
                            {{"Content-Type", "application/x-tar"}});
    if (!r.ok()) return NotFoundAs(std::move(r).error(), "container:path", container + ":" + dir);
    (void)(*r)->ReadAll();
    return 0;
  };
  if (src == "-") {
    if (!is_dir) return Error(Errc::kInvalidArgument, fmt::format("destination \"{}:{}\" must be a directory", container, dst));
    return put(dst_path, cli.in_fd());
  }
  // The local source: symlinks in the parent are resolved, the last element only with -L.
  auto [dir, base] = SplitPathDirEntry(src);
  char resolved_dir[PATH_MAX];
  if (!::realpath(dir.c_str(), resolved_dir)) {
    return Error(Errc::kInvalidArgument, GoPathError("lstat", src, errno));
  }
  std::string resolved = std::string(resolved_dir) + "/" + base;
  std::string src_base = base;
  if (follow) {
    char full[PATH_MAX];
    if (::realpath(resolved.c_str(), full)) resolved = full;
  }
  struct stat ls;
  if (::lstat(resolved.c_str(), &ls) != 0) {
    return Error(Errc::kInvalidArgument, GoPathError("lstat", resolved, errno));
  }
  auto plan = SKIFF_TRY(PlanCopy(S_ISDIR(ls.st_mode), src_base, dst_path, exists, is_dir));
  auto tar = SKIFF_TRY(TarProducer::Start(resolved, plan.root_name));
  auto rc = put(plan.dst_dir, tar->fd());
  Status produced = tar->Finish();
  if (!rc.ok()) return rc;
  if (!produced.ok()) return std::move(produced).error();
  return 0;
}

// docker's splitCpArg.
std::pair<std::string, std::string> SplitCpArg(const std::string& arg) {
  if (!arg.empty() && arg[0] == '/') return {"", arg};
  auto parts = SplitN(arg, ':', 2);
  if (parts.size() == 1 || parts[0].rfind('.', 0) == 0) return {"", arg};
  return {parts[0], parts[1]};
}

Result<int> Cp(Cli& cli, Invocation& inv) {
  bool archive = false, follow = false;
  inv.flags().Bool(&archive, "a,archive", "Archive mode (copy all uid/gid information)");
  inv.flags().Bool(&follow, "L,follow-link", "Always follow symbol link in SRC_PATH");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  auto [src_ctr, src_path] = SplitCpArg((*args)[0]);
  auto [dst_ctr, dst_path] = SplitCpArg((*args)[1]);
  if (!src_ctr.empty() && !dst_ctr.empty()) return Error(Errc::kInvalidArgument, "copying between containers is not supported");
  if (!src_ctr.empty()) return CopyFromContainer(cli, src_ctr, src_path, dst_path, follow);
  if (!dst_ctr.empty()) return CopyToContainer(cli, dst_ctr, src_path, dst_path, follow, archive);
  return Error(Errc::kInvalidArgument, "must specify at least one container source");
}

}  // namespace

// docker's command.ValidateOutputPath.
Status ValidateOutputPath(const std::string& path) {
  std::string dir = Parent(ResolveLocalPath(path));
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    return Error(Errc::kInvalidArgument, fmt::format("invalid output path: directory \"{}\" does not exist", dir));
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    return Error(Errc::kInvalidArgument, fmt::format("invalid output path: directory \"{}\" is not writable", dir));
  }
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Error(Errc::kInvalidArgument, fmt::format("invalid output path: \"{}\" is a directory", path));
  }
  return Ok();
}

// docker's command.CopyToFile: a temp file in the same directory renamed into place.
Status CopyToFile(const std::string& out, HttpResponse& body) {
  std::string tmpl = JoinPath(Parent(ResolveLocalPath(out)), ".docker_temp_XXXXXX");
  UniqueFd fd(::mkstemp(tmpl.data()));
  if (!fd) return Error::Sys("create temp file in " + Parent(out));
  char buf[64 * 1024];
  Status st = Ok();
  while (st.ok()) {
    auto n = body.Read(buf, sizeof(buf));
    if (!n.ok()) {
      st = std::move(n).error();
      break;
    }
    if (*n == 0) break;
    st = WriteAll(fd.get(), std::string_view(buf, *n));
  }
  ::fchmod(fd.get(), 0600);
  fd.reset();
  if (st.ok() && ::rename(tmpl.c_str(), out.c_str()) != 0) st = Error::Sys("rename " + out);
  if (!st.ok()) ::unlink(tmpl.c_str());
  return st;
}

Status CheckArchiveOutput(const Cli& cli, const std::string& output, std::string_view what) {
  if (output.empty() && cli.OutIsTerminal()) {
    return Error(Errc::kInvalidArgument, "cowardly refusing to save to a terminal. Use the -o flag or redirect");
  }
  if (!output.empty()) {
    Status st = ValidateOutputPath(output);
    if (!st.ok()) return Error(Errc::kInvalidArgument, fmt::format("failed to {}: {}", what, st.error().message()));
  }
  return Ok();
}

// Streams a response to -o FILE or stdout (refusing a terminal), as export and save do.
Result<int> WriteArchiveOutput(const Cli& cli, HttpResponse& body, const std::string& output) {
  if (!output.empty()) {
    SKIFF_TRY(CopyToFile(output, body));
    return 0;
  }
  char buf[64 * 1024];
  while (true) {
    size_t n = SKIFF_TRY(body.Read(buf, sizeof(buf)));
    if (n == 0) break;
    SKIFF_TRY(WriteAll(cli.out_fd(), std::string_view(buf, n)));
  }
  return 0;
}

namespace {

Result<int> Export(Cli& cli, Invocation& inv) {
  std::string output;
  inv.flags().String(&output, "o,output", "Write to a file, instead of STDOUT");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  SKIFF_TRY(CheckArchiveOutput(cli, output, "export container"));
  auto resp = SKIFF_TRY(cli.api().Open("GET", "/containers/" + (*args)[0] + "/export", {}));
  return WriteArchiveOutput(cli, *resp, output);
}

Result<int> Commit(Cli& cli, Invocation& inv) {
  std::string author, message;
  std::vector<std::string> changes;
  bool pause = true;
  inv.flags().String(&author, "a,author", "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")");
  inv.flags().List(&changes, "c,change", "Apply Dockerfile instruction to the created image");
  inv.flags().String(&message, "m,message", "Commit message");
  inv.flags().Bool(&pause, "p,pause", "Pause container during commit", true);
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  std::string repo, tag;
  if (args->size() == 2) {
    auto ref = SKIFF_TRY(ParseNormalizedNamed((*args)[1]));
    if (!ref.digest.empty()) return Error(Errc::kInvalidArgument, "refusing to create a tag with a digest reference");
    ref = TagNameOnly(ref);
    tag = ref.tag;
    repo = ref.FamiliarName();
  }
  Query q;
  q.Set("container", (*args)[0]);
  q.Set("repo", repo);
  q.Set("tag", tag);
  q.Set("comment", message);
  q.Set("author", author);
  for (const auto& c : changes) q.Add("changes", c);
  if (!pause) q.Set("pause", "0");
  auto r = SKIFF_TRY(cli.api().PostJson("/commit", q, Json(nullptr)));
  cli.Out(r.value("Id", "") + "\n");
  return 0;
}

}  // namespace

void RegisterCopyCommands() {
  auto& c = Commands();
  c.push_back({"container", "cp", {}, "cp",
               "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tskiff cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
               "Copy files/folders between a container and the local filesystem", ExactArgs(2), true, Cp});
  c.push_back({"container", "export", {}, "export", "[OPTIONS] CONTAINER",
               "Export a container's filesystem as a tar archive", ExactArgs(1), true, Export});
  c.push_back({"container", "commit", {}, "commit", "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
               "Create a new image from a container's changes", RangeArgs(1, 2), true, Commit});
}

}  // namespace skiff::cli

#include "cli/build_context.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "base/base64.h"
#include "base/file.h"
#include "base/json.h"
#include "base/strings.h"
#include "build/context/context.h"
#include "build/context/ignore.h"
#include "cli/run_config.h"

namespace skiff::cli {
namespace {

namespace bctx = skiff::build::context;

constexpr size_t kArchivePeek = 1024;               // docker peeks two tar blocks
constexpr size_t kMaxSecretSize = 500 * 1024;       // BuildKit's MaxSecretSize

Error Invalid(std::string msg) { return Error(Errc::kInvalidArgument, std::move(msg)); }

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Go's filepath.Abs: joined to the working directory and cleaned.
Result<std::string> AbsPath(const std::string& p) {
  if (!p.empty() && p[0] == '/') return CleanPath(p);
  char buf[PATH_MAX];
  if (::getcwd(buf, sizeof(buf)) == nullptr) return Error::Sys("getwd");
  return CleanPath(JoinPath(buf, p));
}

// Go's filepath.EvalSymlinks for an absolute path; its error names the first element that is missing.
Result<std::string> EvalSymlinks(const std::string& abs) {
  char buf[PATH_MAX];
  if (::realpath(abs.c_str(), buf) != nullptr) return std::string(buf);
  int err = errno;
  std::string prefix;
  for (const auto& part : Split(abs, '/')) {
    if (part.empty()) continue;
    prefix += "/" + part;
    struct stat st;
    if (::lstat(prefix.c_str(), &st) != 0) return Invalid(GoPathError("lstat", prefix, errno));
  }
  return Invalid(GoPathError("lstat", abs, err));
}

// Go's filepath.Rel for two clean absolute paths.
std::string RelPath(const std::string& base, const std::string& target) {
  auto parts = [](const std::string& p) {
    std::vector<std::string> out;
    for (auto& s : Split(p, '/')) {
      if (!s.empty()) out.push_back(s);
    }
    return out;
  };
  auto b = parts(base), t = parts(target);
  size_t i = 0;
  while (i < b.size() && i < t.size() && b[i] == t[i]) ++i;
  std::vector<std::string> rel;
  for (size_t k = i; k < b.size(); ++k) rel.push_back("..");
  for (size_t k = i; k < t.size(); ++k) rel.push_back(t[k]);
  return rel.empty() ? "." : Join(rel, "/");
}

// build.ResolveAndValidateContextPath.
Result<std::string> ResolveContextDir(const std::string& given) {
  std::string abs = SKIFF_TRY(AbsPath(given));
  auto real = EvalSymlinks(abs);
  if (!real.ok()) return Invalid("unable to evaluate symlinks in context path: " + real.error().message());
  struct stat st;
  if (::lstat(real->c_str(), &st) != 0) {
    return Invalid(fmt::format("unable to stat context directory \"{}\": {}", *real, GoPathError("lstat", *real, errno)));
  }
  if (!S_ISDIR(st.st_mode)) return Invalid("context must be a directory: " + *real);
  return *real;
}

// build.getDockerfileRelPath: the Dockerfile's resolved absolute path.
Result<std::string> ResolveDockerfile(const std::string& dir, const std::string& file) {
  std::string abs;
  if (file.empty()) {
    abs = dir + "/Dockerfile";
    struct stat st;
    if (::lstat(abs.c_str(), &st) != 0 && errno == ENOENT) {
      std::string alt = dir + "/dockerfile";
      if (::lstat(alt.c_str(), &st) == 0) abs = alt;
    }
  } else {
    abs = SKIFF_TRY(AbsPath(file));
  }
  auto real = EvalSymlinks(abs);
  if (!real.ok()) return Invalid("unable to evaluate symlinks in Dockerfile path: " + real.error().message());
  struct stat st;
  if (::lstat(real->c_str(), &st) != 0) {
    if (errno == ENOENT) return Invalid(fmt::format("Cannot locate Dockerfile: \"{}\"", *real));
    return Invalid("unable to stat Dockerfile: " + GoPathError("lstat", *real, errno));
  }
  return *real;
}

bool IsUrl(std::string_view s) { return StartsWith(s, "http://") || StartsWith(s, "https://"); }

// urlutil.IsGitURL: a URL matching `.git(#.+)?$`, or a git://, github.com/ or git@ prefix.
bool IsGitUrl(std::string_view s) {
  if (IsUrl(s)) {
    auto ends_git = [](std::string_view v) { return v.size() >= 4 && v.substr(v.size() - 3) == "git"; };
    if (ends_git(s)) return true;
    for (size_t h = s.find('#'); h != std::string_view::npos; h = s.find('#', h + 1)) {
      if (h + 1 < s.size() && ends_git(s.substr(0, h))) return true;
    }
  }
  return StartsWith(s, "git://") || StartsWith(s, "github.com/") || StartsWith(s, "git@");
}

struct WriteDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct ReadDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t AppendCb(struct archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

Error ArchiveError(struct archive* a, std::string_view what) {
  const char* msg = archive_error_string(a);
  return Error(Errc::kInternal, fmt::format("{}: {}", what, msg ? msg : "libarchive error"));
}

Result<std::string> SecretContent(const SecretSource& s) {
  if (!s.env.empty()) {
    const char* v = std::getenv(s.env.c_str());
    if (v == nullptr) return Invalid(fmt::format("secret {}: environment variable {} is not set", s.id, s.env));
    return std::string(v);
  }
  struct stat st;
  if (::stat(s.file.c_str(), &st) != 0) {
    return Invalid(fmt::format("failed to stat {}: {}", s.file, GoPathError("stat", s.file, errno)));
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxSecretSize) {
    return Invalid(fmt::format("secret {} too big. max size 500KB", s.id));
  }
  return ReadFile(s.file);
}

}  // namespace

Query BuildQuery(const BuildOptions& o, const std::string& dockerfile) {
  Query q;
  for (const auto& t : o.tags) q.Add("t", t);
  for (const auto& s : o.security_opt) q.Add("securityopt", s);
  for (const auto& h : o.extra_hosts) q.Add("extrahosts", h);
  q.SetBool("q", o.quiet);
  q.SetBool("nocache", o.no_cache);
  q.Set("rm", o.rm ? "1" : "0");
  q.SetBool("forcerm", o.force_rm);
  q.SetBool("pull", o.pull);
  q.SetBool("squash", o.squash);
  if (!o.isolation.empty() && ToLower(o.isolation) != "default") q.Set("isolation", o.isolation);
  q.Set("cpusetcpus", o.cpuset_cpus);
  q.Set("networkmode", o.network);
  q.Set("cpusetmems", o.cpuset_mems);
  q.Set("cpushares", std::to_string(o.cpu_shares));
  q.Set("cpuquota", std::to_string(o.cpu_quota));
  q.Set("cpuperiod", std::to_string(o.cpu_period));
  q.Set("memory", std::to_string(o.memory));
  q.Set("memswap", std::to_string(o.memory_swap));
  q.Set("cgroupparent", o.cgroup_parent);
  q.Set("shmsize", std::to_string(o.shm_size));
  q.Set("dockerfile", dockerfile);
  q.Set("target", o.target);

  // UlimitOpt keeps one per name; Go's map order is random, ours is by name.
  std::map<std::string, OJson> ulimits;
  for (const auto& u : o.ulimits) ulimits[u.value("Name", std::string())] = u;
  OJson ul = nullptr;
  for (const auto& [name, u] : ulimits) ul.push_back(u);
  q.Set("ulimits", GoJsonDump(ul));

  // opts.ConvertKVStringsToMapWithNil: a bare name is null. Go marshals map keys sorted.
  std::map<std::string, std::optional<std::string>> args;
  for (const auto& a : o.build_args) {
    auto kv = SplitN(a, '=', 2);
    args[kv[0]] = kv.size() == 2 ? std::optional<std::string>(kv[1]) : std::nullopt;
  }
  OJson ba = OJson::object();
  for (const auto& [k, v] : args) ba[k] = v ? OJson(*v) : OJson(nullptr);
  q.Set("buildargs", GoJsonDump(ba));

  OJson labels = OJson::object();
  for (const auto& [k, v] : KVListToMap(o.labels)) labels[k] = v;
  q.Set("labels", GoJsonDump(labels));

  OJson cache = OJson::array();
  for (const auto& c : o.cache_from) cache.push_back(c);
  q.Set("cachefrom", GoJsonDump(cache));
  if (!o.platform.empty()) q.Set("platform", ToLower(o.platform));
  q.Set("version", "1");
  return q;
}

Result<SecretSource> ParseSecret(std::string_view spec) {
  auto fields = SKIFF_TRY(ParseCsvLine(spec));
  SecretSource s;
  std::string type;
  for (const auto& field : fields) {
    auto kv = SplitN(field, '=', 2);
    if (kv.size() != 2) return Invalid(fmt::format("invalid field '{}' must be a key=value pair", field));
    std::string key = ToLower(kv[0]);
    const std::string& value = kv[1];
    if (key == "type") {
      if (value != "file" && value != "env") return Invalid(fmt::format("unsupported secret type \"{}\"", value));
      type = value;
    } else if (key == "id") {
      s.id = value;
    } else if (key == "source" || key == "src") {
      s.file = value;
    } else if (key == "env") {
      s.env = value;
    } else {
      return Invalid(fmt::format("unexpected key '{}' in '{}'", key, field));
    }
  }
  if (type == "env" && s.env.empty()) {
    s.env = s.file;
    s.file.clear();
  }
  return s;
}

Result<std::string> SecretsHeader(const std::vector<std::string>& specs) {
  if (specs.empty()) return std::string();
  auto wrap = [&](const Error& e) {
    return Error(e.code(), fmt::format("could not parse secrets: [{}]: {}", Join(specs, " "), e.message()));
  };
  Json secrets = Json::object();
  for (const auto& spec : specs) {
    auto parsed = ParseSecret(spec);
    if (!parsed.ok()) return wrap(parsed.error());
    SecretSource s = *parsed;
    if (s.id.empty()) return wrap(Invalid("secret missing ID"));
    if (s.env.empty() && s.file.empty()) {
      if (std::getenv(s.id.c_str()) != nullptr) s.env = s.id;
      else s.file = s.id;
    }
    auto content = SecretContent(s);
    if (!content.ok()) return wrap(content.error());
    secrets[s.id] = Base64Encode(*content);
  }
  return Base64Encode(DumpJson(secrets));
}

bool IsArchiveHead(std::string_view head) {
  static const std::string_view kMagic[] = {
      std::string_view("\x1f\x8b\x08", 3), std::string_view("BZh", 3),
      std::string_view("\xfd\x37\x7a\x58\x5a\x00", 6), std::string_view("\x28\xb5\x2f\xfd", 4)};
  for (auto m : kMagic) {
    if (StartsWith(head, m)) return true;
  }
  std::unique_ptr<struct archive, ReadDeleter> r(archive_read_new());
  archive_read_support_format_tar(r.get());
  if (archive_read_open_memory(r.get(), head.data(), head.size()) != ARCHIVE_OK) return false;
  archive_entry* e = nullptr;
  return archive_read_next_header(r.get(), &e) == ARCHIVE_OK;
}

Result<BuildContext> PrepareBuildContext(const std::string& path, const std::string& file, int in_fd) {
  BuildContext c;
  if (path == "-") {
    auto head = ReadExactly(in_fd, kArchivePeek);
    if (!head.ok()) return Invalid("failed to peek context header from STDIN: " + head.error().message());
    if (IsArchiveHead(*head)) {
      c.kind = BuildContext::Kind::kStdinArchive;
      c.stdin_data = std::move(*head);
      c.dockerfile_rel = file;
      return c;
    }
    if (file == "-") return Invalid("build context is not an archive");
    c.kind = BuildContext::Kind::kStdinDockerfile;
    c.stdin_data = std::move(*head) + SKIFF_TRY(ReadFd(in_fd));
    c.dockerfile_rel = "Dockerfile";
    return c;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    c.kind = BuildContext::Kind::kDirectory;
    c.dir = SKIFF_TRY(ResolveContextDir(path));
    if (file == "-") {
      c.dockerfile_stdin = true;
      c.dockerfile_text = SKIFF_TRY(ReadFd(in_fd));
      return c;
    }
    c.dockerfile = SKIFF_TRY(ResolveDockerfile(c.dir, file));
    c.dockerfile_rel = RelPath(c.dir, c.dockerfile);
    return c;
  }
  if (IsGitUrl(path) || IsUrl(path)) {
    if (file == "-") return Invalid("a Dockerfile from stdin cannot be combined with a remote context");
    c.kind = BuildContext::Kind::kRemote;
    c.remote = path;
    c.dockerfile_rel = file;
    return c;
  }
  return Invalid(fmt::format("path \"{}\" not found", path));
}

std::string RandomDockerfileName() { return ".dockerfile." + RandomHex(20); }

std::string TarDockerfileParam(const BuildContext& c, const std::string& random_name) {
  if (c.NeedsRandomDockerfile()) return random_name;
  if (c.kind == BuildContext::Kind::kStdinDockerfile) return "Dockerfile";
  return c.dockerfile_rel;
}

Result<std::string> TarFileBytes(const std::string& name, std::string_view content, mode_t mode, int64_t mtime,
                                 bool finish) {
  std::string out;
  std::unique_ptr<struct archive, WriteDeleter> a(archive_write_new());
  archive_write_set_format_pax_restricted(a.get());
  archive_write_set_bytes_per_block(a.get(), 0);  // unblocked: exactly the entry, then the trailer
  if (archive_write_open(a.get(), &out, nullptr, AppendCb, nullptr) != ARCHIVE_OK) {
    return ArchiveError(a.get(), "tar " + name);
  }
  std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
  archive_entry_set_pathname(e.get(), name.c_str());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), mode & 07777);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(content.size()));
  archive_entry_set_mtime(e.get(), static_cast<time_t>(mtime), 0);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK) return ArchiveError(a.get(), "tar " + name);
  if (!content.empty() && archive_write_data(a.get(), content.data(), content.size()) < 0) {
    return ArchiveError(a.get(), "tar " + name);
  }
  if (archive_write_finish_entry(a.get()) != ARCHIVE_OK) return ArchiveError(a.get(), "tar " + name);
  size_t entry_end = out.size();
  if (archive_write_close(a.get()) != ARCHIVE_OK) return ArchiveError(a.get(), "tar " + name);
  if (!finish) out.resize(entry_end);
  return out;
}

Status WriteContextTar(const BuildContext& c, int in_fd, const std::string& random_name,
                       const std::function<Status(const char* data, size_t n)>& out) {
  switch (c.kind) {
    case BuildContext::Kind::kRemote:
      return Ok();
    case BuildContext::Kind::kStdinArchive: {
      SKIFF_TRY(out(c.stdin_data.data(), c.stdin_data.size()));
      std::string buf(256 * 1024, '\0');
      while (true) {
        ssize_t n = ::read(in_fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::Sys("read build context from stdin");
        if (n == 0) return Ok();
        SKIFF_TRY(out(buf.data(), static_cast<size_t>(n)));
      }
    }
    case BuildContext::Kind::kStdinDockerfile: {
      std::string tar = SKIFF_TRY(TarFileBytes("Dockerfile", c.stdin_data, 0644, std::time(nullptr), true));
      return out(tar.data(), tar.size());
    }
    case BuildContext::Kind::kDirectory:
      break;
  }
  auto ignore = SKIFF_TRY(bctx::LoadIgnore(c.dir, c.dockerfile));
  if (!c.NeedsRandomDockerfile()) {
    return bctx::WriteTar(c.dir, ignore, {".dockerignore", c.dockerfile_rel}, out);
  }
  std::string dockerfile = c.dockerfile_text;
  if (!c.dockerfile_stdin) {
    auto text = ReadFile(c.dockerfile);
    if (!text.ok()) return Invalid("unable to open Dockerfile: " + text.error().message());
    dockerfile = std::move(*text);
  }
  // build.AddDockerfileToBuildContext: the tar's .dockerignore lists the random name (the daemon then drops
  // that file from the context); without a .dockerignore one is made that also lists itself.
  std::string di_path = c.dir + "/.dockerignore";
  std::string di_text = ".dockerignore";
  mode_t di_mode = 0600;
  int64_t di_mtime = std::time(nullptr);
  struct stat st;
  if (::lstat(di_path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    di_text = SKIFF_TRY(ReadFile(di_path));
    di_mode = st.st_mode & 07777;
    di_mtime = st.st_mtime;
  }
  di_text += "\n" + random_name + "\n";
  std::string entry = SKIFF_TRY(TarFileBytes(".dockerignore", di_text, di_mode, di_mtime, false));
  SKIFF_TRY(out(entry.data(), entry.size()));
  std::vector<std::string> patterns = ignore.patterns();
  patterns.push_back(".dockerignore");  // written above
  auto without_di = SKIFF_TRY(bctx::IgnoreMatcher::FromPatterns(patterns));
  return bctx::WriteTar(c.dir, without_di, {}, out, random_name, dockerfile);
}

Result<std::string> AddLocalContextParams(const BuildContext& c, Query* q) {
  struct stat st;
  if (::stat(c.dir.c_str(), &st) != 0) return Error::Sys("stat " + c.dir);
  q->Set("skiff.contextdir", c.dir);
  q->Set("skiff.contextdev", std::to_string(static_cast<uint64_t>(st.st_dev)));
  q->Set("skiff.contextino", std::to_string(static_cast<uint64_t>(st.st_ino)));
  if (c.dockerfile_stdin) {
    q->Set("skiff.dockerfilestdin", "1");
    q->Set("dockerfile", "");
    return c.dockerfile_text;
  }
  q->Set("dockerfile", c.DockerfileOutside() ? c.dockerfile : c.dockerfile_rel);
  return std::string();
}

Result<std::unique_ptr<BodyPump>> BodyPump::Start(Producer produce, Progress progress) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return Error::Sys("socketpair");
  std::unique_ptr<BodyPump> p(new BodyPump(UniqueFd(sv[0]), UniqueFd(sv[1])));
  // The byte the writing end never reads (see the class comment).
  if (::send(p->reader_.get(), "x", 1, MSG_NOSIGNAL) != 1) return Error::Sys("socketpair");
  BodyPump* self = p.get();
  p->thread_ = std::thread([self, produce = std::move(produce), progress = std::move(progress)] {
    int64_t sent = 0;
    Status st = produce([&](const char* data, size_t n) -> Status {
      while (n > 0) {
        ssize_t w = ::send(self->writer_.get(), data, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          self->send_failed_ = true;
          return Error::Sys("sending build context");
        }
        data += w;
        n -= static_cast<size_t>(w);
        sent += w;
        if (progress) progress(sent, false);
      }
      return Ok();
    });
    if (st.ok()) {
      if (progress) progress(sent, true);
      ::shutdown(self->writer_.get(), SHUT_WR);
    } else {
      self->writer_.reset();  // with the unread byte queued: the reader sees ECONNRESET
    }
    self->status_ = std::move(st);
  });
  return p;
}

Status BodyPump::Finish() {
  reader_.reset();
  if (thread_.joinable()) thread_.join();
  return status_;
}

}  // namespace skiff::cli

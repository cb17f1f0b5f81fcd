#include "cli/container_common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/file.h"
#include "base/strings.h"
#include "cli/opts.h"
#include "cli/progress.h"
#include "cli/reference.h"
#include "cli/registry_auth.h"

namespace skiff::cli {

Result<Json> InspectContainer(const Cli& cli, const std::string& id) {
  auto j = cli.api().GetJson("/containers/" + id + "/json");
  if (!j.ok()) return NotFoundAs(std::move(j).error(), "container", id);
  return j;
}

Status PullImage(const Cli& cli, const std::string& image, const std::string& platform, int out_fd) {
  auto ref = SKIFF_TRY(ParseNormalizedNamed(image));
  ref = TagNameOnly(ref);
  Query q;
  q.Set("fromImage", ref.FamiliarName());
  q.Set("tag", ref.digest.empty() ? ref.tag : ref.digest);
  if (!platform.empty()) q.Set("platform", ToLower(platform));
  std::string auth = SKIFF_TRY(RegistryAuthForImage(cli, ref));
  auto resp = SKIFF_TRY(cli.api().Open("POST", "/images/create", q, {}, -1, {{"X-Registry-Auth", auth}}));
  JsonMessageRenderer r(out_fd, ::isatty(out_fd) == 1);
  return r.RenderStream(*resp);
}

namespace {

// docker's cidFile: refuses an existing file, removes it again unless the ID was written.
class CidFile {
 public:
  static Result<CidFile> Open(const std::string& path) {
    CidFile f;
    if (path.empty()) return f;
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) {
      return Error(Errc::kAlreadyExists,
                   fmt::format("Container ID file found, make sure the other container isn't running or delete {}", path));
    }
    f.fd_ = UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
    if (!f.fd_) {
      return Error(Errc::kInvalidArgument, "failed to create the container ID file: " + GoPathError("open", path, errno));
    }
    f.path_ = path;
    return f;
  }
  CidFile() = default;
  CidFile(CidFile&& o) noexcept : path_(std::move(o.path_)), fd_(std::move(o.fd_)), written_(o.written_) {
    o.path_.clear();
  }
  ~CidFile() {
    if (!path_.empty() && !written_) ::unlink(path_.c_str());
  }
  Status Write(const std::string& id) {
    if (!fd_) return Ok();
    SKIFF_TRY(WriteAll(fd_.get(), id));
    written_ = true;
    return Ok();
  }

 private:
  std::string path_;
  UniqueFd fd_;
  bool written_ = false;
};

}  // namespace

Result<std::string> CreateContainer(const Cli& cli, const CreateRequest& req, const std::string& pull_policy,
                                    const std::string& cidfile) {
  const OJson& host = req.body["HostConfig"];
  if (host.value("OomKillDisable", false) && host.value("Memory", int64_t{0}) == 0) {
    cli.Err("WARNING: Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous.\n");
  }
  for (const auto& dns : host["Dns"]) {
    std::string d = dns.get<std::string>();
    if (d.rfind("127.", 0) == 0 || d == "::1") {
      cli.Err(fmt::format("WARNING: Localhost DNS setting (--dns={}) may fail in containers.\n", d));
    }
  }
  auto cid = SKIFF_TRY(CidFile::Open(cidfile));

  // Image references that are names (not IDs) can be pulled.
  bool named = false;
  std::string familiar;
  if (!IsFullImageId(req.image)) {
    auto ref = ParseNormalizedNamed(req.image);
    if (!ref.ok()) {
      // An ID prefix is also a valid "any reference"; only a broken name is an error here.
      bool hexish = !req.image.empty() && req.image.find_first_not_of("0123456789abcdef") == std::string::npos;
      if (!hexish) return std::move(ref).error();
    } else {
      named = true;
      familiar = TagNameOnly(*ref).FamiliarString();
    }
  }
  if (pull_policy != "missing" && pull_policy != "always" && pull_policy != "never") {
    return Error(Errc::kInvalidArgument,
                 fmt::format("invalid pull option: '{}': must be one of \"always\", \"missing\" or \"never\"", pull_policy));
  }
  if (pull_policy == "always") SKIFF_TRY(PullImage(cli, req.image, req.platform, cli.err_fd()));

  Query q;
  if (!req.name.empty()) q.Set("name", req.name);
  if (!req.platform.empty()) q.Set("platform", req.platform);
  std::string body = GoJsonDump(req.body) + "\n";
  auto post = [&]() -> Result<ApiResponse> {
    auto resp = SKIFF_TRY(cli.api().Open("POST", "/containers/create", q, body, -1,
                                         {{"Content-Type", "application/json"}}));
    ApiResponse r;
    r.status = resp->status();
    r.body = SKIFF_TRY(resp->ReadAll());
    return r;
  };
  auto created = post();
  if (!created.ok()) {
    if (IsNotFound(created.error()) && named && pull_policy == "missing") {
      cli.Err(fmt::format("Unable to find image '{}' locally\n", familiar));
      SKIFF_TRY(PullImage(cli, req.image, req.platform, cli.err_fd()));
      created = post();
      if (!created.ok()) return std::move(created).error();
    } else {
      return std::move(created).error();
    }
  }
  auto j = SKIFF_TRY(ParseJson(created->body, "create response"));
  if (j.contains("Warnings") && j["Warnings"].is_array()) {
    for (const auto& w : j["Warnings"]) {
      if (w.is_string()) cli.Err("WARNING: " + w.get<std::string>() + "\n");
    }
  }
  std::string id = j.value("Id", "");
  SKIFF_TRY(cid.Write(id));
  return id;
}

int StartErrorExitCode(const std::string& message) {
  std::string m = message;
  const std::string prefix = "Error response from daemon: ";
  if (m.rfind(prefix, 0) == 0) m = m.substr(prefix.size());
  if (m.find("executable file not found") != std::string::npos ||
      m.find("no such file or directory") != std::string::npos ||
      m.find("system cannot find the file specified") != std::string::npos) {
    return 127;
  }
  if (m.find("permission denied") != std::string::npos) return 126;
  return 125;
}

Result<int> JoinedErrors(const std::vector<std::string>& errs) {
  if (errs.empty()) return 0;
  return Error(Errc::kInternal, Join(errs, "\n"));
}

Result<int> ForEachContainer(const Cli& cli, const std::vector<std::string>& names,
                             const std::function<Status(const std::string&)>& op) {
  std::vector<std::string> errs;
  for (const auto& n : names) {
    Status st = op(n);
    if (!st.ok()) {
      errs.push_back(st.error().message());
      continue;
    }
    cli.Out(n + "\n");
  }
  return JoinedErrors(errs);
}

}  // namespace skiff::cli

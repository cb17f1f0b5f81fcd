// save, load, import, pull: images in and out of the daemon.
#include <fcntl.h>

#include <cstring>

#include <fmt/format.h>

#include "base/file.h"
#include "base/strings.h"
#include "cli/command.h"
#include "cli/container_common.h"
#include "cli/opts.h"
#include "cli/progress.h"
#include "cli/reference.h"
#include "cli/registry_auth.h"

namespace skiff::cli {
namespace {

Result<int> Save(Cli& cli, Invocation& inv) {
  std::string output;
  inv.flags().String(&output, "o,output", "Write to a file, instead of STDOUT");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  SKIFF_TRY(CheckArchiveOutput(cli, output, "save image"));
  Query q;
  for (const auto& name : *args) q.Add("names", name);
  auto resp = SKIFF_TRY(cli.api().Open("GET", "/images/get", q));
  return WriteArchiveOutput(cli, *resp, output);
}

Result<int> Load(Cli& cli, Invocation& inv) {
  std::string input;
  bool quiet = false;
  inv.flags().String(&input, "i,input", "Read from tar archive file, instead of STDIN");
  inv.flags().Bool(&quiet, "q,quiet", "Suppress the load output");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  UniqueFd file;
  int in = cli.in_fd();
  if (!input.empty()) {
    file = UniqueFd(::open(input.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file) return Error(Errc::kInvalidArgument, GoPathError("open", input, errno));
    in = file.get();
  }
  if (input.empty() && cli.InIsTerminal()) {
    return Error(Errc::kInvalidArgument, "requested load from stdin, but stdin is empty");
  }
  if (!cli.OutIsTerminal()) quiet = true;
  Query q;
  q.Set("quiet", quiet ? "1" : "0");
  auto resp = SKIFF_TRY(cli.api().Open("POST", "/images/load", q, {}, in, {{"Content-Type", "application/x-tar"}}));
  if (resp->header("Content-Type") == "application/json") {
    JsonMessageRenderer r(cli.out_fd(), cli.OutIsTerminal());
    SKIFF_TRY(r.RenderStream(*resp));
    return 0;
  }
  cli.Out(SKIFF_TRY(resp->ReadAll()));
  return 0;
}

Result<int> Import(Cli& cli, Invocation& inv) {
  std::vector<std::string> changes;
  std::string message, platform;
  inv.flags().List(&changes, "c,change", "Apply Dockerfile instruction to the created image");
  inv.flags().String(&message, "m,message", "Set commit message for imported image");
  inv.flags().String(&platform, "platform", "Set platform if server is multi-platform capable");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  std::string source = (*args)[0];
  std::string ref = args->size() > 1 ? (*args)[1] : "";
  bool url = source.rfind("http://", 0) == 0 || source.rfind("https://", 0) == 0;
  UniqueFd file;
  int body_fd = -1;
  // fromSrc: "-" for a body we send (stdin or a file), the URL otherwise.
  const std::string src_name = url ? source : std::string("-");
  if (source == "-") {
    body_fd = cli.in_fd();
  } else if (!url) {
    file = UniqueFd(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file) return Error(Errc::kInvalidArgument, GoPathError("open", source, errno));
    body_fd = file.get();
  }
  if (!ref.empty()) SKIFF_TRY(ParseNormalizedNamed(ref));
  Query q;
  q.Set("fromSrc", src_name);
  q.Set("repo", ref);
  q.Set("tag", "");
  q.Set("message", message);
  if (!platform.empty()) q.Set("platform", platform);
  for (const auto& c : changes) q.Add("changes", c);
  auto resp = SKIFF_TRY(cli.api().Open("POST", "/images/create", q, {}, body_fd, {}));
  JsonMessageRenderer r(cli.out_fd(), cli.OutIsTerminal());
  SKIFF_TRY(r.RenderStream(*resp));
  return 0;
}

Result<int> Pull(Cli& cli, Invocation& inv) {
  bool all = false, quiet = false, dct = true;
  std::string platform;
  inv.flags().Bool(&all, "a,all-tags", "Download all tagged images in the repository");
  inv.flags().Bool(&dct, "disable-content-trust", "Skip image verification", true);
  inv.flags().String(&platform, "platform", "Set platform if server is multi-platform capable");
  inv.flags().Bool(&quiet, "q,quiet", "Suppress verbose output");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  auto ref = SKIFF_TRY(ParseRemoteReference(cli, (*args)[0], all, quiet));
  auto index = SKIFF_TRY(IndexFor(ref.domain));
  std::string auth = SKIFF_TRY(RegistryAuthForImage(cli, ref));
  Query q;
  q.Set("fromImage", ref.FamiliarName());
  if (!all) q.Set("tag", ref.digest.empty() ? TagNameOnly(ref).tag : ref.digest);
  if (!platform.empty()) q.Set("platform", ToLower(platform));
  auto opened = cli.api().Open("POST", "/images/create", q, {}, -1, {{"X-Registry-Auth", auth}});
  if (!opened.ok() && opened.error().code() == Errc::kPermissionDenied) {
    // docker's RegistryAuthenticationPrivilegedFunc: prompt, then one more try.
    std::string retry = SKIFF_TRY(RequestPrivilege(cli, index, "pull"));
    opened = cli.api().Open("POST", "/images/create", q, {}, -1, {{"X-Registry-Auth", retry}});
  }
  Status st = opened.ok() ? RenderRemoteProgress(cli, **opened, quiet) : Status(std::move(opened).error());
  if (!st.ok()) {
    if (st.error().message().find("when fetching 'plugin'") != std::string::npos) {
      return Error(Errc::kInvalidArgument, st.error().message() + " - Use `docker plugin install`");
    }
    return std::move(st).error();
  }
  cli.Out(ref.String() + "\n");
  return 0;
}

}  // namespace

void RegisterImageIoCommands() {
  auto& c = Commands();
  c.push_back({"image", "save", {}, "save", "[OPTIONS] IMAGE [IMAGE...]",
               "Save one or more images to a tar archive (streamed to STDOUT by default)", MinArgs(1), true, Save});
  c.push_back({"image", "load", {}, "load", "[OPTIONS]", "Load an image from a tar archive or STDIN", NoArgs(), true,
               Load});
  c.push_back({"image", "import", {}, "import", "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
               "Import the contents from a tarball to create a filesystem image", RangeArgs(1, 2), true, Import});
  c.push_back({"image", "pull", {}, "pull", "[OPTIONS] NAME[:TAG|@DIGEST]",
               "Pull an image or a repository from a registry", ExactArgs(1), true, Pull});
}

}  // namespace skiff::cli

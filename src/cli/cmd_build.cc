// build (image build, builder build) and builder prune.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "base/file.h"
#include "base/strings.h"
#include "base/units.h"
#include "cli/build_context.h"
#include "cli/build_progress.h"
#include "cli/command.h"
#include "cli/container_common.h"
#include "cli/opts.h"
#include "cli/reference.h"
#include "cli/registry_auth.h"
#include "cli/run_config.h"

namespace skiff::cli {
namespace {

// pflag's StringSlice: each value is a CSV line of items.
void StringsFlag(FlagSet& f, std::vector<std::string>* dst, std::string_view names, std::string help) {
  f.Add(names, "strings", std::move(help), "", [dst](const std::string& v) -> Status {
    if (v.empty()) return Ok();
    for (auto& item : SKIFF_TRY(ParseCsvLine(v))) dst->push_back(std::move(item));
    return Ok();
  });
}

// build's validateTag.
Result<std::string> ValidateTag(const std::string& raw) {
  SKIFF_TRY(ParseNormalizedNamed(raw));
  return raw;
}

bool DaemonIsSkiff(const Cli& cli) {
  auto resp = cli.api().Open("GET", "/_ping", {});
  return resp.ok() && (*resp)->header("Server").rfind("Skiff/", 0) == 0;
}

// The daemon cannot see the directory we named (another mount namespace or host): send the tar instead.
bool IsContextDirRefusal(const Error& e) {
  return e.code() == Errc::kInvalidArgument &&
         e.message().rfind("Error response from daemon: skiff.contextdir:", 0) == 0;
}

// An anonymous in-memory file (the -q buffers).
Result<UniqueFd> MemFile() {
  int fd = ::memfd_create("skiff-build", MFD_CLOEXEC);
  if (fd < 0) return Error::Sys("memfd_create");
  return UniqueFd(fd);
}

Result<std::string> ReadFrom(int fd, off_t offset) {
  if (::lseek(fd, offset, SEEK_SET) < 0) return Error::Sys("lseek");
  return ReadFd(fd);
}

std::vector<std::string> NamingRefs(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const auto& t : tags) {
    auto ref = ParseNormalizedNamed(t);
    if (ref.ok()) out.push_back(TagNameOnly(*ref).String());
  }
  return out;
}

Result<int> Build(Cli& cli, Invocation& inv) {
  BuildOptions o;
  std::string file, iidfile, progress = "auto";
  std::vector<std::string> secrets;
  bool compress = false, dct = true;
  const char* default_platform = std::getenv("DOCKER_DEFAULT_PLATFORM");
  auto& f = inv.flags();
  f.List(&o.extra_hosts, "add-host", "Add a custom host-to-IP mapping (host:ip)", "list", ValidateExtraHost);
  f.List(&o.build_args, "build-arg", "Set build-time variables", "list", ValidateEnv);
  StringsFlag(f, &o.cache_from, "cache-from", "Images to consider as cache sources");
  f.String(&o.cgroup_parent, "cgroup-parent", "Optional parent cgroup for the container");
  f.Bool(&compress, "compress", "Compress the build context using gzip");
  f.Int(&o.cpu_period, "cpu-period", "Limit the CPU CFS (Completely Fair Scheduler) period");
  f.Int(&o.cpu_quota, "cpu-quota", "Limit the CPU CFS (Completely Fair Scheduler) quota");
  f.Int(&o.cpu_shares, "c,cpu-shares", "CPU shares (relative weight)");
  f.String(&o.cpuset_cpus, "cpuset-cpus", "CPUs in which to allow execution (0-3, 0,1)");
  f.String(&o.cpuset_mems, "cpuset-mems", "MEMs in which to allow execution (0-3, 0,1)");
  f.Bool(&dct, "disable-content-trust", "Skip image verification", true);
  f.String(&file, "f,file", "Name of the Dockerfile (Default is 'PATH/Dockerfile')");
  f.Bool(&o.force_rm, "force-rm", "Always remove intermediate containers");
  f.String(&iidfile, "iidfile", "Write the image ID to the file");
  f.String(&o.isolation, "isolation", "Container isolation technology");
  f.List(&o.labels, "label", "Set metadata for an image", "list", ValidateLabel);
  BytesFlag(f, &o.memory, "m,memory", "Memory limit");
  BytesFlag(f, &o.memory_swap, "memory-swap", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
            true);
  f.String(&o.network, "network", "Set the networking mode for the RUN instructions during build", "default");
  f.Bool(&o.no_cache, "no-cache", "Do not use cache when building the image");
  f.String(&o.platform, "platform", "Set platform if server is multi-platform capable",
           default_platform ? default_platform : "");
  f.String(&progress, "progress", "Set type of progress output (auto, plain, tty). Use plain to show container output",
           "auto");
  f.Bool(&o.pull, "pull", "Always attempt to pull a newer version of the image");
  f.Bool(&o.quiet, "q,quiet", "Suppress the build output and print image ID on success");
  f.Bool(&o.rm, "rm", "Remove intermediate containers after a successful build", true);
  f.List(&secrets, "secret", "Secret file to expose to the build: id=mysecret,src=/local/secret", "stringArray");
  StringsFlag(f, &o.security_opt, "security-opt", "Security options");
  BytesFlag(f, &o.shm_size, "shm-size", "Size of /dev/shm");
  f.Bool(&o.squash, "squash", "Squash newly built layers into a single new layer");
  f.List(&o.tags, "t,tag", "Name and optionally a tag in the 'name:tag' format", "list", ValidateTag);
  f.String(&o.target, "target", "Set the target build stage to build.");
  f.Add("ulimit", "ulimit", "Ulimit options", "[]", [&o](const std::string& v) -> Status {
    o.ulimits.push_back(SKIFF_TRY(ParseUlimit(v)));
    return Ok();
  });
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  (void)compress;  // the context goes uncompressed (local daemon)
  (void)dct;
  const std::string& path = (*args)[0];

  if (file == "-" && path == "-") {
    return Error(Errc::kInvalidArgument, "invalid argument: can't use stdin for both build context and dockerfile");
  }
  if (progress != "auto" && progress != "plain" && progress != "tty") {
    return Error(Errc::kInvalidArgument, fmt::format("invalid progress mode {}", progress));
  }
  std::string secrets_header = SKIFF_TRY(SecretsHeader(secrets));
  if (!iidfile.empty() && ::unlink(iidfile.c_str()) != 0 && errno != ENOENT) {
    return Error(Errc::kInvalidArgument, "Removing image ID file: " + GoPathError("remove", iidfile, errno));
  }
  auto ctx = PrepareBuildContext(path, file, cli.in_fd());
  if (!ctx.ok()) return Error(ctx.error().code(), "unable to prepare context: " + ctx.error().message());

  // The display: -q collects everything (shown only on failure, the ID on success); tty is BuildKit's view on
  // stderr; plain is the legacy builder's text on stdout.
  UniqueFd quiet_buf;
  std::unique_ptr<BuildDisplay> display;
  TtyBuildDisplay* tty = nullptr;
  if (o.quiet) {
    quiet_buf = SKIFF_TRY(MemFile());
    display = std::make_unique<PlainBuildDisplay>(quiet_buf.get(), false);
  } else {
    bool use_tty = progress == "tty" || (progress == "auto" && cli.OutIsTerminal() && ::isatty(cli.err_fd()) == 1);
    if (use_tty) {
      auto t = std::make_unique<TtyBuildDisplay>(cli.err_fd(), NamingRefs(o.tags));
      tty = t.get();
      display = std::move(t);
    } else {
      display = std::make_unique<PlainBuildDisplay>(cli.out_fd(), cli.OutIsTerminal());
    }
  }
  auto fail = [&](Error e) -> Result<int> {
    display->Finish(false);
    if (o.quiet) {
      auto all = ReadFrom(quiet_buf.get(), 0);
      if (all.ok()) cli.Err(*all);
    }
    return e;
  };

  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/x-tar"},
                                                               {"X-Registry-Config", RegistryConfigHeader(cli)}};
  if (!secrets_header.empty()) headers.emplace_back("X-Skiff-Build-Secrets", secrets_header);
  if (tty) tty->Start();

  std::unique_ptr<HttpResponse> resp;
  const char* force_tar = std::getenv("SKIFF_BUILD_TAR");
  if (ctx->kind == BuildContext::Kind::kDirectory && !(force_tar && std::string_view(force_tar) == "1") &&
      DaemonIsSkiff(cli)) {
    // Same host: the daemon reads the directory itself.
    Query q = BuildQuery(o, "");
    if (tty) q.Set("skiff.live", "1");  // parallel stages' steps as they happen, not one stage after another
    auto body = AddLocalContextParams(*ctx, &q);
    if (!body.ok()) return fail(body.error());
    auto r = cli.api().Open("POST", "/build", q, *body, -1, headers);
    if (r.ok()) resp = std::move(*r);
    else if (!IsContextDirRefusal(r.error())) return fail(r.error());
  }
  if (!resp) {
    std::string random_name = ctx->NeedsRandomDockerfile() ? RandomDockerfileName() : "";
    Query q = BuildQuery(o, TarDockerfileParam(*ctx, random_name));
    if (tty) q.Set("skiff.live", "1");
    if (ctx->kind == BuildContext::Kind::kRemote) {
      q.Set("remote", ctx->remote);
      auto r = cli.api().Open("POST", "/build", q, {}, -1, headers);
      if (!r.ok()) return fail(r.error());
      resp = std::move(*r);
    } else {
      BuildDisplay* shown = display.get();
      auto pump = BodyPump::Start(
          [&](const BodyPump::Sink& out) { return WriteContextTar(*ctx, cli.in_fd(), random_name, out); },
          [shown](int64_t bytes, bool last) { shown->ContextProgress(bytes, last); });
      if (!pump.ok()) return fail(pump.error());
      auto r = cli.api().Open("POST", "/build", q, {}, (*pump)->fd(), headers);
      Status tar = (*pump)->Finish();
      if (!r.ok() && (tar.ok() || (*pump)->send_failed())) return fail(r.error());
      if (!tar.ok()) return fail(tar.error());
      resp = std::move(*r);
    }
  }
  off_t stream_start = quiet_buf ? ::lseek(quiet_buf.get(), 0, SEEK_CUR) : 0;

  Status st = RenderBuildStream(*resp, *display);
  if (!st.ok()) {
    if (o.quiet) {
      auto all = ReadFrom(quiet_buf.get(), 0);
      if (all.ok()) cli.Err(*all);
    }
    cli.Err(st.error().message() + "\n");
    return display->exit_code() > 0 ? display->exit_code() : 1;
  }
  std::string image_id = display->image_id();
  if (o.quiet) {
    // docker prints what the daemon sent with q=1 (the ID line) and writes that to --iidfile.
    image_id = SKIFF_TRY(ReadFrom(quiet_buf.get(), stream_start));
    cli.Out(image_id);
  }
  if (!iidfile.empty()) {
    if (image_id.empty()) {
      return Error(Errc::kInternal, fmt::format("Server did not provide an image ID. Cannot write {}", iidfile));
    }
    UniqueFd out(::open(iidfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
    if (!out) return Error(Errc::kInvalidArgument, GoPathError("open", iidfile, errno));
    SKIFF_TRY(WriteAll(out.get(), image_id));
  }
  return 0;
}

Result<int> BuilderPrune(Cli& cli, Invocation& inv) {
  bool all = false, force = false;
  std::vector<std::pair<std::string, std::string>> filters;
  int64_t keep = 0;
  inv.flags().Bool(&all, "a,all", "Remove all unused build cache, not just dangling ones");
  inv.flags().Filter(&filters, "filter", "Provide filter values (e.g. 'until=24h')");
  inv.flags().Bool(&force, "f,force", "Do not prompt for confirmation");
  BytesFlag(inv.flags(), &keep, "keep-storage", "Amount of disk space to keep for cache");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  std::string warning = all ? "WARNING! This will remove all build cache. Are you sure you want to continue?"
                            : "WARNING! This will remove all dangling build cache. Are you sure you want to continue?";
  uint64_t reclaimed = 0;
  if (force || PromptForConfirmation(cli, warning)) {
    Query q;
    q.SetBool("all", all);
    q.Set("filters", filters.empty() ? "" : FiltersJson(filters));
    q.Set("keep-storage", std::to_string(keep));
    Json report = SKIFF_TRY(cli.api().PostJson("/build/prune", q));
    if (auto ids = report.find("CachesDeleted"); ids != report.end() && ids->is_array() && !ids->empty()) {
      std::string out = "Deleted build cache objects:\n";
      for (const auto& id : *ids) {
        if (id.is_string()) out += id.get<std::string>() + "\n";
      }
      cli.Out(out + "\n");
    }
    if (auto n = report.find("SpaceReclaimed"); n != report.end() && n->is_number()) reclaimed = n->get<uint64_t>();
  }
  cli.Out("Total reclaimed space: " + units::HumanSize(static_cast<double>(reclaimed)) + "\n");
  return 0;
}

}  // namespace

void RegisterBuildCommands() {
  auto& c = Commands();
  const std::string use = "[OPTIONS] PATH | URL | -";
  const std::string help = "Build an image from a Dockerfile";
  c.push_back({"image", "build", {}, "build", use, help, ExactArgs(1), true, Build});
  c.push_back({"builder", "build", {}, "", use, help, ExactArgs(1), true, Build});
  c.push_back({"builder", "prune", {}, "", "", "Remove build cache", NoArgs(), true, BuilderPrune});
}

}  // namespace skiff::cli

#include "cli/registry_auth.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/scope.h"
#include "base/strings.h"
#include "cli/progress.h"

namespace skiff::cli {
namespace {

// bufio.Reader.ReadLine on stdin: one line without its "\n" / "\r\n"; nullopt at EOF before any byte.
std::optional<std::string> ReadLine(int fd) {
  std::string line;
  bool any = false;
  char c;
  for (;;) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    any = true;
    if (c == '\n') break;
    line += c;
  }
  if (!any) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// readInput: docker prints the read error ("EOF") and exits 1.
Result<std::string> ReadInput(const Cli& cli) {
  auto line = ReadLine(cli.in_fd());
  if (!line) {
    cli.Out("EOF\n");
    return Error(Errc::kCancelled, "");
  }
  return *line;
}

}  // namespace

ConfigFile LoadCliConfig(const Cli& cli) {
  auto cfg = ConfigFile::Load(cli.config_dir);
  if (cfg.ok()) return std::move(*cfg);
  cli.Err(fmt::format("WARNING: Error loading config file: {}\n", cfg.error().message()));
  return ConfigFile(cli.config_dir);
}

std::string ElectAuthServer(const Cli& cli) {
  auto info = cli.api().GetJson("/info");
  if (!info.ok()) {
    if (cli.debug) {
      cli.Err(fmt::format("Warning: failed to get default registry endpoint from daemon ({}). Using system default: {}\n",
                          info.error().message(), kIndexServer));
    }
    return std::string(kIndexServer);
  }
  std::string server = info->is_object() ? info->value("IndexServerAddress", "") : "";
  if (server.empty()) {
    if (cli.debug) cli.Err(fmt::format("Warning: Empty registry endpoint from daemon. Using system default: {}\n", kIndexServer));
    return std::string(kIndexServer);
  }
  return server;
}

Result<IndexInfo> IndexFor(std::string_view domain) {
  std::string name(domain);
  if (name == "index.docker.io") name = "docker.io";
  if (!name.empty() && (name.front() == '-' || name.back() == '-')) {
    return Error(Errc::kInvalidArgument, fmt::format("invalid index name ({}). Cannot begin or end with a hyphen", name));
  }
  return IndexInfo{name, name == "docker.io"};
}

Result<IndexInfo> SearchIndexFor(std::string_view term) {
  auto slash = term.find('/');
  if (slash == std::string_view::npos) return IndexFor("docker.io");
  std::string_view first = term.substr(0, slash);
  if (first.find('.') == std::string_view::npos && first.find(':') == std::string_view::npos && first != "localhost") {
    return IndexFor("docker.io");
  }
  return IndexFor(first);
}

std::string AuthConfigKey(const IndexInfo& index) { return index.official ? std::string(kIndexServer) : index.name; }

AuthConfig ResolveAuthConfig(const Cli& cli, const ConfigFile& cfg, const IndexInfo& index) {
  std::string key = index.official ? ElectAuthServer(cli) : index.name;
  auto a = cfg.GetAuthConfig(key);
  // Docker ignores a helper's error and goes on with what the file alone holds for the key.
  if (!a.ok()) return cfg.FileAuth(key);
  return *a;
}

Result<std::string> RegistryAuthForImage(const Cli& cli, const ImageRef& ref) {
  auto index = SKIFF_TRY(IndexFor(ref.domain));
  ConfigFile cfg = LoadCliConfig(cli);
  return EncodeAuthHeader(ResolveAuthConfig(cli, cfg, index));
}

std::string RegistryConfigHeader(const Cli& cli) {
  ConfigFile cfg = LoadCliConfig(cli);
  auto all = cfg.GetAllCredentials();
  return EncodeAuthConfigsHeader(all.ok() ? *all : std::map<std::string, AuthConfig>{});
}

Result<AuthConfig> GetDefaultAuthConfig(const ConfigFile& cfg, bool check_store, std::string server,
                                        bool is_default, AuthConfig* on_error) {
  if (!is_default) server = ConvertToHostname(server);
  AuthConfig a;
  if (check_store) {
    auto got = cfg.GetAuthConfig(server);
    if (!got.ok()) {
      if (on_error) *on_error = AuthConfig{.serveraddress = server};
      return std::move(got).error();
    }
    a = std::move(*got);
  }
  a.serveraddress = server;
  a.identitytoken.clear();
  return a;
}

Status ConfigureAuth(const Cli& cli, std::string user, std::string password, AuthConfig* auth, bool is_default) {
  if (password.empty() && !cli.InIsTerminal()) {
    return Error(Errc::kInvalidArgument, "Error: Cannot perform an interactive login from a non TTY device");
  }
  auth->username = std::string(Trim(auth->username));
  user = std::string(Trim(user));
  if (user.empty()) {
    if (is_default) {
      cli.Out("Login with your Docker ID to push and pull images from Docker Hub. If you don't have a Docker ID, "
              "head over to https://hub.docker.com to create one.\n");
    }
    cli.Out(auth->username.empty() ? "Username: " : fmt::format("Username ({}): ", auth->username));
    user = std::string(Trim(SKIFF_TRY(ReadInput(cli))));
    if (user.empty()) user = auth->username;
  }
  if (user.empty()) return Error(Errc::kInvalidArgument, "Error: Non-null Username Required");
  if (password.empty()) {
    termios saved{};
    bool have_term = ::tcgetattr(cli.in_fd(), &saved) == 0;
    if (!have_term) return Error::Sys("tcgetattr stdin");
    cli.Out("Password: ");
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(cli.in_fd(), TCSADRAIN, &quiet);
    ScopeExit restore([&] { ::tcsetattr(cli.in_fd(), TCSADRAIN, &saved); });
    password = SKIFF_TRY(ReadInput(cli));
    cli.Out("\n");
    if (password.empty()) return Error(Errc::kInvalidArgument, "Error: Password Required");
  }
  auth->username = user;
  auth->password = password;
  return Ok();
}

Result<std::string> RequestPrivilege(const Cli& cli, const IndexInfo& index, std::string_view cmd) {
  cli.Out(fmt::format("\nPlease login prior to {}:\n", cmd));
  std::string server = AuthConfigKey(index);
  bool is_default = server == ElectAuthServer(cli);
  ConfigFile cfg = LoadCliConfig(cli);
  AuthConfig a;
  auto got = GetDefaultAuthConfig(cfg, true, server, is_default, &a);
  if (got.ok()) {
    a = std::move(*got);
  } else {
    cli.Err(fmt::format("Unable to retrieve stored credentials for {}, error: {}.\n", server, got.error().message()));
  }
  SKIFF_TRY(ConfigureAuth(cli, "", "", &a, is_default));
  return EncodeAuthHeader(a);
}

Result<ImageRef> ParseRemoteReference(const Cli& cli, const std::string& name, bool all_tags, bool quiet) {
  auto ref = SKIFF_TRY(ParseNormalizedNamed(name));
  if (all_tags && !ref.NameOnly()) return Error(Errc::kInvalidArgument, "tag can't be used with --all-tags/-a");
  if (!all_tags && ref.NameOnly()) {
    ref = TagNameOnly(ref);
    if (!quiet) cli.Out("Using default tag: " + ref.tag + "\n");
  }
  return ref;
}

Status RenderRemoteProgress(const Cli& cli, HttpResponse& resp, bool quiet) {
  UniqueFd devnull;
  int out = cli.out_fd();
  if (quiet) {
    devnull = UniqueFd(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    out = devnull.get();
  }
  JsonMessageRenderer r(out, !quiet && cli.OutIsTerminal());
  return r.RenderStream(resp);
}

}  // namespace skiff::cli

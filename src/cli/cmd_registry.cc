// login, logout, push, search: talking to registries through the daemon with the stored credentials.
#include <fmt/format.h>

#include "base/file.h"
#include "base/strings.h"
#include "cli/command.h"
#include "cli/format/format.h"
#include "cli/progress.h"
#include "cli/reference.h"
#include "cli/registry_auth.h"
#include "cli/rows.h"
#include "cli/run_config.h"

namespace skiff::cli {
namespace {

constexpr std::string_view kUnencryptedWarning =
    "WARNING! Your password will be stored unencrypted in {}.\n"
    "Configure a credential helper to remove this warning. See\n"
    "https://docs.docker.com/engine/reference/commandline/login/#credentials-store\n\n";

struct AuthAnswer {
  std::string status, identity_token;
};

// client.RegistryLogin: POST /auth with the AuthConfig as Go's json.Encoder writes it.
Result<AuthAnswer> RegistryLogin(const Cli& cli, const AuthConfig& a) {
  auto resp = SKIFF_TRY(cli.api().Open("POST", "/auth", {}, GoJsonDump(AuthConfigJson(a)) + "\n", -1,
                                       {{"Content-Type", "application/json"}}));
  std::string body = SKIFF_TRY(resp->ReadAll());
  auto j = SKIFF_TRY(ParseJson(body, "login response"));
  AuthAnswer ans;
  if (j.is_object()) {
    ans.status = j.value("Status", "");
    ans.identity_token = j.value("IdentityToken", "");
  }
  return ans;
}

Result<int> Login(Cli& cli, Invocation& inv) {
  std::string user, password;
  bool password_stdin = false;
  inv.flags().String(&user, "u,username", "Username");
  inv.flags().String(&password, "p,password", "Password");
  inv.flags().Bool(&password_stdin, "password-stdin", "Take the password from stdin");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  std::string given = args->empty() ? "" : (*args)[0];

  // verifyloginOptions
  if (!password.empty()) {
    cli.Err("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    if (password_stdin) return Error(Errc::kInvalidArgument, "--password and --password-stdin are mutually exclusive");
  }
  if (password_stdin) {
    if (user.empty()) return Error(Errc::kInvalidArgument, "Must provide --username with --password-stdin");
    password = SKIFF_TRY(ReadFd(cli.in_fd()));
    if (!password.empty() && password.back() == '\n') password.pop_back();
    if (!password.empty() && password.back() == '\r') password.pop_back();
  }

  ConfigFile cfg = LoadCliConfig(cli);
  std::string auth_server = ElectAuthServer(cli);
  std::string server = !given.empty() && given != "docker.io" ? given : auth_server;
  bool is_default = server == auth_server;

  AuthConfig auth;
  auto stored = GetDefaultAuthConfig(cfg, user.empty() && password.empty(), server, is_default, &auth);
  bool ok = stored.ok();
  if (ok) auth = std::move(*stored);
  AuthAnswer answer;
  if (ok && !auth.username.empty() && !auth.password.empty()) {
    // loginWithCredStoreCreds
    cli.Out("Authenticating with existing credentials...\n");
    auto r = RegistryLogin(cli, auth);
    if (r.ok()) {
      answer = std::move(*r);
    } else {
      ok = false;
      if (r.error().code() == Errc::kPermissionDenied) cli.Err("Stored credentials invalid or expired\n");
      else cli.Err(fmt::format("Login did not succeed, error: {}\n", r.error().message()));
    }
  }
  if (!ok || auth.username.empty() || auth.password.empty()) {
    SKIFF_TRY(ConfigureAuth(cli, user, password, &auth, is_default));
    answer = SKIFF_TRY(RegistryLogin(cli, auth));
  }
  if (!answer.identity_token.empty()) {
    auth.password.clear();
    auth.identitytoken = answer.identity_token;
  }
  // The store is chosen by the address as given; the entry is keyed by the (host name) server address.
  if (cfg.UsesFileStore(server) && !auth.password.empty()) cli.Err(fmt::format(kUnencryptedWarning, cfg.filename()));
  if (auto st = cfg.StoreAuth(server, auth); !st.ok()) {
    return Error(st.error().code(), "Error saving credentials: " + st.error().message());
  }
  if (!answer.status.empty()) cli.Out(answer.status + "\n");
  return 0;
}

Result<int> Logout(Cli& cli, Invocation& inv) {
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  std::string server = args->empty() ? "" : (*args)[0];
  bool is_default = false;
  if (server.empty()) {
    server = ElectAuthServer(cli);
    is_default = true;
  }
  std::vector<std::string> regs = {server};
  std::string host = server;
  if (!is_default) {
    host = ConvertToHostname(server);
    regs.insert(regs.end(), {host, "http://" + host, "https://" + host});
  }
  ConfigFile cfg = LoadCliConfig(cli);
  cli.Out(fmt::format("Removing login credentials for {}\n", host));
  // Keyed by address like docker's map: when the address is its host name, the two tries count once, so
  // the warning needs the other three to fail too.
  std::map<std::string, std::string> errs;
  for (const auto& r : regs) {
    if (auto st = cfg.EraseAuth(r); !st.ok()) errs[r] = st.error().message();
  }
  if (errs.size() == regs.size()) {
    cli.Err("WARNING: could not erase credentials:\n");
    for (const auto& [k, v] : errs) cli.Err(fmt::format("{}: {}\n", k, v));
  }
  return 0;
}

Result<int> Push(Cli& cli, Invocation& inv) {
  bool all = false, quiet = false, dct = true;
  inv.flags().Bool(&all, "a,all-tags", "Push all tagged images in the repository");
  inv.flags().Bool(&dct, "disable-content-trust", "Skip image signing", true);
  inv.flags().Bool(&quiet, "q,quiet", "Suppress verbose output");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  auto ref = SKIFF_TRY(ParseRemoteReference(cli, (*args)[0], all, quiet));
  auto index = SKIFF_TRY(IndexFor(ref.domain));
  ConfigFile cfg = LoadCliConfig(cli);
  std::string auth = EncodeAuthHeader(ResolveAuthConfig(cli, cfg, index));
  // client.ImagePush
  if (!ref.digest.empty()) return Error(Errc::kInvalidArgument, "cannot push a digest reference");
  Query q;
  if (!all) q.Set("tag", TagNameOnly(ref).tag);
  std::string path = "/images/" + ref.FamiliarName() + "/push";
  auto resp = cli.api().Open("POST", path, q, {}, -1, {{"X-Registry-Auth", auth}});
  if (!resp.ok() && resp.error().code() == Errc::kPermissionDenied) {
    std::string retry = SKIFF_TRY(RequestPrivilege(cli, index, "push"));
    resp = cli.api().Open("POST", path, q, {}, -1, {{"X-Registry-Auth", retry}});
  }
  if (!resp.ok()) return std::move(resp).error();
  SKIFF_TRY(RenderRemoteProgress(cli, **resp, quiet));
  if (quiet) cli.Out(ref.String() + "\n");
  return 0;
}

Result<int> Search(Cli& cli, Invocation& inv) {
  bool no_trunc = false;
  std::vector<std::pair<std::string, std::string>> filters;
  int64_t limit = 25;
  std::string fmt_str;
  inv.flags().Bool(&no_trunc, "no-trunc", "Don't truncate output");
  inv.flags().Filter(&filters, "f,filter", "Filter output based on conditions provided");
  inv.flags().Int(&limit, "limit", "Max number of search results", 25);
  inv.flags().String(&fmt_str, "format", "Pretty-print search using a Go template");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  const std::string& term = (*args)[0];
  auto index = SKIFF_TRY(SearchIndexFor(term));
  ConfigFile cfg = LoadCliConfig(cli);
  std::string auth = EncodeAuthHeader(ResolveAuthConfig(cli, cfg, index));
  Query q;
  q.Set("term", term);
  q.Set("limit", std::to_string(limit));
  if (!filters.empty()) q.Set("filters", FiltersJson(filters));
  auto resp = cli.api().Open("GET", "/images/search", q, {}, -1, {{"X-Registry-Auth", auth}});
  if (!resp.ok() && resp.error().code() == Errc::kPermissionDenied) {
    std::string retry = SKIFF_TRY(RequestPrivilege(cli, index, "search"));
    resp = cli.api().Open("GET", "/images/search", q, {}, -1, {{"X-Registry-Auth", retry}});
  }
  if (!resp.ok()) return std::move(resp).error();
  std::string body = SKIFF_TRY((*resp)->ReadAll());
  auto results = SKIFF_TRY(ParseJson(body, "search results"));
  std::string format = fmt_str.empty() || fmt_str == "table" ? std::string(kSearchTableFormat) : fmt_str;
  std::vector<Json> rows = SearchRows(results, !no_trunc, format.find("json .") != std::string::npos);
  // The rows are docker's *registry.searchContext: a field it lacks is a template error, as there.
  format::FormatSpec spec = format::ParseFormat(format);
  spec.context_type = "*registry.searchContext";
  auto out = format::RenderRows(spec, SearchHeader(), rows);
  if (!out.ok()) return Error(Errc::kInvalidArgument, "template parsing error: " + out.error().message());
  cli.Out(*out);
  return 0;
}

}  // namespace

void RegisterRegistryCommands() {
  auto& c = Commands();
  c.push_back({"", "login", {}, "", "[OPTIONS] [SERVER]", "Log in to a Docker registry", MaxArgs(1), true, Login,
               "Log in to a Docker registry.\nIf no server is specified, the default is defined by the daemon."});
  c.push_back({"", "logout", {}, "", "[SERVER]", "Log out from a Docker registry", MaxArgs(1), true, Logout,
               "Log out from a Docker registry.\nIf no server is specified, the default is defined by the daemon."});
  c.push_back({"image", "push", {}, "push", "[OPTIONS] NAME[:TAG]", "Push an image or a repository to a registry",
               ExactArgs(1), true, Push});
  c.push_back({"", "search", {}, "", "[OPTIONS] TERM", "Search the Docker Hub for images", ExactArgs(1), true, Search});
}

}  // namespace skiff::cli

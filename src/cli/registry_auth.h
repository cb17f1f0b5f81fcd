// How the CLI finds and sends registry credentials, as docker's cli/command/registry.go does: the client
// configuration of a Cli (loaded per command, a broken file only warned about), the daemon's default index
// server (GET /info IndexServerAddress), the registry an image or search term belongs to, the
// X-Registry-Auth / X-Registry-Config header values, and the interactive Username/Password prompt used by
// login and by the retry after a 401 (docker's RegistryAuthenticationPrivilegedFunc), and the prologue and
// output of pull and push. Stateless functions.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "cli/command.h"
#include "cli/credentials.h"
#include "cli/reference.h"

namespace skiff::cli {

// config.LoadDefaultConfigFile for cli.config_dir: on a load error prints
// "WARNING: Error loading config file: <file>: <error>" and returns an empty configuration for that file.
ConfigFile LoadCliConfig(const Cli& cli);

// command.ElectAuthServer: the daemon's IndexServerAddress, kIndexServer when /info fails or has none (with
// a warning under --debug).
std::string ElectAuthServer(const Cli& cli);

// registrytypes.IndexInfo as the CLI uses it: the registry's name ("docker.io", "localhost:5000").
struct IndexInfo {
  std::string name;
  bool official = false;  // docker.io
};
// newIndexInfo(domain) (ValidateIndexName: "index.docker.io" -> "docker.io", no leading/trailing '-').
Result<IndexInfo> IndexFor(std::string_view domain);
// registry.ParseSearchIndexInfo: the registry a search term names ("host:5000/term"), else docker.io.
Result<IndexInfo> SearchIndexFor(std::string_view term);
// registry.GetAuthConfigKey: kIndexServer for docker.io, the index name otherwise.
std::string AuthConfigKey(const IndexInfo& index);

// command.ResolveAuthConfig: the stored credentials for the index (empty when none or on a helper error).
AuthConfig ResolveAuthConfig(const Cli& cli, const ConfigFile& cfg, const IndexInfo& index);
// command.RetrieveAuthTokenFromImage: X-Registry-Auth for the registry of an image reference.
Result<std::string> RegistryAuthForImage(const Cli& cli, const ImageRef& ref);
// X-Registry-Config of build: every stored credential ("e30=" when none or on an error).
std::string RegistryConfigHeader(const Cli& cli);

// command.GetDefaultAuthConfig: the stored credentials for a login server (converted to its host name unless
// it is the default registry); identitytoken cleared. The AuthConfig (with serveraddress) also on error.
Result<AuthConfig> GetDefaultAuthConfig(const ConfigFile& cfg, bool check_store, std::string server,
                                        bool is_default, AuthConfig* on_error);
// command.ConfigureAuth: prompts on the terminal for what the flags leave open ("Username: ", "Password: "
// without echo); "Error: Cannot perform an interactive login from a non TTY device" when stdin is none.
Status ConfigureAuth(const Cli& cli, std::string user, std::string password, AuthConfig* auth, bool is_default);
// RegistryAuthenticationPrivilegedFunc: "\nPlease login prior to <cmd>:", the prompt, the new header value.
Result<std::string> RequestPrivilege(const Cli& cli, const IndexInfo& index, std::string_view cmd);

// RunPull / RunPush's start: parses the reference; with all_tags it must be a bare name ("tag can't be used
// with --all-tags/-a"), else a bare name gets ":latest" and "Using default tag: latest" (unless quiet).
Result<ImageRef> ParseRemoteReference(const Cli& cli, const std::string& name, bool all_tags, bool quiet);
// The JSON message stream of a pull or push rendered to stdout (terminal aware), or discarded when quiet.
Status RenderRemoteProgress(const Cli& cli, HttpResponse& resp, bool quiet);

}  // namespace skiff::cli

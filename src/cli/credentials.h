// Docker's client configuration file (~/.docker/config.json, or $DOCKER_CONFIG/config.json, or --config DIR)
// and its credential stores, as docker's cli/config does: the plain-text "auths" entries
// ({"auth": base64("user:pass"), "identitytoken": ...}), "credsStore" / "credHelpers" naming
// docker-credential-<helper> programs (the store/get/erase/list protocol over stdin/stdout), and the
// AuthConfig JSON the Engine API takes (X-Registry-Auth, X-Registry-Config, POST /auth).
// ConfigFile is a value loaded from disk: it keeps every key it read (unknown ones too) and writes docker's
// layout back atomically (known keys in docker's order, then the unknown ones; 0600 for a new file, an
// existing file's mode and owner kept). Helpers run as child processes for the duration of one call.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "cli/opts.h"

namespace skiff::cli {

// Docker Hub's key in "auths" (registry.IndexServer).
inline constexpr std::string_view kIndexServer = "https://index.docker.io/v1/";

// types.AuthConfig.
struct AuthConfig {
  std::string username, password, auth, email, serveraddress, identitytoken, registrytoken;
};
// json.Marshal(types.AuthConfig): the fields in docker's order, empty ones omitted.
OJson AuthConfigJson(const AuthConfig& a);
// command.EncodeAuthToBase64: base64url (padded) of the compact JSON — the X-Registry-Auth value.
std::string EncodeAuthHeader(const AuthConfig& a);
// X-Registry-Config: base64url of the JSON object server -> AuthConfig (keys sorted).
std::string EncodeAuthConfigsHeader(const std::map<std::string, AuthConfig>& auths);

// registry.ConvertToHostname: "https://host:5000/v2/" -> "host:5000".
std::string ConvertToHostname(std::string_view url);

// config.Dir(): $DOCKER_CONFIG, else $HOME/.docker.
std::string DefaultConfigDir();

// One docker-credential-<name> program. Errors carry docker's texts ("error getting credentials - err:
// exit status 1, out: `...`").
class CredentialHelper {
 public:
  explicit CredentialHelper(std::string name) : program_("docker-credential-" + std::move(name)) {}
  const std::string& program() const { return program_; }
  // get: found=false when the helper answers "credentials not found in native keychain".
  struct Creds {
    bool found = false;
    std::string server_url, username, secret;
  };
  Result<Creds> Get(const std::string& server) const;
  Status Store(const std::string& server, const std::string& username, const std::string& secret) const;
  Status Erase(const std::string& server) const;
  // list: server URL -> username.
  Result<std::map<std::string, std::string>> List() const;

 private:
  // Runs `program action` with input on stdin; stdout is returned, a failure becomes
  // "error <verb> credentials - err: <exec error>, out: `<trimmed stdout>`".
  Result<std::string> Run(std::string_view action, std::string_view verb, const std::string& input) const;
  std::string program_;
};

class ConfigFile {
 public:
  // An empty configuration to be saved as dir/config.json.
  explicit ConfigFile(std::string dir);
  // Reads dir/config.json (a missing file is an empty configuration). Errors name the file
  // ("/root/.docker/config.json: ..."), as docker's warning prints them.
  static Result<ConfigFile> Load(const std::string& dir);

  const std::string& filename() const { return filename_; }
  // The "auths" entries as loaded (username/password decoded from "auth", serveraddress = the key).
  std::map<std::string, AuthConfig>& auths() { return auths_; }
  const std::map<std::string, AuthConfig>& auths() const { return auths_; }
  const std::string& creds_store() const { return creds_store_; }
  const std::map<std::string, std::string>& cred_helpers() const { return cred_helpers_; }

  // The file's text as docker's SaveToWriter writes it (tab-indented, no final newline).
  std::string Serialize() const;
  // Writes the file atomically (creating the directory 0700).
  Status Save() const;

  // getConfiguredCredentialStore: the helper name for a server ("" = this file).
  std::string HelperFor(const std::string& server) const;
  bool UsesFileStore(const std::string& server) const { return HelperFor(server).empty(); }
  // GetAuthConfig / the store's Store / Erase / GetAllCredentials, through the server's store.
  Result<AuthConfig> GetAuthConfig(const std::string& server) const;
  Status StoreAuth(const std::string& server, AuthConfig a);
  Status EraseAuth(const std::string& server);
  Result<std::map<std::string, AuthConfig>> GetAllCredentials() const;
  // The plain-text store's entry alone (the key itself, else a legacy key with that host name).
  AuthConfig FileAuth(const std::string& server) const;

 private:
  Result<AuthConfig> NativeGet(const std::string& helper, const std::string& server) const;

  std::string filename_;
  OJson raw_ = OJson::object();  // the file as read, for the keys this class does not model
  std::map<std::string, AuthConfig> auths_;
  std::string creds_store_;
  std::map<std::string, std::string> cred_helpers_;
};

}  // namespace skiff::cli

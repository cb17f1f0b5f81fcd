#include "cli/credentials.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "base/base64.h"
#include "base/fd.h"
#include "base/file.h"
#include "base/strings.h"
#include "cli/run_config.h"

extern char** environ;

namespace skiff::cli {
namespace {

constexpr std::string_view kNotFoundMessage = "credentials not found in native keychain";
constexpr std::string_view kTokenUsername = "<token>";

// The keys of docker's ConfigFile struct, in its field order (how SaveToWriter orders them).
const std::vector<std::string_view>& KnownKeys() {
  static const std::vector<std::string_view> keys = {
      "auths",         "HttpHeaders",  "psFormat",       "imagesFormat",       "networksFormat", "pluginsFormat",
      "volumesFormat", "statsFormat",  "detachKeys",     "credsStore",         "credHelpers",
      "serviceInspectFormat",          "servicesFormat", "tasksFormat",        "secretFormat",   "configFormat",
      "nodesFormat",   "pruneFilters", "proxies",        "experimental",       "stackOrchestrator",
      "kubernetes",    "currentContext",                 "cliPluginsExtraDirs", "plugins",       "aliases"};
  return keys;
}

bool IsKnownKey(std::string_view k) {
  for (auto known : KnownKeys()) {
    if (known == k) return true;
  }
  return false;
}

// omitempty: "", null, false, 0, empty maps and arrays are left out.
bool IsEmptyValue(const OJson& v) {
  if (v.is_null()) return true;
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  if (v.is_object() || v.is_array()) return v.empty();
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number()) return v == 0;
  return false;
}

// Go marshals maps with sorted keys: re-orders every object in v.
OJson SortedMaps(const OJson& v) {
  if (v.is_object()) {
    std::map<std::string, const OJson*> sorted;
    for (auto it = v.begin(); it != v.end(); ++it) sorted[it.key()] = &it.value();
    OJson out = OJson::object();
    for (const auto& [k, val] : sorted) out[k] = SortedMaps(*val);
    return out;
  }
  if (v.is_array()) {
    OJson out = OJson::array();
    for (const auto& e : v) out.push_back(SortedMaps(e));
    return out;
  }
  return v;
}

// A struct value: the given fields in order, empty ones omitted.
OJson StructFields(const OJson& v, std::initializer_list<std::string_view> fields) {
  OJson out = OJson::object();
  if (!v.is_object()) return out;
  for (auto f : fields) {
    auto it = v.find(std::string(f));
    if (it != v.end() && !IsEmptyValue(*it)) out[std::string(f)] = *it;
  }
  return out;
}

std::string StrField(const OJson& o, std::string_view key) {
  auto it = o.find(std::string(key));
  if (it == o.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// Go's encoding/json matches struct fields case-insensitively.
std::string StrFieldFold(const Json& o, std::string_view key) {
  if (!o.is_object()) return "";
  for (auto it = o.begin(); it != o.end(); ++it) {
    if (ToLower(it.key()) == ToLower(key) && it->is_string()) return it->get<std::string>();
  }
  return "";
}

// configfile.decodeAuth.
Result<std::pair<std::string, std::string>> DecodeAuth(const std::string& auth) {
  if (auth.empty()) return std::pair<std::string, std::string>{};
  auto decoded = Base64Decode(auth);
  if (!decoded.ok()) {
    // Go's base64.CorruptInputError names the first byte outside the standard alphabet.
    size_t bad = auth.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
    return Error(Errc::kInvalidArgument,
                 fmt::format("illegal base64 data at input byte {}", bad == std::string::npos ? auth.size() : bad));
  }
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return Error(Errc::kInvalidArgument, "Invalid auth configuration file");
  std::string pass = decoded->substr(colon + 1);
  while (!pass.empty() && pass.back() == '\0') pass.pop_back();
  while (!pass.empty() && pass.front() == '\0') pass.erase(0, 1);
  return std::pair<std::string, std::string>{decoded->substr(0, colon), pass};
}

// exec.LookPath: the program in $PATH, or Go's error text.
Result<std::string> LookPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  for (const auto& dir : Split(path ? path : "", ':')) {
    std::string full = JoinPath(dir.empty() ? "." : dir, name);
    struct stat st;
    if (::stat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0) return full;
  }
  return Error(Errc::kNotFound, fmt::format("exec: \"{}\": executable file not found in $PATH", name));
}

// Go's ProcessState.String for a failed child.
std::string ExitText(int status) {
  if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    std::string s = ::strsignal(WTERMSIG(status));
    if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return "signal: " + s;
  }
  return fmt::format("exit status {}", status);
}

// Runs argv with input on stdin, collects stdout; stderr is inherited. Returns {wait status, stdout}.
Result<std::pair<int, std::string>> RunProgram(const std::string& path, const std::vector<std::string>& args,
                                               const std::string& input) {
  int in_pipe[2], out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return Error::Sys("pipe");
  UniqueFd in_r(in_pipe[0]), in_w(in_pipe[1]);
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return Error::Sys("pipe");
  UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_r.get(), 0);
  posix_spawn_file_actions_adddup2(&fa, out_w.get(), 1);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, path.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return Error::FromErrno(rc, "fork/exec " + path);
  in_r.reset();
  out_w.reset();
  // The input is a few hundred bytes at most: the pipe takes it whole, so writing before reading cannot
  // deadlock. A helper that exits without reading it gives EPIPE, which is not an error here.
  struct sigaction ign {}, old {};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, &old);
  (void)WriteAll(in_w.get(), input);
  ::sigaction(SIGPIPE, &old, nullptr);
  in_w.reset();
  auto out = ReadFd(out_r.get());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!out.ok()) return std::move(out).error();
  return std::pair<int, std::string>{status, std::move(*out)};
}

}  // namespace

OJson AuthConfigJson(const AuthConfig& a) {
  OJson j = OJson::object();
  auto put = [&](const char* k, const std::string& v) {
    if (!v.empty()) j[k] = v;
  };
  put("username", a.username);
  put("password", a.password);
  put("auth", a.auth);
  put("email", a.email);
  put("serveraddress", a.serveraddress);
  put("identitytoken", a.identitytoken);
  put("registrytoken", a.registrytoken);
  return j;
}

std::string EncodeAuthHeader(const AuthConfig& a) { return Base64UrlEncode(GoJsonDump(AuthConfigJson(a))); }

std::string EncodeAuthConfigsHeader(const std::map<std::string, AuthConfig>& auths) {
  OJson j = OJson::object();
  for (const auto& [k, a] : auths) j[k] = AuthConfigJson(a);
  return Base64UrlEncode(GoJsonDump(j));
}

std::string ConvertToHostname(std::string_view url) {
  std::string_view s = url;
  if (s.rfind("http://", 0) == 0) s.remove_prefix(7);
  else if (s.rfind("https://", 0) == 0) s.remove_prefix(8);
  return std::string(s.substr(0, s.find('/')));
}

std::string DefaultConfigDir() {
  if (const char* d = std::getenv("DOCKER_CONFIG"); d && *d) return d;
  const char* home = std::getenv("HOME");
  return JoinPath(home && *home ? home : "/root", ".docker");
}

Result<std::string> CredentialHelper::Run(std::string_view action, std::string_view verb,
                                          const std::string& input) const {
  auto fail = [&](std::string_view err, std::string_view out) {
    return Error(Errc::kInternal, fmt::format("error {} credentials - err: {}, out: `{}`", verb, err, Trim(out)));
  };
  auto path = LookPath(program_);
  if (!path.ok()) return fail(path.error().message(), "");
  auto r = RunProgram(*path, {std::string(action)}, input);
  if (!r.ok()) return fail(r.error().message(), "");
  if (r->first != 0) return fail(ExitText(r->first), r->second);
  return std::move(r->second);
}

Result<CredentialHelper::Creds> CredentialHelper::Get(const std::string& server) const {
  auto out = Run("get", "getting", server);
  if (!out.ok()) {
    // The helper's "not found" answer comes with a failing exit: find it in the quoted output.
    if (out.error().message().find(fmt::format("out: `{}`", kNotFoundMessage)) != std::string::npos) return Creds{};
    return std::move(out).error();
  }
  auto j = SKIFF_TRY(ParseJson(*out, program_ + " get output"));
  Creds c;
  c.found = true;
  c.server_url = server;
  if (std::string s = StrFieldFold(j, "ServerURL"); !s.empty()) c.server_url = s;
  c.username = StrFieldFold(j, "Username");
  c.secret = StrFieldFold(j, "Secret");
  return c;
}

Status CredentialHelper::Store(const std::string& server, const std::string& username,
                               const std::string& secret) const {
  OJson j = OJson::object();
  j["ServerURL"] = server;
  j["Username"] = username;
  j["Secret"] = secret;
  SKIFF_TRY(Run("store", "storing", GoJsonDump(j) + "\n"));
  return Ok();
}

Status CredentialHelper::Erase(const std::string& server) const {
  SKIFF_TRY(Run("erase", "erasing", server));
  return Ok();
}

Result<std::map<std::string, std::string>> CredentialHelper::List() const {
  std::string out = SKIFF_TRY(Run("list", "listing", "unused"));
  auto j = SKIFF_TRY(ParseJson(out, program_ + " list output"));
  std::map<std::string, std::string> res;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) res[it.key()] = it->is_string() ? it->get<std::string>() : "";
  }
  return res;
}

ConfigFile::ConfigFile(std::string dir) : filename_(JoinPath(dir, "config.json")) {}

Result<ConfigFile> ConfigFile::Load(const std::string& dir) {
  ConfigFile cf(dir);
  auto text = ReadFile(cf.filename_);
  if (!text.ok()) {
    if (!PathExists(cf.filename_)) return cf;
    return Error(text.error().code(), cf.filename_ + ": " + text.error().message());
  }
  if (Trim(*text).empty()) return cf;  // docker's decoder takes io.EOF as an empty file
  try {
    cf.raw_ = OJson::parse(*text);
  } catch (const std::exception& e) {
    return Error(Errc::kInvalidArgument, cf.filename_ + ": " + e.what());
  }
  if (!cf.raw_.is_object()) {
    return Error(Errc::kInvalidArgument, cf.filename_ + ": json: cannot unmarshal into Go value of type configfile.ConfigFile");
  }
  if (auto it = cf.raw_.find("auths"); it != cf.raw_.end() && it->is_object()) {
    for (auto e = it->begin(); e != it->end(); ++e) {
      AuthConfig a;
      a.username = StrField(*e, "username");
      a.password = StrField(*e, "password");
      a.email = StrField(*e, "email");
      a.identitytoken = StrField(*e, "identitytoken");
      a.registrytoken = StrField(*e, "registrytoken");
      if (std::string auth = StrField(*e, "auth"); !auth.empty()) {
        auto up = DecodeAuth(auth);
        if (!up.ok()) return Error(Errc::kInvalidArgument, cf.filename_ + ": " + up.error().message());
        a.username = up->first;
        a.password = up->second;
      }
      a.serveraddress = e.key();
      cf.auths_[e.key()] = std::move(a);
    }
  }
  cf.creds_store_ = StrField(cf.raw_, "credsStore");
  if (auto it = cf.raw_.find("credHelpers"); it != cf.raw_.end() && it->is_object()) {
    for (auto e = it->begin(); e != it->end(); ++e) {
      if (e->is_string()) cf.cred_helpers_[e.key()] = e->get<std::string>();
    }
  }
  return cf;
}

std::string ConfigFile::Serialize() const {
  OJson out = OJson::object();
  for (auto key : KnownKeys()) {
    std::string k(key);
    if (k == "auths") {
      OJson auths = OJson::object();
      for (const auto& [server, a] : auths_) {
        AuthConfig stored;
        if (!a.username.empty() || !a.password.empty()) stored.auth = Base64Encode(a.username + ":" + a.password);
        stored.email = a.email;
        stored.identitytoken = a.identitytoken;
        stored.registrytoken = a.registrytoken;
        auths[server] = AuthConfigJson(stored);
      }
      out["auths"] = std::move(auths);
      continue;
    }
    OJson v;
    if (k == "credsStore") {
      v = creds_store_;
    } else if (k == "credHelpers") {
      v = OJson::object();
      for (const auto& [h, name] : cred_helpers_) v[h] = name;
    } else {
      auto it = raw_.find(k);
      if (it == raw_.end()) continue;
      v = SortedMaps(*it);
      if (k == "HttpHeaders" && v.is_object()) {
        // The User-Agent header is set by the client and never stored.
        for (auto h = v.begin(); h != v.end();) {
          if (ToLower(h.key()) == "user-agent") h = v.erase(h);
          else ++h;
        }
      } else if (k == "proxies" && v.is_object()) {
        for (auto& [name, p] : v.items()) p = StructFields(p, {"httpProxy", "httpsProxy", "noProxy", "ftpProxy"});
      } else if (k == "kubernetes") {
        if (v.is_null()) continue;
        out[k] = StructFields(v, {"allNamespaces"});
        continue;
      }
    }
    if (!IsEmptyValue(v)) out[k] = std::move(v);
  }
  for (auto it = raw_.begin(); it != raw_.end(); ++it) {
    if (!IsKnownKey(it.key())) out[it.key()] = it.value();
  }
  return GoJsonDump(out, 1);
}

Status ConfigFile::Save() const {
  std::string dir = Dirname(filename_);
  SKIFF_TRY(MkdirAll(dir, 0700));
  // A symlinked config file is replaced at its target.
  std::string target = filename_;
  char link[4096];
  if (ssize_t n = ::readlink(filename_.c_str(), link, sizeof(link) - 1); n > 0) {
    std::string l(link, static_cast<size_t>(n));
    target = l[0] == '/' ? l : JoinPath(dir, l);
  }
  mode_t mode = 0600;
  struct stat st;
  bool existed = ::stat(target.c_str(), &st) == 0;
  if (existed) mode = st.st_mode & 07777;
  SKIFF_TRY(WriteFileAtomic(target, Serialize(), mode, false));
  if (existed) (void)::lchown(target.c_str(), st.st_uid, st.st_gid);
  return Ok();
}

std::string ConfigFile::HelperFor(const std::string& server) const {
  if (!server.empty()) {
    if (auto it = cred_helpers_.find(server); it != cred_helpers_.end()) return it->second;
  }
  return creds_store_;
}

AuthConfig ConfigFile::FileAuth(const std::string& server) const {
  if (auto it = auths_.find(server); it != auths_.end()) return it->second;
  // Legacy keys ("https://host/v1/") match by their host name.
  for (const auto& [key, a] : auths_) {
    if (ConvertToHostname(key) == server) return a;
  }
  return AuthConfig{};
}

Result<AuthConfig> ConfigFile::NativeGet(const std::string& helper, const std::string& server) const {
  AuthConfig a = FileAuth(server);
  auto creds = SKIFF_TRY(CredentialHelper(helper).Get(server));
  if (!creds.found) {
    a.username.clear();
    a.password.clear();
    a.identitytoken.clear();
    return a;
  }
  if (creds.username == kTokenUsername) {
    a.username.clear();
    a.password.clear();
    a.identitytoken = creds.secret;
  } else {
    a.username = creds.username;
    a.password = creds.secret;
    a.identitytoken.clear();
  }
  return a;
}

Result<AuthConfig> ConfigFile::GetAuthConfig(const std::string& server) const {
  std::string helper = HelperFor(server);
  if (helper.empty()) return FileAuth(server);
  return NativeGet(helper, server);
}

Status ConfigFile::StoreAuth(const std::string& server, AuthConfig a) {
  std::string helper = HelperFor(server);
  if (!helper.empty()) {
    bool token = !a.identitytoken.empty();
    SKIFF_TRY(CredentialHelper(helper).Store(a.serveraddress, token ? std::string(kTokenUsername) : a.username,
                                             token ? a.identitytoken : a.password));
    a.username.clear();
    a.password.clear();
    a.identitytoken.clear();
  }
  auths_[a.serveraddress] = std::move(a);
  return Save();
}

Status ConfigFile::EraseAuth(const std::string& server) {
  std::string helper = HelperFor(server);
  if (!helper.empty()) SKIFF_TRY(CredentialHelper(helper).Erase(server));
  auths_.erase(server);
  return Save();
}

Result<std::map<std::string, AuthConfig>> ConfigFile::GetAllCredentials() const {
  std::map<std::string, AuthConfig> all;
  if (creds_store_.empty()) {
    all = auths_;
  } else {
    CredentialHelper h(creds_store_);
    auto listed = SKIFF_TRY(h.List());
    for (const auto& [server, user] : listed) {
      auto it = auths_.find(server);
      AuthConfig a = it != auths_.end() ? it->second : AuthConfig{};  // may hold an email
      auto creds = SKIFF_TRY(h.Get(server));
      a.username.clear();
      a.password.clear();
      a.identitytoken.clear();
      if (creds.found && creds.username == kTokenUsername) {
        a.identitytoken = creds.secret;
      } else if (creds.found) {
        a.username = creds.username;
        a.password = creds.secret;
      }
      all[server] = std::move(a);
    }
  }
  for (const auto& [server, helper] : cred_helpers_) all[server] = SKIFF_TRY(GetAuthConfig(server));
  return all;
}

}  // namespace skiff::cli

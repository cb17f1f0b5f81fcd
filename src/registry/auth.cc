// AuthConfig JSON and X-Registry-Auth coding, WWW-Authenticate parsing, credentials.
#include "registry/auth.h"

#include <cctype>

#include "base/base64.h"
#include "base/strings.h"

namespace skiff::registry {

namespace {

// Go decodes JSON object keys case-insensitively; Docker clients send "username", "serveraddress", ...
std::string StringField(const Json& j, std::string_view key) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (ToLower(it.key()) == key && it.value().is_string()) return it.value().get<std::string>();
  }
  return {};
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

class ChallengeLexer {
 public:
  explicit ChallengeLexer(std::string_view s) : s_(s) {}
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool AtEnd() const { return i_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[i_]; }
  void Advance() { ++i_; }
  size_t pos() const { return i_; }
  void Seek(size_t p) { i_ = p; }
  std::string Token() {
    size_t start = i_;
    while (i_ < s_.size() && IsTokenChar(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }
  // A quoted string with backslash escapes; false when it does not close.
  bool Quoted(std::string* out) {
    if (Peek() != '"') return false;
    ++i_;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (c == '\\' && i_ < s_.size()) c = s_[i_++];
      out->push_back(c);
    }
    return false;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

Result<AuthConfig> AuthConfigFromJson(const Json& j) {
  if (j.is_null()) return AuthConfig{};
  if (!j.is_object()) return Error(Errc::kInvalidArgument, "auth config: expected a JSON object");
  AuthConfig a;
  a.username = StringField(j, "username");
  a.password = StringField(j, "password");
  a.auth = StringField(j, "auth");
  a.email = StringField(j, "email");
  a.server_address = StringField(j, "serveraddress");
  a.identity_token = StringField(j, "identitytoken");
  a.registry_token = StringField(j, "registrytoken");
  return a;
}

Json AuthConfigToJson(const AuthConfig& a) {
  Json j = Json::object();
  auto put = [&](const char* k, const std::string& v) {
    if (!v.empty()) j[k] = v;
  };
  put("username", a.username);
  put("password", a.password);
  put("auth", a.auth);
  put("email", a.email);
  put("serveraddress", a.server_address);
  put("identitytoken", a.identity_token);
  put("registrytoken", a.registry_token);
  return j;
}

Result<AuthConfig> DecodeAuthHeader(std::string_view header) {
  header = Trim(header);
  if (header.empty() || header == "{}") return AuthConfig{};
  auto raw = Base64Decode(header);
  if (!raw.ok()) return Error(Errc::kInvalidArgument, "X-Registry-Auth: invalid base64: " + raw.error().message());
  std::string_view text = Trim(*raw);
  if (text.empty()) return AuthConfig{};
  auto j = ParseJson(text, "X-Registry-Auth");
  if (!j.ok()) return Error(Errc::kInvalidArgument, j.error().message());
  auto a = AuthConfigFromJson(*j);
  if (!a.ok()) return Error(Errc::kInvalidArgument, "X-Registry-Auth: " + a.error().message());
  return a;
}

std::string EncodeAuthHeader(const AuthConfig& a) { return Base64UrlEncode(DumpJson(AuthConfigToJson(a))); }

std::vector<Challenge> ParseWwwAuthenticate(std::string_view header) {
  std::vector<Challenge> out;
  ChallengeLexer lx(header);
  while (true) {
    lx.SkipSpace();
    while (lx.Peek() == ',') {
      lx.Advance();
      lx.SkipSpace();
    }
    if (lx.AtEnd()) break;
    std::string scheme = lx.Token();
    if (scheme.empty()) break;
    Challenge c;
    c.scheme = ToLower(scheme);
    // Parameters: key=value or key="quoted", comma separated, until a token not followed by '='
    // (the next challenge's scheme) or the end.
    while (true) {
      lx.SkipSpace();
      while (lx.Peek() == ',') {
        lx.Advance();
        lx.SkipSpace();
      }
      size_t mark = lx.pos();
      std::string key = lx.Token();
      if (key.empty()) break;
      lx.SkipSpace();
      if (lx.Peek() != '=') {
        lx.Seek(mark);  // another challenge starts here
        break;
      }
      lx.Advance();
      lx.SkipSpace();
      std::string value;
      if (lx.Peek() == '"') {
        if (!lx.Quoted(&value)) {
          out.push_back(std::move(c));
          return out;
        }
      } else {
        value = lx.Token();
      }
      c.params[ToLower(key)] = std::move(value);
    }
    out.push_back(std::move(c));
    if (lx.pos() == 0) break;
  }
  return out;
}

Result<BasicCredentials> CredentialsOf(const AuthConfig& a) {
  if (!a.username.empty() || a.auth.empty()) return BasicCredentials{a.username, a.password};
  auto raw = Base64Decode(Trim(a.auth));
  if (!raw.ok()) return Error(Errc::kInvalidArgument, "auth config: invalid auth field: " + raw.error().message());
  auto parts = SplitN(*raw, ':', 2);
  if (parts.size() != 2) return Error(Errc::kInvalidArgument, "auth config: invalid auth field: expected user:password");
  return BasicCredentials{parts[0], parts[1]};
}

}  // namespace skiff::registry

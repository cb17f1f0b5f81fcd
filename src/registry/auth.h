// Registry authentication pieces that need no network: WWW-Authenticate challenge parsing (RFC 7235
// style, as Docker's distribution client reads it) and the credentials an AuthConfig stands for.
// Pure functions over strings; the token flow itself lives in client.cc.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "registry/client.h"

namespace skiff::registry {

struct Challenge {
  std::string scheme;                         // lowercased: "basic", "bearer"
  std::map<std::string, std::string> params;  // keys lowercased, values unquoted
  std::string Param(const std::string& key) const {
    auto it = params.find(key);
    return it == params.end() ? std::string() : it->second;
  }
};

// One header value may hold several challenges ("Basic realm=x, Bearer realm=y"). Malformed tails are
// dropped (as Go's parser does); an empty header gives no challenges.
std::vector<Challenge> ParseWwwAuthenticate(std::string_view header);

// Username and password of an AuthConfig: the fields, or `auth` (base64 "user:pass") when the username
// is empty. Both empty when there are none; an `auth` that does not decode is InvalidArgument.
struct BasicCredentials {
  std::string username, password;
  bool empty() const { return username.empty() && password.empty(); }
};
Result<BasicCredentials> CredentialsOf(const AuthConfig& a);

}  // namespace skiff::registry

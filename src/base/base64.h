// Base64 (RFC 4648): the standard alphabet with padding (X-Docker-Container-Path-Stat) and the URL-safe
// alphabet (X-Registry-Auth, which Docker clients send URL-safe, with or without padding). Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace skiff {

std::string Base64Encode(std::string_view data);
std::string Base64UrlEncode(std::string_view data);
// Accepts either alphabet, with or without padding; whitespace is not allowed. InvalidArgument otherwise.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace skiff

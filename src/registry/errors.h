// Registry error responses as Docker's distribution client reads them: the {"errors":[...]} body, the
// bearer challenge's error= parameter, the fallbacks for bodies that are not JSON, and the text
// Go's errcode types print ("manifest unknown: manifest unknown"). Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace skiff::registry {

struct RegistryErrorItem {
  std::string code;     // as sent ("MANIFEST_UNKNOWN"); "UNKNOWN" for codes distribution does not define
  std::string message;  // the message, or the code's default message
  bool has_detail = false;
  // Go turns an item without detail whose message is empty or the default one into a bare ErrorCode,
  // which prints only "manifest unknown" and is not matched by Docker's pull error translation.
  bool bare = false;
  std::string Text() const;
};

struct RegistryError {
  int status = 0;
  std::vector<RegistryErrorItem> items;  // empty when the body said nothing usable
  std::string text;                      // what Docker prints for the whole error
  Errc errc = Errc::kInternal;
  const RegistryErrorItem* first() const { return items.empty() ? nullptr : &items.front(); }
};

// status: the HTTP status (>= 300); www_authenticate: the response's challenge headers (for the bearer
// error= parameter); body: the response body.
RegistryError ParseRegistryError(int status, std::string_view reason, const std::vector<std::string>& www_authenticate,
                                 std::string_view body);

// The Errc an HTTP status stands for: 404 NotFound, 401/403 PermissionDenied, 400 InvalidArgument, 5xx and
// 429 Unavailable, 405/501 Unsupported, anything else Internal.
Errc ErrcForStatus(int status);

// Go's http.StatusText ("Unauthorized"); "" for unknown codes.
std::string_view StatusText(int status);

}  // namespace skiff::registry

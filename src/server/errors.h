// The one mapping from skiff::Errc to an HTTP status, and Docker's JSON error body {"message":"..."}.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "base/json.h"

namespace skiff::server {

// InvalidArgument 400, NotFound 404, AlreadyExists/Conflict 409, PermissionDenied 403, Unavailable 503,
// Unsupported 501; Cancelled, DataLoss and Internal are 500 (what dockerd answers for them).
int HttpStatus(Errc code);
inline int HttpStatus(const Error& e) { return HttpStatus(e.code()); }

// {"message": message}
Json ErrorJson(std::string_view message);
inline Json ErrorJson(const Error& e) { return ErrorJson(e.message()); }

}  // namespace skiff::server

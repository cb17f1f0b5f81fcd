#include "server/errors.h"

namespace skiff::server {

int HttpStatus(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument: return 400;
    case Errc::kNotFound: return 404;
    case Errc::kAlreadyExists: return 409;
    case Errc::kConflict: return 409;
    case Errc::kPermissionDenied: return 403;
    case Errc::kUnavailable: return 503;
    case Errc::kUnsupported: return 501;
    case Errc::kCancelled: return 500;
    case Errc::kDataLoss: return 500;
    case Errc::kInternal: return 500;
  }
  return 500;
}

Json ErrorJson(std::string_view message) {
  Json j = Json::object();
  j["message"] = std::string(message);
  return j;
}

}  // namespace skiff::server

#include "base/error.h"

#include <cstring>
#include <string>

namespace skiff {

std::string GoErrnoText(int err) {
  std::string s = std::strerror(err);
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

std::string_view ErrcName(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument: return "InvalidArgument";
    case Errc::kNotFound: return "NotFound";
    case Errc::kAlreadyExists: return "AlreadyExists";
    case Errc::kConflict: return "Conflict";
    case Errc::kPermissionDenied: return "PermissionDenied";
    case Errc::kUnavailable: return "Unavailable";
    case Errc::kUnsupported: return "Unsupported";
    case Errc::kCancelled: return "Cancelled";
    case Errc::kDataLoss: return "DataLoss";
    case Errc::kInternal: return "Internal";
  }
  return "Unknown";
}

Error Error::FromErrno(int err, std::string_view context) {
  Errc code = Errc::kInternal;
  switch (err) {
    case ENOENT: case ESRCH: case ENODEV: case ENXIO: code = Errc::kNotFound; break;
    case EEXIST: code = Errc::kAlreadyExists; break;
    case EBUSY: case ENOTEMPTY: code = Errc::kConflict; break;
    case EPERM: case EACCES: case EROFS: code = Errc::kPermissionDenied; break;
    case EINVAL: case ENAMETOOLONG: case ENOTDIR: case EISDIR: case ELOOP: case EXDEV:
      code = Errc::kInvalidArgument; break;
    case ENOSYS: case EOPNOTSUPP: code = Errc::kUnsupported; break;
    case EINTR: code = Errc::kCancelled; break;
    case EAGAIN: case ECONNREFUSED: case ETIMEDOUT: code = Errc::kUnavailable; break;
    default: break;
  }
  std::string msg(context);
  if (!msg.empty()) msg += ": ";
  msg += std::strerror(err);
  return Error(code, std::move(msg), err);
}

Error Error::Wrap(std::string_view context) const& {
  Error copy = *this;
  return std::move(copy).Wrap(context);
}

Error Error::Wrap(std::string_view context) && {
  if (!context.empty()) message_ = std::string(context) + ": " + message_;
  return std::move(*this);
}

}  // namespace skiff

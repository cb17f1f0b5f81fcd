#include "cli/reference.h"

#include <regex>

#include "base/strings.h"

namespace skiff::cli {
namespace {

const std::regex& NameRegex() {
  // domain (optional) then path components, as distribution/reference's grammar.
  static const std::regex re(
      R"(^(?:((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?)/)?([a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$)");
  return re;
}

}  // namespace

bool IsFullImageId(std::string_view s) {
  if (s.substr(0, 7) == "sha256:") s.remove_prefix(7);
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string ImageRef::FamiliarName() const {
  if (domain != "docker.io") return domain + "/" + path;
  if (path.rfind("library/", 0) == 0 && path.find('/', 8) == std::string::npos) return path.substr(8);
  return path;
}

std::string ImageRef::String() const {
  std::string s = Name();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string ImageRef::FamiliarString() const {
  std::string s = FamiliarName();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

Result<ImageRef> ParseNormalizedNamed(std::string_view in) {
  std::string s(in);
  if (IsFullImageId(s) && s.find(':') == std::string::npos) {
    return Error(Errc::kInvalidArgument,
                 "invalid repository name (" + s + "), cannot specify 64-byte hexadecimal strings");
  }
  // Split the domain like splitDockerDomain.
  std::string domain, remainder;
  auto slash = s.find('/');
  if (slash == std::string::npos ||
      (s.substr(0, slash).find_first_of(".:") == std::string::npos && s.substr(0, slash) != "localhost")) {
    domain = "docker.io";
    remainder = s;
  } else {
    domain = s.substr(0, slash);
    remainder = s.substr(slash + 1);
  }
  if (domain == "index.docker.io") domain = "docker.io";
  if (domain == "docker.io" && remainder.find('/') == std::string::npos) remainder = "library/" + remainder;
  std::string remote = remainder;
  auto at = remote.find('@');
  if (at != std::string::npos) remote = remote.substr(0, at);
  auto colon = remote.find(':');
  if (colon != std::string::npos) remote = remote.substr(0, colon);
  if (ToLower(remote) != remote) {
    return Error(Errc::kInvalidArgument, "invalid reference format: repository name must be lowercase");
  }
  std::smatch m;
  std::string full = domain + "/" + remainder;
  if (!std::regex_match(full, m, NameRegex())) return Error(Errc::kInvalidArgument, "invalid reference format");
  ImageRef r;
  r.domain = m[1].str();
  r.path = m[2].str();
  r.tag = m[3].str();
  r.digest = m[4].str();
  if (r.Name().size() > 255) return Error(Errc::kInvalidArgument, "repository name must not be more than 255 characters");
  return r;
}

ImageRef TagNameOnly(ImageRef r) {
  if (r.NameOnly()) r.tag = "latest";
  return r;
}

}  // namespace skiff::cli

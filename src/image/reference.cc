#include "image/reference.h"

#include <regex>

#include "base/strings.h"

namespace skiff::image {
namespace {

const std::regex& PathComponentRe() {
  static const std::regex re("[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*");
  return re;
}
const std::regex& DomainRe() {
  static const std::regex re(
      "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
      "(?::[0-9]+)?|\\[[a-fA-F0-9:]+\\](?::[0-9]+)?");
  return re;
}

Error Invalid(std::string_view why = "") {
  return Error(Errc::kInvalidArgument, why.empty() ? "invalid reference format" : "invalid reference format: " + std::string(why));
}

}  // namespace

bool IsValidTag(std::string_view tag) {
  static const std::regex re("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  return std::regex_match(tag.begin(), tag.end(), re);
}

bool LooksLikeFullId(std::string_view s) {
  if (s.starts_with("sha256:")) s.remove_prefix(7);
  return s.size() == 64 && IsHex(s);
}

std::string Reference::String() const {
  std::string s = Name();
  if (!tag.empty()) s += ":" + tag;
  if (digest) s += "@" + digest->str();
  return s;
}

std::string Reference::FamiliarName() const {
  if (domain == "docker.io") return path.starts_with("library/") && path.find('/', 8) == std::string::npos ? path.substr(8) : path;
  return Name();
}

std::string Reference::FamiliarString() const {
  std::string s = FamiliarName();
  if (!tag.empty()) s += ":" + tag;
  if (digest) s += "@" + digest->str();
  return s;
}

Reference Reference::WithDefaultTag() const {
  Reference r = *this;
  if (r.tag.empty() && !r.digest) r.tag = "latest";
  return r;
}

Result<Reference> ParseReference(std::string_view s) {
  if (s.empty()) return Invalid();
  if (s.size() == 64 && IsHex(s))
    return Error(Errc::kInvalidArgument, "invalid repository name (" + std::string(s) +
                                             "), cannot specify 64-byte hexadecimal strings");
  Reference ref;
  std::string_view rest = s;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    auto d = Digest::Parse(rest.substr(at + 1));
    if (!d.ok()) return Invalid();
    ref.digest = *d;
    rest = rest.substr(0, at);
  }
  // A tag follows the last ':' that comes after the last '/'.
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    std::string_view tag = rest.substr(colon + 1);
    if (!IsValidTag(tag)) return Invalid();
    ref.tag = tag;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return Invalid();
  std::string name(rest);
  std::string remainder;
  size_t i = name.find('/');
  std::string first = i == std::string::npos ? "" : name.substr(0, i);
  if (i == std::string::npos ||
      (first.find('.') == std::string::npos && first.find(':') == std::string::npos && first != "localhost" &&
       first == skiff::ToLower(first))) {
    ref.domain = "docker.io";
    remainder = name;
  } else {
    ref.domain = first;
    remainder = name.substr(i + 1);
    if (!std::regex_match(ref.domain, DomainRe())) return Invalid();
  }
  if (ref.domain == "index.docker.io") ref.domain = "docker.io";
  if (ref.domain == "docker.io" && remainder.find('/') == std::string::npos) remainder = "library/" + remainder;
  for (char c : remainder)
    if (c >= 'A' && c <= 'Z')
      return Invalid("repository name must be lowercase");
  size_t pos = 0;
  for (;;) {
    size_t j = remainder.find('/', pos);
    std::string comp = remainder.substr(pos, j == std::string::npos ? std::string::npos : j - pos);
    if (!std::regex_match(comp, PathComponentRe())) return Invalid();
    if (j == std::string::npos) break;
    pos = j + 1;
  }
  ref.path = remainder;
  if (ref.Name().size() > 255) return Invalid("repository name must not be more than 255 characters");
  return ref;
}

}  // namespace skiff::image

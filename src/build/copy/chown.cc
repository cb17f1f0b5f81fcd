#include "build/copy/chown.h"

#include <fcntl.h>

#include <charconv>
#include <vector>

#include "base/file.h"

namespace skiff::build::copy {
namespace {

std::optional<uint32_t> Numeric(const std::string& s) {
  std::string_view v = s;
  if (v.starts_with('+')) v.remove_prefix(1);
  uint32_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return n;
}

// The id in field 2 (0-based) of the first line of /etc/<file> whose field 0 is `name`.
Result<uint32_t> Lookup(int rootfd, const std::string& file, const std::string& name, const std::string& kind) {
  std::string path = "etc/" + file;
  std::string resolved = SKIFF_TRY(FollowInScope(rootfd, path));
  int fd = OpenBeneath(rootfd, resolved, O_RDONLY);
  if (fd < 0) return GoSys("open /" + path);
  UniqueFd guard(fd);
  std::string text = SKIFF_TRY(ReadFd(fd));
  size_t i = 0;
  while (i < text.size()) {
    size_t e = text.find('\n', i);
    if (e == std::string::npos) e = text.size();
    std::string_view line(text.data() + i, e - i);
    i = e + 1;
    std::vector<std::string_view> f;
    size_t a = 0;
    for (;;) {
      size_t c = line.find(':', a);
      f.push_back(line.substr(a, c == std::string_view::npos ? std::string_view::npos : c - a));
      if (c == std::string_view::npos) break;
      a = c + 1;
    }
    if (f.empty() || f[0] != name) continue;
    uint32_t id = 0;
    if (f.size() > 2) std::from_chars(f[2].data(), f[2].data() + f[2].size(), id);
    return id;
  }
  return Error(Errc::kNotFound, "no such " + kind + ": " + name);
}

}  // namespace

Result<Owner> ParseChown(const std::string& spec, int dest_root_fd) {
  auto fail = [](Error e) { return std::move(e).Wrap("unable to convert uid/gid chown string to host mapping"); };
  std::string user = spec, group = spec;
  size_t colon = spec.find(':');
  if (colon != std::string::npos) {
    if (spec.find(':', colon + 1) != std::string::npos)
      return fail(Error(Errc::kInvalidArgument, "invalid chown string format: " + spec));
    user = spec.substr(0, colon);
    group = spec.substr(colon + 1);
  }
  Owner o;
  if (auto n = Numeric(user)) {
    o.uid = *n;
  } else {
    auto r = Lookup(dest_root_fd, "passwd", user, "user");
    if (!r) return fail(r.error().Wrap("can't find uid for user " + user));
    o.uid = *r;
  }
  if (auto n = Numeric(group)) {
    o.gid = *n;
  } else {
    auto r = Lookup(dest_root_fd, "group", group, "group");
    if (!r) return fail(r.error().Wrap("can't find gid for group " + group));
    o.gid = *r;
  }
  return o;
}

}  // namespace skiff::build::copy

#include "daemon/userinfo.h"

#include <fcntl.h>

#include <algorithm>

#include "base/file.h"
#include "base/strings.h"
#include "sys/resolve.h"

namespace skiff::daemon {
namespace {

struct Entry {
  std::vector<std::string> f;
};

// Lines of a colon-separated file inside the rootfs; a missing file is empty.
std::vector<Entry> ReadDb(const std::string& rootfs, const char* path) {
  std::vector<Entry> out;
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return out;
  auto fd = sys::OpenInRoot(root.get(), path, O_RDONLY | O_CLOEXEC);
  if (!fd.ok()) return out;
  auto text = ReadFd(fd->get());
  if (!text.ok()) return out;
  for (auto& line : Split(*text, '\n')) {
    std::string_view l = Trim(line);
    if (l.empty() || l[0] == '#') continue;
    out.push_back({Split(l, ':')});
  }
  return out;
}

std::optional<uint32_t> Num(std::string_view s) {
  auto v = ParseUint(s);
  if (!v || *v > 0xffffffffu) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

}  // namespace

Result<ExecUser> ResolveUser(const std::string& rootfs, const std::string& user_in,
                             const std::vector<std::string>& extra_groups) {
  size_t colon = user_in.find(':');
  std::string user = user_in.substr(0, colon);
  std::string group = colon == std::string::npos ? std::string() : user_in.substr(colon + 1);
  if (user.empty()) user.assign(1, '0');
  auto passwd = ReadDb(rootfs, "/etc/passwd");
  auto groups = ReadDb(rootfs, "/etc/group");
  ExecUser u;
  std::string uname;
  bool found = false;
  for (auto& e : passwd) {
    if (e.f.size() < 4) continue;
    auto uid = Num(e.f[2]);
    if (!uid) continue;
    if (e.f[0] == user || (Num(user) && *Num(user) == *uid)) {
      u.uid = *uid;
      u.gid = Num(e.f[3]).value_or(0);
      if (e.f.size() > 5 && !e.f[5].empty()) u.home = e.f[5];
      uname = e.f[0];
      found = true;
      break;
    }
  }
  if (!found) {
    auto n = Num(user);
    if (!n) return Error(Errc::kInvalidArgument, "unable to find user " + user + ": no matching entries in passwd file");
    u.uid = *n;
  }
  if (!group.empty()) {
    bool gfound = false;
    for (auto& e : groups) {
      if (e.f.size() < 3) continue;
      auto gid = Num(e.f[2]);
      if (gid && (e.f[0] == group || (Num(group) && *Num(group) == *gid))) {
        u.gid = *gid;
        gfound = true;
        break;
      }
    }
    if (!gfound) {
      auto n = Num(group);
      if (!n) return Error(Errc::kInvalidArgument, "unable to find group " + group + ": no matching entries in group file");
      u.gid = *n;
    }
  }
  u.sgids.push_back(u.gid);
  // Supplementary groups from /etc/group (only when the group was not given explicitly, as Docker).
  if (group.empty() && !uname.empty()) {
    for (auto& e : groups) {
      if (e.f.size() < 4) continue;
      auto gid = Num(e.f[2]);
      if (!gid) continue;
      for (auto& m : Split(e.f[3], ',')) {
        if (Trim(m) == uname && std::find(u.sgids.begin(), u.sgids.end(), *gid) == u.sgids.end()) u.sgids.push_back(*gid);
      }
    }
  }
  for (auto& g : extra_groups) {
    std::optional<uint32_t> gid = Num(g);
    if (!gid) {
      for (auto& e : groups) {
        if (e.f.size() >= 3 && e.f[0] == g) gid = Num(e.f[2]);
      }
    }
    if (!gid) return Error(Errc::kInvalidArgument, "Unable to find group " + g);
    if (std::find(u.sgids.begin(), u.sgids.end(), *gid) == u.sgids.end()) u.sgids.push_back(*gid);
  }
  return u;
}

}  // namespace skiff::daemon

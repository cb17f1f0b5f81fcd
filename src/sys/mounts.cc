#include "sys/mounts.h"

#include <sys/mount.h>

#include <map>

namespace skiff::sys {

Status Mount(const std::string& source, const std::string& target, const std::string& fstype,
             unsigned long flags, const std::string& data) {
  if (::mount(source.empty() ? nullptr : source.c_str(), target.c_str(),
              fstype.empty() ? nullptr : fstype.c_str(), flags, data.empty() ? nullptr : data.c_str()) != 0)
    return Error::Sys("mount " + (source.empty() ? fstype : source) + " on " + target);
  return Ok();
}

Status Umount(const std::string& target, int flags) {
  if (::umount2(target.c_str(), flags) != 0) return Error::Sys("umount " + target);
  return Ok();
}

unsigned long PropagationFlags(const std::string& word) {
  static const std::map<std::string, unsigned long> kProp = {
      {"private", MS_PRIVATE},          {"rprivate", MS_PRIVATE | MS_REC},
      {"shared", MS_SHARED},            {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},              {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE},    {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  auto it = kProp.find(word);
  return it == kProp.end() ? 0 : it->second;
}

MountOptions ParseMountOptions(const std::vector<std::string>& options) {
  struct Flag {
    bool clear;
    unsigned long flag;
  };
  static const std::map<std::string, Flag> kFlags = {
      {"ro", {false, MS_RDONLY}},          {"rw", {true, MS_RDONLY}},
      {"nosuid", {false, MS_NOSUID}},      {"suid", {true, MS_NOSUID}},
      {"nodev", {false, MS_NODEV}},        {"dev", {true, MS_NODEV}},
      {"noexec", {false, MS_NOEXEC}},      {"exec", {true, MS_NOEXEC}},
      {"sync", {false, MS_SYNCHRONOUS}},   {"async", {true, MS_SYNCHRONOUS}},
      {"dirsync", {false, MS_DIRSYNC}},    {"remount", {false, MS_REMOUNT}},
      {"mand", {false, MS_MANDLOCK}},      {"nomand", {true, MS_MANDLOCK}},
      {"atime", {true, MS_NOATIME}},       {"noatime", {false, MS_NOATIME}},
      {"diratime", {true, MS_NODIRATIME}}, {"nodiratime", {false, MS_NODIRATIME}},
      {"relatime", {false, MS_RELATIME}},  {"norelatime", {true, MS_RELATIME}},
      {"strictatime", {false, MS_STRICTATIME}}, {"nostrictatime", {true, MS_STRICTATIME}},
      {"silent", {false, MS_SILENT}},      {"loud", {true, MS_SILENT}},
      {"lazytime", {false, MS_LAZYTIME}},  {"nolazytime", {true, MS_LAZYTIME}},
      {"defaults", {false, 0}},
  };
  MountOptions out;
  for (const auto& o : options) {
    if (o == "bind") {
      out.bind = true;
    } else if (o == "rbind") {
      out.bind = out.recursive = true;
    } else if (unsigned long p = PropagationFlags(o)) {
      out.propagation = p;
    } else if (auto it = kFlags.find(o); it != kFlags.end()) {
      if (it->second.clear) {
        out.flags &= ~it->second.flag;
        out.clear |= it->second.flag;
      } else {
        out.flags |= it->second.flag;
        out.clear &= ~it->second.flag;
      }
    } else if (o == "tmpcopyup" || o == "idmap" || o == "ridmap") {
      // Accepted and handled (or rejected) by the caller, never passed to the kernel.
    } else {
      if (!out.data.empty()) out.data += ',';
      out.data += o;
    }
  }
  return out;
}

}  // namespace skiff::sys

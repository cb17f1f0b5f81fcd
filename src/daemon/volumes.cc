#include "daemon/volumes.h"

#include <sys/mount.h>
#include <sys/stat.h>


#include <thread>

#include "base/file.h"
#include "base/log.h"
#include "daemon/container.h"
#include "daemon/names.h"
#include "base/strings.h"
#include "storage/mount.h"
#include "sys/mounts.h"
#include "storage/stream.h"
#include "storage/tar_apply.h"
#include "storage/tar_write.h"

namespace skiff::daemon {

namespace {
Json MapJson(const std::map<std::string, std::string>& m) {
  Json j = Json::object();
  for (auto& [k, v] : m) j[k] = v;
  return j;
}
std::map<std::string, std::string> JsonMap(const std::string& text) {
  std::map<std::string, std::string> m;
  auto j = ParseJson(text, "volume metadata");
  if (j.ok() && j->is_object()) {
    for (auto& [k, v] : j->items()) m[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  return m;
}

Status ValidateVolumeName(const std::string& name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  bool ok = name.size() >= 2 && alnum(name[0]);
  for (size_t i = 1; ok && i < name.size(); ++i) ok = alnum(name[i]) || name[i] == '_' || name[i] == '.' || name[i] == '-';
  if (!ok) {
    return Error(Errc::kInvalidArgument, "create " + name +
                                             ": \"" + name + "\" includes invalid characters for a local volume name, only "
                                             "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
                                             "directory, use absolute path");
  }
  return Ok();
}

// Docker's local driver: only type, device, o (and size, which needs quotas); type and device go
// together, o needs both.
Status ValidateOptions(const std::map<std::string, std::string>& options) {
  for (auto& [k, v] : options) {
    if (k != "type" && k != "device" && k != "o" && k != "size") {
      return Error(Errc::kInvalidArgument, "invalid option: \"" + k + "\"");
    }
  }
  if (options.count("size")) return Error(Errc::kInvalidArgument, "quota size requested but no quota support");
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kNeeds = {
      {"device", {"type"}}, {"type", {"device"}}, {"o", {"device", "type"}}};
  for (auto& [opt, needs] : kNeeds) {
    if (!options.count(opt)) continue;
    for (auto& n : needs) {
      if (!options.count(n)) return Error(Errc::kInvalidArgument, "missing required option: \"" + n + "\"");
    }
  }
  return Ok();
}

std::string Opt(const Volume& v, const std::string& key) {
  auto it = v.options.find(key);
  return it == v.options.end() ? "" : it->second;
}
}  // namespace

Json Volume::ToJson(int64_t ref_count, int64_t size) const {
  Json j = {{"Name", name},         {"Driver", driver},
            {"Mountpoint", mountpoint}, {"CreatedAt", created_at},
            {"Labels", labels.empty() && anonymous ? Json(nullptr) : MapJson(labels)},
            {"Options", options.empty() ? Json(nullptr) : MapJson(options)},
            {"Scope", "local"}};
  if (ref_count >= 0) j["UsageData"] = {{"RefCount", ref_count}, {"Size", size}};
  return j;
}

Result<std::unique_ptr<VolumeStore>> VolumeStore::Open(const std::string& root) {
  SKIFF_TRY(MkdirAll(root, 0701));
  auto db = SKIFF_TRY(image::Db::Open(root + "/volumes.db"));
  SKIFF_TRY(db->Exec(
      "CREATE TABLE IF NOT EXISTS volumes (name TEXT PRIMARY KEY, driver TEXT NOT NULL, created TEXT NOT NULL,"
      " labels TEXT NOT NULL, options TEXT NOT NULL, anonymous INTEGER NOT NULL)"));
  std::unique_ptr<VolumeStore> s(new VolumeStore(root, std::move(db)));
  // Directories no row names are leftovers of an interrupted create or remove.
  auto vols = SKIFF_TRY(s->List());
  std::set<std::string> known;
  for (auto& v : vols) known.insert(v.name);
  for (auto& e : ListDir(root)) {
    if (e == "volumes.db" || e.starts_with("volumes.db-") || known.count(e)) continue;
    std::string p = root + "/" + e;
    if (IsDirectory(p)) {
      log::Info("volumes: removing leftover {}", p);
      (void)RemoveAll(p);
    }
  }
  return s;
}

Result<Volume> VolumeStore::Row(image::Stmt& st) {
  Volume v;
  v.name = st.Text(0);
  v.driver = st.Text(1);
  v.created_at = st.Text(2);
  v.labels = JsonMap(st.Text(3));
  v.options = JsonMap(st.Text(4));
  v.anonymous = st.Int(5) != 0;
  v.mountpoint = DataPath(v.name);
  return v;
}

Result<Volume> VolumeStore::Create(const std::string& name_in, const std::map<std::string, std::string>& labels,
                                   const std::map<std::string, std::string>& options, bool anonymous) {
  std::string name = name_in.empty() ? NewId() : name_in;
  SKIFF_TRY(ValidateVolumeName(name));
  if (Status s = ValidateOptions(options); !s.ok()) return s.error().Wrap("create " + name);
  std::lock_guard l(mu_);
  {
    auto st = SKIFF_TRY(db_->Prepare("SELECT name, driver, created, labels, options, anonymous FROM volumes WHERE name = ?1"));
    st.Bind(1, name);
    if (SKIFF_TRY(st.Step())) return Row(st);
  }
  Volume v;
  v.name = name;
  v.mountpoint = DataPath(name);
  v.created_at = FormatTimeNs(NowNs() / 1000000000 * 1000000000);
  v.labels = labels;
  v.options = options;
  v.anonymous = anonymous;
  SKIFF_TRY(MkdirAll(root_ + "/" + name, 0701));
  SKIFF_TRY(MkdirAll(v.mountpoint, 0755));
  auto st = SKIFF_TRY(db_->Prepare(
      "INSERT INTO volumes (name, driver, created, labels, options, anonymous) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  st.Bind(1, v.name).Bind(2, v.driver).Bind(3, v.created_at).Bind(4, DumpJson(MapJson(labels)));
  st.Bind(5, DumpJson(MapJson(options))).Bind(6, static_cast<int64_t>(anonymous));
  if (Status s = st.Run(); !s.ok()) {
    (void)RemoveAll(root_ + "/" + name);
    return s.error();
  }
  return v;
}

Result<Volume> VolumeStore::Get(const std::string& name) {
  std::lock_guard l(mu_);
  auto st = SKIFF_TRY(db_->Prepare("SELECT name, driver, created, labels, options, anonymous FROM volumes WHERE name = ?1"));
  st.Bind(1, name);
  if (!SKIFF_TRY(st.Step())) return Error(Errc::kNotFound, "get " + name + ": no such volume");
  return Row(st);
}

Result<std::vector<Volume>> VolumeStore::List() {
  std::lock_guard l(mu_);
  auto st = SKIFF_TRY(db_->Prepare("SELECT name, driver, created, labels, options, anonymous FROM volumes ORDER BY name"));
  std::vector<Volume> out;
  while (SKIFF_TRY(st.Step())) out.push_back(SKIFF_TRY(Row(st)));
  return out;
}

Status VolumeStore::Remove(const std::string& name) {
  std::lock_guard l(mu_);
  std::string data = DataPath(name);
  if (storage::IsMountPoint(data)) {
    uses_.erase(name);
    if (Status s = sys::Umount(data, MNT_DETACH); !s.ok()) return s.error().Wrap("remove " + name);
    if (storage::IsMountPoint(data)) return Error(Errc::kConflict, "remove " + name + ": " + data + " is still mounted");
  }
  auto st = SKIFF_TRY(db_->Prepare("DELETE FROM volumes WHERE name = ?1"));
  st.Bind(1, name);
  SKIFF_TRY(st.Run());
  if (db_->Changes() == 0) return Error(Errc::kNotFound, "get " + name + ": no such volume");
  return RemoveAll(root_ + "/" + name);
}

Status VolumeStore::MountLocked(const Volume& v) {
  if (storage::IsMountPoint(v.mountpoint)) return Ok();  // mounted before a daemon restart
  // Like Docker's mount.Mount: the options are mount(8) words, flags apart from filesystem data;
  // propagation and the flags of a bind are applied by calls of their own.
  std::string o = Opt(v, "o");
  sys::MountOptions mo = sys::ParseMountOptions(o.empty() ? std::vector<std::string>{} : Split(o, ','));
  unsigned long flags = mo.flags | (mo.bind ? MS_BIND : 0) | (mo.recursive ? MS_BIND | MS_REC : 0);
  std::string device = Opt(v, "device"), type = Opt(v, "type");
  auto fail = [&](const Error& e, unsigned long shown_flags, const std::string& data) {
    std::string m = "mount " + device + ":" + v.mountpoint;
    if (shown_flags) m += fmt::format(", flags: 0x{:x}", shown_flags);
    if (!data.empty()) m += ", data: " + data;
    return Error(e.sys_errno() == EINVAL || e.sys_errno() == ENOENT ? Errc::kInvalidArgument : Errc::kInternal,
                 "error while mounting volume '" + v.mountpoint + "': failed to mount local volume: " + m + ": " +
                     GoErrnoText(e.sys_errno()));
  };
  if (Status s = sys::Mount(device, v.mountpoint, type, flags, mo.data); !s.ok()) return fail(s.error(), flags, mo.data);
  auto undo = [&] { (void)sys::Umount(v.mountpoint, MNT_DETACH); };
  if ((flags & MS_BIND) && (flags & ~(MS_BIND | MS_REC))) {
    unsigned long re = MS_REMOUNT | MS_BIND | (flags & ~MS_REC);
    if (Status s = sys::Mount("", v.mountpoint, "", re, ""); !s.ok()) {
      undo();
      return fail(s.error(), re, "");
    }
  }
  if (mo.propagation) {
    if (Status s = sys::Mount("", v.mountpoint, "", mo.propagation, ""); !s.ok()) {
      undo();
      return fail(s.error(), mo.propagation, "");
    }
  }
  return Ok();
}

void VolumeStore::UnmountLocked(const std::string& name) {
  std::string data = DataPath(name);
  if (!storage::IsMountPoint(data)) return;
  if (Status s = sys::Umount(data, MNT_DETACH); !s.ok()) log::Warn("volume {}: {}", name, s.error().message());
}

Status VolumeStore::Use(const std::string& name) {
  Volume v = SKIFF_TRY(Get(name));
  if (v.options.empty()) return Ok();
  std::lock_guard l(mu_);
  int& n = uses_[name];
  if (n == 0) {
    if (Status s = MountLocked(v); !s.ok()) {
      uses_.erase(name);
      return s;
    }
  }
  ++n;
  return Ok();
}

void VolumeStore::Release(const std::string& name) {
  std::lock_guard l(mu_);
  auto it = uses_.find(name);
  if (it == uses_.end()) return;  // a plain volume, or not in use
  if (--it->second > 0) return;
  uses_.erase(it);
  UnmountLocked(name);
}

void VolumeStore::UnmountIdle() {
  auto all = List();
  if (!all.ok()) return;
  std::lock_guard l(mu_);
  for (auto& v : *all) {
    if (!v.options.empty() && !uses_.count(v.name)) UnmountLocked(v.name);
  }
}

Status CopyTree(const std::string& from, const std::string& to) {
  // One thread writes the tree as a tar, this one applies it: the same code paths as layers, so modes,
  // owners, xattrs and hardlinks come across exactly.
  storage::ChunkQueue q;
  Status write_status;
  std::thread writer([&] {
    struct QueueWriter : storage::ByteWriter {
      storage::ChunkQueue* q;
      Status Write(const char* d, size_t n) override {
        if (!q->Push(std::string(d, n))) return Error(Errc::kCancelled, "copy aborted");
        return Ok();
      }
    } w;
    w.q = &q;
    auto r = storage::WriteTree(from, storage::TreeMode::kFlat, w);
    if (r.ok()) {
      q.Close();
    } else {
      write_status = r.error();
      q.Fail(r.error());
    }
  });
  storage::ApplyOptions opts;
  opts.whiteouts = storage::WhiteoutMode::kDelete;
  opts.hash_diff_id = false;
  auto r = storage::ApplyLayer(q, to, opts);
  if (!r.ok()) q.Abandon();
  writer.join();
  if (!write_status.ok()) return write_status;
  if (!r.ok()) return r.error();
  return Ok();
}

}  // namespace skiff::daemon

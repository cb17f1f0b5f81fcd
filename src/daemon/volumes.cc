#include "daemon/volumes.h"

#include <sys/stat.h>

#include <thread>

#include "base/file.h"
#include "base/log.h"
#include "daemon/container.h"
#include "daemon/names.h"
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
  v.mountpoint = root_ + "/" + v.name + "/_data";
  return v;
}

Result<Volume> VolumeStore::Create(const std::string& name_in, const std::map<std::string, std::string>& labels,
                                   const std::map<std::string, std::string>& options, bool anonymous) {
  std::string name = name_in.empty() ? NewId() : name_in;
  SKIFF_TRY(ValidateVolumeName(name));
  if (!options.empty()) {
    return Error(Errc::kUnsupported, "create " + name + ": local volume driver options (" + options.begin()->first +
                                         ") are not supported by Skiff yet");
  }
  std::lock_guard l(mu_);
  {
    auto st = SKIFF_TRY(db_->Prepare("SELECT name, driver, created, labels, options, anonymous FROM volumes WHERE name = ?1"));
    st.Bind(1, name);
    if (SKIFF_TRY(st.Step())) return Row(st);
  }
  Volume v;
  v.name = name;
  v.mountpoint = root_ + "/" + name + "/_data";
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
  auto st = SKIFF_TRY(db_->Prepare("DELETE FROM volumes WHERE name = ?1"));
  st.Bind(1, name);
  SKIFF_TRY(st.Run());
  if (db_->Changes() == 0) return Error(Errc::kNotFound, "get " + name + ": no such volume");
  return RemoveAll(root_ + "/" + name);
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

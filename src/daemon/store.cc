#include "daemon/store.h"

namespace skiff::daemon {

Result<std::unique_ptr<ContainerStore>> ContainerStore::Open(const std::string& path) {
  auto db = SKIFF_TRY(image::Db::Open(path));
  SKIFF_TRY(db->Exec(
      "CREATE TABLE IF NOT EXISTS containers ("
      " id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, record TEXT NOT NULL)"));
  return std::unique_ptr<ContainerStore>(new ContainerStore(std::move(db)));
}

Result<std::vector<ContainerRecord>> ContainerStore::LoadAll(std::vector<std::string>* bad) {
  std::lock_guard l(mu_);
  auto st = SKIFF_TRY(db_->Prepare("SELECT id, record FROM containers"));
  std::vector<ContainerRecord> out;
  while (SKIFF_TRY(st.Step())) {
    std::string id = st.Text(0);
    auto j = ParseJson(st.Text(1), "container " + id);
    Result<ContainerRecord> r = j.ok() ? ContainerRecord::FromJson(*j) : Result<ContainerRecord>(j.error());
    if (!r.ok()) {
      if (bad) bad->push_back(id + ": " + r.error().message());
      continue;
    }
    out.push_back(std::move(*r));
  }
  return out;
}

Status ContainerStore::Save(const ContainerRecord& c) {
  std::lock_guard l(mu_);
  auto tx = SKIFF_TRY(image::Tx::Begin(*db_));
  auto q = SKIFF_TRY(db_->Prepare("SELECT id FROM containers WHERE name = ?1 AND id != ?2"));
  q.Bind(1, c.name).Bind(2, c.id);
  if (SKIFF_TRY(q.Step())) return Error(Errc::kAlreadyExists, "container name \"/" + c.name + "\" is in use");
  auto st = SKIFF_TRY(db_->Prepare("INSERT OR REPLACE INTO containers (id, name, record) VALUES (?1, ?2, ?3)"));
  st.Bind(1, c.id).Bind(2, c.name).Bind(3, DumpJson(c.ToJson()));
  SKIFF_TRY(st.Run());
  return tx.Commit();
}

Status ContainerStore::Delete(const std::string& id) {
  std::lock_guard l(mu_);
  auto st = SKIFF_TRY(db_->Prepare("DELETE FROM containers WHERE id = ?1"));
  st.Bind(1, id);
  return st.Run();
}

}  // namespace skiff::daemon

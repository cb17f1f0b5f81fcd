// ContainerStore: the daemon's container records in SQLite (<data-root>/containers.db, WAL,
// synchronous=FULL). One row per container: id, unique name, the record's JSON. Every Save is one
// transaction, so after kill -9 each container is exactly as its last completed change left it.
// Thread-safe (one connection, serialised).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/container.h"
#include "image/db.h"

namespace skiff::daemon {

class ContainerStore {
 public:
  static Result<std::unique_ptr<ContainerStore>> Open(const std::string& path);
  // Every record; a row that does not parse is reported in `bad` (id: error) and skipped.
  Result<std::vector<ContainerRecord>> LoadAll(std::vector<std::string>* bad = nullptr);
  // Insert or replace. AlreadyExists when another container has the name.
  Status Save(const ContainerRecord& c);
  Status Delete(const std::string& id);

 private:
  explicit ContainerStore(std::unique_ptr<image::Db> db) : db_(std::move(db)) {}
  std::unique_ptr<image::Db> db_;
  std::mutex mu_;
};

}  // namespace skiff::daemon

#include "image/db.h"

namespace skiff::image {
namespace {
Error SqlError(sqlite3* db, std::string_view what) {
  int code = sqlite3_errcode(db);
  Errc e = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? Errc::kUnavailable
           : code == SQLITE_CONSTRAINT                    ? Errc::kConflict
           : code == SQLITE_CORRUPT                       ? Errc::kDataLoss
                                                          : Errc::kInternal;
  return Error(e, "sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db));
}
}  // namespace

Stmt& Stmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqlError(db_, sqlite3_sql(s_));
}

Status Stmt::Run() {
  for (;;) {
    bool row = SKIFF_TRY(Step());
    if (!row) return Ok();
  }
}

std::string Stmt::Text(int col) const {
  const unsigned char* t = sqlite3_column_text(s_, col);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(s_, col))) : "";
}
int64_t Stmt::Int(int col) const { return sqlite3_column_int64(s_, col); }
bool Stmt::IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

Result<std::unique_ptr<Db>> Db::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    if (db) sqlite3_close(db);
    return Error(Errc::kInternal, "sqlite: open " + path + ": " + msg);
  }
  std::unique_ptr<Db> out(new Db(db));
  sqlite3_busy_timeout(db, 10000);
  SKIFF_TRY(out->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return out;
}

Db::~Db() { sqlite3_close_v2(db_); }

Status Db::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Error(Errc::kInternal, "sqlite: " + s.substr(0, 60) + ": " + msg);
  }
  return Ok();
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
    return SqlError(db_, sql);
  return Stmt(db_, s);
}

Result<Tx> Tx::Begin(Db& db) {
  SKIFF_TRY(db.Exec("BEGIN IMMEDIATE"));
  return Tx(&db);
}

Tx::~Tx() {
  if (db_) (void)db_->Exec("ROLLBACK");
}

Status Tx::Commit() {
  SKIFF_TRY(db_->Exec("COMMIT"));
  db_ = nullptr;
  return Ok();
}

}  // namespace skiff::image

#include "build/cache.h"

#include <time.h>

#include <set>
#include <sstream>

namespace skiff::build {
namespace {

int64_t NowSec() { return ::time(nullptr); }

std::set<std::string> Lines(const std::string& s) {
  std::set<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.insert(l);
  return out;
}

std::string NameOf(const std::string& kv) { return kv.substr(0, kv.find('=')); }

}  // namespace

std::string StepKey::Key() const {
  std::string all = "skiff-build-step-v1\n" + parent + "\n" + text + "\n" + args + "\n" + sources;
  return Sha256Of(all).str();
}

Result<std::unique_ptr<BuildCache>> BuildCache::Open(const std::string& path) {
  auto db = SKIFF_TRY(image::Db::Open(path));
  SKIFF_TRY(db->Exec(
      "CREATE TABLE IF NOT EXISTS steps ("
      " key TEXT PRIMARY KEY, parent TEXT NOT NULL, text TEXT NOT NULL, args TEXT NOT NULL,"
      " sources TEXT NOT NULL, image TEXT NOT NULL, description TEXT NOT NULL,"
      " created INTEGER NOT NULL, last_used INTEGER NOT NULL, size INTEGER NOT NULL,"
      " use_count INTEGER NOT NULL DEFAULT 0);"
      "CREATE INDEX IF NOT EXISTS steps_parent ON steps(parent);"));
  (void)db->Exec("ALTER TABLE steps ADD COLUMN raw TEXT NOT NULL DEFAULT ''");  // fails once it exists
  return std::unique_ptr<BuildCache>(new BuildCache(std::move(db)));
}

std::optional<std::string> BuildCache::Lookup(const StepKey& key) {
  std::lock_guard l(mu_);
  std::string k = key.Key();
  auto st = db_->Prepare("SELECT image FROM steps WHERE key = ?");
  if (!st.ok()) return std::nullopt;
  st->Bind(1, k);
  auto row = st->Step();
  if (!row.ok() || !*row) return std::nullopt;
  std::string img = st->Text(0);
  if (auto up = db_->Prepare("UPDATE steps SET last_used = ?, use_count = use_count + 1 WHERE key = ?"); up.ok()) {
    up->Bind(1, NowSec()).Bind(2, k);
    (void)up->Run();
  }
  return img;
}

std::string BuildCache::MissReason(const StepKey& key, const std::string& keyword) {
  std::lock_guard l(mu_);
  auto st = db_->Prepare("SELECT text, args, sources, raw FROM steps WHERE parent = ?");
  if (!st.ok()) return "";
  st->Bind(1, key.parent);
  bool any = false, same_keyword = false;
  std::string args_reason, sources_reason;
  while (true) {
    auto row = st->Step();
    if (!row.ok() || !*row) break;
    any = true;
    std::string text = st->Text(0), args = st->Text(1), sources = st->Text(2), raw = st->Text(3);
    if (text.rfind(keyword + " ", 0) == 0 || text == keyword || raw.rfind(keyword + " ", 0) == 0) same_keyword = true;
    // The same instruction: as written (an ARG's value changes the text after substitution) or after it.
    if (text != key.text && (raw.empty() || raw != key.raw)) continue;
    if (args != key.args && args_reason.empty()) {
      std::set<std::string> a = Lines(args), b = Lines(key.args), names;
      for (auto& kv : a)
        if (!b.count(kv)) names.insert(NameOf(kv));
      for (auto& kv : b)
        if (!a.count(kv)) names.insert(NameOf(kv));
      std::string n;
      for (auto& x : names) n += (n.empty() ? "" : ", ") + x;
      args_reason = "ARG " + n + " changed";
    } else if (sources != key.sources && sources_reason.empty()) {
      sources_reason = "content changed";
    }
  }
  if (!args_reason.empty()) return args_reason;
  if (!sources_reason.empty()) return sources_reason;
  if (same_keyword) return "instruction changed";
  if (any) return "new instruction";
  return "";
}

Status BuildCache::Record(const StepKey& key, const std::string& image, const std::string& description, int64_t size) {
  std::lock_guard l(mu_);
  auto st = SKIFF_TRY(db_->Prepare(
      "INSERT OR REPLACE INTO steps (key, parent, text, args, sources, image, description, created, last_used, size,"
      " use_count, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)"));
  int64_t now = NowSec();
  st.Bind(1, key.Key()).Bind(2, key.parent).Bind(3, key.text).Bind(4, key.args).Bind(5, key.sources);
  st.Bind(6, image).Bind(7, description).Bind(8, now).Bind(9, now).Bind(10, size).Bind(11, key.raw);
  return st.Run();
}

Status BuildCache::Forget(const std::string& key) { return Drop({key}); }

Status BuildCache::Drop(const std::vector<std::string>& keys) {
  std::lock_guard l(mu_);
  auto tx = SKIFF_TRY(image::Tx::Begin(*db_));
  for (auto& k : keys) {
    auto st = SKIFF_TRY(db_->Prepare("DELETE FROM steps WHERE key = ?"));
    st.Bind(1, k);
    SKIFF_TRY(st.Run());
  }
  return tx.Commit();
}

Result<std::vector<CacheRecord>> BuildCache::List() {
  std::lock_guard l(mu_);
  auto st = SKIFF_TRY(db_->Prepare(
      "SELECT key, image, description, created, last_used, size, use_count FROM steps ORDER BY created"));
  std::vector<CacheRecord> out;
  while (SKIFF_TRY(st.Step())) {
    CacheRecord r;
    r.key = st.Text(0);
    r.image = st.Text(1);
    r.description = st.Text(2);
    r.created = st.Int(3);
    r.last_used = st.Int(4);
    r.size = st.Int(5);
    r.use_count = st.Int(6);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace skiff::build

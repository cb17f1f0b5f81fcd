// ImageStore::Remove / Prune: `docker rmi` and `docker image prune` with Docker's rules
// (daemon/images/image_delete.go, image_prune.go of 20.10), on images.db:
//   conflicts   hard (never forced): dependent child images; a running container uses the image.
//               soft (-f skips them): other names ("referenced in multiple repositories"); a stopped
//               container uses it. Checked in that order.
//   by name     the name goes (the repository's digests with its last tag); when it was the last name the
//               image is deleted unless a conflict says otherwise (then it just stays, untagged). Without -f
//               a container using the image refuses the last name outright.
//   by ID       with one repository's names: conflicts first, then the names and the image; with several,
//               a soft conflict unless -f.
//   deleting    the image's names, then the image: hidden when containers still use it (they keep its
//               layers), else its row and the layers no other image uses; then (prune) its parent, quietly,
//               if that is now untagged, childless and unused, and so on up.
// One SQLite transaction per Remove; files (config blobs, layer dirs and blobs) after it commits.
#include <set>

#include "base/log.h"
#include "image/image_store.h"

namespace skiff::image {
namespace {

constexpr unsigned kChild = 1, kRunning = 2, kReference = 4, kStopped = 8;
constexpr unsigned kHard = kChild | kRunning, kSoft = kReference | kStopped;

std::string Short(std::string_view id) {
  if (auto c = id.find(':'); c != std::string_view::npos) id = id.substr(c + 1);
  return std::string(id.substr(0, 12));
}

std::string Familiar(const std::string& full) {
  auto r = ParseReference(full);
  return r.ok() ? r->FamiliarString() : full;
}

std::string RepoOf(const std::string& full) {
  auto r = ParseReference(full);
  return r.ok() ? r->Name() : full;
}

bool IsDigestRef(const std::string& n) { return n.find('@') != std::string::npos; }

// Docker's isSingleReference: one name, or names of one repository with at most one tag among them.
bool SingleReference(const std::vector<std::string>& names) {
  if (names.size() <= 1) return names.size() == 1;
  std::set<std::string> repos;
  const std::string* single = nullptr;
  for (const auto& n : names) {
    if (IsDigestRef(n)) {
      repos.insert(RepoOf(n));
    } else if (!single) {
      repos.insert(RepoOf(n));
      single = &n;
    } else {
      return false;
    }
  }
  if (!single) single = &names[0];
  return repos.size() == 1 && repos.count(RepoOf(*single));
}

// Docker's isImageIDPrefix: the argument is (a prefix of) the ID, with or without "sha256:".
bool IsIdPrefix(const Digest& id, std::string_view ref) {
  return id.str().starts_with(ref) || id.hex().starts_with(ref);
}

}  // namespace

// One removal inside one transaction. Records what it deleted; the files go after the commit.
class ImageStore::Remover {
 public:
  Remover(ImageStore& s, const std::map<std::string, bool>& running) : s_(s), db_(*s.db_), running_(running) {}

  Status RemoveRef(std::string_view ref, bool force, bool prune) {
    Digest id = SKIFF_TRY(s_.Resolve(ref));
    auto names = SKIFF_TRY(Names(id));
    bool quiet = false;
    if (!IsIdPrefix(id, ref)) {
      if (!force && SingleReference(names)) {
        auto users = SKIFF_TRY(Users(id));
        if (!users.empty())
          return Error(Errc::kConflict, "conflict: unable to remove repository reference \"" + std::string(ref) +
                                            "\" (must force) - container " + Short(users[0]) +
                                            " is using its referenced image " + Short(id.hex()));
      }
      Reference key = SKIFF_TRY(ParseReference(ref)).WithDefaultTag();
      if (key.digest) key.tag.clear();
      std::string k = key.String();
      SKIFF_TRY(Untag(k));
      names = SKIFF_TRY(Names(id));
      // The repository's last tag takes the repository's digests with it.
      if (!key.digest) {
        bool tag_left = false;
        for (const auto& n : names) tag_left = tag_left || (!IsDigestRef(n) && RepoOf(n) == key.Name());
        if (!tag_left)
          for (const auto& n : names)
            if (IsDigestRef(n) && RepoOf(n) == key.Name()) SKIFF_TRY(Untag(n));
      }
      if (!SKIFF_TRY(Names(id)).empty()) return Ok();  // other names keep the image
      quiet = true;  // the last name went: delete the image if nothing stands in the way, else keep it
    } else if (SingleReference(names)) {
      unsigned mask = kHard | (force ? 0 : kStopped);
      if (auto c = SKIFF_TRY(Check(id, mask)); c) return c->ToError(id);
      for (const auto& n : names) SKIFF_TRY(Untag(n));
    }
    return Delete(id, force, prune, quiet);
  }

  RemoveResult result;
  std::vector<Digest> configs_gone;
  std::vector<LayerRow> layers_gone;

 private:
  struct Conflict {
    bool hard = false, used = false;
    std::string message;
    Error ToError(const Digest& id) const {
      return Error(Errc::kConflict, "conflict: unable to delete " + Short(id.hex()) + " (" +
                                        (hard ? "cannot be forced" : "must be forced") + ") - " + message);
    }
  };

  Result<std::vector<std::string>> Names(const Digest& id) { return s_.TagsOf(id); }

  Result<int64_t> Children(const Digest& id) {
    auto st = SKIFF_TRY(db_.Prepare("SELECT COUNT(*) FROM images WHERE parent=? AND deleted=0"));
    st.Bind(1, id.str());
    SKIFF_TRY(st.Step());
    return st.Int(0);
  }

  Result<std::vector<std::string>> Users(const Digest& id) {
    auto st = SKIFF_TRY(db_.Prepare("SELECT container_id FROM refs WHERE image_id=? ORDER BY container_id"));
    st.Bind(1, id.str());
    std::vector<std::string> out;
    while (SKIFF_TRY(st.Step())) out.push_back(st.Text(0));
    return out;
  }

  // Containers the daemon did not report on (created since) count as running: never deleted under them.
  bool Running(const std::string& cid) const {
    auto it = running_.find(cid);
    return it == running_.end() || it->second;
  }

  Result<std::optional<Conflict>> Check(const Digest& id, unsigned mask) {
    if ((mask & kChild) && SKIFF_TRY(Children(id)) > 0) return Conflict{true, false, "image has dependent child images"};
    auto users = SKIFF_TRY(Users(id));
    if (mask & kRunning)
      for (const auto& c : users)
        if (Running(c)) return Conflict{true, true, "image is being used by running container " + Short(c)};
    if ((mask & kReference) && !SKIFF_TRY(Names(id)).empty())
      return Conflict{false, false, "image is referenced in multiple repositories"};
    if (mask & kStopped)
      for (const auto& c : users)
        if (!Running(c)) return Conflict{false, true, "image is being used by stopped container " + Short(c)};
    return std::optional<Conflict>();
  }

  Status Untag(const std::string& full) {
    SKIFF_TRY(SKIFF_TRY(db_.Prepare("DELETE FROM tags WHERE ref=?")).Bind(1, full).Run());
    result.items.push_back({Familiar(full), "", false});
    return Ok();
  }

  // Docker's imageDeleteHelper. quiet: a conflict just leaves the image, unless it is dangling and the
  // conflict is not about containers using it.
  Status Delete(const Digest& id, bool force, bool prune, bool quiet) {
    if (auto c = SKIFF_TRY(Check(id, kHard | (force ? 0 : kSoft))); c) {
      bool dangling = SKIFF_TRY(Names(id)).empty() && SKIFF_TRY(Children(id)) == 0;
      if (quiet && (!dangling || c->used)) return Ok();
      return c->ToError(id);
    }
    Digest parent = SKIFF_TRY(s_.Parent(id));
    for (const auto& n : SKIFF_TRY(Names(id))) SKIFF_TRY(Untag(n));
    if (!SKIFF_TRY(Users(id)).empty()) {
      // Stopped containers keep using its layers: hidden, not deleted, until the last one goes.
      auto st = SKIFF_TRY(db_.Prepare("UPDATE images SET deleted=1, parent=NULL WHERE id=?"));
      SKIFF_TRY(st.Bind(1, id.str()).Run());
      configs_gone.push_back(id);
      result.items.push_back({"", id.str(), false});
    } else {
      auto gone = SKIFF_TRY(DropImageRows(db_, s_, id));
      configs_gone.push_back(id);
      result.items.push_back({"", id.str(), false});
      for (const auto& [chain, row] : gone) {
        result.items.push_back({"", chain.str(), true});
        result.reclaimed += row.size;
        layers_gone.push_back(row);
      }
    }
    if (!prune || parent.empty()) return Ok();
    return Delete(parent, false, true, true);
  }

 public:
  // Deletes the image row (its image_layers cascade) and the layer rows no other image uses; returns those
  // layers, top-most first, each with its chain ID in this image.
  static Result<std::vector<std::pair<Digest, LayerRow>>> DropImageRows(Db& db, ImageStore& s, const Digest& id) {
    auto layers = SKIFF_TRY(s.ImageLayers(id));
    std::vector<Digest> diffs;
    for (const auto& l : layers) diffs.push_back(l.diff_id);
    auto chains = ChainIds(diffs);
    SKIFF_TRY(SKIFF_TRY(db.Prepare("DELETE FROM images WHERE id=?")).Bind(1, id.str()).Run());
    std::vector<std::pair<Digest, LayerRow>> gone;
    std::set<std::string> seen;
    for (size_t i = layers.size(); i-- > 0;) {
      const std::string diff = layers[i].diff_id.str();
      if (!seen.insert(diff).second) continue;
      auto st = SKIFF_TRY(db.Prepare("SELECT 1 FROM image_layers WHERE diff_id=? LIMIT 1"));
      st.Bind(1, diff);
      if (SKIFF_TRY(st.Step())) continue;  // another image (maybe a hidden one) uses it
      SKIFF_TRY(SKIFF_TRY(db.Prepare("DELETE FROM layers WHERE diff_id=?")).Bind(1, diff).Run());
      gone.emplace_back(chains[i], layers[i]);
    }
    return gone;
  }

 private:
  ImageStore& s_;
  Db& db_;
  const std::map<std::string, bool>& running_;
};

std::map<std::string, bool> ImageStore::RunningStates(const IsRunning& is_running) {
  std::map<std::string, bool> out;
  if (!is_running) return out;
  for (const auto& c : ListContainerReferences().value_or(std::vector<std::string>{})) out[c] = is_running(c);
  return out;
}

Result<ImageStore::RemoveResult> ImageStore::RemoveLocked(std::string_view ref_or_id, bool force, bool prune,
                                                          const std::map<std::string, bool>& running) {
  std::unique_lock lk(mu_);
  Remover r(*this, running);
  {
    auto tx = SKIFF_TRY(Tx::Begin(*db_));
    SKIFF_TRY(r.RemoveRef(ref_or_id, force, prune));
    SKIFF_TRY(tx.Commit());
  }
  lk.unlock();
  // Files after the rows: a crash here leaves files no row references, which the next Open() collects.
  for (const auto& id : r.configs_gone) SKIFF_TRY(cs_->Remove(id));
  for (const auto& l : r.layers_gone) {
    SKIFF_TRY(snaps_->RemoveLayer(l.diff_id));
    SKIFF_TRY(cs_->Remove(l.blob));
  }
  return std::move(r.result);
}

Status ImageStore::PurgeHiddenLocked() {
  std::vector<LayerRow> gone;
  {
    std::lock_guard lk(mu_);
    std::vector<Digest> ids;
    auto st = SKIFF_TRY(db_->Prepare("SELECT id FROM images WHERE deleted=1 AND id NOT IN (SELECT image_id FROM refs)"));
    while (SKIFF_TRY(st.Step())) ids.push_back(SKIFF_TRY(Digest::Parse(st.Text(0))));
    if (ids.empty()) return Ok();
    auto tx = SKIFF_TRY(Tx::Begin(*db_));
    for (const auto& id : ids)
      for (auto& [chain, row] : SKIFF_TRY(Remover::DropImageRows(*db_, *this, id))) gone.push_back(row);
    SKIFF_TRY(tx.Commit());
  }
  for (const auto& l : gone) {
    SKIFF_TRY(snaps_->RemoveLayer(l.diff_id));
    SKIFF_TRY(cs_->Remove(l.blob));
  }
  return Ok();
}

Result<std::vector<DeleteItem>> ImageStore::Remove(std::string_view ref_or_id, const RemoveOptions& o) {
  auto running = RunningStates(o.is_running);  // before any lock: the daemon's callback takes its own
  std::unique_lock gc(gc_mu_);
  SKIFF_TRY(PurgeHiddenLocked());
  auto r = SKIFF_TRY(RemoveLocked(ref_or_id, o.force, o.prune, running));
  return std::move(r.items);
}

Result<std::vector<DeleteItem>> ImageStore::Remove(std::string_view ref_or_id, bool force, bool no_prune) {
  RemoveOptions o;
  o.force = force;
  o.prune = !no_prune;
  return Remove(ref_or_id, o);
}

Result<PruneReport> ImageStore::Prune(const PruneOptions& o) {
  std::unique_lock gc(gc_mu_);
  SKIFF_TRY(PurgeHiddenLocked());
  // Where Docker starts: images without children (every image with all), less untagged intermediate ones
  // (their children's removal prunes them), less those the filters leave out.
  std::vector<Digest> top;
  {
    std::lock_guard lk(mu_);
    auto st = SKIFF_TRY(db_->Prepare(
        "SELECT i.id, (SELECT COUNT(*) FROM images c WHERE c.parent = i.id AND c.deleted=0) AS n, "
        "EXISTS(SELECT 1 FROM tags t WHERE t.image_id = i.id) FROM images i WHERE i.deleted=0 "
        "ORDER BY i.created DESC, i.id"));
    while (SKIFF_TRY(st.Step())) {
      bool children = st.Int(1) > 0, named = st.Int(2) != 0;
      if (children && (!o.all || !named)) continue;
      top.push_back(SKIFF_TRY(Digest::Parse(st.Text(0))));
    }
  }
  PruneReport rep;
  const std::map<std::string, bool> running;  // without -f only "is it used" matters, not how
  for (const auto& id : top) {
    if (!SKIFF_TRY(IsVisible(id))) continue;  // pruned already, as the parent of an earlier one
    if (o.match) {
      auto cfg = Config(id);
      if (cfg.ok() && !o.match(*cfg)) continue;
    }
    auto names = SKIFF_TRY(TagsOf(id));
    std::vector<std::string> attempts;
    if (names.empty()) {
      attempts.push_back(id.hex());
    } else {
      bool tagged = false;
      for (const auto& n : names) tagged = tagged || !IsDigestRef(n);
      if (o.all || !tagged) attempts = names;  // repo@digest only counts as untagged
    }
    for (const auto& a : attempts) {
      auto r = RemoveLocked(a, false, true, running);
      if (!r.ok()) {
        if (r.error().code() != Errc::kConflict && r.error().code() != Errc::kNotFound)
          log::Warn("image prune: {}: {}", a, r.error().message());
        continue;
      }
      rep.items.insert(rep.items.end(), r->items.begin(), r->items.end());
      rep.reclaimed += r->reclaimed;
    }
  }
  SKIFF_TRY(CollectGarbageLocked());  // leftovers of interrupted operations
  return rep;
}

Result<PruneReport> ImageStore::Prune(bool all) {
  PruneOptions o;
  o.all = all;
  return Prune(o);
}

}  // namespace skiff::image

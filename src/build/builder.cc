// Builder: the context, the Dockerfile, the plan (which stages the target needs, step numbers), the
// stage threads, and the cache's upkeep (prune, usage).
#include "build/builder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"
#include "build/context/ignore.h"
#include "build/dockerfile/expand.h"
#include "build/dockerfile/parser.h"
#include "build/stage.h"
#include "storage/archive_source.h"
#include "storage/mount.h"
#include "storage/tar_apply.h"

namespace skiff::build {

namespace df = dockerfile;

namespace {

// Unmounts whatever an interrupted build left mounted under dir (deepest first), then deletes it.
void CleanTmp(const std::string& dir) {
  std::vector<std::string> mounts;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    auto f = Split(line, ' ');
    if (f.size() > 4 && (f[4] == dir || f[4].starts_with(dir + "/"))) mounts.push_back(f[4]);
  }
  std::sort(mounts.begin(), mounts.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (auto& m : mounts) (void)storage::Unmount(m, true);
  for (auto& m : mounts)
    if (storage::IsMountPoint(m)) {
      log::Warn("build: {} is still mounted; leaving {} in place", m, dir);
      return;
    }
  (void)RemoveAll(dir);
}

// A ByteReader that first replays bytes already read (the sniffed head of the body).
class PrefixReader : public storage::ByteReader {
 public:
  PrefixReader(std::string head, storage::ByteReader& rest) : head_(std::move(head)), rest_(rest) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ < head_.size()) {
      size_t k = std::min(n, head_.size() - pos_);
      std::memcpy(buf, head_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return rest_.Read(buf, n);
  }

 private:
  std::string head_;
  size_t pos_ = 0;
  storage::ByteReader& rest_;
};

bool LooksLikeArchive(const std::string& head) {
  auto starts = [&](std::string_view m) { return head.size() >= m.size() && head.compare(0, m.size(), m) == 0; };
  if (starts("\x1f\x8b") || starts("BZh") || starts("\xfd" "7zXZ") || starts("\x28\xb5\x2f\xfd")) return true;
  return head.size() >= 262 && head.compare(257, 5, "ustar") == 0;
}

}  // namespace

Result<std::unique_ptr<Builder>> Builder::Open(image::ImageStore& images, Worker& worker, const std::string& root) {
  std::unique_ptr<Builder> b(new Builder(images, worker, root));
  SKIFF_TRY(MkdirAll(root, 0700));
  CleanTmp(root + "/tmp");
  SKIFF_TRY(MkdirAll(root + "/tmp", 0700));
  b->cache_ = SKIFF_TRY(BuildCache::Open(root + "/cache.db"));
  b->hashes_ = std::make_unique<copy::FileHashCache>(root + "/file-hashes");
  if (Status st = b->hashes_->Load(); !st.ok()) log::Warn("build: file hash cache: {}", st.error().message());
  return b;
}

Builder::~Builder() {
  if (hashes_) (void)hashes_->Save();
}

Result<Digest> Builder::Build(const BuildRequest& req, BuildOutput& out, std::stop_token stop) {
  // --- the context ---
  std::optional<TempDir> extracted;
  std::string context_dir = req.context_dir;
  std::optional<std::string> dockerfile_text = req.dockerfile_text;
  if (context_dir.empty()) {
    if (!req.context_tar) return Error(Errc::kInvalidArgument, "build: no context given");
    extracted.emplace(SKIFF_TRY(TempDir::Create(root_ + "/tmp", "context-")));
    context_dir = extracted->path();
    std::string head(512, '\0');
    size_t got = 0;
    while (got < head.size()) {
      size_t n = SKIFF_TRY(req.context_tar->Read(head.data() + got, head.size() - got));
      if (n == 0) break;
      got += n;
    }
    head.resize(got);
    if (got > 0 && !LooksLikeArchive(head)) {
      // `docker build - < Dockerfile`: the body is the Dockerfile itself.
      std::string text = head;
      char buf[65536];
      while (true) {
        size_t n = SKIFF_TRY(req.context_tar->Read(buf, sizeof buf));
        if (n == 0) break;
        text.append(buf, n);
        if (text.size() > (32u << 20)) return Error(Errc::kInvalidArgument, "build: Dockerfile on stdin is too large");
      }
      dockerfile_text = text;
    } else if (got > 0) {
      PrefixReader in(head, *req.context_tar);
      storage::ApplyOptions ao;
      ao.whiteouts = storage::WhiteoutMode::kDelete;
      ao.hash_diff_id = false;
      auto r = storage::ApplyLayer(in, context_dir, ao);
      if (!r.ok()) return Error(Errc::kInvalidArgument, "build context: " + r.error().message());
    }
  } else if (!IsDirectory(context_dir)) {
    return Error(Errc::kInvalidArgument, "build context " + context_dir + ": not a directory");
  }
  // --- the Dockerfile ---
  std::string dockerfile_name = req.dockerfile.empty() ? "Dockerfile" : req.dockerfile;
  std::string dockerfile_path;  // on disk, for the ignore file next to it
  if (!dockerfile_text) {
    if (dockerfile_name.starts_with("/") && !req.context_dir.empty()) {
      dockerfile_path = dockerfile_name;
    } else {
      std::string rel = CleanPath("/" + dockerfile_name);
      dockerfile_path = context_dir + rel;
      if (!PathExists(dockerfile_path) && req.dockerfile.empty() && PathExists(context_dir + "/dockerfile"))
        dockerfile_path = context_dir + "/dockerfile";
    }
    auto text = ReadFile(dockerfile_path);
    if (!text.ok())
      return Error(Errc::kInvalidArgument, "Cannot locate specified Dockerfile: " + dockerfile_name);
    dockerfile_text = *text;
  }
  std::string shown = dockerfile_name;
  if (Basename(shown).starts_with(".dockerfile.")) shown = "Dockerfile";
  if (shown.starts_with("/")) shown = Basename(shown);
  df::Dockerfile dfile = SKIFF_TRY(df::Parse(*dockerfile_text, shown));
  context::IgnoreMatcher ignore = SKIFF_TRY(context::LoadIgnore(context_dir, dockerfile_path));

  // --- the plan ---
  BuildContext bc{*this, req, out, {}, dfile, context_dir, &ignore};
  std::stop_source local;
  std::stop_callback forward(stop, [&] { local.request_stop(); });
  bc.stop = local.get_token();
  int n_stages = static_cast<int>(dfile.stages.size());
  int target = n_stages - 1;
  if (!req.target.empty()) {
    target = -1;
    for (int i = 0; i < n_stages; ++i)
      if (dfile.stages[i].from_body().stage_name == ToLower(req.target)) target = i;
    if (target < 0) return Error(Errc::kInvalidArgument, "failed to reach build target " + req.target + " in Dockerfile");
  }
  // BuildKit's automatic platform args: in the global scope always, in a stage once declared (`ARG
  // TARGETARCH`). This builder makes linux/amd64 images on linux/amd64.
  static const std::pair<const char*, const char*> kPlatformArgs[] = {
      {"TARGETPLATFORM", "linux/amd64"}, {"TARGETOS", "linux"}, {"TARGETARCH", "amd64"}, {"TARGETVARIANT", ""},
      {"BUILDPLATFORM", "linux/amd64"},  {"BUILDOS", "linux"},  {"BUILDARCH", "amd64"},  {"BUILDVARIANT", ""}};
  for (const auto& [k, v] : kPlatformArgs) {
    auto it = req.build_args.find(k);
    bc.meta_args[k] = it != req.build_args.end() && it->second ? *it->second : std::string(v);
  }
  // Global ARGs.
  for (const auto& ins : dfile.global_args) {
    for (const auto& a : std::get<df::Arg>(ins.body).args) {
      std::optional<std::string> v;
      if (auto it = req.build_args.find(a.key); it != req.build_args.end() && it->second) {
        v = it->second;
      } else if (a.value) {
        std::vector<std::string> env;
        for (const auto& [k, mv] : bc.meta_args)
          if (mv) env.push_back(k + "=" + *mv);
        df::ExpandOptions eo;
        eo.escape = dfile.directives.escape;
        v = SKIFF_TRY_CTX(df::ExpandWord(*a.value, df::LookupIn(env), eo), dfile.path + ":" + std::to_string(ins.line));
      }
      bc.meta_args[a.key] = v;
      bc.consumed_args.insert(a.key);
    }
  }
  // Which stages the target needs: FROM <stage>, COPY --from, RUN --mount from=.
  std::vector<bool> need(n_stages, false);
  std::vector<int> todo = {target};
  auto meta_expand = [&](const std::string& w) {
    std::vector<std::string> env;
    for (const auto& [k, mv] : bc.meta_args)
      if (mv) env.push_back(k + "=" + *mv);
    auto r = df::ExpandWord(w, df::LookupIn(env), {});
    return r.ok() ? *r : w;
  };
  while (!todo.empty()) {
    int s = todo.back();
    todo.pop_back();
    if (need[s]) continue;
    need[s] = true;
    auto dep = [&](const std::string& name) {
      if (name.empty()) return;
      int d = bc.FindStage(meta_expand(name), s);
      if (d >= 0) todo.push_back(d);
    };
    dep(dfile.stages[s].from_body().image);
    for (const auto& ins : dfile.stages[s].instructions) {
      if (auto* c = std::get_if<df::Copy>(&ins.body)) dep(c->from);
      if (auto* r = std::get_if<df::Run>(&ins.body))
        for (const auto& m : r->mounts) dep(m.from);
    }
  }
  // Step numbers over the whole file (as Docker prints them), the global ARGs first.
  int step = 0;
  int total = static_cast<int>(dfile.global_args.size());
  for (const auto& st : dfile.stages) total += 1 + static_cast<int>(st.instructions.size());
  // --label: one LABEL step per label at the end of the target, by key (as the legacy builder).
  std::vector<df::Instruction> label_steps;
  for (const auto& [k, v] : req.labels) {
    std::string line = "LABEL \"" + k + "\"='" + v + "'";
    int at = dfile.stages[target].instructions.empty() ? dfile.stages[target].from.line
                                                       : dfile.stages[target].instructions.back().line;
    auto ins = df::ParseInstruction(line, '\\', dfile.path, at);
    if (!ins.ok()) return ins.error();
    label_steps.push_back(*ins);
    ++total;
  }
  bc.total_steps = total;
  for (const auto& ins : dfile.global_args)
    out.Stream("Step " + std::to_string(++step) + "/" + std::to_string(total) + " : " + ins.original + "\n");
  std::vector<std::vector<int>> numbers(n_stages);
  for (int i = 0; i < n_stages; ++i) {
    for (size_t k = 0; k <= dfile.stages[i].instructions.size(); ++k) numbers[i].push_back(++step);
    if (i == target)
      for (size_t k = 0; k < label_steps.size(); ++k) numbers[i].push_back(++step);
  }

  // --- the stages, each on its own thread once started (they wait for the stages they use) ---
  std::vector<int> order;
  for (int i = 0; i < n_stages; ++i)
    if (need[i]) order.push_back(i);
  out.Order(order, !req.live_progress);
  std::vector<std::thread> threads;
  for (int i = 0; i < n_stages; ++i) {
    if (!need[i]) continue;
    threads.emplace_back([&, i] {
      StageRunner runner(bc, i, numbers[i]);
      if (i == target) runner.extra_labels_ = label_steps;
      auto r = runner.Run();
      if (!r.ok()) local.request_stop();
      out.StageDone(i);
      bc.Finish(i, std::move(r));
    });
  }
  for (auto& t : threads) t.join();
  if (Status st = hashes_->Save(); !st.ok()) log::Warn("build: file hash cache: {}", st.error().message());

  // The first real error (not a stage that stopped because another failed).
  std::optional<Error> first;
  for (auto& [i, r] : bc.results)
    if (!r.ok() && (r.error().code() != Errc::kCancelled || !first)) {
      if (!first || first->code() == Errc::kCancelled) first = r.error();
    }
  if (first) return *first;
  if (stop.stop_requested()) return Error(Errc::kCancelled, "build cancelled");
  Digest id = *bc.results.at(target);
  if (id.empty()) return Error(Errc::kInvalidArgument, "No image was generated. Is your Dockerfile empty?");

  std::vector<std::string> unused;
  for (const auto& [k, v] : req.build_args) {
    if (!bc.consumed_args.count(k) && !IsBuiltinArg(k)) unused.push_back(k);
  }
  if (!unused.empty()) out.Stream("[Warning] One or more build-args [" + Join(unused, " ") + "] were not consumed\n");
  out.Message(Json{{"aux", {{"ID", id.str()}}}});
  return id;
}

// --- cache upkeep ---

Result<std::vector<CacheRecord>> Builder::Usage() {
  auto recs = SKIFF_TRY(cache_->List());
  auto images = SKIFF_TRY(images_.List());
  std::map<std::string, const image::ImageSummary*> by_id;
  for (auto& s : images) by_id[s.id.str()] = &s;
  std::vector<CacheRecord> out;
  std::vector<std::string> gone;
  for (auto& r : recs) {
    auto it = by_id.find(r.image);
    if (it == by_id.end()) {
      // An intermediate image is listed too (List has every visible image); missing = removed.
      auto id = Digest::Parse(r.image);
      if (!id.ok() || !images_.Config(*id).ok()) {
        gone.push_back(r.key);
        continue;
      }
    } else {
      r.in_use = !it->second->repo_tags.empty() || it->second->containers > 0;
    }
    out.push_back(r);
  }
  if (!gone.empty()) (void)cache_->Drop(gone);
  return out;
}

Result<BuilderPruneReport> Builder::Prune(bool all, uint64_t keep_storage, int64_t until_sec) {
  auto recs = SKIFF_TRY(Usage());
  // Oldest use first; keep_storage keeps the most recently used ones within the budget.
  std::sort(recs.begin(), recs.end(), [](const CacheRecord& a, const CacheRecord& b) { return a.last_used > b.last_used; });
  uint64_t kept = 0;
  std::vector<CacheRecord> drop;
  BuilderPruneReport rep;
  for (auto& r : recs) {
    if (r.in_use && !all) continue;
    if (until_sec > 0 && r.last_used >= until_sec) continue;
    if (keep_storage > 0 && kept + static_cast<uint64_t>(r.size) <= keep_storage) {
      kept += r.size;
      continue;
    }
    drop.push_back(r);
    rep.deleted.push_back(r.key.substr(7, 25));
    rep.reclaimed += r.size;
  }
  std::vector<std::string> keys;
  for (auto& r : drop) keys.push_back(r.key);
  SKIFF_TRY(cache_->Drop(keys));
  // prune -a leaves nothing the next build could reuse, the file digests included.
  if (all && keep_storage == 0 && until_sec <= 0) {
    hashes_->Clear();
    (void)hashes_->Save();
  }
  // The intermediate images that were cache only (untagged, unused) go with their records, children
  // first; an image something else still needs (a child, a container, a name) stays.
  std::sort(drop.begin(), drop.end(), [](const CacheRecord& a, const CacheRecord& b) { return a.created > b.created; });
  image::RemoveOptions ro;
  ro.force = false;
  ro.prune = false;
  for (auto& r : drop) {
    if (r.in_use) continue;
    auto id = Digest::Parse(r.image);
    if (!id.ok()) continue;
    auto sum = images_.List();
    bool tagged = false;
    if (sum.ok())
      for (auto& s : *sum)
        if (s.id == *id && (!s.repo_tags.empty() || s.children > 0 || s.containers > 0)) tagged = true;
    if (!tagged) (void)images_.Remove(id->str(), ro);
  }
  return rep;
}

}  // namespace skiff::build

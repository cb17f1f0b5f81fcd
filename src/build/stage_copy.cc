// StageRunner: COPY, ADD and WORKDIR (steps that change files without running anything), the step
// snapshot and the read-only mounts of --from sources.
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"
#include "build/dockerfile/expand.h"
#include "build/stage.h"
#include "storage/beneath.h"
#include "storage/mount.h"

namespace skiff::build {

namespace df = dockerfile;

namespace {

// normalizeDest: relative destinations are under the working directory, keeping a trailing '/';
// absolute ones are used as written.
std::string NormalizeDest(const std::string& workdir, const std::string& dest) {
  if (dest.starts_with("/")) return dest;
  std::string out = CleanPath(JoinPath(workdir.empty() ? "/" : workdir, dest));
  if (!out.starts_with("/")) out = "/" + out;
  if (dest.ends_with("/") && !out.ends_with("/")) out += "/";
  return out;
}

// A read-only mount of an image's layers and the temp dir it lives in (unmounted first).
struct FromMount {
  TempDir dir;
  std::optional<storage::ScopedMount> mount;
};

}  // namespace

// --- StepSnapshot ---

Result<std::unique_ptr<StepSnapshot>> StepSnapshot::Create(image::ImageStore& images, const Digest& image) {
  std::unique_ptr<StepSnapshot> s(new StepSnapshot(images));
  if (image.empty()) {
    // On the layer store's filesystem (its staging area, cleared at startup): the commit moves it there.
    TempDir d = SKIFF_TRY(images.snapshots().NewStagingDir());
    s->plain_dir_ = d.Release();
    (void)::chmod(s->plain_dir_.c_str(), 0755);
    s->rootfs_ = s->upper_ = s->plain_dir_;
    return s;
  }
  s->id_ = "build-" + RandomHex(24);
  s->rootfs_ = SKIFF_TRY(images.CreateContainerSnapshot(s->id_, image));
  s->upper_ = images.snapshots().SnapshotUpper(s->id_);
  return s;
}

Status StepSnapshot::Unmount() {
  if (id_.empty()) return Ok();
  return images_.UnmountContainerSnapshot(id_);
}

StepSnapshot::~StepSnapshot() {
  if (!plain_dir_.empty()) {
    (void)RemoveAll(plain_dir_);
  } else if (!id_.empty()) {
    if (Status st = images_.RemoveContainerSnapshot(id_); !st.ok())
      log::Warn("build: removing snapshot {}: {}", id_, st.error().message());
  }
}

// --- --from sources ---

Result<std::string> StageRunner::MountFrom(const df::Instruction& ins, const std::string& from) {
  Digest img;
  if (int s = bc_.FindStage(from, index_); s >= 0) {
    img = SKIFF_TRY(bc_.Await(s));
  } else {
    auto id = bc_.builder.images().Resolve(from);
    if (!id.ok()) {
      if (bc_.FindStage(from, static_cast<int>(bc_.df.stages.size())) >= 0)
        return StepError(ins, "invalid from flag value " + from + ": stage " + from + " is defined after this one");
      return StepError(ins, "invalid from flag value " + from + ": " + id.error().message());
    }
    img = *id;
  }
  auto fm = std::make_shared<FromMount>(FromMount{SKIFF_TRY(TempDir::Create(bc_.builder.root() + "/tmp", "from-")), {}});
  if (img.empty()) return fm->dir.path();  // scratch: an empty tree
  std::vector<Digest> layers;
  for (auto& l : SKIFF_TRY(bc_.builder.images().ImageLayers(img))) layers.push_back(l.diff_id);
  if (layers.empty()) {
    std::string p = fm->dir.path();
    mounts_.push_back(fm);
    return p;
  }
  fm->mount.emplace(SKIFF_TRY(bc_.builder.images().snapshots().MountReadOnly(layers, fm->dir.path())));
  std::string p = fm->dir.path();
  mounts_.push_back(fm);
  return p;
}

bool StageRunner::InLayers(const std::string& path) const {
  if (image_.empty()) return false;
  auto layers = bc_.builder.images().ImageLayers(image_);
  if (!layers.ok()) return true;  // unknown: keep what the step made
  for (auto& l : *layers) {
    struct stat st;
    std::string p = bc_.builder.images().snapshots().LayerDir(l.diff_id) + path;
    if (::lstat(p.c_str(), &st) == 0) return true;
  }
  return false;
}

// --- COPY / ADD ---

Status StageRunner::DispatchCopy(const df::Instruction& ins, int step_no) {
  int64_t t0 = MonoNs();
  const df::Copy& c = std::get<df::Copy>(ins.body);
  std::set<std::string> used;
  auto ex = [&](const std::string& w) -> Result<std::string> {
    auto r = Expand(w, &used);
    if (!r.ok()) return StepError(ins, r.error().message());
    return r;
  };
  copy::CopyRequest req;
  req.add = c.add;
  req.instruction = c.add ? "ADD" : "COPY";
  size_t heredoc = 0;
  for (const auto& s : c.sources) {
    if (s.starts_with("<<") && heredoc < c.heredocs.size()) {
      const df::Heredoc& h = c.heredocs[heredoc++];
      std::string content = h.content;
      if (h.expand) {
        // $VARs expand, quotes stay text.
        std::string esc;
        for (char ch : content) {
          if (ch == '"' || ch == '\'' || ch == bc_.df.directives.escape) esc += bc_.df.directives.escape;
          esc += ch;
        }
        content = SKIFF_TRY(ex(esc));
      }
      req.inline_files.push_back({h.name, content});
      continue;
    }
    req.sources.push_back(SKIFF_TRY(ex(s)));
  }
  for (const auto& e : c.excludes) req.excludes.push_back(SKIFF_TRY(ex(e)));
  std::string dest = SKIFF_TRY(ex(c.dest));
  req.dest = NormalizeDest(config_.value("WorkingDir", ""), dest);
  req.dest_as_written = dest;
  req.chown = SKIFF_TRY(ex(c.chown));
  if (!c.chmod.empty()) {
    std::string m = SKIFF_TRY(ex(c.chmod));
    char* end = nullptr;
    long v = std::strtol(m.c_str(), &end, 8);
    if (m.empty() || !end || *end || v < 0 || v > 07777) return StepError(ins, "invalid chmod parameter: " + m);
    req.chmod = static_cast<mode_t>(v);
  }
  req.checksum = SKIFF_TRY(ex(c.checksum));
  std::string from = SKIFF_TRY(ex(c.from));
  if (!from.empty()) {
    req.src_root = SKIFF_TRY(MountFrom(ins, from));
    req.from_context = false;
  } else {
    req.src_root = bc_.context_dir;
    req.ignore = bc_.ignore;
  }

  auto digest = copy::HashSources(req, &bc_.builder.hashes());
  if (!digest.ok()) return StepError(ins, digest.error().message());
  // Legacy's text: "COPY --chown=1:2file:<hash> in <dest> " (no space after the chown, as Docker).
  std::string comment = req.instruction + " " + (req.chown.empty() ? "" : "--chown=" + req.chown) + digest->history + " ";
  // The key's text names the sources as written; their content is the key's own part (so a miss can
  // tell "content changed" from "instruction changed").
  std::string text = req.instruction + " " + Join(req.sources, " ");
  for (const auto& f : req.inline_files) text += " <<" + f.name;
  text += " " + dest;
  if (!from.empty()) text += " --from=" + from;
  if (!req.chown.empty()) text += " --chown=" + req.chown;
  if (req.chmod) text += " --chmod=" + std::to_string(*req.chmod);
  StepKey key{image_.empty() ? "" : image_.str(), text, ArgsKey(used), digest->key.str(), ins.original};
  std::string miss;
  bool hit = SKIFF_TRY(Probe(key, req.instruction, &miss));
  StepStart(step_no, ins, hit ? "" : miss);
  if (hit) {
    StepDone(step_no, t0, true);
    return Ok();
  }
  int64_t t_hash = MonoNs();
  auto snap = SKIFF_TRY_CTX(StepSnapshot::Create(bc_.builder.images(), image_), Where(ins));
  if (Status st = copy::CopyInto(req, snap->rootfs()); !st.ok()) return StepError(ins, st.error().message());
  SKIFF_TRY(snap->Unmount());
  log::Debug("build: {}: hash {} ms, copy {} ms", req.instruction, (t_hash - t0) / 1000000, (MonoNs() - t_hash) / 1000000);
  std::vector<std::string> cc_cmd = Shell();
  cc_cmd.push_back("#(nop) " + comment);
  Json cc = config_;
  cc["Cmd"] = Json(cc_cmd);
  cc["Image"] = image_.empty() ? "" : image_.str();
  return CommitStep(key, Join(cc_cmd, " "), cc, "", snap->upper(), false, step_no, t0, {});
}

// --- WORKDIR ---

Status StageRunner::DispatchWorkdir(const df::Instruction& ins, int step_no) {
  int64_t t0 = MonoNs();
  const df::Workdir& w = std::get<df::Workdir>(ins.body);
  std::set<std::string> used;
  auto p = Expand(w.path, &used);
  if (!p.ok()) return StepError(ins, p.error().message());
  if (p->empty()) return StepError(ins, "WORKDIR requires exactly one argument");
  // normalizeWorkdir: an absolute path is kept as written, a relative one joined (and cleaned).
  std::string cur = config_.value("WorkingDir", "");
  std::string path = p->starts_with("/") ? *p : CleanPath(JoinPath(cur.empty() ? "/" : cur, *p));
  if (!path.starts_with("/")) path = "/" + path;
  std::string comment = "WORKDIR " + path;
  Json next = config_;
  next["WorkingDir"] = path;
  StepKey key{image_.empty() ? "" : image_.str(), comment, ArgsKey(used), "", ins.original};
  std::string miss;
  bool hit = SKIFF_TRY(Probe(key, "WORKDIR", &miss));
  StepStart(step_no, ins, hit ? "" : miss);
  if (hit) {
    StepDone(step_no, t0, true);
    return Ok();
  }
  config_ = next;
  std::vector<std::string> cc_cmd = Shell();
  cc_cmd.push_back("#(nop) " + comment);
  Json cc = config_;
  cc["Cmd"] = Json(cc_cmd);
  cc["Image"] = image_.empty() ? "" : image_.str();
  // Docker creates the directory in a container and commits it: a layer only when it was missing.
  auto snap = SKIFF_TRY_CTX(StepSnapshot::Create(bc_.builder.images(), image_), Where(ins));
  {
    UniqueFd root = SKIFF_TRY(OpenFile(snap->rootfs(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    std::string clean = CleanPath(path);
    auto d = storage::OpenDirBeneath(root.get(), clean == "/" ? "" : clean.substr(1), true);
    if (!d.ok()) return StepError(ins, "mkdir " + path + ": " + d.error().message());
  }
  SKIFF_TRY(snap->Unmount());
  return CommitStep(key, Join(cc_cmd, " "), cc, "", snap->upper(), false, step_no, t0, {});
}

}  // namespace skiff::build

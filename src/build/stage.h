// StageRunner: executes one stage of a build (FROM and its instructions, ONBUILD triggers of the base
// image) as Docker's legacy builder does, step by step, each step an intermediate image found in the
// cache or built (RUN through the Worker, COPY/ADD/WORKDIR into a snapshot, the rest config only). A
// BuildContext is shared by the stages of one build (they may run on several threads); a StageRunner
// lives for one stage on one thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/json.h"
#include "build/builder.h"
#include "build/context/ignore.h"
#include "build/dockerfile/ast.h"

namespace skiff::build {

// What the stages of one build share. Stage results are published with Finish and awaited with Await.
struct BuildContext {
  Builder& builder;
  const BuildRequest& req;
  BuildOutput& out;
  std::stop_token stop;
  const dockerfile::Dockerfile& df;
  std::string context_dir;
  const context::IgnoreMatcher* ignore = nullptr;
  std::map<std::string, std::optional<std::string>> meta_args;  // global ARGs (after --build-arg)
  int total_steps = 0;

  std::mutex mu;
  std::condition_variable cv;
  std::map<int, Result<Digest>> results;  // stage index -> its image (or the error that ended it)
  std::set<std::string> consumed_args;     // build args some stage declared
  bool failed = false;

  void Finish(int stage, Result<Digest> r);
  // Waits for a stage's image; an error when that stage failed or the build stops.
  Result<Digest> Await(int stage);
  // A stage by name (case-insensitive) or index, only among stages before `before`; -1 if none.
  int FindStage(const std::string& name_or_index, int before) const;
};

class StageRunner {
 public:
  // steps: the "Step N" number of each instruction of the stage (FROM first).
  StageRunner(BuildContext& bc, int index, std::vector<int> steps) : bc_(bc), index_(index), steps_(std::move(steps)) {}
  Result<Digest> Run();

 private:
  Status From(const dockerfile::Instruction& ins);
  Status Dispatch(const dockerfile::Instruction& ins, int step_no, bool trigger);
  Status DispatchMeta(const dockerfile::Instruction& ins, int step_no);
  Status DispatchRun(const dockerfile::Instruction& ins, int step_no);
  Status DispatchCopy(const dockerfile::Instruction& ins, int step_no);
  Status DispatchWorkdir(const dockerfile::Instruction& ins, int step_no);
  Status Triggers();

  // The env used to expand words: the config's Env, then the build args not overridden by it.
  std::vector<std::string> ExpandEnv() const;
  Result<std::string> Expand(const std::string& word, std::set<std::string>* used = nullptr) const;
  Result<std::vector<std::string>> ExpandList(const std::vector<std::string>& words, std::set<std::string>* used = nullptr) const;
  // Build args usable by RUN (declared in the stage, with a value, not overridden by ENV), "K=V".
  std::vector<std::string> RunArgs() const;
  std::string ArgsKey(const std::set<std::string>& used) const;  // "K=V" lines of the used build args
  std::vector<std::string> Shell() const;

  // Cache probe: on a hit, the state moves to the cached image and true is returned; on a miss *miss
  // says why (may be empty: nothing was built from this parent before).
  Result<bool> Probe(const StepKey& key, const std::string& keyword, std::string* miss);
  // Commits a step: an intermediate image with config_ as its config, recorded in the cache;
  // before_done runs before the " ---> <id>" line.
  Status CommitStep(const StepKey& key, const std::string& created_by, const Json& container_config,
                    const std::string& container_id, const std::string& upper_dir, bool no_layer, int step_no,
                    int64_t started_ns, const std::function<void()>& before_done);
  // The source root of COPY --from / RUN --mount from=: an earlier stage (waited for) or an image,
  // mounted read-only under the builder's tmp dir while `mounts_` lives.
  Result<std::string> MountFrom(const dockerfile::Instruction& ins, const std::string& from);
  // Whether `path` (absolute) exists in the current image's layers (any of them).
  bool InLayers(const std::string& path) const;
  void StepStart(int step_no, const dockerfile::Instruction& ins, const std::string& miss);
  void StepDone(int step_no, int64_t started_ns, bool cached);
  Json Skiff(int step_no, const char* event) const;
  std::string Where(const dockerfile::Instruction& ins) const;  // "Dockerfile:7"
  Error StepError(const dockerfile::Instruction& ins, const std::string& what) const;

  BuildContext& bc_;
  int index_;
  std::vector<int> steps_;
  std::string stage_label_;  // name or index, for the Skiff field

  Digest image_;           // the current image (empty: scratch, nothing yet)
  Json config_;            // its "config", in Docker's full shape
  std::string os_ = "linux", arch_ = "amd64";
  std::map<std::string, std::optional<std::string>> args_;  // ARGs declared in this stage
  bool cmd_set_ = false;
  std::string maintainer_;
  std::vector<std::string> triggers_;  // ONBUILD of the base image, run after FROM
  std::vector<std::shared_ptr<void>> mounts_;  // read-only mounts of --from sources (ScopedMount + TempDir)

 public:
  // The LABEL instructions Docker's legacy builder appends to the target stage for --label.
  std::vector<dockerfile::Instruction> extra_labels_;
};

// A writable view of an image for one step: an overlay snapshot ("build-<random>") of the image, or for
// scratch a plain directory (then rootfs == upper). Removed (unmounted, deleted, reference released)
// when it dies.
class StepSnapshot {
 public:
  static Result<std::unique_ptr<StepSnapshot>> Create(image::ImageStore& images, const Digest& image);
  ~StepSnapshot();
  const std::string& rootfs() const { return rootfs_; }
  const std::string& upper() const { return upper_; }
  Status Unmount();

 private:
  StepSnapshot(image::ImageStore& images) : images_(images) {}
  image::ImageStore& images_;
  std::string id_, rootfs_, upper_, plain_dir_;
};

// Docker's shapes and texts (config.cc).
Json FullConfig(const Json& config);  // every field of Docker's container Config, defaults where absent
std::string GoQuote(const std::vector<std::string>& v);  // fmt %q of a []string: ["a" "b"]
std::string GoList(const std::vector<std::string>& v);   // fmt %v of a []string: [a b]
std::string ShortId(const Digest& d);                    // 12 hex
int64_t MonoNs();                                        // CLOCK_MONOTONIC in ns (step timings)
// Build args every Dockerfile may use without declaring them (proxies; never shown in the history).
bool IsBuiltinArg(const std::string& name);

}  // namespace skiff::build

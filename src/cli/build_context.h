// What `skiff build` sends with POST /build, resolved as docker's CLI (20.10) does: where the context and the
// Dockerfile come from (a local directory, a tar or a lone Dockerfile on stdin, a URL; -f relative to the
// working directory, `-f -`), the context tar (.dockerignore applied, the Dockerfile and .dockerignore always
// in; a Dockerfile from stdin or from outside the context added as `.dockerfile.<random hex>` and listed in
// the tar's .dockerignore so the daemon drops it from the context), the query docker's client builds,
// Skiff's local-context parameters (the daemon reads the directory itself), the --secret header, and BodyPump,
// which feeds a request body from a thread. Values and stateless functions except BodyPump (it owns a
// socketpair and its thread); PrepareBuildContext reads stdin, WriteContextTar reads the directory or the rest
// of stdin while it runs.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/fd.h"
#include "cli/api_client.h"
#include "cli/opts.h"

namespace skiff::cli {

// The flag values of `skiff build` that go into the query.
struct BuildOptions {
  std::vector<std::string> tags;
  std::vector<std::string> build_args;  // after opts.ValidateEnv: "K=V", or "K" (not in our environment)
  std::vector<std::string> labels;
  std::vector<std::string> extra_hosts;
  std::vector<std::string> cache_from;
  std::vector<std::string> security_opt;
  std::vector<OJson> ulimits;  // ParseUlimit results as given; the last one of a name wins
  std::string target, network = "default", platform, cgroup_parent, isolation, cpuset_cpus, cpuset_mems;
  bool no_cache = false, pull = false, quiet = false, rm = true, force_rm = false, squash = false;
  int64_t memory = 0, memory_swap = 0, shm_size = 0, cpu_shares = 0, cpu_period = 0, cpu_quota = 0;
};

// docker 20.10's query of POST /build: every key its client always sets (zero values included), t, extrahosts
// and securityopt repeated, buildargs as a JSON object with null for a bare name, version=1 (legacy builder).
Query BuildQuery(const BuildOptions& o, const std::string& dockerfile);

// One --secret: id=x[,src|source=path][,env=VAR][,type=file|env]. BuildKit's rules: without src and env the
// environment variable named id is used when set, else the file named id.
struct SecretSource {
  std::string id;
  std::string file;
  std::string env;
};
Result<SecretSource> ParseSecret(std::string_view spec);
// The X-Skiff-Build-Secrets header value for the --secret flags: base64 of {"<id>": "<base64 of the
// content>"}; "" when there are none. Reads the files and variables now (500 KB at most each, as BuildKit).
Result<std::string> SecretsHeader(const std::vector<std::string>& specs);

// Where a build's context and Dockerfile come from.
struct BuildContext {
  enum class Kind {
    kDirectory,        // PATH is a local directory
    kStdinArchive,     // PATH "-" and stdin holds a tar (maybe compressed)
    kStdinDockerfile,  // PATH "-" and stdin holds a Dockerfile: the context is that file alone
    kRemote,           // a git or http(s) URL, fetched by the daemon (the `remote` parameter)
  };
  Kind kind = Kind::kDirectory;
  std::string dir;             // kDirectory: absolute, symlinks resolved
  std::string dockerfile;      // kDirectory: the Dockerfile's absolute path, symlinks resolved ("" for -f -)
  std::string dockerfile_rel;  // kDirectory: relative to dir ("Dockerfile", "sub/x", "../y/Dockerfile");
                               // kStdinArchive, kRemote: the -f value as given ("" = the daemon's default)
  bool dockerfile_stdin = false;  // -f -
  std::string dockerfile_text;    // -f -: what stdin held
  std::string stdin_data;         // kStdinArchive: the bytes read to recognize the archive (the rest follows on
                                  // stdin); kStdinDockerfile: the whole Dockerfile
  std::string remote;             // kRemote: the URL

  bool DockerfileOutside() const { return dockerfile_rel.rfind("../", 0) == 0 || dockerfile_rel == ".."; }
  // The tar carries the Dockerfile under a random name (from stdin, or from outside the context).
  bool NeedsRandomDockerfile() const {
    return kind == Kind::kDirectory && (dockerfile_stdin || DockerfileOutside());
  }
};

// docker's context resolution for PATH and -f (file: "" = PATH/Dockerfile, or PATH/dockerfile when only that
// exists). Errors carry docker's text without its "unable to prepare context: " prefix, which the caller adds.
// Reads stdin (in_fd) for PATH "-" (the first 1 KiB, or all of a Dockerfile) and for -f -.
Result<BuildContext> PrepareBuildContext(const std::string& path, const std::string& file, int in_fd);

// docker's build.IsArchive on the first bytes of stdin: a compressed stream (gzip, bzip2, xz, zstd) or a
// readable tar header.
bool IsArchiveHead(std::string_view head);

// ".dockerfile." + 20 random hex digits.
std::string RandomDockerfileName();

// The `dockerfile` parameter for a tar of this context: random_name when NeedsRandomDockerfile(), "Dockerfile"
// for a lone Dockerfile from stdin, else the relative path (or the -f value for a tar on stdin).
std::string TarDockerfileParam(const BuildContext& c, const std::string& random_name);

// Streams the context as a tar to out (a tar on stdin: the bytes as they come, compressed or not). random_name
// is where a stdin or outside Dockerfile goes (NeedsRandomDockerfile()).
Status WriteContextTar(const BuildContext& c, int in_fd, const std::string& random_name,
                       const std::function<Status(const char* data, size_t n)>& out);

// Skiff's local-context form (kDirectory only): adds skiff.contextdir/contextdev/contextino (and
// skiff.dockerfilestdin for -f -) to q and sets `dockerfile` to the path relative to the context, or the
// absolute path of a Dockerfile outside it. Returns the body: the Dockerfile text for -f -, else empty.
Result<std::string> AddLocalContextParams(const BuildContext& c, Query* q);

// One regular file as tar bytes (a PAX header and the padded data), with the end-of-archive blocks when
// `finish` (a whole archive) or without (an entry to put before others).
Result<std::string> TarFileBytes(const std::string& name, std::string_view content, mode_t mode, int64_t mtime,
                                 bool finish);

// A request body produced on a thread of its own (the context tar while the HTTP client sends it): the client
// reads fd(), one end of a socketpair. A producer that fails midway must not look like a shorter body that
// ended well: the pump then closes its end with a byte it never read still queued, so the reader's next read
// fails with ECONNRESET instead of seeing the end. Finish() (or the destructor) closes the reading end, which
// also stops a producer whose reader went away, and waits for the thread.
class BodyPump {
 public:
  using Sink = std::function<Status(const char* data, size_t n)>;
  using Producer = std::function<Status(const Sink& out)>;
  using Progress = std::function<void(int64_t bytes, bool last)>;  // after each write; last once done well
  static Result<std::unique_ptr<BodyPump>> Start(Producer produce, Progress progress);
  ~BodyPump() { (void)Finish(); }
  int fd() const { return reader_.get(); }
  Status Finish();
  // The producer stopped because the reading end went away (the daemon answered early), not by itself.
  bool send_failed() const { return send_failed_; }

 private:
  BodyPump(UniqueFd reader, UniqueFd writer) : reader_(std::move(reader)), writer_(std::move(writer)) {}
  UniqueFd reader_, writer_;
  std::thread thread_;
  Status status_;
  std::atomic<bool> send_failed_{false};
};

}  // namespace skiff::cli

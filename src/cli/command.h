// The CLI's command framework: the process-wide context (Cli: daemon address, standard streams, the API
// client), the command table (docker's tree: top-level commands, `container`/`image`/`system` groups and the
// top-level shortcuts such as `ps` = `container ls`) and Invocation, what a command's run function gets to
// define its flags and parse its arguments with docker's help/usage/error conventions. Main() is the whole
// program: global flags, dispatch, error printing, exit code.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "cli/api_client.h"
#include "cli/flags.h"

namespace skiff::cli {

inline constexpr std::string_view kProg = "skiff";

class Cli {
 public:
  explicit Cli(std::string host) : host_(std::move(host)), api_(host_) {}
  const ApiClient& api() const { return api_; }
  const std::string& host() const { return host_; }

  // Whole writes to stdout / stderr (errors ignored: a closed pipe ends the program through SIGPIPE-free
  // short writes, as docker does).
  void Out(std::string_view s) const;
  void Err(std::string_view s) const;
  int in_fd() const { return 0; }
  int out_fd() const { return 1; }
  int err_fd() const { return 2; }
  bool InIsTerminal() const;
  bool OutIsTerminal() const;
  bool debug = false;
  // The client configuration directory (--config, $DOCKER_CONFIG, ~/.docker).
  std::string config_dir;

 private:
  std::string host_;
  ApiClient api_;
};

// Positional argument rules (docker's cli.NoArgs / ExactArgs / RequiresMinArgs / RequiresMaxArgs /
// RequiresRangeArgs).
struct ArgRule {
  int min = 0;
  int max = -1;  // -1: unlimited
};
inline ArgRule NoArgs() { return {0, 0}; }
inline ArgRule ExactArgs(int n) { return {n, n}; }
inline ArgRule MinArgs(int n) { return {n, -1}; }
inline ArgRule MaxArgs(int n) { return {0, n}; }
inline ArgRule RangeArgs(int a, int b) { return {a, b}; }

struct CommandDef;

// One run of one command: its flags, the words that invoked it, and the parse result.
class Invocation {
 public:
  Invocation(const CommandDef& def, std::string path, std::vector<std::string> argv)
      : def_(def), path_(std::move(path)), argv_(std::move(argv)) {}
  FlagSet& flags() { return flags_; }
  // "skiff container ls" — as typed (for "See '... --help'").
  const std::string& path() const { return path_; }
  // Parses argv with the flags defined so far and checks the argument count. nullopt when the command must
  // end now with exit_code() (help printed, or a usage error printed).
  std::optional<std::vector<std::string>> Parse();
  int exit_code() const { return exit_code_; }
  std::string Help() const;
  std::string UseLine() const;

 private:
  const CommandDef& def_;
  std::string path_;
  std::vector<std::string> argv_;
  FlagSet flags_;
  int exit_code_ = 0;
};

// A command returns its exit code, or an Error whose message is printed to stderr (exit 1).
using RunFn = std::function<Result<int>(Cli&, Invocation&)>;

struct CommandDef {
  std::string group;                 // "", "container", "image", "system"
  std::string name;                  // name within the group: "ls"
  std::vector<std::string> aliases;  // within the group: {"ps", "list"}
  std::string top_name;              // top-level shortcut ("ps"), "" when none; group "" commands are top-level
  std::string use;                   // after the name: "[OPTIONS] [REPOSITORY[:TAG]]"
  std::string short_help;
  ArgRule args;
  bool interspersed = true;  // false: flags end at the first positional (run, create, exec)
  RunFn run;
  std::string long_help = {};  // the command's --help text when it differs from short_help
};

// The command table (filled by the Register* functions of the command files).
std::vector<CommandDef>& Commands();
void RegisterContainerRunCommands();    // run, create, start, attach, wait
void RegisterContainerOpsCommands();    // stop, kill, restart, pause, unpause, rm, rename, prune, update, ...
void RegisterContainerQueryCommands();  // ps, inspect, logs, top, port, diff, stats
void RegisterExecCommands();            // exec
void RegisterCopyCommands();            // cp, export, commit
void RegisterImageCommands();           // images, rmi, tag, history, image prune, image inspect
void RegisterImageIoCommands();         // save, load, import, pull
void RegisterSystemCommands();          // info, version
void RegisterDiskCommands();            // system df, system prune
void RegisterMonitorCommands();         // events, stats
void RegisterBuildCommands();           // build (image build, builder build), builder prune
void RegisterRegistryCommands();        // login, logout, push (image push), search

// The commit the binary was built from (configure time).
std::string_view GitCommit();

// Wraps "skiff: <msg>\nSee 'skiff run --help'." style errors for commands that report like docker's
// reportError.
void ReportError(const Cli& cli, std::string_view cmd_path, std::string msg, bool with_help);

int Main(int argc, char** argv);

}  // namespace skiff::cli

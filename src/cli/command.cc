#include "cli/command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <map>

#include <fmt/format.h>

#include "base/file.h"
#include "base/strings.h"
#include "cli/credentials.h"

#ifndef SKIFF_VERSION
#define SKIFF_VERSION "0.0.0"
#endif
#ifndef SKIFF_GIT_COMMIT
#define SKIFF_GIT_COMMIT "unknown"
#endif

namespace skiff::cli {
namespace {

struct Group {
  std::string name;
  std::string short_help;
};

const std::vector<Group>& Groups() {
  static const std::vector<Group> groups = {
      {"builder", "Manage builds"},
      {"container", "Manage containers"},
      {"image", "Manage images"},
      {"system", "Manage Skiff"},
  };
  return groups;
}

std::string Pluralize(std::string_view word, int n) { return n == 1 ? std::string(word) : std::string(word) + "s"; }

std::string CommandList(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  for (const auto& [name, help] : entries) {
    std::string padded = name;
    if (padded.size() < 11) padded += std::string(11 - padded.size(), ' ');
    out += "  " + padded + " " + help + "\n";
  }
  return out;
}

std::string GroupHelp(const Group& g) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& c : Commands()) {
    if (c.group == g.name) entries.emplace_back(c.name, c.short_help);
  }
  std::sort(entries.begin(), entries.end());
  return fmt::format("\nUsage:  {} {} COMMAND\n\n{}\n\nCommands:\n{}\nRun '{} {} COMMAND --help' for more information on "
                     "a command.\n",
                     kProg, g.name, g.short_help, CommandList(entries), kProg, g.name);
}

std::string TopHelp(FlagSet& globals) {
  std::vector<std::pair<std::string, std::string>> mgmt, cmds;
  for (const auto& g : Groups()) mgmt.emplace_back(g.name, g.short_help);
  for (const auto& c : Commands()) {
    if (c.group.empty()) cmds.emplace_back(c.name, c.short_help);
    else if (!c.top_name.empty()) cmds.emplace_back(c.top_name, c.short_help);
  }
  std::sort(cmds.begin(), cmds.end());
  return fmt::format("\nUsage:  {} [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers\n\nOptions:\n{}\n"
                     "Management Commands:\n{}\nCommands:\n{}\nRun '{} COMMAND --help' for more information on a "
                     "command.\n",
                     kProg, globals.Usage(), CommandList(mgmt), CommandList(cmds), kProg);
}

bool IsTty(int fd) { return ::isatty(fd) == 1; }

// Output before a Cli (with its daemon address) exists.
void StdOut(std::string_view s) { (void)WriteAll(1, s); }
void StdErr(std::string_view s) { (void)WriteAll(2, s); }

}  // namespace

void Cli::Out(std::string_view s) const { (void)WriteAll(out_fd(), s); }
void Cli::Err(std::string_view s) const { (void)WriteAll(err_fd(), s); }
bool Cli::InIsTerminal() const { return IsTty(in_fd()); }
bool Cli::OutIsTerminal() const { return IsTty(out_fd()); }

std::string_view GitCommit() { return SKIFF_GIT_COMMIT; }

std::vector<CommandDef>& Commands() {
  static std::vector<CommandDef> commands;
  return commands;
}

std::string Invocation::UseLine() const { return def_.use.empty() ? path_ : path_ + " " + def_.use; }

std::string Invocation::Help() const {
  std::string out =
      fmt::format("\nUsage:  {}\n\n{}\n", UseLine(), def_.long_help.empty() ? def_.short_help : def_.long_help);
  bool via_group = !def_.group.empty() && path_.find(" " + def_.group + " ") != std::string::npos;
  if (via_group && !def_.aliases.empty()) {
    out += "\nAliases:\n  " + def_.name;
    for (const auto& a : def_.aliases) out += ", " + a;
    out += "\n";
  }
  std::string opts = flags_.Usage();
  if (!opts.empty()) out += "\nOptions:\n" + opts;
  return out;
}

std::optional<std::vector<std::string>> Invocation::Parse() {
  auto parsed = flags_.Parse(argv_, def_.interspersed);
  if (!parsed.ok()) {
    StdErr(fmt::format("{}\nSee '{} --help'.\n", parsed.error().message(), path_));
    exit_code_ = 125;
    return std::nullopt;
  }
  if (parsed->help) {
    StdOut(Help());
    exit_code_ = 0;
    return std::nullopt;
  }
  int n = static_cast<int>(parsed->args.size());
  const ArgRule& r = def_.args;
  std::string problem;
  if (r.max == 0 && n > 0) {
    problem = fmt::format("\"{}\" accepts no arguments.", path_);
  } else if (r.min == r.max && n != r.min) {
    problem = fmt::format("\"{}\" requires exactly {} {}.", path_, r.min, Pluralize("argument", r.min));
  } else if (r.max < 0 && n < r.min) {
    problem = fmt::format("\"{}\" requires at least {} {}.", path_, r.min, Pluralize("argument", r.min));
  } else if (r.min == 0 && r.max > 0 && n > r.max) {
    problem = fmt::format("\"{}\" requires at most {} {}.", path_, r.max, Pluralize("argument", r.max));
  } else if (r.min > 0 && r.max > 0 && (n < r.min || n > r.max)) {
    problem = fmt::format("\"{}\" requires at least {} and at most {} {}.", path_, r.min, r.max,
                          Pluralize("argument", r.max));
  }
  if (!problem.empty()) {
    StdErr(fmt::format("{}\nSee '{} --help'.\n\nUsage:  {}\n\n{}\n", problem, path_, UseLine(), def_.short_help));
    exit_code_ = 1;
    return std::nullopt;
  }
  return std::move(parsed->args);
}

void ReportError(const Cli& cli, std::string_view cmd_name, std::string msg, bool with_help) {
  while (!msg.empty() && msg.back() == '.') msg.pop_back();
  msg += ".";
  if (with_help) msg += fmt::format("\nSee '{} {} --help'.", kProg, cmd_name);
  cli.Err(fmt::format("{}: {}\n", kProg, msg));
}

namespace {

void RegisterAll() {
  if (!Commands().empty()) return;
  RegisterContainerRunCommands();
  RegisterContainerOpsCommands();
  RegisterContainerQueryCommands();
  RegisterExecCommands();
  RegisterCopyCommands();
  RegisterImageCommands();
  RegisterImageIoCommands();
  RegisterSystemCommands();
  RegisterDiskCommands();
  RegisterMonitorCommands();
  RegisterBuildCommands();
  RegisterRegistryCommands();
}

int Dispatch(const std::vector<std::string>& args) {
  FlagSet globals;
  std::vector<std::string> hosts;
  std::string log_level, config, context, tls_str;
  bool debug = false, version = false, tls = false;
  globals.String(&config, "config", "Location of client config files", DefaultConfigDir());
  globals.String(&context, "c,context", "Name of the context to use to connect to the daemon (accepted, ignored)");
  globals.Bool(&debug, "D,debug", "Enable debug mode");
  globals.List(&hosts, "H,host", "Daemon socket(s) to connect to");
  globals.String(&log_level, "l,log-level", "Set the logging level (\"debug\"|\"info\"|\"warn\"|\"error\"|\"fatal\")",
                 "info");
  globals.Bool(&tls, "tls", "Use TLS; implied by --tlsverify (not supported)");
  globals.Bool(&tls, "tlsverify", "Use TLS and verify the remote (not supported)");
  globals.String(&tls_str, "tlscacert", "Trust certs signed only by this CA (not supported)");
  globals.String(&tls_str, "tlscert", "Path to TLS certificate file (not supported)");
  globals.String(&tls_str, "tlskey", "Path to TLS key file (not supported)");
  globals.Bool(&version, "v,version", "Print version information and quit");

  auto parsed = globals.Parse(args, false);
  if (!parsed.ok()) {
    StdErr(fmt::format("{}\nSee '{} --help'.\n", parsed.error().message(), kProg));
    return 125;
  }
  if (parsed->help) {
    StdOut(TopHelp(globals));
    return 0;
  }
  if (version) {
    StdOut(fmt::format("Skiff version {}, build {}\n", SKIFF_VERSION, SKIFF_GIT_COMMIT));
    return 0;
  }
  std::vector<std::string> rest = std::move(parsed->args);
  if (rest.empty()) {
    StdOut(TopHelp(globals));
    return 0;
  }

  // Daemon address: -H, SKIFF_HOST, DOCKER_HOST, the default socket.
  std::string host;
  if (!hosts.empty()) {
    if (hosts.size() > 1) {
      StdErr("Please specify only one -H\n");
      return 1;
    }
    host = hosts.back();
  } else if (const char* h = std::getenv("SKIFF_HOST"); h && *h) {
    host = h;
  } else if (const char* d = std::getenv("DOCKER_HOST"); d && *d) {
    host = d;
  } else {
    host = std::string(kDefaultHost);
  }
  if (host.rfind("unix://", 0) != 0) {
    if (!host.empty() && host[0] == '/') {
      host = "unix://" + host;
    } else {
      StdErr(fmt::format("unable to parse docker host `{}`: skiff only supports unix:// sockets\n", host));
      return 1;
    }
  }

  Cli cli(host);
  cli.debug = debug;
  cli.config_dir = CleanPath(config);

  const CommandDef* found = nullptr;
  std::string path;
  size_t consumed = 1;
  const std::string& first = rest[0];
  auto group = std::find_if(Groups().begin(), Groups().end(), [&](const Group& g) { return g.name == first; });
  if (group != Groups().end()) {
    if (rest.size() == 1 || rest[1] == "--help" || rest[1] == "-h") {
      StdOut(GroupHelp(*group));
      return 0;
    }
    for (const auto& c : Commands()) {
      if (c.group != group->name) continue;
      if (c.name == rest[1] || std::find(c.aliases.begin(), c.aliases.end(), rest[1]) != c.aliases.end()) {
        found = &c;
        break;
      }
    }
    if (!found) {
      StdErr(fmt::format("{}: '{}' is not a {} {} command.\nSee '{} {} --help'\n", kProg, rest[1], kProg,
                            group->name, kProg, group->name));
      return 1;
    }
    path = fmt::format("{} {} {}", kProg, group->name, rest[1]);
    consumed = 2;
  } else {
    if (first == "help") {
      StdOut(TopHelp(globals));
      return 0;
    }
    for (const auto& c : Commands()) {
      if ((c.group.empty() && c.name == first) || (!c.top_name.empty() && c.top_name == first)) {
        found = &c;
        break;
      }
    }
    if (!found) {
      StdErr(fmt::format("{}: '{}' is not a {} command.\nSee '{} --help'\n", kProg, first, kProg, kProg));
      return 1;
    }
    path = fmt::format("{} {}", kProg, first);
  }

  Invocation inv(*found, path, std::vector<std::string>(rest.begin() + static_cast<long>(consumed), rest.end()));
  auto rc = found->run(cli, inv);
  if (!rc.ok()) {
    std::string msg = rc.error().message();
    if (!msg.empty()) cli.Err(msg + "\n");
    return 1;
  }
  return *rc;
}

}  // namespace

int Main(int argc, char** argv) {
  RegisterAll();
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return Dispatch(args);
  } catch (const std::exception& e) {
    StdErr(fmt::format("{}: internal error: {}\n", kProg, e.what()));
    return 1;
  }
}

}  // namespace skiff::cli

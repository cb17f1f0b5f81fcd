// skiff-runtime: an OCI runtime with runc's command line. Usable by skiffd, dockerd (--add-runtime),
// containerd and podman (--runtime).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "base/file.h"
#include "base/log.h"
#include "daemon/shim/shim.h"
#include "base/strings.h"
#include "flags.h"
#include "runtime/container.h"
#include "runtime/spec.h"
#include "sys/process.h"

namespace {

using skiff::Error;
using skiff::Errc;
using skiff::Json;
using skiff::Result;
using skiff::Status;
using skiff::cli::FlagSpec;
using skiff::cli::Flags;

constexpr const char* kVersion = "0.1.0";
constexpr const char* kDefaultRoot = "/run/skiff-runtime";

const char* kUsage = R"(skiff-runtime: an OCI container runtime (runc-compatible command line)

usage: skiff-runtime [global options] command [command options] [arguments...]

commands:
  create     create a container                 start     start a created container
  run        create and start a container       state     output the state of a container
  kill       send a signal to the init process  delete    delete a container
  exec       run a process in a container       list      list containers
  ps         processes running in a container   pause     suspend all processes
  resume     resume all processes               update    update resource limits
  events     container stats                    spec      create a new spec file
  features   show the enabled features

global options:
  --root value        state directory (default: /run/skiff-runtime)
  --log value         log file (default: stderr)
  --log-format value  text or json (default: text)
  --debug             debug logging
  --systemd-cgroup    (not supported: rejected with an error)
  --version, -v       print the version
)";

bool IsTrue(const Flags& f, const std::string& name) { return f.Has(name) && f.Get(name) != "false"; }

Status NeedArgs(const Flags& f, size_t n, const char* usage) {
  if (f.positional().size() < n)
    return Error(Errc::kInvalidArgument, std::string("missing arguments; usage: ") + usage);
  return skiff::Ok();
}

Result<int> ParseInt(const std::string& s, const char* flag) {
  auto v = skiff::ParseInt(s);
  if (!v) return Error(Errc::kInvalidArgument, std::string(flag) + ": expected a number, got \"" + s + "\"");
  return static_cast<int>(*v);
}

// "64m", "1g", "1024" -> bytes (units.RAMInBytes as runc uses it). "-1" stays -1.
Result<int64_t> ParseBytes(const std::string& s, const char* flag) {
  if (s == "-1") return int64_t{-1};
  std::string num = s;
  int64_t mult = 1;
  if (!num.empty()) {
    char c = static_cast<char>(tolower(num.back()));
    if (c == 'b') num.pop_back(), c = num.empty() ? 0 : static_cast<char>(tolower(num.back()));
    if (c == 'k') mult = 1LL << 10;
    if (c == 'm') mult = 1LL << 20;
    if (c == 'g') mult = 1LL << 30;
    if (c == 't') mult = 1LL << 40;
    if (mult != 1) num.pop_back();
  }
  auto v = skiff::ParseInt(num);
  if (!v) return Error(Errc::kInvalidArgument, std::string(flag) + ": invalid size \"" + s + "\"");
  return *v * mult;
}

std::vector<FlagSpec> CreateFlags() {
  return {{"bundle", 'b', true},       {"console-socket", 0, true}, {"pid-file", 0, true},
          {"no-pivot", 0, false},      {"no-new-keyring", 0, false}, {"preserve-fds", 0, true},
          {"detach", 'd', false},      {"keep", 0, false},           {"no-subreaper", 0, false}};
}

Result<skiff::runtime::CreateOptions> CreateOpts(const Flags& f) {
  skiff::runtime::CreateOptions o;
  o.id = f.positional()[0];
  o.bundle = f.Get("bundle", ".");
  o.console_socket = f.Get("console-socket");
  o.pid_file = f.Get("pid-file");
  if (!o.pid_file.empty() && o.pid_file[0] != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd)) o.pid_file = skiff::JoinPath(cwd, o.pid_file);
  }
  o.no_pivot = IsTrue(f, "no-pivot");
  o.preserve_fds = f.Has("preserve-fds") ? SKIFF_TRY(ParseInt(f.Get("preserve-fds"), "--preserve-fds")) : 0;
  return o;
}

std::string TableRow(const std::vector<std::string>& cols, const std::vector<size_t>& widths) {
  std::string out;
  for (size_t i = 0; i < cols.size(); ++i) {
    out += cols[i];
    if (i + 1 < cols.size()) out += std::string(widths[i] > cols[i].size() ? widths[i] - cols[i].size() + 3 : 3, ' ');
  }
  return out + "\n";
}

Result<int> Dispatch(skiff::runtime::Runtime& rt, const std::string& cmd, const std::vector<std::string>& args,
                     size_t at) {
  if (cmd == "create") {
    Flags f = SKIFF_TRY(Flags::Parse(args, at, CreateFlags()));
    SKIFF_TRY(NeedArgs(f, 1, "create [options] <container-id>"));
    SKIFF_TRY(rt.Create(SKIFF_TRY(CreateOpts(f))));
    return 0;
  }
  if (cmd == "run") {
    Flags f = SKIFF_TRY(Flags::Parse(args, at, CreateFlags()));
    SKIFF_TRY(NeedArgs(f, 1, "run [options] <container-id>"));
    return rt.Run(SKIFF_TRY(CreateOpts(f)), IsTrue(f, "detach"), IsTrue(f, "keep"));
  }
  if (cmd == "start") {
    Flags f = SKIFF_TRY(Flags::Parse(args, at, {}));
    SKIFF_TRY(NeedArgs(f, 1, "start <container-id>"));
    SKIFF_TRY(rt.Start(f.positional()[0]));
    return 0;
  }
  if (cmd == "state") {
    Flags f = SKIFF_TRY(Flags::Parse(args, at, {}));
    SKIFF_TRY(NeedArgs(f, 1, "state <container-id>"));
    Json st = SKIFF_TRY(rt.State(f.positional()[0]));
    std::cout << skiff::DumpJson(st, 2) << "\n";
    return 0;
  }
  if (cmd == "kill") {
    Flags f = SKIFF_TRY(Flags::Parse(args, at, {{"all", 'a', false}}));
    SKIFF_TRY(NeedArgs(f, 1, "kill [options] <container-id> [signal]"));
    int sig = SIGTERM;
    if (f.positional().size() > 1) sig = SKIFF_TRY(skiff::sys::ParseSignal(f.positional()[1]));
    SKIFF_TRY(rt.Kill(f.positional()[0], sig, IsTrue(f, "all")));
    return 0;
  }
  if (cmd == "delete") {
    Flags f = SKIFF_TRY(Flags::Parse(args, at, {{"force", 'f', false}}));
    SKIFF_TRY(NeedArgs(f, 1, "delete [options] <container-id>"));
    for (const auto& id : f.positional()) SKIFF_TRY(rt.Delete(id, IsTrue(f, "force")));
    return 0;
  }
  if (cmd == "pause" || cmd == "resume") {
    Flags f = SKIFF_TRY(Flags::Parse(args, at, {}));
    SKIFF_TRY(NeedArgs(f, 1, "pause|resume <container-id>"));
    SKIFF_TRY(cmd == "pause" ? rt.Pause(f.positional()[0]) : rt.Resume(f.positional()[0]));
    return 0;
  }
  if (cmd == "exec") {
    Flags f = SKIFF_TRY(Flags::Parse(
        args, at,
        {{"console-socket", 0, true}, {"cwd", 0, true},          {"env", 'e', true},       {"tty", 't', false},
         {"user", 'u', true},         {"additional-gids", 'g', true}, {"process", 'p', true}, {"detach", 'd', false},
         {"pid-file", 0, true},       {"process-label", 0, true}, {"apparmor", 0, true},    {"no-new-privs", 0, false},
         {"cap", 'c', true},          {"preserve-fds", 0, true},  {"cgroup", 0, true},      {"ignore-paused", 0, false}}));
    SKIFF_TRY(NeedArgs(f, 1, "exec [options] <container-id> <command> [args...]"));
    skiff::runtime::ExecRequest r;
    r.id = f.positional()[0];
    r.args.assign(f.positional().begin() + 1, f.positional().end());
    r.env = f.GetAll("env");
    r.cwd = f.Get("cwd");
    r.tty = IsTrue(f, "tty");
    r.user = f.Get("user");
    r.additional_gids = f.GetAll("additional-gids");
    r.detach = IsTrue(f, "detach");
    r.pid_file = f.Get("pid-file");
    r.console_socket = f.Get("console-socket");
    r.no_new_privs = IsTrue(f, "no-new-privs");
    r.caps = f.GetAll("cap");
    r.ignore_paused = IsTrue(f, "ignore-paused");
    r.preserve_fds = f.Has("preserve-fds") ? SKIFF_TRY(ParseInt(f.Get("preserve-fds"), "--preserve-fds")) : 0;
    if (f.Has("process")) {
      Json pj = SKIFF_TRY(skiff::ReadJsonFile(f.Get("process")));
      r.process = SKIFF_TRY_CTX(skiff::runtime::ParseProcess(pj, "process"), f.Get("process"));
    }
    return rt.Exec(r);
  }
  if (cmd == "list" || cmd == "ls") {
    Flags f = SKIFF_TRY(Flags::Parse(args, at, {{"format", 'f', true}, {"quiet", 'q', false}}));
    auto all = SKIFF_TRY(rt.List());
    if (IsTrue(f, "quiet")) {
      for (auto& s : all) std::cout << s["id"].get<std::string>() << "\n";
    } else if (f.Get("format", "table") == "json") {
      std::cout << skiff::DumpJson(Json(all)) << "\n";
    } else {
      std::vector<std::vector<std::string>> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
      for (auto& s : all)
        rows.push_back({s["id"], std::to_string(s["pid"].get<int>()), s["status"], s["bundle"], s["created"],
                        s["owner"].get<std::string>().empty() ? "root" : s["owner"].get<std::string>()});
      std::vector<size_t> w(6, 0);
      for (auto& r : rows)
        for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
      for (auto& r : rows) std::cout << TableRow(r, w);
    }
    return 0;
  }
  if (cmd == "ps") {
    Flags f = SKIFF_TRY(Flags::Parse(args, at, {{"format", 'f', true}}));
    SKIFF_TRY(NeedArgs(f, 1, "ps [options] <container-id> [ps options]"));
    auto pids = SKIFF_TRY(rt.Pids(f.positional()[0]));
    if (f.Get("format", "table") == "json") {
      std::cout << skiff::DumpJson(Json(pids)) << "\n";
      return 0;
    }
    std::string ps_args = "-ef";
    if (f.positional().size() > 1) {
      std::vector<std::string> rest(f.positional().begin() + 1, f.positional().end());
      ps_args = skiff::Join(rest, " ");
    }
    FILE* p = popen(("ps " + ps_args).c_str(), "r");
    if (!p) return Error::Sys("run ps");
    char line[8192];
    bool header = true;
    int pid_col = -1;
    while (fgets(line, sizeof line, p)) {
      auto cols = skiff::Split(skiff::Trim(line), ' ');
      std::vector<std::string> fields;
      for (auto& c : cols)
        if (!c.empty()) fields.push_back(c);
      if (header) {
        for (size_t i = 0; i < fields.size(); ++i)
          if (fields[i] == "PID") pid_col = static_cast<int>(i);
        std::cout << line;
        header = false;
        if (pid_col < 0) break;
        continue;
      }
      if (pid_col >= 0 && static_cast<size_t>(pid_col) < fields.size()) {
        auto v = skiff::ParseInt(fields[pid_col]);
        if (v && std::find(pids.begin(), pids.end(), static_cast<pid_t>(*v)) != pids.end()) std::cout << line;
      }
    }
    pclose(p);
    if (pid_col < 0) return Error(Errc::kInvalidArgument, "ps: couldn't find PID field in ps output");
    return 0;
  }
  if (cmd == "update") {
    Flags f = SKIFF_TRY(Flags::Parse(
        args, at,
        {{"resources", 'r', true},  {"memory", 0, true},       {"memory-swap", 0, true}, {"memory-reservation", 0, true},
         {"kernel-memory", 0, true}, {"kernel-memory-tcp", 0, true}, {"cpu-share", 0, true}, {"cpu-period", 0, true},
         {"cpu-quota", 0, true},     {"cpu-rt-period", 0, true}, {"cpu-rt-runtime", 0, true}, {"cpuset-cpus", 0, true},
         {"cpuset-mems", 0, true},   {"pids-limit", 0, true},    {"blkio-weight", 0, true}, {"l3-cache-schema", 0, true},
         {"mem-bw-schema", 0, true}}));
    SKIFF_TRY(NeedArgs(f, 1, "update [options] <container-id>"));
    Json r = Json::object();
    if (f.Has("resources")) {
      std::string src = f.Get("resources");
      std::string text = src == "-" ? SKIFF_TRY(skiff::ReadFd(0)) : SKIFF_TRY(skiff::ReadFile(src));
      r = SKIFF_TRY(skiff::ParseJson(text, src == "-" ? "resources (stdin)" : src));
    }
    auto set_bytes = [&](const char* flag, const char* group, const char* key) -> Status {
      if (f.Has(flag)) r[group][key] = SKIFF_TRY(ParseBytes(f.Get(flag), flag));
      return skiff::Ok();
    };
    auto set_int = [&](const char* flag, const char* group, const char* key) -> Status {
      if (!f.Has(flag)) return skiff::Ok();
      auto v = skiff::ParseInt(f.Get(flag));
      if (!v) return Error(Errc::kInvalidArgument, std::string("--") + flag + ": expected a number");
      r[group][key] = *v;
      return skiff::Ok();
    };
    SKIFF_TRY(set_bytes("memory", "memory", "limit"));
    SKIFF_TRY(set_bytes("memory-swap", "memory", "swap"));
    SKIFF_TRY(set_bytes("memory-reservation", "memory", "reservation"));
    SKIFF_TRY(set_bytes("kernel-memory", "memory", "kernel"));
    SKIFF_TRY(set_bytes("kernel-memory-tcp", "memory", "kernelTCP"));
    SKIFF_TRY(set_int("cpu-share", "cpu", "shares"));
    SKIFF_TRY(set_int("cpu-period", "cpu", "period"));
    SKIFF_TRY(set_int("cpu-quota", "cpu", "quota"));
    SKIFF_TRY(set_int("cpu-rt-period", "cpu", "realtimePeriod"));
    SKIFF_TRY(set_int("cpu-rt-runtime", "cpu", "realtimeRuntime"));
    SKIFF_TRY(set_int("pids-limit", "pids", "limit"));
    SKIFF_TRY(set_int("blkio-weight", "blockIO", "weight"));
    if (f.Has("cpuset-cpus")) r["cpu"]["cpus"] = f.Get("cpuset-cpus");
    if (f.Has("cpuset-mems")) r["cpu"]["mems"] = f.Get("cpuset-mems");
    if (f.Has("l3-cache-schema") || f.Has("mem-bw-schema"))
      return Error(Errc::kUnsupported, "Intel RDT is not supported");
    SKIFF_TRY(rt.Update(f.positional()[0], r));
    return 0;
  }
  if (cmd == "events") {
    Flags f = SKIFF_TRY(Flags::Parse(args, at, {{"interval", 0, true}, {"stats", 0, false}}));
    SKIFF_TRY(NeedArgs(f, 1, "events [options] <container-id>"));
    std::string id = f.positional()[0];
    int interval_ms = 5000;
    if (f.Has("interval")) {
      std::string v = f.Get("interval");
      double mult = 1000;
      if (v.ends_with("ms")) mult = 1, v.resize(v.size() - 2);
      else if (v.ends_with("s")) v.pop_back();
      else if (v.ends_with("m")) mult = 60000, v.pop_back();
      try {
        interval_ms = static_cast<int>(std::stod(v) * mult);
      } catch (...) {
        return Error(Errc::kInvalidArgument, "--interval: invalid duration \"" + f.Get("interval") + "\"");
      }
      if (interval_ms <= 0) return Error(Errc::kInvalidArgument, "--interval: must be positive");
    }
    for (;;) {
      Json data = SKIFF_TRY(rt.Stats(id));
      std::cout << skiff::DumpJson(Json{{"type", "stats"}, {"id", id}, {"data", data}}) << std::endl;
      if (IsTrue(f, "stats")) return 0;
      usleep(static_cast<useconds_t>(interval_ms) * 1000);
      auto st = rt.State(id);
      if (!st.ok() || (*st)["status"] == "stopped") return 0;
    }
  }
  if (cmd == "spec") {
    Flags f = SKIFF_TRY(Flags::Parse(args, at, {{"bundle", 'b', true}, {"rootless", 0, false}}));
    std::string path = skiff::JoinPath(f.Get("bundle", "."), "config.json");
    if (skiff::PathExists(path)) return Error(Errc::kAlreadyExists, "File " + path + " exists. Remove it first");
    SKIFF_TRY(skiff::WriteFileAtomic(path, skiff::DumpJson(skiff::runtime::DefaultSpec(IsTrue(f, "rootless")), 2), 0666));
    return 0;
  }
  if (cmd == "features") {
    Json j = {{"ociVersionMin", "1.0.0"},
              {"ociVersionMax", "1.1.0"},
              {"hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
              {"mountOptions", {"ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "bind", "rbind",
                                "private", "rprivate", "shared", "rshared", "slave", "rslave"}},
              {"linux",
               {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "user", "uts", "time"}},
                {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}}},
                {"seccomp", {{"enabled", true}}},
                {"apparmor", {{"enabled", false}}},
                {"selinux", {{"enabled", false}}}}}};
    std::cout << skiff::DumpJson(j, 4) << "\n";
    return 0;
  }
  if (cmd == "checkpoint" || cmd == "restore")
    return Error(Errc::kUnsupported, cmd + " is not supported (no CRIU support)");
  return Error(Errc::kInvalidArgument, "No help topic for '" + cmd + "'");
}

}  // namespace

namespace skiff::init {
int InitMain(int argc, char** argv);  // init.cc: the `--init` process (tini's command line)
}
namespace skiff::hooks {
int HookMain(int argc, char** argv);  // hooks.cc: `hook loopback`
}

int main(int argc, char** argv) {
  // Bind-mounted into a container as /sbin/docker-init, or called as `skiff-runtime init ...`: be its init.
  if (argc > 0 && skiff::Basename(argv[0]) == "docker-init") return skiff::init::InitMain(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "init") return skiff::init::InitMain(argc - 1, argv + 1);
  // skiffd's per-container monitor (src/daemon/shim), run from this small static binary so each running
  // container costs as few resident pages as possible.
  if (argc > 2 && std::string(argv[1]) == "shim") return skiff::daemon::shim::ShimMain(argv[2]);
  // OCI hooks skiffd adds to its containers' specs (hooks.cc).
  if (argc > 1 && std::string(argv[1]) == "hook") return skiff::hooks::HookMain(argc - 1, argv + 1);
  std::vector<std::string> args(argv, argv + argc);
  auto gf = Flags::Parse(args, 1,
                         {{"root", 0, true},        {"log", 'l', true},   {"log-format", 0, true},
                          {"debug", 0, false},      {"systemd-cgroup", 0, false}, {"rootless", 0, true},
                          {"criu", 0, true},        {"version", 'v', false}, {"help", 'h', false}});
  if (!gf.ok()) {
    std::fprintf(stderr, "skiff-runtime: %s\n", gf.error().message().c_str());
    return 2;
  }
  const Flags& g = *gf;
  if (IsTrue(g, "version")) {
    std::printf("skiff-runtime version %s\nspec: 1.0.2-dev\n", kVersion);
    return 0;
  }
  if (IsTrue(g, "help") || g.positional().empty() || g.positional()[0] == "help") {
    std::fputs(kUsage, stdout);
    return g.positional().empty() && !IsTrue(g, "help") ? 1 : 0;
  }
  int log_fd = 2;
  bool json = g.Get("log-format", "text") == "json";
  if (g.Has("log") && !g.Get("log").empty()) {
    int fd = ::open(g.Get("log").c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) log_fd = fd;
  }
  skiff::log::Configure(log_fd, json ? skiff::log::Format::kJson : skiff::log::Format::kText,
                        IsTrue(g, "debug") ? skiff::log::Level::kDebug : skiff::log::Level::kWarn);
  auto fail = [&](const Error& e) {
    skiff::log::Err("{}", e.message());
    if (log_fd != 2) std::fprintf(stderr, "skiff-runtime: %s\n", e.message().c_str());
    return 1;
  };
  if (IsTrue(g, "systemd-cgroup"))
    return fail(Error(Errc::kUnsupported, "--systemd-cgroup: the systemd cgroup driver is not supported; use cgroupfs"));
  if (g.Has("rootless") && g.Get("rootless") == "true" && geteuid() != 0)
    return fail(Error(Errc::kUnsupported, "--rootless: rootless containers are not supported"));
  std::string cmd = g.positional()[0];
  size_t at = g.positional_start() + 1;
  skiff::runtime::Runtime rt(g.Get("root", kDefaultRoot));
  auto r = Dispatch(rt, cmd, args, at);
  if (!r.ok()) return fail(r.error());
  std::cout.flush();
  return *r;
}

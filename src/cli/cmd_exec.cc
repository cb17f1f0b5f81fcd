// exec: run a command in a running container (POST /containers/{id}/exec, /exec/{id}/start hijacked).
#include <fmt/format.h>

#include "cli/command.h"
#include "cli/container_common.h"
#include "cli/opts.h"
#include "cli/run_config.h"
#include "cli/session.h"
#include "cli/terminal.h"

namespace skiff::cli {
namespace {

Result<int> Exec(Cli& cli, Invocation& inv) {
  bool detach = false, interactive = false, privileged = false, tty = false;
  std::string detach_keys, user, workdir;
  std::vector<std::string> env, env_file;
  auto& f = inv.flags();
  f.Bool(&detach, "d,detach", "Detached mode: run command in the background");
  f.String(&detach_keys, "detach-keys", "Override the key sequence for detaching a container");
  f.List(&env, "e,env", "Set environment variables", "list", ValidateEnv);
  f.List(&env_file, "env-file", "Read in a file of environment variables");
  f.Bool(&interactive, "i,interactive", "Keep STDIN open even if not attached");
  f.Bool(&privileged, "privileged", "Give extended privileges to the command");
  f.Bool(&tty, "t,tty", "Allocate a pseudo-TTY");
  f.String(&user, "u,user", "Username or UID (format: <name|uid>[:<group|gid>])");
  f.String(&workdir, "w,workdir", "Working directory inside the container");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  const std::string& container = (*args)[0];
  std::vector<std::string> cmd(args->begin() + 1, args->end());

  std::vector<std::string> all_env;
  for (const auto& file : env_file) {
    auto lines = SKIFF_TRY(ParseEnvFile(file));
    all_env.insert(all_env.end(), lines.begin(), lines.end());
  }
  all_env.insert(all_env.end(), env.begin(), env.end());
  bool attach_in = !detach && interactive;
  bool attach_out = !detach, attach_err = !detach;

  SKIFF_TRY(InspectContainer(cli, container));
  if (!detach && tty && attach_in && !cli.InIsTerminal()) {
    return Error(Errc::kInvalidArgument, "the input device is not a TTY");
  }
  OJson body = OJson::object();
  body["User"] = user;
  body["Privileged"] = privileged;
  body["Tty"] = tty;
  body["AttachStdin"] = attach_in;
  body["AttachStderr"] = attach_err;
  body["AttachStdout"] = attach_out;
  body["Detach"] = detach;
  body["DetachKeys"] = detach_keys;
  body["Env"] = all_env.empty() ? OJson(nullptr) : OJson(all_env);
  body["WorkingDir"] = workdir;
  body["Cmd"] = cmd;
  auto created = cli.api().Open("POST", "/containers/" + container + "/exec", {}, GoJsonDump(body) + "\n", -1,
                                {{"Content-Type", "application/json"}});
  if (!created.ok()) return NotFoundAs(std::move(created).error(), "container", container);
  auto reply = SKIFF_TRY(ParseJson(SKIFF_TRY((*created)->ReadAll()), "exec create response"));
  std::string exec_id = reply.value("Id", "");
  if (exec_id.empty()) return Error(Errc::kInternal, "exec ID empty");

  OJson start = OJson::object();
  start["Detach"] = detach;
  start["Tty"] = tty;
  if (detach) {
    auto r = cli.api().Open("POST", "/exec/" + exec_id + "/start", {}, GoJsonDump(start) + "\n", -1,
                            {{"Content-Type", "application/json"}});
    if (!r.ok()) return std::move(r).error();
    return 0;
  }
  auto keys = SKIFF_TRY(DetachKeysToBytes(detach_keys.empty() ? std::string(kDefaultDetachKeys) : detach_keys));
  bool resize = tty && cli.InIsTerminal();
  std::unique_ptr<SignalThread> winch;
  if (resize) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGWINCH);
    winch = std::make_unique<SignalThread>(set, [&cli, exec_id](int) { (void)ResizeTty(cli, exec_id, true); });
  }
  auto conn = SKIFF_TRY(cli.api().Hijack("/exec/" + exec_id + "/start", {}, Json::parse(GoJsonDump(start))));
  StreamOptions so;
  so.in_fd = attach_in ? cli.in_fd() : -1;
  so.out_fd = cli.out_fd();
  so.err_fd = tty ? cli.out_fd() : cli.err_fd();
  so.tty = tty;
  so.raw = tty && attach_in && cli.InIsTerminal();
  so.detach_keys = keys;
  BackgroundStream stream(std::move(conn), so);
  if (resize) InitTtySize(cli, exec_id, true);
  auto end = stream.Join();
  if (!end.ok()) return std::move(end).error();
  if (*end == StreamEnd::kDetached) return Error(Errc::kCancelled, "read escape sequence");
  auto info = cli.api().GetJson("/exec/" + exec_id + "/json");
  if (!info.ok()) {
    if (info.error().code() == Errc::kUnavailable) return -1;
    return std::move(info).error();
  }
  return info->value("ExitCode", 0);
}

}  // namespace

void RegisterExecCommands() {
  Commands().push_back({"container", "exec", {}, "exec", "[OPTIONS] CONTAINER COMMAND [ARG...]",
                        "Run a command in a running container", MinArgs(2), false, Exec});
}

}  // namespace skiff::cli

// run, create, start, attach, wait: the commands that create containers or follow their streams.
#include <unistd.h>

#include <optional>

#include <fmt/format.h>

#include "base/strings.h"
#include "cli/command.h"
#include "cli/container_common.h"
#include "cli/run_config.h"
#include "cli/session.h"
#include "cli/terminal.h"

namespace skiff::cli {
namespace {

// Starts the signal thread a session needs: forwarding (sig-proxy) and/or SIGWINCH resizes.
std::unique_ptr<SignalThread> SessionSignals(const Cli& cli, const std::string& id, bool proxy, bool resize_tty) {
  if (!proxy && !resize_tty) return nullptr;
  sigset_t set;
  if (proxy) {
    set = ForwardableSignals();
  } else {
    sigemptyset(&set);
  }
  if (resize_tty) sigaddset(&set, SIGWINCH);
  return std::make_unique<SignalThread>(set, [&cli, id, proxy, resize_tty](int sig) {
    if (sig == SIGWINCH && resize_tty) {
      (void)ResizeTty(cli, id, false);
      return;
    }
    if (!proxy) return;
    std::string name = SignalName(sig);
    if (name.empty()) {
      cli.Err(fmt::format("Unsupported signal: {}. Discarding.\n", sig));
      return;
    }
    Query q;
    q.Set("signal", name);
    (void)cli.api().Call("POST", "/containers/" + id + "/kill", q);
  });
}

Result<std::string> DetachKeyBytes(const std::string& keys) {
  return DetachKeysToBytes(keys.empty() ? std::string(kDefaultDetachKeys) : keys);
}

// docker's waitExitOrRemoved result: the exit code, 125 (and a logged error) when the wait failed.
int ExitStatus(const Cli& cli, Result<ContainerWaiter>& waiter) {
  if (!waiter.ok()) {
    LogrusError(cli, "error waiting for container: " + waiter.error().message());
    return 125;
  }
  auto status = waiter->Finish();
  if (!status.ok()) {
    LogrusError(cli, "Error waiting for container: " + status.error().message());
    return 125;
  }
  return static_cast<int>(*status);
}

Result<int> RunOrCreate(Cli& cli, Invocation& inv, bool run) {
  ContainerFlags f;
  DefineContainerFlags(inv.flags(), &f, run);
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  const char* cmd_name = run ? "run" : "create";
  auto built = BuildCreateRequest(inv.flags(), f, *args);
  if (!built.ok()) {
    ReportError(cli, cmd_name, built.error().message(), true);
    return 125;
  }
  CreateRequest req = std::move(built).value();
  if (!run) {
    auto id = CreateContainer(cli, req, f.pull, f.cidfile);
    if (!id.ok()) return std::move(id).error();
    cli.Out(*id + "\n");
    return 0;
  }

  OJson& c = req.body;
  if (!f.detach) {
    if (f.tty && c["AttachStdin"].get<bool>() && !cli.InIsTerminal()) {
      return Error(Errc::kInvalidArgument, "the input device is not a TTY");
    }
  } else {
    if (!f.attach.empty()) return Error(Errc::kInvalidArgument, "Conflicting options: -a and -d");
    c["AttachStdin"] = false;
    c["AttachStdout"] = false;
    c["AttachStderr"] = false;
    c["StdinOnce"] = false;
  }
  bool attach_in = c["AttachStdin"].get<bool>();
  bool attach_out = c["AttachStdout"].get<bool>();
  bool attach_err = c["AttachStderr"].get<bool>();
  bool tty = f.tty;

  auto created = CreateContainer(cli, req, f.pull, f.cidfile);
  if (!created.ok()) {
    ReportError(cli, "run", created.error().message(), true);
    return StartErrorExitCode(created.error().message());
  }
  std::string id = *created;

  bool attach = attach_in || attach_out || attach_err;
  bool resize = attach && tty && cli.OutIsTerminal();
  auto signals = SessionSignals(cli, id, f.sig_proxy, resize);

  if (!attach_out && !attach_err) cli.Out(id + "\n");

  std::optional<BackgroundStream> stream;
  if (attach) {
    auto keys = DetachKeyBytes(f.detach_keys);
    if (!keys.ok()) return std::move(keys).error();
    auto conn = cli.api().Hijack("/containers/" + id + "/attach",
                                 AttachQuery(attach_in, attach_out, attach_err, f.detach_keys), std::nullopt);
    if (!conn.ok()) return std::move(conn).error();
    StreamOptions so;
    so.in_fd = attach_in ? cli.in_fd() : -1;
    so.out_fd = attach_out ? cli.out_fd() : -1;
    so.err_fd = attach_err ? (tty ? cli.out_fd() : cli.err_fd()) : -1;
    so.tty = tty;
    so.raw = tty && attach_in && cli.InIsTerminal();
    so.detach_keys = *keys;
    stream.emplace(std::move(conn).value(), so);
  }

  auto waiter = ContainerWaiter::Start(cli.api(), id, f.rm ? "removed" : "next-exit");
  auto started = cli.api().Call("POST", "/containers/" + id + "/start");
  if (!started.ok()) {
    if (stream) stream->Cancel();
    ReportError(cli, "run", started.error().message(), false);
    // docker's background waiter logs its cancellation when the attached run gives up.
    if (stream) LogrusError(cli, "error waiting for container: context canceled");
    if (f.rm && waiter.ok()) (void)waiter->Finish();
    return StartErrorExitCode(started.error().message());
  }
  if (resize) InitTtySize(cli, id, false);

  if (stream) {
    auto end = stream->Join();
    if (end.ok() && *end == StreamEnd::kDetached) return 0;
    if (!end.ok()) return std::move(end).error();
  }
  if (!attach_out && !attach_err) return 0;
  return ExitStatus(cli, waiter);
}

Result<int> Start(Cli& cli, Invocation& inv) {
  bool attach = false, interactive = false;
  std::string detach_keys, checkpoint, checkpoint_dir;
  inv.flags().Bool(&attach, "a,attach", "Attach STDOUT/STDERR and forward signals");
  inv.flags().String(&checkpoint, "checkpoint", "Restore from this checkpoint");
  inv.flags().String(&checkpoint_dir, "checkpoint-dir", "Use a custom checkpoint storage directory");
  inv.flags().String(&detach_keys, "detach-keys", "Override the key sequence for detaching a container");
  inv.flags().Bool(&interactive, "i,interactive", "Attach container's STDIN");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();

  if (!attach && !interactive) {
    std::vector<std::string> failed;
    for (const auto& name : *args) {
      Query q;
      if (!checkpoint.empty()) q.Set("checkpoint", checkpoint);
      if (!checkpoint_dir.empty()) q.Set("checkpoint-dir", checkpoint_dir);
      auto r = cli.api().Call("POST", "/containers/" + name + "/start", q);
      if (!r.ok()) {
        cli.Err(r.error().message() + "\n");
        failed.push_back(name);
        continue;
      }
      cli.Out(name + "\n");
    }
    if (!failed.empty()) {
      return Error(Errc::kInternal, "Error: failed to start containers: " + Join(failed, ", "));
    }
    return 0;
  }
  if (args->size() > 1) return Error(Errc::kInvalidArgument, "you cannot start and attach multiple containers at once");
  auto c = SKIFF_TRY(InspectContainer(cli, (*args)[0]));
  std::string id = c.value("Id", "");
  bool tty = c["Config"].value("Tty", false);
  bool open_stdin = c["Config"].value("OpenStdin", false);
  bool auto_remove = c["HostConfig"].value("AutoRemove", false);
  bool resize = tty && cli.OutIsTerminal();
  auto signals = SessionSignals(cli, id, !tty, resize);
  auto keys = SKIFF_TRY(DetachKeyBytes(detach_keys));
  bool in = interactive && open_stdin;
  auto conn = SKIFF_TRY(cli.api().Hijack("/containers/" + id + "/attach", AttachQuery(in, true, true, detach_keys),
                                         std::nullopt));
  StreamOptions so;
  so.in_fd = in ? cli.in_fd() : -1;
  so.tty = tty;
  so.raw = tty && in && cli.InIsTerminal();
  so.detach_keys = keys;
  BackgroundStream stream(std::move(conn), so);
  auto waiter = ContainerWaiter::Start(cli.api(), id, auto_remove ? "removed" : "next-exit");
  auto started = cli.api().Call("POST", "/containers/" + id + "/start");
  if (!started.ok()) {
    stream.Cancel();
    if (auto_remove && waiter.ok()) (void)waiter->Finish();
    return std::move(started).error();
  }
  if (resize) InitTtySize(cli, id, false);
  auto end = stream.Join();
  if (end.ok() && *end == StreamEnd::kDetached) return 0;
  if (!end.ok()) return std::move(end).error();
  return ExitStatus(cli, waiter);
}

Status CheckAttachable(const Json& c) {
  const Json& st = c["State"];
  if (!st.value("Running", false)) {
    return Error(Errc::kConflict, "You cannot attach to a stopped container, start it first");
  }
  if (st.value("Paused", false)) return Error(Errc::kConflict, "You cannot attach to a paused container, unpause it first");
  if (st.value("Restarting", false)) {
    return Error(Errc::kConflict, "You cannot attach to a restarting container, wait until it is running");
  }
  return Ok();
}

Result<int> Attach(Cli& cli, Invocation& inv) {
  std::string detach_keys;
  bool no_stdin = false, sig_proxy = true;
  inv.flags().String(&detach_keys, "detach-keys", "Override the key sequence for detaching a container");
  inv.flags().Bool(&no_stdin, "no-stdin", "Do not attach STDIN");
  inv.flags().Bool(&sig_proxy, "sig-proxy", "Proxy all received signals to the process", true);
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  const std::string& name = (*args)[0];
  auto waiter = ContainerWaiter::Start(cli.api(), name, "");
  auto c = SKIFF_TRY(InspectContainer(cli, name));
  SKIFF_TRY(CheckAttachable(c));
  bool tty = c["Config"].value("Tty", false);
  if (!no_stdin && tty && !cli.InIsTerminal()) return Error(Errc::kInvalidArgument, "the input device is not a TTY");
  bool in = !no_stdin && c["Config"].value("OpenStdin", false);
  auto signals = SessionSignals(cli, name, sig_proxy && !tty, tty && cli.OutIsTerminal());
  auto keys = SKIFF_TRY(DetachKeyBytes(detach_keys));
  auto conn = SKIFF_TRY(cli.api().Hijack("/containers/" + name + "/attach", AttachQuery(in, true, true, detach_keys),
                                         std::nullopt));
  auto again = SKIFF_TRY(InspectContainer(cli, name));
  SKIFF_TRY(CheckAttachable(again));
  if (tty && cli.OutIsTerminal()) (void)ResizeTty(cli, name, false);
  StreamOptions so;
  so.in_fd = in ? cli.in_fd() : -1;
  so.tty = tty;
  so.raw = tty && in && cli.InIsTerminal();
  so.detach_keys = keys;
  auto end = SKIFF_TRY(StreamHijacked(conn, so));
  if (end == StreamEnd::kDetached) return Error(Errc::kCancelled, "read escape sequence");
  if (!waiter.ok()) return std::move(waiter).error();
  auto status = waiter->Finish();
  if (!status.ok()) return std::move(status).error();
  return static_cast<int>(*status);
}

Result<int> Wait(Cli& cli, Invocation& inv) {
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  std::vector<std::string> errs;
  for (const auto& name : *args) {
    auto w = ContainerWaiter::Start(cli.api(), name, "");
    if (!w.ok()) {
      errs.push_back(w.error().message());
      continue;
    }
    auto code = w->Finish();
    if (!code.ok()) {
      errs.push_back(code.error().message());
      continue;
    }
    cli.Out(fmt::format("{}\n", *code));
  }
  return JoinedErrors(errs);
}

}  // namespace

void RegisterContainerRunCommands() {
  auto& c = Commands();
  c.push_back({"container", "run", {}, "run", "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Run a command in a new container",
               MinArgs(1), false, [](Cli& cli, Invocation& inv) { return RunOrCreate(cli, inv, true); }});
  c.push_back({"container", "create", {}, "create", "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container",
               MinArgs(1), false, [](Cli& cli, Invocation& inv) { return RunOrCreate(cli, inv, false); }});
  c.push_back({"container", "start", {}, "start", "[OPTIONS] CONTAINER [CONTAINER...]",
               "Start one or more stopped containers", MinArgs(1), true, Start});
  c.push_back({"container", "attach", {}, "attach", "[OPTIONS] CONTAINER",
               "Attach local standard input, output, and error streams to a running container", ExactArgs(1), true,
               Attach});
  c.push_back({"container", "wait", {}, "wait", "CONTAINER [CONTAINER...]",
               "Block until one or more containers stop, then print their exit codes", MinArgs(1), true, Wait});
}

}  // namespace skiff::cli

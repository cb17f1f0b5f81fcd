// `docker exec`: exec instances, started through the container's shim.
#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"
#include "daemon/daemon.h"
#include "daemon/live.h"
#include "daemon/names.h"
#include "daemon/settings.h"
#include "daemon/shim/shim.h"
#include "daemon/spec.h"
#include "daemon/userinfo.h"

namespace skiff::daemon {
namespace {

// dockerd 20.10's messages: the paused one repeats the name the user gave, the others the full ID.
Status CheckRunning(const ContainerRecord& r, const std::string& name) {
  switch (r.state.status) {
    case ContainerStatus::kRunning:
      return Ok();
    case ContainerStatus::kPaused:
      return Error(Errc::kConflict, "Container " + name + " is paused, unpause the container before exec");
    case ContainerStatus::kRestarting:
      return Error(Errc::kConflict, "Container " + r.id + " is restarting, wait until the container is running");
    default:
      return Error(Errc::kConflict, "Container " + r.id + " is not running");
  }
}

}  // namespace

Result<std::string> Daemon::ExecCreate(const std::string& ref, const Json& body) {
  auto c = SKIFF_TRY(Find(ref));
  if (!body.is_object()) return Error(Errc::kInvalidArgument, "invalid exec config: expected a JSON object");
  std::vector<std::string> cmd = Strings(body.value("Cmd", Json(nullptr)));
  if (cmd.empty()) return Error(Errc::kInvalidArgument, "No exec command specified");
  ContainerRecord rec;
  {
    std::lock_guard l(c->mu);
    SKIFF_TRY(CheckRunning(c->rec, ref));
    rec = c->rec;
  }
  auto inst = std::make_shared<ExecInstance>();
  inst->id = NewId();
  inst->container_id = rec.id;
  inst->config = body;
  {
    std::lock_guard l(mu_);
    execs_[inst->id] = inst;
  }
  Emit(rec, "exec_create: " + Join(cmd, " "), {{"execID", inst->id}});
  return inst->id;
}

Result<ExecStartInfo> Daemon::ExecCheck(const std::string& exec_id) {
  std::shared_ptr<ExecInstance> inst;
  {
    std::lock_guard l(mu_);
    auto it = execs_.find(exec_id);
    if (it == execs_.end()) return Error(Errc::kNotFound, "No such exec instance: " + exec_id);
    inst = it->second;
  }
  std::lock_guard l(inst->mu);
  if (inst->running) return Error(Errc::kConflict, "Error: Exec command " + exec_id + " is already running");
  if (inst->started) return Error(Errc::kConflict, "Error: Exec command " + exec_id + " has already run");
  ExecStartInfo info;
  info.tty = inst->config.value("Tty", false);
  info.attach_stdin = inst->config.value("AttachStdin", false);
  info.attach_stdout = inst->config.value("AttachStdout", false);
  info.attach_stderr = inst->config.value("AttachStderr", false);
  info.detach_keys = inst->config.value("DetachKeys", "");
  return info;
}

Status Daemon::ExecStart(const std::string& exec_id, bool detach, UniqueFd conn, std::string preamble) {
  std::shared_ptr<ExecInstance> inst;
  {
    std::lock_guard l(mu_);
    auto it = execs_.find(exec_id);
    if (it == execs_.end()) return Error(Errc::kNotFound, "No such exec instance: " + exec_id);
    inst = it->second;
  }
  auto c = SKIFF_TRY(Find(inst->container_id));
  ContainerRecord rec;
  {
    std::lock_guard l(c->mu);
    SKIFF_TRY(CheckRunning(c->rec, c->rec.id));
    rec = c->rec;
  }
  {
    std::lock_guard l(inst->mu);
    if (inst->running) return Error(Errc::kConflict, "Error: Exec command " + exec_id + " is already running");
    if (inst->started) return Error(Errc::kConflict, "Error: Exec command " + exec_id + " has already run");
    inst->started = true;
    inst->running = true;
  }
  auto finish = [&](int code) {
    {
      std::lock_guard l(inst->mu);
      inst->running = false;
      inst->exit_code = code;
    }
    inst->cv.notify_all();
  };
  const Json& ec = inst->config;
  std::string dir = ContainerDir(rec.id);
  auto spec = ReadJsonFile(dir + "/config.json");
  if (!spec.ok()) {
    finish(126);
    return spec.error();
  }
  std::string user_spec = ec.value("User", "");
  if (user_spec.empty()) user_spec = rec.config.value("User", "");
  auto user = ResolveUser(images_->snapshots().SnapshotMerged(rec.id), user_spec,
                          Strings(rec.host_config.value("GroupAdd", Json(nullptr))));
  if (!user.ok()) {
    finish(126);
    return Error(Errc::kInvalidArgument, user.error().message());
  }
  auto process = BuildExecProcess(rec, (*spec)["process"], ec, *user);
  if (!process.ok()) {
    finish(126);
    return process.error();
  }
  std::vector<std::string> cmd = Strings(ec.value("Cmd", Json(nullptr)));
  Emit(rec, "exec_start: " + Join(cmd, " "), {{"execID", exec_id}});
  shim::ExecOptions o;
  o.exec_id = exec_id;
  o.process = *process;
  bool tty = ec.value("Tty", false);
  o.io.stdin = !detach && ec.value("AttachStdin", false);
  o.io.stdout = !detach && ec.value("AttachStdout", false);
  o.io.stderr = !detach && ec.value("AttachStderr", false);
  o.io.multiplex = !tty;
  o.io.detach_keys = ec.value("DetachKeys", "");
  shim::Client client(dir);
  auto pid = client.Exec(o, detach ? -1 : conn.get(), preamble);
  if (!pid.ok()) {
    std::string msg = pid.error().message();
    int code = 126;  // dockerd 20.10: every exec that the runtime cannot start
    finish(code);
    Emit(rec, "exec_die", {{"execID", exec_id}, {"exitCode", std::to_string(code)}});
    return Error(Errc::kInvalidArgument, "OCI runtime exec failed: exec failed: " + msg + ": unknown");
  }
  {
    std::lock_guard l(inst->mu);
    inst->pid = *pid;
  }
  inst->cv.notify_all();
  Background([this, inst, rec, dir](std::stop_token stop) {
    auto r = shim::Client(dir).Wait(inst->id, stop);
    if (stop.stop_requested()) return;
    int code = r.ok() ? r->exit_code : 137;
    {
      std::lock_guard l(inst->mu);
      if (!inst->exit_code) inst->exit_code = code;
      inst->running = false;
    }
    Emit(rec, "exec_die", {{"execID", inst->id}, {"exitCode", std::to_string(code)}});
  });
  return Ok();
}

Result<Json> Daemon::ExecInspect(const std::string& exec_id) {
  std::shared_ptr<ExecInstance> inst;
  {
    std::lock_guard l(mu_);
    auto it = execs_.find(exec_id);
    if (it == execs_.end()) return Error(Errc::kNotFound, "No such exec instance: " + exec_id);
    inst = it->second;
  }
  bool running;
  {
    std::lock_guard l(inst->mu);
    running = inst->running;
  }
  if (running) {
    // The shim knows first when the process has ended (the monitor thread may not have heard yet).
    auto st = shim::Client(ContainerDir(inst->container_id)).State();
    std::lock_guard l(inst->mu);
    if (st.ok()) {
      auto it = st->execs.find(exec_id);
      if (it != st->execs.end() && !it->second.running && it->second.exit) {
        inst->running = false;
        if (!inst->exit_code) inst->exit_code = it->second.exit->exit_code;
      }
    } else if (st.error().code() == Errc::kUnavailable) {
      inst->running = false;  // the container (and so the exec) has ended
      if (!inst->exit_code) inst->exit_code = 137;
    }
  }
  std::lock_guard l(inst->mu);
  const Json& ec = inst->config;
  std::vector<std::string> cmd = Strings(ec.value("Cmd", Json(nullptr)));
  std::vector<std::string> args(cmd.empty() ? cmd.end() : cmd.begin() + 1, cmd.end());
  return Json{{"ID", inst->id},
              {"Running", inst->running},
              {"ExitCode", inst->exit_code ? Json(*inst->exit_code) : Json(nullptr)},
              {"ProcessConfig",
               {{"tty", ec.value("Tty", false)},
                {"entrypoint", cmd.empty() ? "" : cmd[0]},
                {"arguments", args},
                {"privileged", ec.value("Privileged", false)},
                {"user", ec.value("User", "")}}},
              {"OpenStdin", ec.value("AttachStdin", false)},
              {"OpenStderr", ec.value("AttachStderr", false)},
              {"OpenStdout", ec.value("AttachStdout", false)},
              {"CanRemove", false},
              {"ContainerID", inst->container_id},
              {"DetachKeys", ec.value("DetachKeys", "")},
              {"Pid", inst->pid}};
}

Status Daemon::ExecResize(const std::string& exec_id, unsigned height, unsigned width) {
  std::shared_ptr<ExecInstance> inst;
  {
    std::lock_guard l(mu_);
    auto it = execs_.find(exec_id);
    if (it == execs_.end()) return Error(Errc::kNotFound, "No such exec instance: " + exec_id);
    inst = it->second;
  }
  {
    // The CLI resizes right after its start request: wait until the process (and its pty) exists.
    std::unique_lock l(inst->mu);
    if (!inst->cv.wait_for(l, std::chrono::seconds(10), [&] { return inst->pid != 0 || inst->exit_code.has_value(); })) {
      return Error(Errc::kConflict, "timeout waiting for exec session ready");
    }
    if (inst->pid == 0) return Ok();  // it failed to start or ended
  }
  return shim::Client(ContainerDir(inst->container_id)).Resize(exec_id, height, width);
}

}  // namespace skiff::daemon

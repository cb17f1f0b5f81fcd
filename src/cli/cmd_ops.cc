// stop, kill, restart, pause, unpause, rm, rename, container prune, update: container state changes.
#include <unistd.h>

#include <atomic>
#include <thread>

#include <fmt/format.h>

#include "base/strings.h"
#include "base/units.h"
#include "cli/command.h"
#include "cli/container_common.h"
#include "cli/opts.h"
#include "cli/run_config.h"

namespace skiff::cli {
namespace {

Result<int> Stop(Cli& cli, Invocation& inv, bool restart) {
  int64_t time = 10;
  inv.flags().Int(&time, "t,time", restart ? "Seconds to wait for stop before killing the container"
                                           : "Seconds to wait for stop before killing it",
                  10);
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  Query q;
  if (inv.flags().Changed("time")) q.Set("t", std::to_string(time));
  return ForEachContainer(cli, *args, [&](const std::string& name) -> Status {
    auto r = cli.api().Call("POST", "/containers/" + name + (restart ? "/restart" : "/stop"), q);
    if (!r.ok()) return std::move(r).error();
    return Ok();
  });
}

Result<int> Kill(Cli& cli, Invocation& inv) {
  std::string signal = "KILL";
  inv.flags().String(&signal, "s,signal", "Signal to send to the container", "KILL");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  Query q;
  q.Set("signal", signal);
  return ForEachContainer(cli, *args, [&](const std::string& name) -> Status {
    auto r = cli.api().Call("POST", "/containers/" + name + "/kill", q);
    if (!r.ok()) return std::move(r).error();
    return Ok();
  });
}

Result<int> PauseUnpause(Cli& cli, Invocation& inv, const char* action) {
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  return ForEachContainer(cli, *args, [&](const std::string& name) -> Status {
    auto r = cli.api().Call("POST", "/containers/" + name + "/" + action);
    if (!r.ok()) return std::move(r).error();
    return Ok();
  });
}

Result<int> Rm(Cli& cli, Invocation& inv) {
  bool force = false, link = false, volumes = false;
  inv.flags().Bool(&force, "f,force", "Force the removal of a running container (uses SIGKILL)");
  inv.flags().Bool(&link, "l,link", "Remove the specified link");
  inv.flags().Bool(&volumes, "v,volumes", "Remove anonymous volumes associated with the container");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  Query q;
  q.SetBool("v", volumes);
  q.SetBool("link", link);
  q.SetBool("force", force);
  // Like docker's parallelOperation: the removals run at once, their results are reported in order.
  std::vector<std::string> names;
  for (const auto& orig : *args) {
    std::string name = orig;
    while (!name.empty() && name.front() == '/') name.erase(name.begin());
    while (!name.empty() && name.back() == '/') name.pop_back();
    names.push_back(name);
  }
  std::vector<Status> results(names.size());
  {
    std::vector<std::thread> workers;
    std::atomic<size_t> next{0};
    size_t n = std::min<size_t>(names.size(), 50);
    for (size_t w = 0; w < n; ++w) {
      workers.emplace_back([&] {
        for (size_t i = next++; i < names.size(); i = next++) {
          if (names[i].empty()) continue;
          auto r = cli.api().Call("DELETE", "/containers/" + names[i], q);
          results[i] = r.ok() ? Ok() : Status(std::move(r).error());
        }
      });
    }
    for (auto& t : workers) t.join();
  }
  std::vector<std::string> errs;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& orig = (*args)[i];
    const std::string& name = names[i];
    if (name.empty()) {
      errs.push_back("Container name cannot be empty");
      continue;
    }
    auto& r = results[i];
    if (!r.ok()) {
      Error e = NotFoundAs(std::move(r).error(), "container", name);
      if (force && IsNotFound(e)) {
        cli.Err(e.message() + "\n");
        continue;
      }
      errs.push_back(e.message());
      continue;
    }
    cli.Out(orig + "\n");
  }
  return JoinedErrors(errs);
}

Result<int> Rename(Cli& cli, Invocation& inv) {
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  std::string old_name(Trim((*args)[0])), new_name(Trim((*args)[1]));
  if (old_name.empty() || new_name.empty()) {
    return Error(Errc::kInvalidArgument, "Error: Neither old nor new names may be empty");
  }
  Query q;
  q.Set("name", new_name);
  auto r = cli.api().Call("POST", "/containers/" + old_name + "/rename", q);
  if (!r.ok()) {
    cli.Err(r.error().message() + "\n");
    return Error(Errc::kInternal, "Error: failed to rename container named " + old_name);
  }
  return 0;
}

}  // namespace

// docker's command.PromptForConfirmation.
bool PromptForConfirmation(const Cli& cli, const std::string& message) {
  cli.Out(message + " [y/N] ");
  std::string line;
  char c;
  while (::read(cli.in_fd(), &c, 1) == 1 && c != '\n') line += c;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return ToLower(line) == "y";
}

namespace {

Result<int> ContainerPrune(Cli& cli, Invocation& inv) {
  bool force = false;
  std::vector<std::pair<std::string, std::string>> filters;
  inv.flags().Filter(&filters, "filter", "Provide filter values (e.g. 'until=<timestamp>')");
  inv.flags().Bool(&force, "f,force", "Do not prompt for confirmation");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  if (!force && !PromptForConfirmation(cli, "WARNING! This will remove all stopped containers.\nAre you sure you want to continue?")) {
    return 0;
  }
  Query q;
  if (!filters.empty()) q.Set("filters", FiltersJson(filters));
  auto report = SKIFF_TRY(cli.api().PostJson("/containers/prune", q));
  std::string out;
  uint64_t reclaimed = 0;
  if (report.contains("ContainersDeleted") && report["ContainersDeleted"].is_array() &&
      !report["ContainersDeleted"].empty()) {
    out = "Deleted Containers:\n";
    for (const auto& id : report["ContainersDeleted"]) out += id.get<std::string>() + "\n";
    reclaimed = report.value("SpaceReclaimed", uint64_t{0});
  }
  if (!out.empty()) cli.Out(out + "\n");
  cli.Out("Total reclaimed space: " + units::HumanSize(static_cast<double>(reclaimed)) + "\n");
  return 0;
}

Result<int> Update(Cli& cli, Invocation& inv) {
  ContainerFlags f;
  std::string restart;
  auto& fl = inv.flags();
  auto bytes = [&](int64_t* dst, std::string_view names, std::string help, bool swap = false) {
    BytesFlag(fl, dst, names, std::move(help), swap);
  };
  fl.Uint(&f.blkio_weight, "blkio-weight", "Block IO (relative weight), between 10 and 1000, or 0 to disable", 0,
          "uint16");
  fl.Int(&f.cpu_period, "cpu-period", "Limit CPU CFS (Completely Fair Scheduler) period");
  fl.Int(&f.cpu_quota, "cpu-quota", "Limit CPU CFS (Completely Fair Scheduler) quota");
  fl.Int(&f.cpu_rt_period, "cpu-rt-period", "Limit the CPU real-time period in microseconds");
  fl.Int(&f.cpu_rt_runtime, "cpu-rt-runtime", "Limit the CPU real-time runtime in microseconds");
  fl.Int(&f.cpu_shares, "c,cpu-shares", "CPU shares (relative weight)");
  fl.Add("cpus", "decimal", "Number of CPUs", "", [&f](const std::string& v) -> Status {
    f.nano_cpus = SKIFF_TRY(ParseNanoCpus(v));
    return Ok();
  });
  fl.String(&f.cpuset_cpus, "cpuset-cpus", "CPUs in which to allow execution (0-3, 0,1)");
  fl.String(&f.cpuset_mems, "cpuset-mems", "MEMs in which to allow execution (0-3, 0,1)");
  bytes(&f.kernel_memory, "kernel-memory", "Kernel memory limit");
  bytes(&f.memory, "m,memory", "Memory limit");
  bytes(&f.memory_reservation, "memory-reservation", "Memory soft limit");
  bytes(&f.memory_swap, "memory-swap", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", true);
  fl.Int(&f.pids_limit, "pids-limit", "Tune container pids limit (set -1 for unlimited)");
  fl.String(&restart, "restart", "Restart policy to apply when a container exits");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  static const char* kNames[] = {"blkio-weight", "cpu-period",  "cpu-quota",   "cpu-rt-period",
                                 "cpu-rt-runtime", "cpu-shares", "cpus",        "cpuset-cpus",
                                 "cpuset-mems",  "kernel-memory", "memory",    "memory-reservation",
                                 "memory-swap",  "pids-limit",  "restart"};
  bool any = false;
  for (const char* n : kNames) any = any || fl.Changed(n);
  if (!any) return Error(Errc::kInvalidArgument, "you must provide one or more flags when using this command");
  OJson policy = OJson::object();
  policy["Name"] = "";
  policy["MaximumRetryCount"] = 0;
  if (!restart.empty()) policy = SKIFF_TRY(ParseRestartPolicy(restart));

  OJson b = ResourcesJson(f, true, OJson(nullptr));
  b["RestartPolicy"] = policy;
  std::string body = GoJsonDump(b) + "\n";

  std::vector<std::string> warns, errs;
  for (const auto& name : *args) {
    auto resp = cli.api().Open("POST", "/containers/" + name + "/update", {}, body, -1,
                               {{"Content-Type", "application/json"}});
    if (!resp.ok()) {
      errs.push_back(resp.error().message());
      continue;
    }
    auto text = (*resp)->ReadAll();
    cli.Out(name + "\n");
    if (text.ok()) {
      auto j = ParseJson(*text, "update response");
      if (j.ok() && j->contains("Warnings") && (*j)["Warnings"].is_array()) {
        for (const auto& w : (*j)["Warnings"]) warns.push_back(w.get<std::string>());
      }
    }
  }
  if (!warns.empty()) cli.Out(Join(warns, "\n") + "\n");
  return JoinedErrors(errs);
}

}  // namespace

void RegisterContainerOpsCommands() {
  auto& c = Commands();
  c.push_back({"container", "stop", {}, "stop", "[OPTIONS] CONTAINER [CONTAINER...]", "Stop one or more running containers",
               MinArgs(1), true, [](Cli& cli, Invocation& inv) { return Stop(cli, inv, false); }});
  c.push_back({"container", "restart", {}, "restart", "[OPTIONS] CONTAINER [CONTAINER...]",
               "Restart one or more containers", MinArgs(1), true,
               [](Cli& cli, Invocation& inv) { return Stop(cli, inv, true); }});
  c.push_back({"container", "kill", {}, "kill", "[OPTIONS] CONTAINER [CONTAINER...]",
               "Kill one or more running containers", MinArgs(1), true, Kill});
  c.push_back({"container", "pause", {}, "pause", "CONTAINER [CONTAINER...]",
               "Pause all processes within one or more containers", MinArgs(1), true,
               [](Cli& cli, Invocation& inv) { return PauseUnpause(cli, inv, "pause"); }});
  c.push_back({"container", "unpause", {}, "unpause", "CONTAINER [CONTAINER...]",
               "Unpause all processes within one or more containers", MinArgs(1), true,
               [](Cli& cli, Invocation& inv) { return PauseUnpause(cli, inv, "unpause"); }});
  c.push_back({"container", "rm", {}, "rm", "[OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers",
               MinArgs(1), true, Rm});
  c.push_back({"container", "rename", {}, "rename", "CONTAINER NEW_NAME", "Rename a container", ExactArgs(2), true,
               Rename});
  c.push_back({"container", "prune", {}, "", "[OPTIONS]", "Remove all stopped containers", NoArgs(), true,
               ContainerPrune});
  c.push_back({"container", "update", {}, "update", "[OPTIONS] CONTAINER [CONTAINER...]",
               "Update configuration of one or more containers", MinArgs(1), true, Update});
}

}  // namespace skiff::cli

// ps, inspect, logs, top, port, diff: the read-only container commands.
#include <algorithm>
#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "base/file.h"
#include "base/strings.h"
#include "cli/command.h"
#include "cli/container_common.h"
#include "cli/format/tabwriter.h"
#include "cli/opts.h"
#include "cli/output.h"
#include "cli/rows.h"
#include "cli/stdcopy.h"
#include "cli/timefmt.h"

namespace skiff::cli {
namespace {

int64_t NowUnix() { return static_cast<int64_t>(std::time(nullptr)); }

Result<int> Ps(Cli& cli, Invocation& inv) {
  bool all = false, quiet = false, size = false, no_trunc = false, latest = false;
  int64_t last = -1;
  std::string fmt_str;
  std::vector<std::pair<std::string, std::string>> filters;
  auto& f = inv.flags();
  f.Bool(&all, "a,all", "Show all containers (default shows just running)");
  f.Filter(&filters, "f,filter", "Filter output based on conditions provided");
  f.String(&fmt_str, "format", "Pretty-print containers using a Go template");
  f.Int(&last, "n,last", "Show n last created containers (includes all states)", -1);
  f.Bool(&latest, "l,latest", "Show the latest created container (includes all states)");
  f.Bool(&no_trunc, "no-trunc", "Don't truncate output");
  f.Bool(&quiet, "q,quiet", "Only display container IDs");
  f.Bool(&size, "s,size", "Display total file sizes");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();

  if (!fmt_str.empty() && quiet) cli.Err("WARNING: Ignoring custom format, because both --format and --quiet are set.\n");
  int64_t limit = last;
  if (latest && last == -1) limit = 1;
  bool want_size = size || (!quiet && !fmt_str.empty() && fmt_str != "table" && fmt_str != "raw" &&
                            FormatUsesField(fmt_str, "Size"));
  Query q;
  q.SetBool("all", all);
  if (limit != -1) q.Set("limit", std::to_string(limit));
  q.SetBool("size", want_size);
  if (!filters.empty()) q.Set("filters", FiltersJson(filters));
  auto list = SKIFF_TRY(cli.api().GetJson("/containers/json", q));

  std::string format;
  if (fmt_str.empty() || fmt_str == "table") {
    format = quiet ? "{{.ID}}" : std::string(kContainerTableFormat) + (want_size ? "\t{{.Size}}" : "");
  } else if (fmt_str == "raw") {
    format = quiet ? "container_id: {{.ID}}"
                   : "container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\n"
                     "state: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\n"
                     "labels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n";
    if (!quiet && want_size) format += "size: {{.Size}}\\n";
  } else {
    format = quiet ? "{{.ID}}" : fmt_str;
  }
  std::vector<Json> rows;
  int64_t now = NowUnix();
  if (list.is_array()) {
    for (const auto& c : list) rows.push_back(ContainerRow(c, !no_trunc, now));
  }
  SKIFF_TRY(WriteRows(cli, format, ContainerHeader(), rows));
  return 0;
}

Result<std::string> RawContainer(const Cli& cli, const std::string& ref, bool size) {
  Query q;
  q.SetBool("size", size);
  auto r = cli.api().Call("GET", "/containers/" + ref + "/json", q);
  if (!r.ok()) return NotFoundAs(std::move(r).error(), "container", ref);
  return r->body;
}

Result<std::string> RawImage(const Cli& cli, const std::string& ref) {
  auto r = cli.api().Call("GET", "/images/" + ref + "/json");
  if (!r.ok()) return NotFoundAs(std::move(r).error(), "image", ref);
  return r->body;
}

Result<int> Inspect(Cli& cli, Invocation& inv) {
  std::string fmt_str, type;
  bool size = false;
  inv.flags().String(&fmt_str, "f,format", "Format the output using the given Go template");
  inv.flags().Bool(&size, "s,size", "Display total file sizes if the type is container");
  inv.flags().String(&type, "type", "Return JSON for specified type");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  static const std::vector<std::string> kTypes = {"", "container", "image", "node", "network", "service",
                                                  "volume", "task", "plugin", "secret"};
  if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
    return Error(Errc::kInvalidArgument, fmt::format("\"{}\" is not a valid value for --type", type));
  }
  return RunInspect(cli, *args, fmt_str, [&](const std::string& ref) -> Result<std::string> {
    struct Kind {
      const char* type;
      std::function<Result<std::string>()> get;
    };
    std::vector<Kind> kinds = {
        {"container", [&] { return RawContainer(cli, ref, size); }},
        {"image", [&] { return RawImage(cli, ref); }},
        {"network", [&]() -> Result<std::string> {
           auto r = cli.api().Call("GET", "/networks/" + ref);
           if (!r.ok()) return std::move(r).error();
           return r->body;
         }},
        {"volume", [&]() -> Result<std::string> {
           auto r = cli.api().Call("GET", "/volumes/" + ref);
           if (!r.ok()) return std::move(r).error();
           return r->body;
         }},
    };
    for (const auto& k : kinds) {
      if (!type.empty() && type != k.type) continue;
      auto raw = k.get();
      if (raw.ok()) return raw;
      if (!IsNotFound(raw.error())) return raw;
    }
    return Error(Errc::kNotFound, fmt::format("Error: No such {}: {}", type.empty() ? "object" : type, ref));
  });
}

Result<int> ContainerInspect(Cli& cli, Invocation& inv) {
  std::string fmt_str;
  bool size = false;
  inv.flags().String(&fmt_str, "f,format", "Format the output using the given Go template");
  inv.flags().Bool(&size, "s,size", "Display total file sizes");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  return RunInspect(cli, *args, fmt_str, [&](const std::string& ref) { return RawContainer(cli, ref, size); });
}

Result<int> Logs(Cli& cli, Invocation& inv) {
  bool follow = false, timestamps = false, details = false;
  std::string since, until, tail = "all";
  auto& f = inv.flags();
  f.Bool(&details, "details", "Show extra details provided to logs");
  f.Bool(&follow, "f,follow", "Follow log output");
  f.String(&since, "since", "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)");
  f.String(&tail, "n,tail", "Number of lines to show from the end of the logs", "all");
  f.Bool(&timestamps, "t,timestamps", "Show timestamps");
  f.String(&until, "until", "Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  auto c = SKIFF_TRY(InspectContainer(cli, (*args)[0]));
  std::string id = c.value("Id", "");
  bool tty = c["Config"].value("Tty", false);
  Query q;
  q.Set("stdout", "1");
  q.Set("stderr", "1");
  std::time_t now = std::time(nullptr);
  if (!since.empty()) {
    auto ts = GetTimestamp(since, now);
    if (!ts.ok()) return Error(Errc::kInvalidArgument, "invalid value for \"since\": " + ts.error().message());
    q.Set("since", *ts);
  }
  if (!until.empty()) {
    auto ts = GetTimestamp(until, now);
    if (!ts.ok()) return Error(Errc::kInvalidArgument, "invalid value for \"until\": " + ts.error().message());
    q.Set("until", *ts);
  }
  q.SetBool("timestamps", timestamps);
  q.SetBool("details", details);
  q.SetBool("follow", follow);
  q.Set("tail", tail);
  auto resp = SKIFF_TRY(cli.api().Open("GET", "/containers/" + id + "/logs", q));
  StdcopyDemux demux([&](StdStream s, std::string_view d) -> Status {
    return WriteAll(s == StdStream::kStderr ? cli.err_fd() : cli.out_fd(), d);
  });
  char buf[32 * 1024];
  while (true) {
    size_t n = SKIFF_TRY(resp->Read(buf, sizeof(buf)));
    if (n == 0) break;
    std::string_view d(buf, n);
    if (tty) SKIFF_TRY(WriteAll(cli.out_fd(), d));
    else SKIFF_TRY(demux.Feed(d));
  }
  return 0;
}

Result<int> Top(Cli& cli, Invocation& inv) {
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  Query q;
  if (args->size() > 1) q.Set("ps_args", Join(std::vector<std::string>(args->begin() + 1, args->end()), " "));
  auto top = SKIFF_TRY(cli.api().GetJson("/containers/" + (*args)[0] + "/top", q));
  format::TabWriter w(20, 1, 3, ' ', 0);
  std::vector<std::string> titles;
  for (const auto& t : top.value("Titles", Json::array())) titles.push_back(t.is_string() ? t.get<std::string>() : "");
  w.Write(Join(titles, "\t") + "\n");
  for (const auto& proc : top.value("Processes", Json::array())) {
    std::vector<std::string> cells;
    for (const auto& cell : proc) cells.push_back(cell.is_string() ? cell.get<std::string>() : cell.dump());
    w.Write(Join(cells, "\t") + "\n");
  }
  cli.Out(w.Flush());
  return 0;
}

Result<int> Port(Cli& cli, Invocation& inv) {
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  const std::string& name = (*args)[0];
  auto c = SKIFF_TRY(InspectContainer(cli, name));
  Json ports = c.contains("NetworkSettings") && c["NetworkSettings"].is_object()
                   ? c["NetworkSettings"].value("Ports", Json::object())
                   : Json::object();
  if (!ports.is_object()) ports = Json::object();
  auto frontend = [](const Json& b) {
    return JoinHostPort(b.value("HostIp", ""), b.value("HostPort", ""));
  };
  if (args->size() == 2) {
    std::string port = (*args)[1], proto = "tcp";
    auto parts = SplitN(port, '/', 2);
    if (parts.size() == 2 && !parts[1].empty()) {
      port = parts[0];
      proto = parts[1];
    }
    std::string key = port + "/" + proto;
    auto dash = port.find('-');
    auto start = ParseUint(port.substr(0, dash));
    if (!start || *start > 65535 || (dash != std::string::npos && !ParseUint(port.substr(dash + 1)))) {
      return Error(Errc::kInvalidArgument, fmt::format("invalid containerPort: {}", port));
    }
    if (ports.contains(key) && ports[key].is_array()) {
      for (const auto& b : ports[key]) cli.Out(frontend(b) + "\n");
      return 0;
    }
    return Error(Errc::kNotFound, fmt::format("Error: No public port '{}' published for {}", key, name));
  }
  std::vector<std::pair<std::pair<int, std::string>, std::string>> lines;
  for (const auto& [from, frontends] : ports.items()) {
    if (!frontends.is_array()) continue;
    auto [proto, num] = SplitProtoPort(from);
    int n = static_cast<int>(ParseInt(num).value_or(0));
    for (const auto& b : frontends) lines.push_back({{n, from}, fmt::format("{} -> {}\n", from, frontend(b))});
  }
  std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& l : lines) cli.Out(l.second);
  return 0;
}

Result<int> Diff(Cli& cli, Invocation& inv) {
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  if ((*args)[0].empty()) return Error(Errc::kInvalidArgument, "Container name cannot be empty");
  auto changes = SKIFF_TRY(cli.api().GetJson("/containers/" + (*args)[0] + "/changes"));
  if (!changes.is_array()) return 0;
  // The daemon lists changes in map order; docker's output is sorted by path.
  std::vector<Json> sorted(changes.begin(), changes.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Json& a, const Json& b) { return a.value("Path", "") < b.value("Path", ""); });
  std::string out;
  for (const auto& ch : sorted) {
    int kind = ch.value("Kind", -1);
    const char* k = kind == 0 ? "C" : kind == 1 ? "A" : kind == 2 ? "D" : "";
    out += fmt::format("{} {}\n", k, ch.value("Path", ""));
  }
  cli.Out(out);
  return 0;
}

}  // namespace

void RegisterContainerQueryCommands() {
  auto& c = Commands();
  c.push_back({"container", "ls", {"ps", "list"}, "ps", "[OPTIONS]", "List containers", NoArgs(), true, Ps});
  c.push_back({"", "inspect", {}, "", "[OPTIONS] NAME|ID [NAME|ID...]", "Return low-level information on Skiff objects",
               MinArgs(1), true, Inspect});
  c.push_back({"container", "inspect", {}, "", "[OPTIONS] CONTAINER [CONTAINER...]",
               "Display detailed information on one or more containers", MinArgs(1), true, ContainerInspect});
  c.push_back({"container", "logs", {}, "logs", "[OPTIONS] CONTAINER", "Fetch the logs of a container", ExactArgs(1),
               true, Logs});
  c.push_back({"container", "top", {}, "top", "CONTAINER [ps OPTIONS]", "Display the running processes of a container",
               MinArgs(1), false, Top});
  c.push_back({"container", "port", {}, "port", "CONTAINER [PRIVATE_PORT[/PROTO]]",
               "List port mappings or a specific mapping for the container", RangeArgs(1, 2), true, Port});
  c.push_back({"container", "diff", {}, "diff", "CONTAINER",
               "Inspect changes to files or directories on a container's filesystem", ExactArgs(1), true, Diff});
}

}  // namespace skiff::cli

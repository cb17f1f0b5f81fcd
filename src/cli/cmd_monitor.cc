// events and stats: the streaming monitors.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "base/strings.h"
#include "base/units.h"
#include "cli/command.h"
#include "cli/format/format.h"
#include "cli/json_stream.h"
#include "cli/format/template.h"
#include "cli/output.h"
#include "cli/rows.h"
#include "cli/run_config.h"
#include "cli/timefmt.h"

namespace skiff::cli {
namespace {

// The event as docker's typed events.Message: JSON tags for {{json .}}, Go field names for templates.
Json EventForTemplate(const Json& e) {
  Json d = e;
  for (auto [json_key, go_key] : {std::pair{"status", "Status"}, {"id", "ID"}, {"from", "From"}, {"scope", "Scope"},
                                  {"time", "Time"}, {"timeNano", "TimeNano"}}) {
    if (e.contains(json_key)) d[go_key] = e[json_key];
    else if (std::string_view(go_key) == "Time" || std::string_view(go_key) == "TimeNano") d[go_key] = 0;
    else d[go_key] = "";
  }
  if (!d.contains("Type")) d["Type"] = "";
  if (!d.contains("Action")) d["Action"] = "";
  if (!d.contains("Actor") || !d["Actor"].is_object()) d["Actor"] = {{"ID", ""}};
  if (!d["Actor"].contains("Attributes") || d["Actor"]["Attributes"].is_null()) d["Actor"]["Attributes"] = Json::object();
  return d;
}

// Go's encoding of events.Message (struct order, omitempty where docker has it).
std::string EventJson(const Json& e) {
  OJson o = OJson::object();
  for (const char* k : {"status", "id", "from"}) {
    if (e.contains(k) && e[k].is_string() && !e[k].get<std::string>().empty()) o[k] = e[k].get<std::string>();
  }
  o["Type"] = e.value("Type", "");
  o["Action"] = e.value("Action", "");
  OJson actor = OJson::object();
  Json a = e.value("Actor", Json::object());
  actor["ID"] = a.value("ID", "");
  actor["Attributes"] = a.contains("Attributes") ? OJson::parse(a["Attributes"].dump()) : OJson(nullptr);
  o["Actor"] = actor;
  if (e.contains("scope") && e["scope"].is_string() && !e["scope"].get<std::string>().empty()) o["scope"] = e["scope"].get<std::string>();
  if (e.value("time", int64_t{0}) != 0) o["time"] = e["time"].get<int64_t>();
  if (e.value("timeNano", int64_t{0}) != 0) o["timeNano"] = e["timeNano"].get<int64_t>();
  return GoJsonDump(o);
}

std::string PrettyEvent(const Json& e) {
  std::string out;
  int64_t nano = e.value("timeNano", int64_t{0}), sec = e.value("time", int64_t{0});
  if (nano != 0) out += FormatRfc3339NanoFixed(nano) + " ";
  else if (sec != 0) out += FormatRfc3339NanoFixed(sec * 1000000000LL) + " ";
  Json actor = e.value("Actor", Json::object());
  out += fmt::format("{} {} {}", e.value("Type", ""), e.value("Action", ""), actor.value("ID", ""));
  if (actor.contains("Attributes") && actor["Attributes"].is_object() && !actor["Attributes"].empty()) {
    std::vector<std::string> attrs;
    for (const auto& [k, v] : actor["Attributes"].items()) attrs.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
    out += " (" + Join(attrs, ", ") + ")";
  }
  return out + "\n";
}

Result<int> Events(Cli& cli, Invocation& inv) {
  std::string since, until, fmt_str;
  std::vector<std::pair<std::string, std::string>> filters;
  inv.flags().Filter(&filters, "f,filter", "Filter output based on conditions provided");
  inv.flags().String(&fmt_str, "format", "Format the output using the given Go template");
  inv.flags().String(&since, "since", "Show all events created since timestamp");
  inv.flags().String(&until, "until", "Stream events until this timestamp");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  std::optional<format::Template> tmpl;
  if (!fmt_str.empty()) {
    format::FuncMap funcs;
    funcs["json"] = [](const std::vector<Json>& a) -> Result<Json> {
      if (!a.empty() && a[0].is_object() && a[0].contains("TimeNano") && a[0].contains("Actor")) return Json(EventJson(a[0]));
      return Json(format::GoJson(a.empty() ? Json() : a[0]));
    };
    auto t = format::Template::Parse(fmt_str, funcs);
    Status check = t.ok() ? Status() : Status(t.error());
    if (t.ok()) {
      // Docker executes the template once on an empty message to catch bad templates early.
      auto probe = t->Execute(EventForTemplate(Json::object()));
      if (!probe.ok()) check = probe.error();
    }
    if (!check.ok()) {
      cli.Err("Error parsing format: " + check.error().message() + "\n");
      return 64;
    }
    tmpl = std::move(t).value();
  }
  Query q;
  std::time_t now = std::time(nullptr);
  if (!since.empty()) q.Set("since", SKIFF_TRY(GetTimestamp(since, now)));
  if (!until.empty()) q.Set("until", SKIFF_TRY(GetTimestamp(until, now)));
  if (!filters.empty()) q.Set("filters", FiltersJson(filters));
  auto resp = SKIFF_TRY(cli.api().Open("GET", "/events", q));
  JsonStream stream;
  char buf[16 * 1024];
  while (true) {
    size_t n = SKIFF_TRY(resp->Read(buf, sizeof(buf)));
    if (n == 0) break;
    SKIFF_TRY(stream.Feed(std::string_view(buf, n), [&](const Json& e) -> Status {
      if (!tmpl) {
        cli.Out(PrettyEvent(e));
        return Ok();
      }
      auto out = tmpl->Execute(EventForTemplate(e));
      cli.Out((out.ok() ? *out : std::string()) + "\n");
      if (!out.ok()) return std::move(out).error();
      return Ok();
    }));
  }
  return 0;
}

// ---- stats ----

struct StatsEntry {
  std::string container;  // as asked (or the short ID)
  std::string name, id;
  double cpu = 0, mem = 0, mem_pct = 0, mem_limit = 0, net_rx = 0, net_tx = 0, blk_read = 0, blk_write = 0;
  uint64_t pids = 0;
  bool invalid = false;
  bool got_first = false;
  std::optional<std::string> error;
  std::chrono::steady_clock::time_point last;
};

uint64_t U(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return 0;
  return j[key].get<uint64_t>();
}

void Decode(const Json& v, StatsEntry& s) {
  Json cpu = v.value("cpu_stats", Json::object()), pre = v.value("precpu_stats", Json::object());
  double cpu_delta = static_cast<double>(U(cpu.value("cpu_usage", Json::object()), "total_usage")) -
                     static_cast<double>(U(pre.value("cpu_usage", Json::object()), "total_usage"));
  double sys_delta = static_cast<double>(U(cpu, "system_cpu_usage")) - static_cast<double>(U(pre, "system_cpu_usage"));
  double online = static_cast<double>(U(cpu, "online_cpus"));
  if (online == 0) {
    Json per = cpu.value("cpu_usage", Json::object()).value("percpu_usage", Json::array());
    online = per.is_array() ? static_cast<double>(per.size()) : 0;
  }
  s.cpu = (sys_delta > 0 && cpu_delta > 0) ? cpu_delta / sys_delta * online * 100.0 : 0;
  s.blk_read = s.blk_write = 0;
  Json blk = v.value("blkio_stats", Json::object()).value("io_service_bytes_recursive", Json::array());
  if (blk.is_array()) {
    for (const auto& e : blk) {
      std::string op = e.value("op", "");
      if (op.empty()) continue;
      if (op[0] == 'r' || op[0] == 'R') s.blk_read += static_cast<double>(U(e, "value"));
      if (op[0] == 'w' || op[0] == 'W') s.blk_write += static_cast<double>(U(e, "value"));
    }
  }
  Json mem = v.value("memory_stats", Json::object());
  uint64_t usage = U(mem, "usage");
  Json ms = mem.value("stats", Json::object());
  if (ms.contains("total_inactive_file") && U(ms, "total_inactive_file") < usage) {
    s.mem = static_cast<double>(usage - U(ms, "total_inactive_file"));
  } else if (U(ms, "inactive_file") < usage) {
    s.mem = static_cast<double>(usage - U(ms, "inactive_file"));
  } else {
    s.mem = static_cast<double>(usage);
  }
  s.mem_limit = static_cast<double>(U(mem, "limit"));
  s.mem_pct = s.mem_limit != 0 ? s.mem / s.mem_limit * 100.0 : 0;
  s.pids = U(v.value("pids_stats", Json::object()), "current");
  s.net_rx = s.net_tx = 0;
  Json nets = v.value("networks", Json::object());
  if (nets.is_object()) {
    for (const auto& [k, n] : nets.items()) {
      s.net_rx += static_cast<double>(U(n, "rx_bytes"));
      s.net_tx += static_cast<double>(U(n, "tx_bytes"));
    }
  }
  s.name = v.value("name", "");
  s.id = v.value("id", "");
  s.invalid = false;
  s.error.reset();
}

Json StatsRow(const StatsEntry& s, bool trunc) {
  auto size3 = [](double d) { return units::HumanSizeWithPrecision(d, 3); };
  return Json{{"Container", s.container},
              {"Name", s.name.size() > 1 ? s.name.substr(1) : "--"},
              {"ID", trunc ? TruncateId(s.id) : s.id},
              {"CPUPerc", s.invalid ? "--" : fmt::format("{:.2f}%", s.cpu)},
              {"MemUsage", s.invalid ? "-- / --" : units::BytesSize(s.mem) + " / " + units::BytesSize(s.mem_limit)},
              {"MemPerc", s.invalid ? "--" : fmt::format("{:.2f}%", s.mem_pct)},
              {"NetIO", s.invalid ? "--" : size3(s.net_rx) + " / " + size3(s.net_tx)},
              {"BlockIO", s.invalid ? "--" : size3(s.blk_read) + " / " + size3(s.blk_write)},
              {"PIDs", s.invalid ? "--" : std::to_string(s.pids)}};
}

// Collects stats of the containers; one reader thread per container.
// Reader threads own a reference to the collector and are detached: a live stream blocks in a socket read
// until the daemon closes it, and the command ends without waiting for that.
class StatsCollector : public std::enable_shared_from_this<StatsCollector> {
 public:
  StatsCollector(const ApiClient& api, bool stream) : api_(api), stream_(stream) {}
  void Add(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    if (entries_.count(name)) return;
    order_.push_back(name);
    entries_[name].container = name;
    entries_[name].last = std::chrono::steady_clock::now();
    std::thread([self = shared_from_this(), name] { self->Collect(name); }).detach();
  }
  void Remove(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.erase(name);
    std::erase(order_, name);
  }
  // Waits until every container produced its first answer (stats or error).
  void WaitFirst() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] {
      return std::all_of(entries_.begin(), entries_.end(), [](const auto& e) { return e.second.got_first; });
    });
  }
  std::vector<StatsEntry> Snapshot() {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = std::chrono::steady_clock::now();
    std::vector<StatsEntry> out;
    for (const auto& n : order_) {
      StatsEntry& e = entries_[n];
      if (stream_ && e.got_first && now - e.last > std::chrono::seconds(2)) {
        e.invalid = true;
        e.cpu = e.mem = e.mem_pct = e.mem_limit = e.net_rx = e.net_tx = e.blk_read = e.blk_write = 0;
        e.pids = 0;
      }
      out.push_back(e);
    }
    return out;
  }
  std::vector<std::string> Errors() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> errs;
    for (const auto& n : order_) {
      if (entries_[n].error) errs.push_back(*entries_[n].error);
    }
    return errs;
  }
  bool Empty() {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.empty();
  }

 private:
  void Set(const std::string& name, const std::function<void(StatsEntry&)>& f) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(name);
    if (it == entries_.end()) return;
    f(it->second);
    it->second.got_first = true;
    cv_.notify_all();
  }
  void Collect(const std::string& name) {
    Query q;
    q.Set("stream", stream_ ? "1" : "0");
    auto resp = api_.Open("GET", "/containers/" + name + "/stats", q);
    if (!resp.ok()) {
      std::string msg = resp.error().message();
      Set(name, [&](StatsEntry& e) {
        e.error = msg;
        e.invalid = true;
      });
      return;
    }
    JsonStream js;
    char buf[16 * 1024];
    bool decoded = false;
    while (true) {
      auto n = (*resp)->Read(buf, sizeof(buf));
      if (!n.ok() || *n == 0) break;
      Status st = js.Feed(std::string_view(buf, *n), [&](const Json& v) -> Status {
        Set(name, [&](StatsEntry& e) {
          Decode(v, e);
          e.last = std::chrono::steady_clock::now();
        });
        decoded = true;
        return Ok();
      });
      if (!st.ok() || (!stream_ && decoded)) break;
    }
    Set(name, [](StatsEntry&) {});
  }

  const ApiClient api_;
  bool stream_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, StatsEntry> entries_;
  std::vector<std::string> order_;
};

Result<int> Stats(Cli& cli, Invocation& inv) {
  bool all = false, no_stream = false, no_trunc = false;
  std::string fmt_str;
  inv.flags().Bool(&all, "a,all", "Show all containers (default shows just running)");
  inv.flags().String(&fmt_str, "format", "Pretty-print images using a Go template");
  inv.flags().Bool(&no_stream, "no-stream", "Disable streaming stats and only pull the first result");
  inv.flags().Bool(&no_trunc, "no-trunc", "Do not truncate output");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  bool show_all = args->empty();
  auto version = SKIFF_TRY(cli.api().GetJson("/version"));
  std::string os = version.value("Os", "linux");
  auto collector = std::make_shared<StatsCollector>(cli.api(), !no_stream);
  std::thread events_thread;
  if (show_all) {
    if (!no_stream) {
      // Follow container starts/deaths (and creations with -a), as docker does.
      Query q;
      q.Set("filters", FiltersJson({{"type", "container"}}));
      auto events = cli.api().Open("GET", "/events", q);
      if (events.ok()) {
        std::shared_ptr<HttpResponse> resp(std::move(events).value());
        events_thread = std::thread([resp, collector, all] {
          JsonStream js;
          char buf[8192];
          while (true) {
            auto n = resp->Read(buf, sizeof(buf));
            if (!n.ok() || *n == 0) return;
            (void)js.Feed(std::string_view(buf, *n), [&](const Json& e) -> Status {
              std::string action = e.value("Action", e.value("status", ""));
              std::string id = TruncateId(e.value("id", e.value("Actor", Json::object()).value("ID", "")));
              if (action == "start" || (action == "create" && all)) collector->Add(id);
              if (action == "die" && !all) collector->Remove(id);
              return Ok();
            });
          }
        });
        events_thread.detach();
      }
    }
    Query q;
    q.SetBool("all", all);
    auto list = SKIFF_TRY(cli.api().GetJson("/containers/json", q));
    for (const auto& c : list) collector->Add(TruncateId(c.value("Id", "")));
  } else {
    for (const auto& name : *args) collector->Add(name);
    std::this_thread::sleep_for(no_stream ? std::chrono::milliseconds(0) : std::chrono::milliseconds(1500));
    collector->WaitFirst();
    auto errs = collector->Errors();
    if (!errs.empty()) return Error(Errc::kInternal, Join(errs, "\n"));
  }
  collector->WaitFirst();
  std::string format = fmt_str.empty() || fmt_str == "table"
                           ? (os == "windows" ? "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.NetIO}}\t{{.BlockIO}}"
                                              : "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t"
                                                "{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}")
                           : fmt_str;
  Json header = {{"Container", "CONTAINER"}, {"Name", "NAME"},     {"ID", "CONTAINER ID"},
                 {"CPUPerc", "CPU %"},       {"MemUsage", "MEM USAGE / LIMIT"}, {"MemPerc", "MEM %"},
                 {"NetIO", "NET I/O"},       {"BlockIO", "BLOCK I/O"}, {"PIDs", "PIDS"}};
  while (true) {
    std::vector<Json> rows;
    for (const auto& e : collector->Snapshot()) rows.push_back(StatsRow(e, !no_trunc));
    auto out = format::RenderRows(format::ParseFormat(format), header, rows);
    if (!out.ok()) return Error(Errc::kInvalidArgument, "template parsing error: " + out.error().message() + "\n");
    cli.Out((no_stream ? std::string() : std::string("\x1b[2J\x1b[H")) + *out);
    if (no_stream || (collector->Empty() && !show_all)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return 0;
}

}  // namespace

void RegisterMonitorCommands() {
  auto& c = Commands();
  c.push_back({"system", "events", {}, "events", "[OPTIONS]", "Get real time events from the server", NoArgs(), true,
               Events});
  c.push_back({"container", "stats", {}, "stats", "[OPTIONS] [CONTAINER...]",
               "Display a live stream of container(s) resource usage statistics", MinArgs(0), true, Stats});
}

}  // namespace skiff::cli

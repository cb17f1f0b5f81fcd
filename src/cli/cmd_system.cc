// info, version, system df, system prune, events: daemon-wide commands.
#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "base/strings.h"
#include "base/units.h"
#include "cli/command.h"
#include "cli/container_common.h"
#include "cli/format/format.h"
#include "cli/format/tabwriter.h"
#include "cli/format/template.h"
#include "cli/output.h"
#include "cli/rows.h"
#include "cli/run_config.h"
#include "cli/timefmt.h"

#ifndef SKIFF_VERSION
#define SKIFF_VERSION "0.0.0"
#endif

namespace skiff::cli {
namespace {

std::string S(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const Json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  return "";
}

Json ClientInfo() {
  return Json{{"Debug", false}, {"Context", "default"}, {"Plugins", Json::array()}, {"Warnings", nullptr}};
}

void PrintServerInfo(std::string& o, std::string& err, const Json& i) {
  auto line = [&](const std::string& label, const std::string& v) { o += label + " " + v + "\n"; };
  auto nonempty = [&](const std::string& label, const std::string& v) {
    if (!v.empty()) line(label, v);
  };
  line(" Containers:", S(i, "Containers"));
  line("  Running:", S(i, "ContainersRunning"));
  line("  Paused:", S(i, "ContainersPaused"));
  line("  Stopped:", S(i, "ContainersStopped"));
  line(" Images:", S(i, "Images"));
  nonempty(" Server Version:", S(i, "ServerVersion"));
  nonempty(" Storage Driver:", S(i, "Driver"));
  for (const char* key : {"DriverStatus", "SystemStatus"}) {
    if (!i.contains(key) || !i[key].is_array()) continue;
    for (const auto& pair : i[key]) {
      if (pair.is_array() && pair.size() == 2) {
        o += fmt::format("{}{}: {}\n", std::string(key) == "DriverStatus" ? "  " : " ", pair[0].get<std::string>(),
                         pair[1].get<std::string>());
      }
    }
  }
  nonempty(" Logging Driver:", S(i, "LoggingDriver"));
  nonempty(" Cgroup Driver:", S(i, "CgroupDriver"));
  nonempty(" Cgroup Version:", S(i, "CgroupVersion"));
  o += " Plugins:\n";
  Json plugins = i.value("Plugins", Json::object());
  auto joined = [&](const char* k) {
    std::vector<std::string> v;
    if (plugins.contains(k) && plugins[k].is_array()) {
      for (const auto& s : plugins[k]) v.push_back(s.get<std::string>());
    }
    return Join(v, " ");
  };
  line("  Volume:", joined("Volume"));
  line("  Network:", joined("Network"));
  if (!joined("Authorization").empty()) line("  Authorization:", joined("Authorization"));
  line("  Log:", joined("Log"));
  std::string swarm = i.contains("Swarm") ? S(i["Swarm"], "LocalNodeState") : "";
  line(" Swarm:", swarm);
  if (i.contains("Runtimes") && i["Runtimes"].is_object() && !i["Runtimes"].empty()) {
    o += " Runtimes:";
    for (const auto& [name, v] : i["Runtimes"].items()) o += " " + name;
    o += "\n";
    line(" Default Runtime:", S(i, "DefaultRuntime"));
  }
  if (S(i, "OSType") == "linux") {
    line(" Init Binary:", S(i, "InitBinary"));
    for (auto [name, key] : {std::pair{"containerd", "ContainerdCommit"}, {"runc", "RuncCommit"}, {"init", "InitCommit"}}) {
      Json c = i.value(key, Json::object());
      std::string id = S(c, "ID"), expected = S(c, "Expected");
      o += fmt::format(" {} version: {}", name, id);
      if (id != expected) o += fmt::format(" (expected: {})", expected);
      o += "\n";
    }
    if (i.contains("SecurityOptions") && i["SecurityOptions"].is_array() && !i["SecurityOptions"].empty()) {
      o += " Security Options:\n";
      for (const auto& so : i["SecurityOptions"]) {
        std::string opt = so.get<std::string>();
        if (opt.find("name=") == std::string::npos) {
          o += "  " + opt + "\n";
          continue;
        }
        for (const auto& kv : Split(opt, ',')) {
          auto p = SplitN(kv, '=', 2);
          if (p.size() != 2) continue;
          if (p[0] == "name") o += "  " + p[1] + "\n";
          else if (p[0] == "profile") o += "   Profile: " + p[1] + "\n";
        }
      }
    }
  }
  if (S(i, "OSType") == "windows") line(" Default Isolation:", S(i, "Isolation"));
  nonempty(" Kernel Version:", S(i, "KernelVersion"));
  nonempty(" Operating System:", S(i, "OperatingSystem"));
  nonempty(" OSType:", S(i, "OSType"));
  nonempty(" Architecture:", S(i, "Architecture"));
  line(" CPUs:", S(i, "NCPU"));
  line(" Total Memory:", units::BytesSize(static_cast<double>(i.value("MemTotal", int64_t{0}))));
  nonempty(" Name:", S(i, "Name"));
  nonempty(" ID:", S(i, "ID"));
  line(" Docker Root Dir:", S(i, "DockerRootDir"));
  line(" Debug Mode:", S(i, "Debug"));
  if (i.value("Debug", false)) {
    line("  File Descriptors:", S(i, "NFd"));
    line("  Goroutines:", S(i, "NGoroutines"));
    line("  System Time:", S(i, "SystemTime"));
    line("  EventsListeners:", S(i, "NEventsListener"));
  }
  nonempty(" HTTP Proxy:", S(i, "HttpProxy"));
  nonempty(" HTTPS Proxy:", S(i, "HttpsProxy"));
  nonempty(" No Proxy:", S(i, "NoProxy"));
  if (!S(i, "IndexServerAddress").empty()) line(" Registry:", S(i, "IndexServerAddress"));
  if (i.contains("Labels") && i["Labels"].is_array()) {
    o += " Labels:\n";
    for (const auto& l : i["Labels"]) o += "  " + l.get<std::string>() + "\n";
  }
  line(" Experimental:", S(i, "ExperimentalBuild"));
  nonempty(" Cluster Store:", S(i, "ClusterStore"));
  nonempty(" Cluster Advertise:", S(i, "ClusterAdvertise"));
  Json reg = i.value("RegistryConfig", Json());
  if (reg.is_object()) {
    Json cidrs = reg.value("InsecureRegistryCIDRs", Json::array());
    Json index = reg.value("IndexConfigs", Json::object());
    if ((cidrs.is_array() && !cidrs.empty()) || (index.is_object() && !index.empty())) {
      o += " Insecure Registries:\n";
      if (index.is_object()) {
        for (const auto& [name, cfg] : index.items()) {
          if (!cfg.value("Secure", true)) o += "  " + cfg.value("Name", name) + "\n";
        }
      }
      if (cidrs.is_array()) {
        for (const auto& c : cidrs) o += "  " + (c.is_string() ? c.get<std::string>() : c.dump()) + "\n";
      }
    }
    Json mirrors = reg.value("Mirrors", Json::array());
    if (mirrors.is_array() && !mirrors.empty()) {
      o += " Registry Mirrors:\n";
      for (const auto& m : mirrors) o += "  " + m.get<std::string>() + "\n";
    }
  }
  line(" Live Restore Enabled:", S(i, "LiveRestoreEnabled"));
  nonempty(" Product License:", S(i, "ProductLicense"));
  if (i.contains("DefaultAddressPools") && i["DefaultAddressPools"].is_array() && !i["DefaultAddressPools"].empty()) {
    o += " Default Address Pools:\n";
    for (const auto& p : i["DefaultAddressPools"]) o += fmt::format("   Base: {}, Size: {}\n", S(p, "Base"), S(p, "Size"));
  }
  o += "\n";
  if (i.contains("Warnings") && i["Warnings"].is_array() && !i["Warnings"].empty()) {
    std::vector<std::string> w;
    for (const auto& s : i["Warnings"]) w.push_back(s.get<std::string>());
    err += Join(w, "\n") + "\n";
  } else if (S(i, "OSType") != "windows") {
    static const std::pair<const char*, const char*> kLegacy[] = {
        {"MemoryLimit", "WARNING: No memory limit support"},   {"SwapLimit", "WARNING: No swap limit support"},
        {"KernelMemory", "WARNING: No kernel memory limit support"},
        {"OomKillDisable", "WARNING: No oom kill disable support"},
        {"CpuCfsQuota", "WARNING: No cpu cfs quota support"}, {"CpuCfsPeriod", "WARNING: No cpu cfs period support"},
        {"CPUShares", "WARNING: No cpu shares support"},      {"CPUSet", "WARNING: No cpuset support"},
        {"IPv4Forwarding", "WARNING: IPv4 forwarding is disabled"},
        {"BridgeNfIptables", "WARNING: bridge-nf-call-iptables is disabled"},
        {"BridgeNfIp6tables", "WARNING: bridge-nf-call-ip6tables is disabled"}};
    for (const auto& [key, text] : kLegacy) {
      if (i.contains(key) && i[key].is_boolean() && !i[key].get<bool>()) err += std::string(text) + "\n";
    }
  }
}

Result<int> Info(Cli& cli, Invocation& inv) {
  std::string fmt_str;
  inv.flags().String(&fmt_str, "f,format", "Format the output using the given Go template");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  // One answer, parsed twice: as plain JSON for the template and keeping the daemon's field order for `json`.
  auto raw = cli.api().Call("GET", "/info");
  Result<Json> info = raw.ok() ? ParseJson(raw->body, "/info") : Result<Json>(raw.error());
  if (!fmt_str.empty()) {
    auto tmpl = format::Template::Parse(fmt_str);
    if (!tmpl.ok()) {
      cli.Err("template parsing error: " + tmpl.error().message() + "\n");
      return 64;
    }
    Json data = info.ok() ? *info : Json::object();
    data["ClientInfo"] = ClientInfo();
    if (!info.ok()) data["ServerErrors"] = Json::array({info.error().message()});
    auto ordered = std::make_shared<OJson>(raw.ok() ? OJson::parse(raw->body, nullptr, false) : OJson::object());
    if (!ordered->is_object()) *ordered = OJson::object();
    OJson client = OJson::object();
    client["Debug"] = false;
    client["Context"] = "default";
    client["Plugins"] = OJson::array();
    client["Warnings"] = nullptr;
    (*ordered)["ClientInfo"] = client;
    tmpl = format::Template::Parse(fmt_str, OrderedJsonFuncs(ordered));
    if (!tmpl.ok()) return std::move(tmpl).error();
    auto out = tmpl->Execute(data);
    if (!out.ok()) {
      cli.Out("\n");
      return Error(Errc::kInvalidArgument, out.error().message());
    }
    cli.Out(*out + "\n");
    return 0;
  }
  std::string o = "Client:\n Context:    default\n Debug Mode: false\n\nServer:\n";
  std::string err;
  if (info.ok()) {
    PrintServerInfo(o, err, *info);
    cli.Out(o);
    if (!err.empty()) cli.Err(err);
    return 0;
  }
  cli.Out(o + "ERROR: " + info.error().message() + "\n");
  return Error(Errc::kUnavailable, "errors pretty printing info");
}

const char kVersionTemplate[] = R"({{with .Client -}}
Client:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 Version:	{{.Version}}
 API version:	{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
 Go version:	{{.GoVersion}}
 Git commit:	{{.GitCommit}}
 Built:	{{.BuildTime}}
 OS/Arch:	{{.Os}}/{{.Arch}}
 Context:	{{.Context}}
 Experimental:	{{.Experimental}}
{{- end}}

{{- if .ServerOK}}{{with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  {{- if eq $component.Name "Engine" }}
  Version:	{{.Version}}
  API version:	{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:	{{index .Details "GoVersion"}}
  Git commit:	{{index .Details "GitCommit"}}
  Built:	{{index .Details "BuildTime"}}
  OS/Arch:	{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:	{{index .Details "Experimental"}}
  {{- else }}
  Version:	{{$component.Version}}
  {{- $detailsOrder := getDetailsOrder $component}}
  {{- range $key := $detailsOrder}}
  {{$key}}:	{{index $component.Details $key}}
   {{- end}}
  {{- end}}
 {{- end}}
 {{- end}}{{- end}})";

// __DATE__ "Dec  1 2026" + __TIME__ -> Go's time.ANSIC-like "Tue Dec  1 08:00:00 2026" (weekday computed).
std::string BuildTime() {
  std::tm tm{};
  strptime(__DATE__ " " __TIME__, "%b %d %Y %H:%M:%S", &tm);
  std::mktime(&tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

// docker's reformatDate: an RFC 3339 time shown as Go's time.ANSIC in its own offset.
std::string ReformatDate(const std::string& t) {
  auto ns = ParseRfc3339Nano(t);
  if (!ns.ok()) return t;
  long offset = 0;
  if (t.size() > 6 && (t[t.size() - 6] == '+' || t[t.size() - 6] == '-') && t[t.size() - 3] == ':') {
    offset = (std::stol(t.substr(t.size() - 5, 2)) * 3600 + std::stol(t.substr(t.size() - 2)) * 60) *
             (t[t.size() - 6] == '-' ? -1 : 1);
  }
  std::time_t secs = static_cast<std::time_t>(*ns / 1000000000LL) + offset;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

// docker's version command adjusts the server answer: the Engine component's BuildTime reformatted, an
// Engine component made up from the top-level fields when the daemon lists none.
void AdjustServerVersion(Json& sv) {
  if (!sv.contains("Components") || !sv["Components"].is_array()) sv["Components"] = Json::array();
  bool engine = false;
  for (auto& c : sv["Components"]) {
    if (c.value("Name", "") != "Engine") continue;
    engine = true;
    if (c.contains("Details") && c["Details"].is_object() && c["Details"].contains("BuildTime") &&
        c["Details"]["BuildTime"].is_string()) {
      c["Details"]["BuildTime"] = ReformatDate(c["Details"]["BuildTime"].get<std::string>());
    }
  }
  if (!engine) {
    sv["Components"].push_back(
        {{"Name", "Engine"},
         {"Version", S(sv, "Version")},
         {"Details",
          {{"ApiVersion", S(sv, "ApiVersion")}, {"MinAPIVersion", S(sv, "MinAPIVersion")},
           {"GitCommit", S(sv, "GitCommit")}, {"GoVersion", S(sv, "GoVersion")}, {"Os", S(sv, "Os")},
           {"Arch", S(sv, "Arch")}, {"BuildTime", ReformatDate(S(sv, "BuildTime"))},
           {"Experimental", sv.value("Experimental", false) ? "true" : "false"}}}});
  }
}

Result<int> Version(Cli& cli, Invocation& inv) {
  std::string fmt_str;
  inv.flags().String(&fmt_str, "f,format", "Format the output using the given Go template");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  format::FuncMap funcs;
  funcs["getDetailsOrder"] = [](const std::vector<Json>& a) -> Result<Json> {
    Json keys = Json::array();
    if (!a.empty() && a[0].is_object() && a[0].contains("Details") && a[0]["Details"].is_object()) {
      for (const auto& [k, v] : a[0]["Details"].items()) keys.push_back(k);
    }
    return keys;
  };
  auto tmpl = format::Template::Parse(fmt_str.empty() ? std::string(kVersionTemplate) : fmt_str, funcs);
  if (tmpl.ok() && !fmt_str.empty()) {
    // `json` as docker's typed versionInfo prints it: Client and Server in Go field order (the Client's
    // template-only APIVersion alias is not part of it).
    auto raw = cli.api().Call("GET", "/version");
    OJson server = raw.ok() ? OJson::parse(raw->body, nullptr, false) : OJson(nullptr);
    if (server.is_object() && server.contains("Components")) {
      for (auto& c : server["Components"]) {
        if (c.value("Name", "") == "Engine" && c.contains("Details") && c["Details"].contains("BuildTime")) {
          c["Details"]["BuildTime"] = ReformatDate(c["Details"]["BuildTime"].get<std::string>());
        }
      }
    }
    OJson client = OJson::object();
    client["Platform"] = OJson{{"Name", ""}};
    for (const char* k : {"Version", "ApiVersion", "DefaultAPIVersion", "GitCommit", "GoVersion", "Os", "Arch",
                          "BuildTime", "Context"}) {
      client[k] = "";
    }
    client["Experimental"] = true;
    auto vd = std::make_shared<OJson>(OJson{{"Client", client}, {"Server", server}});
    auto ordered_json = OrderedJsonFuncs(vd)["json"];
    funcs["json"] = [vd, ordered_json](const std::vector<Json>& a) -> Result<Json> {
      if (a.size() == 1 && a[0].is_object()) {
        auto fill = [](OJson c, const Json& v) {
          for (auto& [k, x] : c.items()) {
            if (v.contains(k)) x = OJson::parse(v[k].dump());
          }
          return c;
        };
        if (a[0].contains("ServerOK")) {
          OJson whole = *vd;
          whole["Client"] = fill((*vd)["Client"], a[0]["Client"]);
          return Json(GoJsonDump(whole));
        }
        if (a[0].contains("APIVersion")) return Json(GoJsonDump(fill((*vd)["Client"], a[0])));
      }
      return ordered_json(a);
    };
    tmpl = format::Template::Parse(fmt_str, funcs);
  }
  if (!tmpl.ok()) {
    std::string msg = tmpl.error().message();
    if (fmt_str.empty() == false && msg.rfind("template: :", 0) == 0) msg = "template: version:" + msg.substr(11);
    cli.Err("template parsing error: " + msg + "\n");
    return 64;
  }
  Json client = {{"Platform", {{"Name", ""}}},
                 {"Version", SKIFF_VERSION},
                 {"ApiVersion", std::string(kApiVersion)},
                 {"APIVersion", std::string(kApiVersion)},
                 {"DefaultAPIVersion", std::string(kApiVersion)},
                 {"GoVersion", fmt::format("none (C++, gcc {})", __VERSION__)},
                 {"GitCommit", std::string(GitCommit())},
                 {"BuildTime", BuildTime()},
                 {"Os", "linux"},
                 {"Arch", "amd64"},
                 {"Context", "default"},
                 {"Experimental", true}};
  auto server = cli.api().GetJson("/version");
  if (server.ok()) AdjustServerVersion(*server);
  Json data = {{"Client", client}, {"ServerOK", server.ok()}};
  data["Server"] = server.ok() ? *server : Json(nullptr);
  auto out = tmpl->Execute(data);
  format::TabWriter w(20, 1, 1, ' ', 0);
  if (out.ok()) w.Write(*out);
  w.Write("\n");
  cli.Out(w.Flush());
  if (!server.ok()) return std::move(server).error();
  if (!out.ok()) return Error(Errc::kInvalidArgument, out.error().message());
  return 0;
}

}  // namespace

void RegisterSystemCommands() {
  auto& c = Commands();
  c.push_back({"system", "info", {}, "info", "[OPTIONS]", "Display system-wide information", NoArgs(), true, Info});
  c.push_back({"", "version", {}, "", "[OPTIONS]", "Show the Skiff version information", NoArgs(), true, Version});
}

}  // namespace skiff::cli

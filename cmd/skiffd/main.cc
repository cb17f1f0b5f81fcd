// skiffd: the Skiff daemon. Serves the Docker Engine API on a unix socket. Containers run under shims
// (`skiff-runtime shim DIR`, src/daemon/shim), so they outlive the daemon.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>

#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"
#include "daemon/daemon.h"
#include "server/api/api.h"
#include "server/http_server.h"
#include "sys/process.h"

namespace {

std::string SocketPath(std::string host) {
  if (host.rfind("unix://", 0) == 0) host = host.substr(7);
  return host;
}

// Refuses a pidfile naming a live process other than us; writes ours.
skiff::Status WritePidFile(const std::string& path) {
  if (auto old = skiff::ReadFile(path); old.ok()) {
    auto pid = skiff::ParseInt(skiff::Trim(*old));
    if (pid && *pid > 0 && *pid != ::getpid() && skiff::sys::ProcessAlive(static_cast<pid_t>(*pid))) {
      return skiff::Error(skiff::Errc::kAlreadyExists,
                          "pid file found, ensure skiffd is not running or delete " + path + " (pid " + std::to_string(*pid) + ")");
    }
  }
  SKIFF_TRY(skiff::MkdirAll(skiff::Dirname(path), 0755));
  return skiff::WriteFileAtomic(path, std::to_string(::getpid()) + "\n", 0644, false);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"skiffd: the Skiff container engine daemon (Docker Engine API v1.41)", "skiffd"};
  std::string host = "unix:///run/skiff/skiff.sock", config_file = "/etc/skiff/daemon.json";
  std::string data_root, exec_root, runtime, cgroup_parent, pidfile, log_level = "info", group = "skiff";
  std::string log_driver;
  std::vector<std::string> log_opts, mirrors, insecure;
  std::string certs_dir;
  bool debug = false, version = false;
  app.add_option("-H,--host", host, "Daemon socket to listen on (unix:///path)");
  app.add_option("--config-file", config_file, "Daemon configuration file (JSON, dockerd's daemon.json keys)");
  app.add_option("--data-root", data_root, "Root of persistent state (default /var/lib/skiff)");
  app.add_option("--exec-root", exec_root, "Root of runtime state (default /run/skiff)");
  app.add_option("--runtime", runtime, "OCI runtime binary (default: skiff-runtime next to skiffd)");
  app.add_option("--cgroup-parent", cgroup_parent, "Parent cgroup of containers (default /skiff)");
  app.add_option("-p,--pidfile", pidfile, "Path of the daemon's pid file (default <exec-root>/skiffd.pid)");
  app.add_option("--group", group, "Group owning the socket");
  app.add_option("--log-driver", log_driver, "Default log driver of containers (json-file, none)");
  app.add_option("--log-opt", log_opts, "Default log driver options (max-size=10m, max-file=3)");
  app.add_option("--registry-mirror", mirrors, "Preferred registry mirror for docker.io (repeatable)");
  app.add_option("--insecure-registry", insecure, "Registry (host:port or CIDR) reached without TLS verification, or over http (repeatable)");
  app.add_option("--certs-dir", certs_dir, "Per-registry TLS trust: <dir>/<host:port>/ca.crt, client.cert, client.key (default /etc/skiff/certs.d)");
  app.add_option("-l,--log-level", log_level, "debug, info, warn, error");
  app.add_flag("-D,--debug", debug, "Debug logging");
  app.add_flag("-v,--version", version, "Print the version");
  CLI11_PARSE(app, argc, argv);
  if (version) {
    std::printf("Skiff daemon version %s\n", SKIFF_VERSION);
    return 0;
  }
  auto level = skiff::log::Level::kInfo;
  if (debug || log_level == "debug") level = skiff::log::Level::kDebug;
  else if (log_level == "warn" || log_level == "warning") level = skiff::log::Level::kWarn;
  else if (log_level == "error") level = skiff::log::Level::kError;
  skiff::log::Configure(2, skiff::log::Format::kText, level);

  skiff::daemon::DaemonOptions opts;
  // daemon.json first, flags over it.
  if (skiff::PathExists(config_file)) {
    auto j = skiff::ReadJsonFile(config_file);
    if (!j.ok() || !j->is_object()) {
      std::fprintf(stderr, "skiffd: %s: %s\n", config_file.c_str(), j.ok() ? "not a JSON object" : j.error().message().c_str());
      return 1;
    }
    const auto& c = *j;
    opts.data_root = c.value("data-root", opts.data_root);
    opts.exec_root = c.value("exec-root", opts.exec_root);
    opts.cgroup_parent = c.value("cgroup-parent", opts.cgroup_parent);
    opts.log_driver = c.value("log-driver", opts.log_driver);
    if (c.contains("log-opts") && c["log-opts"].is_object()) {
      opts.log_opts.clear();
      for (auto& [k, v] : c["log-opts"].items()) opts.log_opts[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    if (c.contains("hosts") && c["hosts"].is_array() && !c["hosts"].empty()) host = c["hosts"][0].get<std::string>();
    if (c.contains("pidfile")) pidfile = c.value("pidfile", pidfile);
    if (c.value("debug", false)) skiff::log::SetLevel(skiff::log::Level::kDebug);
    for (const char* key : {"registry-mirrors", "insecure-registries"}) {
      if (!c.contains(key)) continue;
      if (!c[key].is_array()) {
        std::fprintf(stderr, "skiffd: %s: \"%s\" must be an array of strings\n", config_file.c_str(), key);
        return 1;
      }
      auto& dst = std::string_view(key) == "registry-mirrors" ? opts.registry.mirrors : opts.registry.insecure;
      for (auto& v : c[key]) {
        if (!v.is_string()) {
          std::fprintf(stderr, "skiffd: %s: \"%s\" must be an array of strings\n", config_file.c_str(), key);
          return 1;
        }
        dst.push_back(v.get<std::string>());
      }
    }
  }
  for (auto& m : mirrors) opts.registry.mirrors.push_back(m);
  for (auto& i : insecure) opts.registry.insecure.push_back(i);
  if (!certs_dir.empty()) opts.registry.certs_dir = certs_dir;
  for (auto& m : opts.registry.mirrors) {
    if (!m.starts_with("http://") && !m.starts_with("https://")) {
      std::fprintf(stderr, "skiffd: invalid mirror: unsupported scheme \"%s\" in \"%s\": must use either 'https://' or 'http://'\n",
                   m.substr(0, m.find("://") == std::string::npos ? 0 : m.find("://")).c_str(), m.c_str());
      return 1;
    }
    while (m.ends_with("/")) m.pop_back();
  }
  if (!data_root.empty()) opts.data_root = data_root;
  if (!exec_root.empty()) opts.exec_root = exec_root;
  if (!runtime.empty()) opts.runtime = runtime;
  if (!cgroup_parent.empty()) opts.cgroup_parent = cgroup_parent;
  if (!log_driver.empty()) opts.log_driver = log_driver;
  if (!log_opts.empty()) {
    opts.log_opts.clear();
    for (auto& o : log_opts) {
      auto eq = o.find('=');
      if (eq == std::string::npos) {
        std::fprintf(stderr, "skiffd: --log-opt %s: expected key=value\n", o.c_str());
        return 1;
      }
      opts.log_opts[o.substr(0, eq)] = o.substr(eq + 1);
    }
  }
  if (opts.log_driver != "json-file") opts.log_opts.clear();
  opts.host = host;
  if (pidfile.empty()) pidfile = opts.exec_root + "/skiffd.pid";

  // Signals are taken by sigwait below; every thread started from here inherits the mask.
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGQUIT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::umask(022);

  if (auto s = skiff::MkdirAll(opts.exec_root, 0711); !s.ok()) {
    std::fprintf(stderr, "skiffd: %s\n", s.error().message().c_str());
    return 1;
  }
  if (auto s = WritePidFile(pidfile); !s.ok()) {
    std::fprintf(stderr, "skiffd: %s\n", s.error().message().c_str());
    return 1;
  }
  auto d = skiff::daemon::Daemon::Open(opts);
  if (!d.ok()) {
    std::fprintf(stderr, "skiffd: %s\n", d.error().message().c_str());
    ::unlink(pidfile.c_str());
    return 1;
  }
  skiff::server::ServerOptions so;
  so.socket_path = SocketPath(host);
  so.group = group;
  auto server = skiff::server::HttpServer::Start(so, skiff::server::api::BuildRouter(**d));
  if (!server.ok()) {
    std::fprintf(stderr, "skiffd: %s\n", server.error().message().c_str());
    (*d)->Shutdown();
    ::unlink(pidfile.c_str());
    return 1;
  }
  skiff::log::Info("skiffd {} listening on {} (data root {}, exec root {})", SKIFF_VERSION, so.socket_path, opts.data_root,
                   opts.exec_root);
  int sig = 0;
  sigwait(&set, &sig);
  skiff::log::Info("skiffd: {} received, stopping (containers keep running)", strsignal(sig));
  (*server)->Stop(std::chrono::seconds(5));
  (*d)->Shutdown();
  ::unlink(pidfile.c_str());
  return 0;
}

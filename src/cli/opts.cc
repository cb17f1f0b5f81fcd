#include "cli/opts.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <regex>

#include <fmt/format.h>

#include "base/file.h"
#include "base/strings.h"
#include "base/units.h"

namespace skiff::cli {
namespace {

Error Invalid(std::string msg) { return Error(Errc::kInvalidArgument, std::move(msg)); }

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// strconv.ParseUint(s, 10, 16) for port numbers.
std::optional<uint64_t> ParsePort16(std::string_view s) {
  auto v = ParseUint(s);
  if (!v || *v > 65535) return std::nullopt;
  return v;
}

Result<std::pair<uint64_t, uint64_t>> ParsePortRange(std::string_view ports) {
  if (ports.empty()) return Invalid("Empty string specified for ports.");
  auto dash = ports.find('-');
  if (dash == std::string_view::npos) {
    auto p = ParsePort16(ports);
    if (!p) return Invalid("invalid port");
    return std::make_pair(*p, *p);
  }
  auto parts = Split(ports, '-');
  auto a = ParsePort16(parts[0]);
  auto b = parts.size() > 1 ? ParsePort16(parts[1]) : std::nullopt;
  if (!a || !b) return Invalid("invalid port");
  if (*b < *a) return Invalid(fmt::format("Invalid range specified for the Port: {}", ports));
  return std::make_pair(*a, *b);
}

bool ValidProto(std::string_view p) { return p == "tcp" || p == "udp" || p == "sctp"; }

bool ParseIp(std::string_view s) {
  std::string str(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, str.c_str(), buf) == 1 || inet_pton(AF_INET6, str.c_str(), buf) == 1;
}

bool ValidDeviceMode(std::string_view mode) {
  if (mode.empty() || mode.size() > 3) return false;
  std::set<char> seen;
  for (char c : mode) {
    if (c != 'r' && c != 'w' && c != 'm') return false;
    if (!seen.insert(c).second) return false;
  }
  return true;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

Result<std::vector<std::string>> ParseKeyValueFile(const std::string& path, bool env_lookup) {
  auto text = ReadFile(path);
  if (!text.ok()) return Invalid(GoPathError("open", path, text.error().sys_errno()));
  std::vector<std::string> out;
  auto lines = Split(*text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  for (size_t n = 0; n < lines.size(); ++n) {
    std::string_view line = lines[n];
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (n == 0 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
    while (!line.empty() && IsSpace(line.front())) line.remove_prefix(1);
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    std::string_view var = line.substr(0, eq);
    while (!var.empty() && IsSpace(var.front())) var.remove_prefix(1);
    if (std::any_of(var.begin(), var.end(), IsSpace)) {
      return Invalid(fmt::format("poorly formatted environment: variable '{}' contains whitespaces", var));
    }
    if (var.empty()) return Invalid(fmt::format("poorly formatted environment: no variable name on line '{}'", line));
    if (eq != std::string_view::npos) {
      out.push_back(std::string(var) + "=" + std::string(line.substr(eq + 1)));
    } else if (env_lookup) {
      std::string name(Trim(line));
      if (const char* v = std::getenv(name.c_str())) out.push_back(name + "=" + v);
    } else {
      out.push_back(std::string(Trim(line)));
    }
  }
  return out;
}

// Go's ParseInt(s, 10, 64) error text.
std::string ParseIntError(std::string_view s) {
  bool digits = !s.empty() && std::all_of(s.begin() + (s[0] == '-' || s[0] == '+'), s.end(), ::isdigit) &&
                s.size() > static_cast<size_t>(s[0] == '-' || s[0] == '+');
  return fmt::format("strconv.ParseInt: parsing {}: {}", Quote(s), digits ? "value out of range" : "invalid syntax");
}

}  // namespace

std::string GoErrnoText(int err) { return ToLower(strerror(err)); }

std::string GoPathError(std::string_view op, std::string_view path, int err) {
  return fmt::format("{} {}: {}", op, path, GoErrnoText(err));
}


std::pair<std::string, std::string> SplitProtoPort(std::string_view raw) {
  auto parts = Split(raw, '/');
  if (raw.empty() || parts.empty() || parts[0].empty()) return {"", ""};
  if (parts.size() == 1) return {"tcp", std::string(raw)};
  if (parts[1].empty()) return {"tcp", parts[0]};
  return {parts[1], parts[0]};
}

Status ParsePortSpecs(const std::vector<std::string>& specs, std::set<std::string>* exposed,
                      std::map<std::string, std::vector<PortBinding>>* bindings) {
  for (const auto& raw : specs) {
    auto parts = Split(raw, ':');
    size_t n = parts.size();
    std::string raw_ip, host_port, container_port = parts[n - 1];
    if (n == 2) {
      host_port = parts[0];
    } else if (n == 3) {
      raw_ip = parts[0];
      host_port = parts[1];
    } else if (n > 3) {
      raw_ip = Join(std::vector<std::string>(parts.begin(), parts.end() - 2), ":");
      host_port = parts[n - 2];
    }
    auto [proto, cport] = SplitProtoPort(container_port);
    std::string ip = raw_ip;
    if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
    if (!ip.empty() && !ParseIp(ip)) return Invalid("Invalid ip address: " + ip);
    if (cport.empty()) return Invalid(fmt::format("No port specified: {}<empty>", raw));
    auto crange = ParsePortRange(cport);
    if (!crange.ok()) return Invalid("Invalid containerPort: " + cport);
    uint64_t hstart = 0, hend = 0;
    if (!host_port.empty()) {
      auto hr = ParsePortRange(host_port);
      if (!hr.ok()) return Invalid("Invalid hostPort: " + host_port);
      hstart = hr->first;
      hend = hr->second;
    }
    auto [cstart, cend] = *crange;
    if (!host_port.empty() && (cend - cstart) != (hend - hstart) && cend != cstart) {
      return Invalid(fmt::format("Invalid ranges specified for container and host Ports: {} and {}", cport, host_port));
    }
    std::string lproto = ToLower(proto);
    if (!ValidProto(lproto)) return Invalid("Invalid proto: " + proto);
    for (uint64_t i = 0; i <= cend - cstart; ++i) {
      std::string hp = host_port;
      if (!host_port.empty()) hp = std::to_string(hstart + i);
      if (cstart == cend && hstart != hend) hp = fmt::format("{}-{}", hp, hend);
      std::string port = fmt::format("{}/{}", cstart + i, lproto);
      exposed->insert(port);
      (*bindings)[port].push_back(PortBinding{ip, hp});
    }
  }
  return Ok();
}

Status ParseExpose(std::string_view spec, std::set<std::string>* exposed) {
  if (spec.find(':') != std::string_view::npos) return Invalid(fmt::format("invalid port format for --expose: {}", spec));
  auto [proto, port] = SplitProtoPort(spec);
  auto range = ParsePortRange(port);
  if (!range.ok()) return Invalid(fmt::format("invalid range format for --expose: {}, error: {}", spec,
                                               range.error().message()));
  for (uint64_t i = range->first; i <= range->second; ++i) exposed->insert(fmt::format("{}/{}", i, proto));
  return Ok();
}

Result<std::vector<std::string>> ConvertPortsToStandardNotation(const std::vector<std::string>& specs) {
  std::vector<std::string> out;
  for (const auto& spec : specs) {
    if (spec.find('=') == std::string::npos) {
      out.push_back(spec);
      continue;
    }
    std::map<std::string, std::string> params;
    for (const auto& field : Split(spec, ',')) {
      auto kv = SplitN(field, '=', 2);
      if (kv.size() != 2) return Invalid(fmt::format("invalid publish opts format (should be name=value but got '{}')", field));
      params[ToLower(kv[0])] = kv[1];
    }
    if (!params.count("target")) return Invalid("missing required field 'target'");
    std::string proto = params.count("protocol") ? params["protocol"] : "tcp";
    out.push_back(fmt::format("{}:{}/{}", params["published"], params["target"], proto));
  }
  return out;
}

Result<std::vector<std::string>> ParseCsvLine(std::string_view line) {
  std::vector<std::string> fields;
  std::string cur;
  size_t i = 0;
  bool start = true;
  while (true) {
    if (start && i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) return Invalid("parse error: extraneous or missing \" in quoted-field");
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            cur += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        cur += line[i++];
      }
      if (i < line.size() && line[i] != ',') return Invalid("parse error: extraneous or missing \" in quoted-field");
    }
    start = false;
    if (i >= line.size()) {
      fields.push_back(cur);
      break;
    }
    if (line[i] == ',') {
      fields.push_back(cur);
      cur.clear();
      start = true;
      ++i;
      continue;
    }
    if (line[i] == '"') return Invalid("parse error: bare \" in non-quoted-field");
    cur += line[i++];
  }
  return fields;
}

Result<OJson> ParseMountSpec(std::string_view csv) {
  auto fields = SKIFF_TRY(ParseCsvLine(csv));
  std::string type = "volume", source, target, consistency;
  bool readonly = false;
  std::optional<OJson> bind, volume, tmpfs;
  auto vol = [&]() -> OJson& {
    if (!volume) {
      volume = OJson::object();
      (*volume)["DriverConfig"] = OJson::object();
    }
    return *volume;
  };
  auto bnd = [&]() -> OJson& {
    if (!bind) bind = OJson::object();
    return *bind;
  };
  auto tmp = [&]() -> OJson& {
    if (!tmpfs) tmpfs = OJson::object();
    return *tmpfs;
  };
  std::map<std::string, std::string> labels, driver_opts;
  bool has_driver_opts = false;
  auto set_map = [](std::map<std::string, std::string>& m, const std::string& v) {
    auto kv = SplitN(v, '=', 2);
    m[kv[0]] = kv.size() == 2 ? kv[1] : "";
  };
  auto parse_bool = [](const std::string& key, const std::string& v) -> Result<bool> {
    if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
    if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") return false;
    return Invalid(fmt::format("invalid value for {}: {}", key, v));
  };
  for (const auto& field : fields) {
    auto parts = SplitN(field, '=', 2);
    std::string key = ToLower(parts[0]);
    if (parts.size() == 1) {
      if (key == "readonly" || key == "ro") {
        readonly = true;
        continue;
      }
      if (key == "volume-nocopy") {
        vol()["NoCopy"] = true;
        continue;
      }
      if (key == "bind-nonrecursive") {
        bnd()["NonRecursive"] = true;
        continue;
      }
      return Invalid(fmt::format("invalid field '{}' must be a key=value pair", field));
    }
    const std::string& value = parts[1];
    if (key == "type") {
      type = ToLower(value);
    } else if (key == "source" || key == "src") {
      source = value;
    } else if (key == "target" || key == "dst" || key == "destination") {
      target = value;
    } else if (key == "readonly" || key == "ro") {
      readonly = SKIFF_TRY(parse_bool(key, value));
    } else if (key == "consistency") {
      consistency = ToLower(value);
    } else if (key == "bind-propagation") {
      bnd()["Propagation"] = ToLower(value);
    } else if (key == "bind-nonrecursive") {
      bnd()["NonRecursive"] = SKIFF_TRY(parse_bool(key, value));
    } else if (key == "volume-nocopy") {
      auto b = parse_bool(key, value);
      if (!b.ok()) return Invalid("invalid value for volume-nocopy: " + value);
      vol()["NoCopy"] = *b;
    } else if (key == "volume-label") {
      vol();
      set_map(labels, value);
    } else if (key == "volume-driver") {
      vol()["DriverConfig"]["Name"] = value;
    } else if (key == "volume-opt") {
      vol();
      has_driver_opts = true;
      set_map(driver_opts, value);
    } else if (key == "tmpfs-size") {
      auto n = units::RAMInBytes(value);
      if (!n.ok()) return Invalid(fmt::format("invalid value for {}: {}", key, value));
      tmp()["SizeBytes"] = *n;
    } else if (key == "tmpfs-mode") {
      char* end = nullptr;
      unsigned long m = std::strtoul(value.c_str(), &end, 8);
      if (value.empty() || *end || m > 0xffffffffUL) return Invalid(fmt::format("invalid value for {}: {}", key, value));
      tmp()["Mode"] = m;
    } else {
      return Invalid(fmt::format("unexpected key '{}' in '{}'", key, field));
    }
  }
  if (type.empty()) return Invalid("type is required");
  if (target.empty()) return Invalid("target is required");
  if (volume && type != "volume") return Invalid(fmt::format("cannot mix 'volume-*' options with mount type '{}'", type));
  if (bind && type != "bind") return Invalid(fmt::format("cannot mix 'bind-*' options with mount type '{}'", type));
  if (tmpfs && type != "tmpfs") return Invalid(fmt::format("cannot mix 'tmpfs-*' options with mount type '{}'", type));
  OJson m = OJson::object();
  m["Type"] = type;
  if (!source.empty()) m["Source"] = source;
  m["Target"] = target;
  if (readonly) m["ReadOnly"] = true;
  if (!consistency.empty()) m["Consistency"] = consistency;
  if (bind) {
    OJson b = OJson::object();
    if (bind->contains("Propagation") && !(*bind)["Propagation"].get<std::string>().empty()) b["Propagation"] = (*bind)["Propagation"];
    if (bind->value("NonRecursive", false)) b["NonRecursive"] = true;
    m["BindOptions"] = b;
  }
  if (volume) {
    OJson v = OJson::object();
    if (volume->value("NoCopy", false)) v["NoCopy"] = true;
    if (!labels.empty()) v["Labels"] = OJson(labels);
    OJson d = OJson::object();
    std::string driver = (*volume)["DriverConfig"].value("Name", "");
    if (!driver.empty()) d["Name"] = driver;
    if (has_driver_opts && !driver_opts.empty()) d["Options"] = OJson(driver_opts);
    v["DriverConfig"] = d;
    m["VolumeOptions"] = v;
  }
  if (tmpfs) {
    OJson t = OJson::object();
    if (tmpfs->value("SizeBytes", int64_t{0}) != 0) t["SizeBytes"] = (*tmpfs)["SizeBytes"];
    if (tmpfs->value("Mode", uint64_t{0}) != 0) t["Mode"] = (*tmpfs)["Mode"];
    m["TmpfsOptions"] = t;
  }
  return m;
}

Result<OJson> ParseUlimit(std::string_view spec) {
  static const std::set<std::string> kNames = {"as",     "core",   "cpu",   "data",    "fsize",   "locks",
                                               "memlock", "msgqueue", "nice", "nofile", "nproc", "rss",
                                               "rtprio", "rttime", "sigpending", "stack"};
  auto parts = SplitN(spec, '=', 2);
  if (parts.size() != 2) return Invalid(fmt::format("invalid ulimit argument: {}", spec));
  if (!kNames.count(parts[0])) return Invalid(fmt::format("invalid ulimit type: {}", parts[0]));
  auto limits = SplitN(parts[1], ':', 2);
  auto soft = ParseInt(limits[0]);
  if (!soft) return Invalid(ParseIntError(limits[0]));
  int64_t hard = *soft;
  if (limits.size() == 2) {
    auto h = ParseInt(limits[1]);
    if (!h) return Invalid(ParseIntError(limits[1]));
    hard = *h;
  }
  if (*soft > hard) {
    return Invalid(fmt::format("ulimit soft limit must be less than or equal to hard limit: {} > {}", *soft, hard));
  }
  OJson u = OJson::object();
  u["Name"] = parts[0];
  u["Hard"] = hard;
  u["Soft"] = *soft;
  return u;
}

Result<OJson> ParseRestartPolicy(std::string_view policy) {
  OJson p = OJson::object();
  p["Name"] = "";
  p["MaximumRetryCount"] = 0;
  if (policy.empty()) return p;
  auto parts = Split(policy, ':');
  if (parts.size() > 2) return Invalid("invalid restart policy format");
  if (parts.size() == 2) {
    auto n = ParseInt(parts[1]);
    if (!n) return Invalid("maximum retry count must be an integer");
    p["MaximumRetryCount"] = *n;
  }
  p["Name"] = parts[0];
  return p;
}

Result<std::vector<std::string>> ParseEnvFile(const std::string& path) { return ParseKeyValueFile(path, true); }
Result<std::vector<std::string>> ParseLabelFile(const std::string& path) { return ParseKeyValueFile(path, false); }

Result<std::string> ValidateEnv(const std::string& val) {
  auto parts = SplitN(val, '=', 2);
  if (parts[0].empty()) return Invalid("invalid environment variable: " + val);
  if (parts.size() > 1) return val;
  if (const char* v = std::getenv(val.c_str())) return val + "=" + v;
  return val;
}

Result<std::string> ValidateLabel(const std::string& val) { return val; }

Result<std::string> ValidateIPAddress(const std::string& val) {
  std::string ip(Trim(val));
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) {
    inet_ntop(AF_INET, buf, out, sizeof(out));
    return std::string(out);
  }
  if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) {
    inet_ntop(AF_INET6, buf, out, sizeof(out));
    return std::string(out);
  }
  return Invalid(val + " is not an ip address");
}

Result<std::string> ValidateExtraHost(const std::string& val) {
  auto parts = SplitN(val, ':', 2);
  if (parts.size() != 2 || parts[0].empty()) return Invalid(fmt::format("bad format for add-host: \"{}\"", val));
  if (parts[1] != "host-gateway" && !ValidateIPAddress(parts[1]).ok()) {
    return Invalid(fmt::format("invalid IP address in add-host: \"{}\"", parts[1]));
  }
  return val;
}

Result<std::string> ValidateDNSSearch(const std::string& val) {
  std::string v(val);
  while (!v.empty() && v.front() == ' ') v.erase(v.begin());
  while (!v.empty() && v.back() == ' ') v.pop_back();
  if (v == ".") return v;
  static const std::regex kDomain(
      R"(^(:?(?:[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)$)");
  std::smatch m;
  if (!std::regex_match(v, m, kDomain)) return Invalid(v + " is not a valid domain");
  if (m[1].length() > 255) return Invalid(fmt::format("{} (domain name) exceeds maximum length of 255", m[1].str()));
  return v;
}

Result<std::string> ValidateDevice(const std::string& val) {
  if (std::count(val.begin(), val.end(), ':') > 2) return Invalid("bad format for path: " + val);
  auto split = SplitN(val, ':', 3);
  if (split[0].empty()) return Invalid("bad format for path: " + val);
  std::string container_path;
  std::string out = val;
  if (split.size() == 1) {
    container_path = split[0];
    out = CleanPath(container_path);
  } else if (split.size() == 2) {
    if (ValidDeviceMode(split[1])) {
      container_path = split[0];
      out = CleanPath(container_path) + ":" + split[1];
    } else {
      container_path = split[1];
      out = split[0] + ":" + CleanPath(container_path);
    }
  } else {
    container_path = split[1];
    if (!ValidDeviceMode(split[2])) return Invalid("bad mode specified: " + split[2]);
    out = val;
  }
  if (container_path.empty() || container_path[0] != '/') return Invalid(container_path + " is not an absolute path");
  return out;
}

Result<OJson> ParseDevice(std::string_view spec) {
  std::string src, dst, perms = "rwm";
  auto arr = Split(spec, ':');
  switch (arr.size()) {
    case 3:
      perms = arr[2];
      [[fallthrough]];
    case 2:
      if (ValidDeviceMode(arr[1])) perms = arr[1];
      else dst = arr[1];
      [[fallthrough]];
    case 1:
      src = arr[0];
      break;
    default:
      return Invalid(fmt::format("invalid device specification: {}", spec));
  }
  if (dst.empty()) dst = src;
  OJson d = OJson::object();
  d["PathOnHost"] = src;
  d["PathInContainer"] = dst;
  d["CgroupPermissions"] = perms;
  return d;
}

Result<std::string> ValidateAttach(const std::string& val) {
  std::string s = ToLower(val);
  if (s == "stdin" || s == "stdout" || s == "stderr") return s;
  return Invalid("valid streams are STDIN, STDOUT and STDERR");
}

Result<std::string> ValidateSysctl(const std::string& val) {
  static const std::set<std::string> kValid = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                               "kernel.sem",    "kernel.shmall", "kernel.shmmax",
                                               "kernel.shmmni", "kernel.shm_rmid_forced"};
  auto arr = Split(val, '=');
  if (arr.size() >= 2) {
    if (kValid.count(arr[0]) || arr[0].rfind("net.", 0) == 0 || arr[0].rfind("fs.mqueue.", 0) == 0) return val;
  }
  return Invalid(fmt::format("sysctl '{}' is not whitelisted", val));
}

bool IsValidMac(std::string_view mac) {
  // net.ParseMAC accepts 6, 8 or 20 octets separated by ':' or '-' (and dotted forms); docker needs 6.
  static const std::regex kMac(R"(^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$)");
  return std::regex_match(std::string(mac), kMac);
}

Result<int64_t> ParseNanoCpus(std::string_view s) {
  auto bad = [&] { return Invalid(fmt::format("failed to parse {} as a rational number", s)); };
  std::string str(s);
  __int128 num = 0, den = 1;
  auto slash = str.find('/');
  if (slash != std::string::npos) {
    auto a = ParseInt(str.substr(0, slash));
    auto b = ParseInt(str.substr(slash + 1));
    if (!a || !b || *b == 0) return bad();
    num = *a;
    den = *b;
  } else {
    size_t i = 0;
    bool neg = false;
    if (i < str.size() && (str[i] == '-' || str[i] == '+')) neg = str[i++] == '-';
    bool digits = false;
    while (i < str.size() && std::isdigit(static_cast<unsigned char>(str[i]))) {
      num = num * 10 + (str[i++] - '0');
      digits = true;
      if (num > (static_cast<__int128>(1) << 100)) return bad();
    }
    if (i < str.size() && str[i] == '.') {
      ++i;
      while (i < str.size() && std::isdigit(static_cast<unsigned char>(str[i]))) {
        num = num * 10 + (str[i++] - '0');
        den *= 10;
        digits = true;
        if (den > (static_cast<__int128>(1) << 100)) return Invalid("value is too precise");
      }
    }
    if (!digits) return bad();
    if (i < str.size() && (str[i] == 'e' || str[i] == 'E')) {
      auto e = ParseInt(str.substr(i + 1));
      if (!e || *e > 30 || *e < -30) return bad();
      for (int k = 0; k < std::abs(static_cast<int>(*e)); ++k) {
        if (*e > 0) num *= 10;
        else den *= 10;
      }
      i = str.size();
    }
    if (i != str.size()) return bad();
    if (neg) num = -num;
  }
  __int128 scaled = num * 1000000000;
  if (scaled % den != 0) return Invalid("value is too precise");
  return static_cast<int64_t>(scaled / den);
}

Result<int64_t> ParseMemBytes(std::string_view s, bool allow_minus_one) {
  if (allow_minus_one && s == "-1") return int64_t{-1};
  auto v = units::RAMInBytes(s);
  if (!v.ok()) return Invalid(fmt::format("invalid size: '{}'", s));
  return v;
}

std::map<std::string, std::string> KVListToMap(const std::vector<std::string>& kvs) {
  std::map<std::string, std::string> m;
  for (const auto& kv : kvs) {
    auto parts = SplitN(kv, '=', 2);
    m[parts[0]] = parts.size() == 2 ? parts[1] : "";
  }
  return m;
}

Result<OJson> ParseGpus(std::string_view spec) {
  OJson req = OJson::object();
  req["Driver"] = "";
  req["Count"] = 0;
  req["DeviceIDs"] = nullptr;
  req["Capabilities"] = nullptr;
  req["Options"] = nullptr;
  auto fields = SKIFF_TRY(ParseCsvLine(spec));
  bool seen_count = false;
  std::vector<std::string> caps = {"gpu"};
  for (const auto& field : fields) {
    auto kv = SplitN(field, '=', 2);
    std::string key = kv[0];
    if (kv.size() == 1) {
      if (seen_count) return Invalid("cannot set both Count and DeviceIDs on device request");
      seen_count = true;
      if (key == "all") {
        req["Count"] = -1;
      } else {
        auto n = ParseInt(key);
        if (!n) return Invalid(fmt::format("invalid count ({}): value must be either \"all\" or an integer", key));
        req["Count"] = *n;
      }
      continue;
    }
    if (key == "driver") req["Driver"] = kv[1];
    else if (key == "count") {
      if (kv[1] == "all") req["Count"] = -1;
      else if (auto n = ParseInt(kv[1])) req["Count"] = *n;
      else return Invalid(fmt::format("invalid count ({}): value must be either \"all\" or an integer", kv[1]));
    } else if (key == "device") {
      req["DeviceIDs"] = Split(kv[1], ',');
    } else if (key == "capabilities") {
      caps.push_back(kv[1]);
    } else if (key == "options") {
      req["Options"] = OJson(KVListToMap(Split(kv[1], ',')));
    } else {
      return Invalid(fmt::format("unexpected key '{}' in '{}'", key, field));
    }
  }
  req["Capabilities"] = OJson::array({caps});
  if (req["Options"].is_null()) req["Options"] = OJson::object();
  return req;
}

}  // namespace skiff::cli

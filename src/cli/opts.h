// Value parsers of docker's CLI flags (docker/cli opts, go-connections nat, go-units, Go's time and strconv),
// with docker's error texts: durations, port specs, --mount CSV, ulimits, restart policies, env/label files,
// devices, extra hosts, IP/DNS validation, --cpus rationals. Pure functions over strings (env files read
// the named file); JSON results use Go's field order (ordered_json) so bodies match what docker sends.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/units.h"

namespace skiff::cli {

using OJson = nlohmann::ordered_json;

// The text Go's syscall.Errno prints ("no such file or directory"), for docker-worded path errors.
std::string GoErrnoText(int err);
// Go's os.PathError text: "<op> <path>: <errno text>".
std::string GoPathError(std::string_view op, std::string_view path, int err);

// Go's time.ParseDuration / Duration.String(): base/units.h.
using skiff::units::FormatGoDuration;
using skiff::units::ParseGoDuration;

// go-connections/nat.
struct PortBinding {
  std::string host_ip;
  std::string host_port;
};
// "80", "8080:80", "127.0.0.1:53:53/udp", "8000-8010:80-90", "[::1]:80:80"; exposed is "80/tcp"-keyed.
Status ParsePortSpecs(const std::vector<std::string>& specs, std::set<std::string>* exposed,
                      std::map<std::string, std::vector<PortBinding>>* bindings);
// --expose "7000" / "7000-7002/udp" (no ':').
Status ParseExpose(std::string_view spec, std::set<std::string>* exposed);
// Go's nat.Port sort key is the string; docker prints "80/tcp". Splits "80/tcp" -> {"tcp", "80"}.
std::pair<std::string, std::string> SplitProtoPort(std::string_view raw);
// docker's convertToStandardNotation: "target=80,published=8080,protocol=udp" -> "8080:80/udp".
Result<std::vector<std::string>> ConvertPortsToStandardNotation(const std::vector<std::string>& specs);

// docker's opts.MountOpt.Set: one --mount CSV -> a mount.Mount JSON object.
Result<OJson> ParseMountSpec(std::string_view csv);
// go-units ParseUlimit: "nofile=1024:2048" -> {"Name":"nofile","Hard":2048,"Soft":1024}.
Result<OJson> ParseUlimit(std::string_view spec);
// opts.ParseRestartPolicy -> {"Name":..., "MaximumRetryCount":...}.
Result<OJson> ParseRestartPolicy(std::string_view policy);
// opts.ParseEnvFile / ParseKeyValueFile (label files: no env lookup for bare names).
Result<std::vector<std::string>> ParseEnvFile(const std::string& path);
Result<std::vector<std::string>> ParseLabelFile(const std::string& path);
// opts.ValidateEnv: "A=B" as is, "A" -> "A=<value from our environment>" when set.
Result<std::string> ValidateEnv(const std::string& val);
// opts.ValidateLabel.
Result<std::string> ValidateLabel(const std::string& val);
// opts.ValidateExtraHost ("host:ip", "host:host-gateway").
Result<std::string> ValidateExtraHost(const std::string& val);
// opts.ValidateIPAddress; returns the normalized address.
Result<std::string> ValidateIPAddress(const std::string& val);
// opts.ValidateDNSSearch.
Result<std::string> ValidateDNSSearch(const std::string& val);
// opts.ValidateDevice (linux) and parseDevice -> {"PathOnHost","PathInContainer","CgroupPermissions"}.
Result<std::string> ValidateDevice(const std::string& val);
Result<OJson> ParseDevice(std::string_view spec);
// opts.ValidateAttach: lower-cased stdin/stdout/stderr.
Result<std::string> ValidateAttach(const std::string& val);
// opts.ValidateSysctl (namespaced sysctls only).
Result<std::string> ValidateSysctl(const std::string& val);
// opts.ValidateMACAddress.
bool IsValidMac(std::string_view mac);
// opts.NanoCPUs.Set: "1.5" -> 1500000000 (big.Rat syntax: decimals, exponents, "3/2").
Result<int64_t> ParseNanoCpus(std::string_view s);
// go-units RAMInBytes with the docker flag's error text ("invalid size: 'x'"); "-1" allowed when swap.
Result<int64_t> ParseMemBytes(std::string_view s, bool allow_minus_one = false);
// "k=v" lists -> map (bare "k" -> ""), like opts.ConvertKVStringsToMap.
std::map<std::string, std::string> KVListToMap(const std::vector<std::string>& kvs);
// Go's csv.Reader for one line (quotes, doubled quotes).
Result<std::vector<std::string>> ParseCsvLine(std::string_view line);
// --gpus "all" / "2" / "device=0,1" / "capabilities=..." -> a DeviceRequest JSON object.
Result<OJson> ParseGpus(std::string_view spec);

}  // namespace skiff::cli

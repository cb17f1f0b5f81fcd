// Internal to the shim library: the file names in DIR, the wire protocol between Client and shim (one JSON
// line request + `preamble_len` raw bytes, an optional fd via SCM_RIGHTS on the first byte; one JSON line
// reply — see docs/shim.md), the JSON forms of the public structs, and Docker's stdcopy frame header.
// Stateless helpers; no fd is owned here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/json.h"
#include "daemon/shim/shim.h"

namespace skiff::daemon::shim::proto {

inline constexpr const char* kConfigFile = "shim.json";
inline constexpr const char* kPidFile = "shim.pid";
inline constexpr const char* kSocket = "shim.sock";
inline constexpr const char* kInitPidFile = "init.pid";
inline constexpr const char* kRuntimeLog = "runtime.log";
inline constexpr const char* kShimLog = "shim.log";
inline constexpr const char* kExitFile = "exit.json";
// Env var naming the fd (in the shim) of the pipe on which it reports created/failed to Spawn.
inline constexpr const char* kReadyFdEnv = "SKIFF_SHIM_READY_FD";
// Requests larger than this are refused (the header line plus the preamble).
inline constexpr size_t kMaxRequest = 8u << 20;
// ExecCapture keeps at most this much output (Docker's health check limit).
inline constexpr size_t kCaptureLimit = 4096;

// {"code":"NotFound","message":"..."} and back (unknown code names become Internal).
Json ErrorToJson(const Error& e);
Error ErrorFromJson(const Json& j);
// Reply lines: {"ok":true,...fields} / {"ok":false,"error":{...}}.
std::string OkReply(Json fields = Json::object());
std::string ErrorReply(const Error& e);
// Parses a reply line: the fields on ok, the Error otherwise.
Result<Json> ParseReply(std::string_view line);

Json ExitInfoToJson(const ExitInfo& e);
Result<ExitInfo> ExitInfoFromJson(const Json& j);
Json ProcessStateToJson(const ProcessState& p);
Result<ProcessState> ProcessStateFromJson(const Json& j);
Json AttachOptionsToJson(const AttachOptions& o);
AttachOptions AttachOptionsFromJson(const Json& j);

// Docker's stdcopy header: [stream, 0, 0, 0, len as 4 bytes big-endian]; stream 0 stdin, 1 stdout, 2 stderr.
std::string FrameHeader(uint8_t stream, uint32_t len);

// Typed field access for requests: missing -> def, wrong type -> InvalidArgument naming the field.
Result<std::string> StringField(const Json& j, const char* key, std::string def = "");
Result<bool> BoolField(const Json& j, const char* key, bool def);
Result<int64_t> IntField(const Json& j, const char* key, int64_t def);

}  // namespace skiff::daemon::shim::proto

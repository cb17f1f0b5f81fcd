#include "daemon/shim/protocol.h"

#include <fmt/format.h>

namespace skiff::daemon::shim::proto {
namespace {

constexpr Errc kAllErrc[] = {Errc::kInvalidArgument, Errc::kNotFound,    Errc::kAlreadyExists, Errc::kConflict,
                             Errc::kPermissionDenied, Errc::kUnavailable, Errc::kUnsupported,   Errc::kCancelled,
                             Errc::kDataLoss,         Errc::kInternal};

}  // namespace

Json ErrorToJson(const Error& e) {
  return Json{{"code", std::string(ErrcName(e.code()))}, {"message", e.message()}};
}

Error ErrorFromJson(const Json& j) {
  Errc code = Errc::kInternal;
  std::string message = "shim: malformed error reply";
  if (j.is_object()) {
    if (auto it = j.find("code"); it != j.end() && it->is_string()) {
      for (Errc c : kAllErrc)
        if (ErrcName(c) == it->get<std::string>()) code = c;
    }
    if (auto it = j.find("message"); it != j.end() && it->is_string()) message = it->get<std::string>();
  }
  return Error(code, std::move(message));
}

std::string OkReply(Json fields) {
  if (!fields.is_object()) fields = Json::object();
  fields["ok"] = true;
  return DumpJson(fields) + "\n";
}

std::string ErrorReply(const Error& e) { return DumpJson(Json{{"ok", false}, {"error", ErrorToJson(e)}}) + "\n"; }

Result<Json> ParseReply(std::string_view line) {
  Json j = SKIFF_TRY(ParseJson(line, "shim reply"));
  if (!j.is_object()) return Error(Errc::kInternal, "shim reply: expected an object");
  auto ok = j.find("ok");
  if (ok == j.end() || !ok->is_boolean()) return Error(Errc::kInternal, "shim reply: missing \"ok\"");
  if (!ok->get<bool>()) return ErrorFromJson(j.value("error", Json()));
  return j;
}

Json ExitInfoToJson(const ExitInfo& e) {
  return Json{{"exit_code", e.exit_code}, {"finished_at", e.finished_at}, {"oom_killed", e.oom_killed}};
}

Result<ExitInfo> ExitInfoFromJson(const Json& j) {
  if (!j.is_object()) return Error(Errc::kDataLoss, "exit info: expected an object");
  ExitInfo e;
  e.exit_code = static_cast<int>(SKIFF_TRY(IntField(j, "exit_code", -1)));
  e.finished_at = SKIFF_TRY(StringField(j, "finished_at"));
  e.oom_killed = SKIFF_TRY(BoolField(j, "oom_killed", false));
  return e;
}

Json ProcessStateToJson(const ProcessState& p) {
  Json j{{"pid", p.pid}, {"running", p.running}};
  if (p.exit) j["exit"] = ExitInfoToJson(*p.exit);
  return j;
}

Result<ProcessState> ProcessStateFromJson(const Json& j) {
  if (!j.is_object()) return Error(Errc::kInternal, "shim reply: process state: expected an object");
  ProcessState p;
  p.pid = static_cast<pid_t>(SKIFF_TRY(IntField(j, "pid", 0)));
  p.running = SKIFF_TRY(BoolField(j, "running", false));
  if (auto it = j.find("exit"); it != j.end() && !it->is_null()) p.exit = SKIFF_TRY(ExitInfoFromJson(*it));
  return p;
}

Json AttachOptionsToJson(const AttachOptions& o) {
  return Json{{"stdin", o.stdin},         {"stdout", o.stdout},          {"stderr", o.stderr},
              {"multiplex", o.multiplex}, {"detach_keys", o.detach_keys}};
}

AttachOptions AttachOptionsFromJson(const Json& j) {
  AttachOptions o;
  o.stdin = BoolField(j, "stdin", o.stdin).value_or(o.stdin);
  o.stdout = BoolField(j, "stdout", o.stdout).value_or(o.stdout);
  o.stderr = BoolField(j, "stderr", o.stderr).value_or(o.stderr);
  o.multiplex = BoolField(j, "multiplex", o.multiplex).value_or(o.multiplex);
  o.detach_keys = StringField(j, "detach_keys").value_or("");
  return o;
}

std::string FrameHeader(uint8_t stream, uint32_t len) {
  std::string h(8, '\0');
  h[0] = static_cast<char>(stream);
  h[4] = static_cast<char>((len >> 24) & 0xff);
  h[5] = static_cast<char>((len >> 16) & 0xff);
  h[6] = static_cast<char>((len >> 8) & 0xff);
  h[7] = static_cast<char>(len & 0xff);
  return h;
}

Result<std::string> StringField(const Json& j, const char* key, std::string def) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  if (!it->is_string()) return Error(Errc::kInvalidArgument, fmt::format("{}: expected string", key));
  return it->get<std::string>();
}

Result<bool> BoolField(const Json& j, const char* key, bool def) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  if (!it->is_boolean()) return Error(Errc::kInvalidArgument, fmt::format("{}: expected boolean", key));
  return it->get<bool>();
}

Result<int64_t> IntField(const Json& j, const char* key, int64_t def) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  if (!it->is_number_integer()) return Error(Errc::kInvalidArgument, fmt::format("{}: expected integer", key));
  return it->get<int64_t>();
}

}  // namespace skiff::daemon::shim::proto

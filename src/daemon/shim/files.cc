// The shim's files in DIR as the daemon reads them: shim.json (ShimConfig), exit.json, shim.pid.
#include <fmt/format.h>

#include "base/file.h"
#include "base/strings.h"
#include "daemon/shim/protocol.h"
#include "daemon/shim/shim.h"
#include "sys/process.h"

namespace skiff::daemon::shim {

Json ShimConfig::ToJson() const {
  return Json{{"id", id},
              {"runtime", runtime},
              {"runtime_root", runtime_root},
              {"bundle", bundle},
              {"tty", tty},
              {"open_stdin", open_stdin},
              {"stdin_once", stdin_once},
              {"log_driver", log_driver},
              {"log", {{"path", log.path}, {"max_size", log.max_size}, {"max_file", log.max_file}}}};
}

Result<ShimConfig> ShimConfig::FromJson(const Json& j) {
  if (!j.is_object()) return Error(Errc::kInvalidArgument, "shim config: expected an object");
  auto ctx = [](const char* f) { return fmt::format("shim config: {}", f); };
  ShimConfig c;
  c.id = SKIFF_TRY_CTX(proto::StringField(j, "id"), ctx("id"));
  c.runtime = SKIFF_TRY_CTX(proto::StringField(j, "runtime"), ctx("runtime"));
  c.runtime_root = SKIFF_TRY_CTX(proto::StringField(j, "runtime_root"), ctx("runtime_root"));
  c.bundle = SKIFF_TRY_CTX(proto::StringField(j, "bundle"), ctx("bundle"));
  c.tty = SKIFF_TRY_CTX(proto::BoolField(j, "tty", false), ctx("tty"));
  c.open_stdin = SKIFF_TRY_CTX(proto::BoolField(j, "open_stdin", false), ctx("open_stdin"));
  c.stdin_once = SKIFF_TRY_CTX(proto::BoolField(j, "stdin_once", false), ctx("stdin_once"));
  c.log_driver = SKIFF_TRY_CTX(proto::StringField(j, "log_driver", "json-file"), ctx("log_driver"));
  if (c.id.empty()) return Error(Errc::kInvalidArgument, "shim config: id: must not be empty");
  if (c.runtime.empty()) return Error(Errc::kInvalidArgument, "shim config: runtime: must not be empty");
  if (c.bundle.empty()) return Error(Errc::kInvalidArgument, "shim config: bundle: must not be empty");
  if (c.log_driver != "json-file" && c.log_driver != "none")
    return Error(Errc::kInvalidArgument,
                 fmt::format("shim config: log_driver: \"{}\" is not json-file or none", c.log_driver));
  if (auto it = j.find("log"); it != j.end() && it->is_object()) {
    c.log.path = SKIFF_TRY_CTX(proto::StringField(*it, "path"), ctx("log.path"));
    int64_t max_size = SKIFF_TRY_CTX(proto::IntField(*it, "max_size", 0), ctx("log.max_size"));
    int64_t max_file = SKIFF_TRY_CTX(proto::IntField(*it, "max_file", 1), ctx("log.max_file"));
    if (max_size < 0 || max_file < 1)
      return Error(Errc::kInvalidArgument, "shim config: log: max_size must be >= 0 and max_file >= 1");
    c.log.max_size = static_cast<uint64_t>(max_size);
    c.log.max_file = static_cast<int>(max_file);
  }
  if (c.log_driver == "json-file" && c.log.path.empty())
    return Error(Errc::kInvalidArgument, "shim config: log.path: must not be empty for json-file");
  return c;
}

Result<std::optional<ExitInfo>> ReadExitFile(const std::string& dir) {
  std::string path = JoinPath(dir, proto::kExitFile);
  if (!PathExists(path)) return std::optional<ExitInfo>();
  Json j = SKIFF_TRY(ReadJsonFile(path));
  ExitInfo e = SKIFF_TRY_CTX(proto::ExitInfoFromJson(j), path);
  return std::optional<ExitInfo>(std::move(e));
}

pid_t LiveShimPid(const std::string& dir) {
  auto text = ReadFile(JoinPath(dir, proto::kPidFile));
  if (!text.ok()) return 0;
  auto lines = Split(Trim(*text), '\n');
  if (lines.size() < 2) return 0;
  auto pid = ParseInt(Trim(lines[0]));
  auto start = ParseUint(Trim(lines[1]));
  if (!pid || *pid <= 0 || !start) return 0;
  return sys::ProcessAlive(static_cast<pid_t>(*pid), *start) ? static_cast<pid_t>(*pid) : 0;
}

}  // namespace skiff::daemon::shim

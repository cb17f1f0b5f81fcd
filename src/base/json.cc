#include "base/json.h"

#include "base/file.h"

namespace skiff {

Result<Json> ParseJson(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    return Error(Errc::kInvalidArgument,
                 std::string(what) + ": invalid JSON at byte " + std::to_string(e.byte) + ": " +
                     std::string(e.what()).substr(std::string(e.what()).find(':') + 2));
  }
}

Result<Json> ReadJsonFile(const std::string& path) {
  std::string text = SKIFF_TRY(ReadFile(path));
  return ParseJson(text, path);
}

std::string DumpJson(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace skiff

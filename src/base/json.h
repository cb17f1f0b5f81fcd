// JSON helpers over nlohmann::json: parsing with errors that name the source and position, and typed
// field access that names the field path on a type mismatch ("process.args[2]: expected string").
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/error.h"

namespace skiff {

using Json = nlohmann::json;

// `what` names the source in errors (a file path, "request body").
Result<Json> ParseJson(std::string_view text, std::string_view what);
Result<Json> ReadJsonFile(const std::string& path);
// Compact dump that never throws on invalid UTF-8 (replaces bad bytes).
std::string DumpJson(const Json& j, int indent = -1);

}  // namespace skiff

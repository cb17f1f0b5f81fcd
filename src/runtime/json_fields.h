// Typed, field-path-aware access to JSON objects for config parsing. Each getter returns an Error whose
// message names the full field path ("process.user.uid: expected unsigned integer") on a type mismatch.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"

namespace skiff::runtime {

std::string FieldPath(std::string_view parent, std::string_view key);
std::string FieldIndex(std::string_view parent, size_t i);

Status ExpectObject(const Json& j, std::string_view field);
Result<std::optional<std::string>> OptString(const Json& obj, std::string_view key, std::string_view parent);
Result<std::optional<bool>> OptBool(const Json& obj, std::string_view key, std::string_view parent);
Result<std::optional<int64_t>> OptInt(const Json& obj, std::string_view key, std::string_view parent);
Result<std::optional<uint32_t>> OptU32(const Json& obj, std::string_view key, std::string_view parent);
Result<std::vector<std::string>> StringArray(const Json& obj, std::string_view key, std::string_view parent);
Result<std::map<std::string, std::string>> StringMap(const Json& obj, std::string_view key,
                                                     std::string_view parent);

}  // namespace skiff::runtime

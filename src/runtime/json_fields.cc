#include "runtime/json_fields.h"

#include <limits>

namespace skiff::runtime {
namespace {
Error TypeError(std::string_view field, std::string_view want) {
  return Error(Errc::kInvalidArgument, std::string(field) + ": expected " + std::string(want));
}
const Json* Member(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}
}  // namespace

std::string FieldPath(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
}
std::string FieldIndex(std::string_view parent, size_t i) {
  return std::string(parent) + "[" + std::to_string(i) + "]";
}

Status ExpectObject(const Json& j, std::string_view field) {
  if (!j.is_object()) return TypeError(field, "object");
  return Ok();
}

Result<std::optional<std::string>> OptString(const Json& obj, std::string_view key, std::string_view parent) {
  const Json* v = Member(obj, key);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return TypeError(FieldPath(parent, key), "string");
  return std::optional<std::string>(v->get<std::string>());
}

Result<std::optional<bool>> OptBool(const Json& obj, std::string_view key, std::string_view parent) {
  const Json* v = Member(obj, key);
  if (!v) return std::optional<bool>();
  if (!v->is_boolean()) return TypeError(FieldPath(parent, key), "boolean");
  return std::optional<bool>(v->get<bool>());
}

Result<std::optional<int64_t>> OptInt(const Json& obj, std::string_view key, std::string_view parent) {
  const Json* v = Member(obj, key);
  if (!v) return std::optional<int64_t>();
  if (!v->is_number_integer()) return TypeError(FieldPath(parent, key), "integer");
  return std::optional<int64_t>(v->get<int64_t>());
}

Result<std::optional<uint32_t>> OptU32(const Json& obj, std::string_view key, std::string_view parent) {
  const Json* v = Member(obj, key);
  if (!v) return std::optional<uint32_t>();
  if (!v->is_number_integer() || v->get<int64_t>() < 0 ||
      v->get<int64_t>() > std::numeric_limits<uint32_t>::max())
    return TypeError(FieldPath(parent, key), "unsigned 32-bit integer");
  return std::optional<uint32_t>(static_cast<uint32_t>(v->get<int64_t>()));
}

Result<std::vector<std::string>> StringArray(const Json& obj, std::string_view key, std::string_view parent) {
  std::vector<std::string> out;
  const Json* v = Member(obj, key);
  if (!v) return out;
  std::string field = FieldPath(parent, key);
  if (!v->is_array()) return TypeError(field, "array of strings");
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) return TypeError(FieldIndex(field, i), "string");
    out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

Result<std::map<std::string, std::string>> StringMap(const Json& obj, std::string_view key,
                                                     std::string_view parent) {
  std::map<std::string, std::string> out;
  const Json* v = Member(obj, key);
  if (!v) return out;
  std::string field = FieldPath(parent, key);
  if (!v->is_object()) return TypeError(field, "object of strings");
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) return TypeError(FieldPath(field, it.key()), "string");
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

}  // namespace skiff::runtime

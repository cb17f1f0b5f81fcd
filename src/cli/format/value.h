// Internal to cli/format: the Go value model that templates evaluate over. A Value is what Go's
// reflect.Value would be for data decoded from JSON into interface{}: maps are map[string]interface{},
// arrays of strings are []string (as Docker's typed []string fields), other arrays []interface{}; JSON
// integers are int (uint64 past int64), other numbers float64; objects whose values are all strings are
// map[string]string (as Docker's Labels, Options). Elements of maps and []interface{} are
// "boxed" (reflect Kind Interface) until a pipeline step unwraps them, as Go does; null is a nil interface.
// A Value either points into JSON owned by the caller (which must outlive it) or shares ownership of JSON
// it computed; copying is cheap.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/json.h"

namespace skiff::cli::format {

enum class Kind {
  kInvalid,  // Go's zero reflect.Value ("<no value>")
  kNil,      // a nil interface{} (JSON null)
  kBool,
  kInt,      // int
  kUint8,    // uint8 (a byte of a string, from index)
  kUint64,   // uint64 (JSON integers above int64)
  kFloat,    // float64
  kString,
  kSlice,    // []interface{}
  kStrings,  // []string
  kMap,        // map[string]interface{}
  kStringMap,  // map[string]string (JSON objects of strings, as Docker's label and option maps)
};

class Value {
 public:
  Value() = default;  // invalid
  // A view of caller-owned JSON; boxed: held in an interface{} (a map value or []interface{} element).
  static Value Ref(const Json& j, bool boxed = false);
  // Owned JSON (the kind follows from the JSON, as for Ref).
  static Value Own(Json j);
  static Value Nil();
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Uint8(uint8_t u);
  static Value Float(double f);
  static Value String(std::string s);
  static Value Strings(std::vector<std::string> s);

  Kind kind() const { return kind_; }
  bool valid() const { return kind_ != Kind::kInvalid; }
  // reflect Kind Interface: a boxed value or a nil interface.
  bool is_interface() const { return boxed_ || kind_ == Kind::kNil; }
  // Go's evalPipeline step: a boxed value becomes its content; a nil interface becomes invalid.
  Value Unwrapped() const;
  // Go's reflect Type().String(): "interface {}" for boxed values, else the concrete type.
  std::string TypeName() const;
  // The concrete type (what an interface holds): "string", "[]interface {}", "map[string]interface {}".
  std::string ConcreteTypeName() const;

  const Json& json() const { return *ref_; }
  bool AsBool() const;
  int64_t AsInt() const;
  uint64_t AsUint() const;
  double AsFloat() const;
  const std::string& AsString() const;

  // Length of a string (bytes), slice or map.
  size_t Len() const;
  // Element i of a slice (boxed for []interface{}) or byte i of a string (uint8).
  Value Index(size_t i) const;
  bool IsMap() const { return kind_ == Kind::kMap || kind_ == Kind::kStringMap; }
  bool IsSlice() const { return kind_ == Kind::kSlice || kind_ == Kind::kStrings; }
  // Map value for key (boxed in map[string]interface{}), or invalid when absent.
  Value MapIndex(const std::string& key) const;
  // Slice [lo, hi) of a string, []string or []interface{}.
  Value Slice(size_t lo, size_t hi) const;
  // The JSON form (invalid and nil are null).
  Json ToJson() const;

 private:
  Kind kind_ = Kind::kInvalid;
  bool boxed_ = false;
  const Json* ref_ = nullptr;
  std::shared_ptr<const Json> hold_;
};

// The Kind that JSON decodes to.
Kind KindOf(const Json& j);
// Whether a Go type of this kind can be nil (interfaces, slices, maps).
bool IsNilable(Kind k);

}  // namespace skiff::cli::format

#include "cli/format/value.h"

#include <limits>

namespace skiff::cli::format {

Kind KindOf(const Json& j) {
  switch (j.type()) {
    case Json::value_t::boolean: return Kind::kBool;
    case Json::value_t::number_integer: return Kind::kInt;
    case Json::value_t::number_unsigned:
      return j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? Kind::kUint64
                                                                                           : Kind::kInt;
    case Json::value_t::number_float: return Kind::kFloat;
    case Json::value_t::string: return Kind::kString;
    case Json::value_t::array:
      for (const Json& e : j) {
        if (!e.is_string()) return Kind::kSlice;
      }
      return Kind::kStrings;
    case Json::value_t::object:
      for (const auto& [k, e] : j.items()) {
        if (!e.is_string()) return Kind::kMap;
      }
      return Kind::kStringMap;
    default: return Kind::kNil;
  }
}

bool IsNilable(Kind k) {
  return k == Kind::kNil || k == Kind::kSlice || k == Kind::kStrings || k == Kind::kMap || k == Kind::kStringMap;
}

Value Value::Ref(const Json& j, bool boxed) {
  Value v;
  v.ref_ = &j;
  v.kind_ = KindOf(j);
  v.boxed_ = boxed && v.kind_ != Kind::kNil;
  return v;
}

Value Value::Own(Json j) {
  auto hold = std::make_shared<const Json>(std::move(j));
  Value v = Ref(*hold);
  v.hold_ = std::move(hold);
  return v;
}

Value Value::Nil() { return Own(Json(nullptr)); }
Value Value::Bool(bool b) { return Own(Json(b)); }
Value Value::Int(int64_t i) { return Own(Json(i)); }
Value Value::Float(double f) { return Own(Json(f)); }
Value Value::String(std::string s) { return Own(Json(std::move(s))); }

Value Value::Uint8(uint8_t u) {
  Value v = Own(Json(static_cast<uint64_t>(u)));
  v.kind_ = Kind::kUint8;
  return v;
}

Value Value::Strings(std::vector<std::string> s) {
  Value v = Own(Json(std::move(s)));
  v.kind_ = Kind::kStrings;  // also when empty
  return v;
}

Value Value::Unwrapped() const {
  if (kind_ == Kind::kNil) return Value();
  Value v = *this;
  v.boxed_ = false;
  return v;
}

std::string Value::ConcreteTypeName() const {
  switch (kind_) {
    case Kind::kInvalid: return "<invalid>";
    case Kind::kNil: return "interface {}";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kUint8: return "uint8";
    case Kind::kUint64: return "uint64";
    case Kind::kFloat: return "float64";
    case Kind::kString: return "string";
    case Kind::kSlice: return "[]interface {}";
    case Kind::kStrings: return "[]string";
    case Kind::kMap: return "map[string]interface {}";
    case Kind::kStringMap: return "map[string]string";
  }
  return "?";
}

std::string Value::TypeName() const { return is_interface() ? "interface {}" : ConcreteTypeName(); }

bool Value::AsBool() const { return ref_->get<bool>(); }
int64_t Value::AsInt() const { return ref_->get<int64_t>(); }
uint64_t Value::AsUint() const { return ref_->get<uint64_t>(); }
double Value::AsFloat() const { return ref_->get<double>(); }
const std::string& Value::AsString() const { return ref_->get_ref<const std::string&>(); }

size_t Value::Len() const {
  switch (kind_) {
    case Kind::kString: return AsString().size();
    case Kind::kSlice: case Kind::kStrings: case Kind::kMap: case Kind::kStringMap: return ref_->size();
    default: return 0;
  }
}

Value Value::Index(size_t i) const {
  if (kind_ == Kind::kString) return Uint8(static_cast<uint8_t>(AsString()[i]));
  Value v = Ref((*ref_)[i], kind_ == Kind::kSlice);
  v.hold_ = hold_;
  return v;
}

Value Value::MapIndex(const std::string& key) const {
  auto it = ref_->find(key);
  if (it == ref_->end()) return Value();
  Value v = Ref(*it, kind_ == Kind::kMap);
  v.hold_ = hold_;
  return v;
}

Value Value::Slice(size_t lo, size_t hi) const {
  if (kind_ == Kind::kString) return String(AsString().substr(lo, hi - lo));
  Json out = Json::array();
  for (size_t i = lo; i < hi; ++i) out.push_back((*ref_)[i]);
  Value v = Own(std::move(out));
  if (kind_ == Kind::kStrings) v.kind_ = Kind::kStrings;
  else v.kind_ = Kind::kSlice;
  return v;
}

Json Value::ToJson() const {
  if (!valid()) return Json(nullptr);
  return *ref_;
}

}  // namespace skiff::cli::format

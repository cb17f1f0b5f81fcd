// Internal to cli/format: the functions templates can call. Go's builtins (and, or, not, len, index, slice,
// print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery, call) and Docker's cli/templates set
// (json, split, join, title, lower, upper, pad, truncate) plus its header variants. Each has Go's parameter
// types so the executor checks and converts arguments as Go's reflection does. Static tables; no state.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "cli/format/value.h"

namespace skiff::cli::format {

// Go parameter types: interface{}, reflect.Value, string, int, []string.
enum class Param { kAny, kReflect, kString, kInt, kStrings };
std::string ParamTypeName(Param p);

struct Func {
  std::vector<Param> params;  // when variadic, the last one is the element type of the ... parameter
  bool variadic = false;
  bool builtin = false;  // a Go builtin (and/or are evaluated lazily by the executor)
  // Arguments arrive checked and converted; an error becomes "error calling NAME: MESSAGE".
  std::function<Result<Value>(std::vector<Value>& args)> call;
};

const Func* LookupBuiltin(std::string_view name);
// Docker's functions; header: the variants Docker installs when it renders a table header.
const Func* LookupDocker(std::string_view name, bool header);
// Go's template truth of a value (isTrue over indirectInterface).
bool Truth(const Value& v);

}  // namespace skiff::cli::format

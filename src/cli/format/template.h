// Go's text/template, evaluated over JSON values (what Docker's `--format` and `inspect -f` accept).
// A Template owns its parse tree (shared, immutable after Parse), so it is a cheap copyable value; Execute
// is const and may run concurrently. Values behave like Go interface{} values decoded by encoding/json
// (objects = map[string]interface{}, arrays = []interface{}), except where Docker's typed structs differ:
// JSON integers stay int, arrays of strings are []string and objects of strings map[string]string (so
// `index .Config.Labels "x"` of a missing label is "", as in Docker). Functions: Go's builtins plus
// Docker's cli/templates set (json, split, join, title, lower, upper, pad, truncate); callers may add
// their own at Parse. Not supported: complex constants (an error), %x/%X/%b of floats (%!x(float64=...)),
// slicing past a slice's length, more than 1000 nested {{template}} calls (Go allows 100000).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/json.h"

namespace skiff::cli::format {

// Go's Option("missingkey=..."): what a missing object key yields. kDefault: Go's invalid value (prints
// "<no value>"), kZero: the element type's zero value (nil for interface{} maps), kError: fails with
// `map has no entry for key "X"` (Docker's raw-JSON fallback in `inspect -f` uses kError).
enum class MissingKey { kDefault, kZero, kError };

// A method of the data root with string parameters. Docker's formatter contexts have such methods
// ({{.Label "com.example"}}); `self` is the root JSON.
struct Method {
  int num_args = 0;
  std::function<Result<Json>(const Json& self, const std::vector<std::string>& args)> call;
};

struct ExecOptions {
  MissingKey missing_key = MissingKey::kDefault;
  // Docker's HeaderFunctions (table headers): json, split, join, title, lower, upper and truncate return
  // their first argument unchanged (pad still pads), so `{{upper .Names}}` renders the header as-is.
  bool header_functions = false;
  // Non-empty: the data is Docker's typed value, the root of this Go type ("*formatter.ContainerContext"):
  // the root and every object that is not a string map (map[string]string) act as Go structs, so a field
  // missing from one fails with "can't evaluate field X in type T", and arguments to one fail with "wrong
  // number of args" (formatter contexts' fields are methods).
  std::string root_type;
  std::map<std::string, Method, std::less<>> root_methods;
  // {{json .}} of the root escapes <, >, & (Docker's list contexts marshal themselves with json.Marshal).
  bool root_json_escapes_html = false;
};

// A user function: gets the evaluated arguments, returns a value or an error (reported by Execute as
// `error calling NAME: MESSAGE`, as Go does).
using Function = std::function<Result<Json>(const std::vector<Json>& args)>;
using FuncMap = std::map<std::string, Function, std::less<>>;

class Template {
 public:
  // Parses Go template text. Syntax errors: InvalidArgument with a Go-like message, e.g.
  // `template: :1: unclosed action` / `template: :1: function "foo" not defined`.
  static Result<Template> Parse(std::string_view text);
  // Same, with extra functions (they shadow builtins of the same name, as Go's Funcs does).
  static Result<Template> Parse(std::string_view text, const FuncMap& funcs);

  // Executes with `.` = data. Runtime errors: InvalidArgument (`template: :1:2: executing "" at <.x.y>: ...`).
  Result<std::string> Execute(const Json& data) const;
  Result<std::string> Execute(const Json& data, const ExecOptions& options) const;
  // As Go's Execute into a writer: output produced before an error stays in *out (Docker prints a table
  // header that way, ignoring the error).
  Status ExecutePartial(const Json& data, const ExecOptions& options, std::string* out) const;

  struct Impl;  // parse tree and function table (template.cc)

 private:
  explicit Template(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// Go's fmt "%v" of an interface{} holding this JSON value: strings as-is, integers, float64 as Go prints
// them (1.5, 1e+06, 100), true/false, null -> "<nil>", arrays "[a b]", objects "map[a:1 b:2]" (sorted).
std::string GoPrint(const Json& value);
// Go's encoding/json of the value (compact, keys sorted, Go's number and string escaping, no trailing
// newline). escape_html: <, > and & as \u003c \u003e \u0026 (json.Marshal); Docker's `json` template
// function turns that off (SetEscapeHTML(false)), which is the default here.
std::string GoJson(const Json& value, bool escape_html = false);

}  // namespace skiff::cli::format

// Docker's `--format` handling on top of Template and TabWriter: the "table" prefix, the "json" and "raw"
// keywords, `\t`/`\n` escapes written literally in the flag, header rows, one output line per row.
// Stateless functions; the results own their strings.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "cli/format/template.h"

namespace skiff::cli::format {

// Parsed --format value. `body` is the template text after Docker's preprocessing (prefix "table" removed,
// surrounding spaces trimmed, literal `\t` and `\n` replaced by a tab and a newline).
// json_all: the flag was exactly "json" (newer CLIs: each row printed as {{json .}}), body is "{{json .}}".
// raw: the flag was exactly "raw" (the caller prints its raw listing); table: a "table ..." format.
struct FormatSpec {
  bool table = false;
  std::string body;
  bool json_all = false;
  bool raw = false;
  // Set by the caller after ParseFormat: rows are Docker contexts of this Go type (see
  // ExecOptions::root_type, e.g. "*formatter.ContainerContext") with these methods (e.g. Label).
  std::string context_type;
  std::map<std::string, Method, std::less<>> methods;
};
FormatSpec ParseFormat(std::string_view flag_value);

// Renders rows: when table, a header line is produced by executing the body against `header` (a JSON
// object mapping field name -> header text, e.g. {"ID":"CONTAINER ID","Names":"NAMES"}) with Docker's header
// functions and its header {{.Label "a.b-c"}} method ("b c"), and everything goes through
// TabWriter(10, 1, 3, ' ', 0). One output line per row (the template's output followed by "\n", as Docker
// does). json_all: each row as json.Marshal prints it (HTML-escaped, like Docker's context MarshalJSON). Errors (parse or execute) are InvalidArgument with
// Go's message, e.g. `template: :1: unclosed action`; Docker's CLI prefixes "Template parsing error: ".
Result<std::string> RenderRows(const FormatSpec& f, const Json& header, const std::vector<Json>& rows);
// Same with an already parsed template of f.body (to run one template over many calls).
Result<std::string> RenderRows(const FormatSpec& f, const Template& tmpl, const Json& header,
                               const std::vector<Json>& rows);

// `docker inspect -f`: executes the template on each element, each output followed by "\n". As Docker
// runs it on its typed struct first, a top-level field the element lacks is an error; a failing element is
// retried, as Docker does, on the raw JSON with missingkey=error, whose error is returned (so a missing
// field reports `map has no entry for key "X"`). Stops at the first failing element.
Result<std::string> RenderInspect(const Template& tmpl, const std::vector<Json>& elements);

}  // namespace skiff::cli::format

// Output conventions shared by the listing and inspect commands: docker's formatter.Context.Write (a
// --format value or a default "table ..." format over rows and a header) and docker's inspect.Inspect
// (pretty JSON array of the daemon's raw answers, or a Go template per element, errors collected).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "cli/command.h"
#include "cli/format/template.h"
#include "cli/opts.h"

namespace skiff::cli {

// Renders rows with the format (docker's "table"/custom semantics) to stdout. Template errors come back as
// "template parsing error: ..." (exit 1, as docker).
Status WriteRows(const Cli& cli, const std::string& format, const Json& header, const std::vector<Json>& rows);

// get_raw returns the daemon's raw JSON for a reference, or an Error whose message is reported.
using RawGetter = std::function<Result<std::string>(const std::string& ref)>;
// docker inspect: prints, collects errors (exit 1), template parse errors exit 64.
Result<int> RunInspect(const Cli& cli, const std::vector<std::string>& refs, const std::string& format,
                       const RawGetter& get_raw);

// Template functions for data that came from the daemon as Go structs: a `json` that prints objects in the
// daemon's field order (it finds the value in `ordered`, the same data parsed keeping key order) instead of
// the sorted order of plain JSON maps. Values not found there fall back to sorted-key JSON.
format::FuncMap OrderedJsonFuncs(std::shared_ptr<const OJson> ordered);

// True when a --format template evaluates the field (docker executes the template once to find out).
bool FormatUsesField(const std::string& format, std::string_view field);

}  // namespace skiff::cli

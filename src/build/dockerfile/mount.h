// RUN --mount values (`type=cache,target=/root/.cache,sharing=locked`), parsed as Docker's frontend
// parses them (instructions/commands_runmount.go): CSV fields, keys case-insensitive, `ro`/`rw`/
// `required` allowed without a value. The parser (parser.h) calls this without an expander, as Docker
// does at parse time: fields are only recorded (raw, unexpanded) and only CSV syntax and `from=$VAR`
// are checked. The builder calls it again on RunMount::raw with its expander at the step, which expands
// every value and applies all of Docker's checks and defaults (readonly for bind/secret/ssh). Pure.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "build/dockerfile/ast.h"

namespace skiff::build::dockerfile {

// Expands one word (the stage's ARG/ENV environment): an ExpandWord bound to a Lookup.
using WordExpander = std::function<Result<std::string>(std::string_view word)>;

// Errors (InvalidArgument), Docker's wording: "failed to parse csv mounts: ...", "unsupported mount type
// \"x\"", "unexpected key 'k' in 'k=v'", "invalid field 'x' must be a key=value pair", "unexpected key
// 'size' for mount type 'bind'", "invalid value for ro: x", "mode not allowed for \"bind\" type mounts",
// "secret mount should not have a from", "invalid secret mount. one of source, target required", ...
Result<RunMount> ParseRunMount(std::string_view value, const WordExpander* expand = nullptr);

}  // namespace skiff::build::dockerfile

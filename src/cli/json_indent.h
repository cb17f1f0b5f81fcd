// Go's encoding/json.Indent over raw JSON text: re-indents without re-encoding, so key order, number
// spelling and string escapes stay exactly as the daemon sent them (what `docker inspect` prints).
#pragma once

#include <string>
#include <string_view>

namespace skiff::cli {

// Leading whitespace is dropped; empty objects/arrays stay "{}"/"[]". The input is assumed to be valid JSON.
std::string GoJsonIndent(std::string_view src, std::string_view prefix, std::string_view indent);

}  // namespace skiff::cli

// Go's filepath.Match for COPY/ADD source wildcards (internal to skiff_build_copy): `*` any run of
// non-'/' characters, `?` one non-'/' character, `[...]` a class (`^` negates, ranges `a-z`), `\` escapes
// the next character. A malformed pattern matches nothing (Docker ignores Match's ErrBadPattern).
#pragma once

#include <string_view>

namespace skiff::build::copy {

bool GoMatch(std::string_view pattern, std::string_view name);
// Docker's containsWildcards: an unescaped '*', '?' or '['.
bool ContainsWildcards(std::string_view s);

}  // namespace skiff::build::copy

// Shell-word expansion as Docker's builder does it (moby/buildkit frontend/dockerfile/shell.Lex) for the
// instructions it expands at build time (FROM, ENV, ARG, LABEL, EXPOSE, COPY, ADD, WORKDIR, USER, VOLUME,
// STOPSIGNAL, ONBUILD is not expanded): `$V`, `${V}`, `${V:-word}`, `${V-word}`, `${V:+word}`,
// `${V+word}`, `${V:?msg}`/`${V?msg}` (an error), the escape character (\ or `) escaping the next
// character, single quotes (literal), double quotes (expansion inside, escapes of \ $ " only), and the
// quotes removed from the result. Pure functions.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace skiff::build::dockerfile {

// Looks a variable up: nullopt = unset (differs from set-but-empty for `:-` vs `-`).
using Lookup = std::function<std::optional<std::string>(std::string_view name)>;

// A Lookup over "K=V" strings (the last one of a name wins), as Docker's env slices.
Lookup LookupIn(const std::vector<std::string>& env);

struct ExpandOptions {
  char escape = '\\';
  // Names referenced (set or not): the build args a step depends on for the cache.
  std::set<std::string>* used = nullptr;
};

// One word -> one string (quotes removed, no splitting). Errors (InvalidArgument): unterminated quote or
// ${, bad substitution "${}", "${V:?msg}" with V unset/empty -> "V: msg".
Result<std::string> ExpandWord(std::string_view word, const Lookup& env, const ExpandOptions& o = {});

// One word -> several, split on unquoted whitespace after expansion (ProcessWords: used for the
// words of instructions that take lists when not in JSON form).
Result<std::vector<std::string>> ExpandWords(std::string_view word, const Lookup& env, const ExpandOptions& o = {});

}  // namespace skiff::build::dockerfile

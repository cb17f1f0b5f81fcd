// Internal to skiff_build_dockerfile: Docker's shell-word lexer with all of its modes (the public
// ExpandWord/ExpandWords in expand.h are its default mode), plus small text helpers the parser shares
// (UTF-8 decoding, Go's unicode.IsSpace, Go's %q quoting). Pure functions.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "build/dockerfile/expand.h"

namespace skiff::build::dockerfile::internal {

struct LexOptions {
  char escape = '\\';
  bool raw_quotes = false;   // keep quote characters in the result
  bool raw_escapes = false;  // keep escape characters in the result
  bool skip_unset = false;   // leave references to unset variables as written
  std::set<std::string>* used = nullptr;
};

struct LexResult {
  std::string word;                // the whole input, expanded, unsplit
  std::vector<std::string> words;  // split on unquoted whitespace
};

// Errors are InvalidArgument "failed to process \"<input>\": <what>", as Docker words them.
Result<LexResult> Lex(std::string_view input, const Lookup& env, const LexOptions& o);

// Go's unicode.IsSpace.
bool IsSpaceRune(uint32_t r);
// Trims IsSpaceRune characters (Go's strings.TrimSpace / TrimLeftFunc(IsSpace)).
std::string_view TrimSpace(std::string_view s);
std::string_view TrimLeftSpace(std::string_view s);

}  // namespace skiff::build::dockerfile::internal

// Internal to skiff_build_dockerfile: one logical line split the way Docker's low-level parser does it
// (keyword, builder flags, then the arguments by the instruction's own rule: JSON or shell form, words,
// name=value pairs, a sub-instruction for ONBUILD), before the typed instruction is made from it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "build/dockerfile/ast.h"

namespace skiff::build::dockerfile::internal {

struct Node {
  std::string keyword;             // as written
  std::string lower;               // lower-cased keyword
  std::vector<std::string> flags;  // the leading "--name[=value]" words, quotes and escapes removed
  std::string rest;                // the text after the flags, trimmed
  std::vector<std::string> args;   // by the instruction's rule (ONBUILD: the trigger's keyword, then its args)
  bool json = false;               // the arguments were a JSON string array
  std::vector<KeyValue> pairs;     // ENV, LABEL
  std::unique_ptr<Node> child;     // ONBUILD: the trigger
  std::string line;                // the whole logical line
};

// Errors (InvalidArgument, without location): a JSON array of non-strings, ENV/LABEL syntax.
Result<Node> SplitLine(std::string_view line, char escape);

// Docker's parseWords: whitespace-separated words where quotes group (and are kept) and the escape
// character keeps itself and the next character.
std::vector<std::string> ParseWords(std::string_view rest, char escape);
// Splits on runs of [ \t\v\f\r] (Docker's reWhitespace); at most `max` parts (0 = all).
std::vector<std::string> SplitWhitespace(std::string_view s, size_t max = 0);

// Whether a RUN/COPY/ADD (or ONBUILD of one) in shell form may carry heredocs.
bool CanContainHeredoc(const Node& n);

struct HeredocWord {
  std::string name;
  bool expand = true;
  bool chomp = false;
};
// A word of the form [fd]<<[-]NAME (NAME possibly quoted) -> its heredoc; nullopt otherwise.
std::optional<HeredocWord> ParseHeredocWord(std::string_view word);
// The heredocs a line starts, in order.
Result<std::vector<HeredocWord>> HeredocsFromLine(std::string_view line);

}  // namespace skiff::build::dockerfile::internal

namespace skiff::build::dockerfile::internal {

// The typed instruction body from a split line and the bodies of its heredocs (`docs`: as the AST keeps
// them, chomped; `raw`: as read, for ONBUILD's expression). Errors (InvalidArgument, no location): the
// instruction's own checks in Docker's wording ("ENV names can not be blank", "unknown flag: --x", ...).
Result<InstructionBody> MakeBody(const Node& n, const std::vector<Heredoc>& docs, const std::vector<std::string>& raw);

}  // namespace skiff::build::dockerfile::internal

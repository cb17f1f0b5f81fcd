// Internal to skiff_build_dockerfile: the physical-line layer of the parser. Turns the text into logical
// instruction lines as Docker's parser reads them: parser directives at the very top, comment lines
// dropped (a `#` only after leading whitespace), line continuations with the escape character (comment
// lines and whitespace-only lines inside a continuation skipped, no separator added), and, on request,
// the bodies of heredocs that follow an instruction. Holds a view of the text; single-threaded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "build/dockerfile/ast.h"

namespace skiff::build::dockerfile::internal {

struct LogicalLine {
  int start_line = 0;  // 1-based
  int end_line = 0;    // the last physical line consumed so far
  std::string text;    // continuations joined, escape+newline removed, leading whitespace trimmed
};

class LineReader {
 public:
  // directives=false: no directive processing (ParseInstruction of a single instruction).
  LineReader(std::string_view text, char escape, bool directives, int first_line = 1);

  // The next logical line; false at the end. Errors (bad or repeated directive) carry no path: the
  // caller prefixes it. *err_line tells the line of an error.
  Result<bool> Next(LogicalLine* out, int* err_line);
  // Reads a heredoc body up to its terminator line (`name`, after leading tabs when chomp): the lines in
  // between, each with its line ending. Error "unterminated heredoc".
  Result<std::string> HeredocBody(const std::string& name, bool chomp);

  int line() const { return line_; }  // physical lines consumed
  char escape() const { return escape_; }
  const Directives& directives() const { return dirs_; }

 private:
  bool ReadPhysical(std::string_view* line);  // with its line ending
  Status Directive(std::string_view trimmed);  // looks at one line while directives are still allowed
  std::string_view text_;
  size_t pos_ = 0;
  int line_;
  char escape_;
  bool directives_open_;
  bool seen_syntax_ = false, seen_escape_ = false, seen_check_ = false;
  Directives dirs_;
};

// Docker's line-continuation test: the line (without its newline) ends in the escape character followed
// only by blanks, and that escape character is not itself escaped. Returns the line without them.
bool TrimContinuation(std::string_view line, char escape, std::string_view* rest);

}  // namespace skiff::build::dockerfile::internal

// Internal to cli/format: the lexer of Go's text/template (package text/template/parse), token for token,
// with the default "{{" "}}" delimiters. Items point into the input, which must outlive them. Lexing stops
// at the first error item or at EOF.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace skiff::cli::format {

enum class ItemType {
  kError,         // error occurred; value is text of error
  kBool,          // boolean constant
  kChar,          // printable ASCII character; grab bag for comma etc.
  kCharConstant,  // character constant
  kComment,       // comment text
  kComplex,       // complex constant (1+2i)
  kAssign,        // equals ('=') introducing an assignment
  kDeclare,       // colon-equals (':=') introducing a declaration
  kEOF,
  kField,       // alphanumeric identifier starting with '.'
  kIdentifier,  // alphanumeric identifier not starting with '.'
  kLeftDelim,   // left action delimiter
  kLeftParen,   // '(' inside action
  kNumber,      // simple number, including imaginary
  kPipe,        // pipe symbol
  kRawString,   // raw quoted string (includes quotes)
  kRightDelim,  // right action delimiter
  kRightParen,  // ')' inside action
  kSpace,       // run of spaces separating arguments
  kString,      // quoted string (includes quotes)
  kText,        // plain text
  kVariable,    // variable starting with '$', such as '$' or  '$1' or '$hello'
  // Keywords appear after all the rest.
  kKeyword,  // used only to delimit the keywords
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Item {
  ItemType type = ItemType::kError;
  int pos = 0;           // byte offset of the item in the input
  std::string_view val;  // the item's text (for errors: the message, owned by the lexer's message store)
  int line = 0;          // line number at the start of the item

  // Go's item.String(), as used in parse error messages: EOF, <keyword>, "quoted" (first 10 runes...).
  std::string String() const;
};

// Runs the lexer over the whole input. break_ok/continue_ok: whether those words are keywords (they are
// identifiers when the function map defines them). `messages` keeps the text of error items alive.
std::vector<Item> Lex(std::string_view input, bool break_ok, bool continue_ok, std::vector<std::string>* messages);

// unicode.IsLetter / IsDigit / alphanumeric-or-underscore, as the lexer needs them (non-ASCII runes are
// letters unless they are spaces, punctuation or symbols in the common blocks).
bool IsAlphaNumeric(uint32_t r);
// Go's %#U of a rune: "U+0041 'A'" (the quoted form only for printable runes).
std::string RuneSharpU(uint32_t r);

}  // namespace skiff::cli::format

// Internal to cli/format: Go's fmt (Sprint, Sprintln, Sprintf with every verb and flag that applies to
// the value model), strconv quoting and encoding/json output, over Values. Operands are what an
// interface{} parameter receives in Go: a concrete value, or nil (an invalid or nil Value). Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/format/value.h"

namespace skiff::cli::format {

std::string GoSprint(const std::vector<Value>& args);
std::string GoSprintln(const std::vector<Value>& args);
std::string GoSprintf(std::string_view format, const std::vector<Value>& args);

// strconv.Quote (ascii_only: QuoteToASCII) and QuoteRune.
std::string GoQuote(std::string_view s, bool ascii_only = false);
std::string GoQuoteRune(uint32_t r, bool ascii_only = false);
// unicode.IsPrint (letters, marks, numbers, punctuation, symbols and the ASCII space), approximated
// without Unicode tables: controls, format characters, non-ASCII spaces, surrogates, private use and
// noncharacters are not printable.
bool GoIsPrint(uint32_t r);
// Decodes one UTF-8 rune at s[i] like Go (invalid bytes are U+FFFD of width 1); returns its width.
size_t DecodeRune(std::string_view s, size_t i, uint32_t* rune);
void AppendRune(std::string& out, uint32_t r);

// encoding/json Marshal of a JSON value (compact, sorted keys, Go's float and string escaping).
std::string GoJsonEncode(const Json& j, bool escape_html);

}  // namespace skiff::cli::format

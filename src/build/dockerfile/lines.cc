// Physical lines -> logical instruction lines, as buildkit's parser.Parse scans them.
#include "build/dockerfile/lines.h"

#include <fmt/format.h>

#include "build/dockerfile/lex.h"

namespace skiff::build::dockerfile::internal {

namespace {

std::string_view TrimNewline(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool IsComment(std::string_view line) {
  line = TrimLeftSpace(line);
  return !line.empty() && line[0] == '#';
}

}  // namespace

bool TrimContinuation(std::string_view line, char escape, std::string_view* rest) {
  std::string_view t = line;
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (t.empty() || t.back() != escape) return false;
  if (t.size() >= 2 && t[t.size() - 2] == escape) return false;  // an escaped escape character
  *rest = t.substr(0, t.size() - 1);
  return true;
}

LineReader::LineReader(std::string_view text, char escape, bool directives, int first_line)
    : text_(text), line_(first_line - 1), escape_(escape), directives_open_(directives) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
}

bool LineReader::ReadPhysical(std::string_view* line) {
  if (pos_ >= text_.size()) return false;
  size_t nl = text_.find('\n', pos_);
  size_t end = nl == std::string_view::npos ? text_.size() : nl + 1;
  *line = text_.substr(pos_, end - pos_);
  pos_ = end;
  ++line_;
  return true;
}

// `#` key `=` value, key one of syntax/escape/check (any case), value trimmed; any other line ends the
// directives for good.
Status LineReader::Directive(std::string_view t) {
  if (!directives_open_) return Ok();
  if (t.empty() || t[0] != '#') {
    directives_open_ = false;
    return Ok();
  }
  std::string_view s = TrimLeftSpace(t.substr(1));
  size_t k = 0;
  if (k < s.size() && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z'))) {
    while (k < s.size() && std::isalnum(static_cast<unsigned char>(s[k]))) ++k;
  }
  std::string_view key = s.substr(0, k);
  std::string_view after = TrimLeftSpace(s.substr(k));
  if (key.empty() || after.empty() || after[0] != '=') {
    directives_open_ = false;
    return Ok();
  }
  std::string_view value = TrimSpace(after.substr(1));
  if (value.empty()) {
    directives_open_ = false;
    return Ok();
  }
  std::string lower;
  for (char c : key) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool* seen = lower == "syntax" ? &seen_syntax_ : lower == "escape" ? &seen_escape_ : lower == "check" ? &seen_check_
                                                                                                    : nullptr;
  if (seen == nullptr) {
    directives_open_ = false;
    return Ok();
  }
  if (*seen) return Error(Errc::kInvalidArgument, fmt::format("only one {} parser directive can be used", lower));
  *seen = true;
  if (lower == "escape") {
    if (value != "`" && value != "\\") {
      return Error(Errc::kInvalidArgument,
                   fmt::format("invalid escape token '{}' does not match ` or \\", value));
    }
    escape_ = value[0];
    dirs_.escape = escape_;
  } else if (lower == "syntax") {
    dirs_.syntax = std::string(value);
  } else {
    dirs_.check = std::string(value);
  }
  return Ok();
}

Result<bool> LineReader::Next(LogicalLine* out, int* err_line) {
  std::string_view raw;
  while (ReadPhysical(&raw)) {
    std::string_view t = TrimLeftSpace(TrimNewline(raw));
    *err_line = line_;
    SKIFF_TRY(Directive(t));
    if (IsComment(t)) t = {};
    out->start_line = line_;
    std::string_view rest;
    bool more = TrimContinuation(t, escape_, &rest);
    if (more) t = rest;
    if (!more && t.empty()) continue;
    out->text.assign(t);
    while (more && ReadPhysical(&raw)) {
      std::string_view c = TrimNewline(raw);
      if (IsComment(raw)) continue;
      if (TrimLeftSpace(c).empty()) continue;  // an empty continuation line
      more = TrimContinuation(c, escape_, &rest);
      if (more) c = rest;
      out->text.append(c);
    }
    out->end_line = line_;
    return true;
  }
  return false;
}

Result<std::string> LineReader::HeredocBody(const std::string& name, bool chomp) {
  std::string body;
  std::string_view raw;
  while (ReadPhysical(&raw)) {
    std::string_view t = TrimNewline(raw);
    if (chomp) {
      while (!t.empty() && t[0] == '\t') t.remove_prefix(1);
    }
    if (t == name) return body;
    body.append(raw);
  }
  return Error(Errc::kInvalidArgument, "unterminated heredoc");
}

}  // namespace skiff::build::dockerfile::internal

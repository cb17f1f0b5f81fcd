// The low-level split of a logical line (buildkit parser's splitCommand, extractBuilderFlags and the
// per-instruction line parsers), and heredoc detection on it.
#include <fmt/format.h>

#include <optional>

#include "base/json.h"
#include "base/strings.h"
#include "build/dockerfile/lex.h"
#include "build/dockerfile/node.h"

namespace skiff::build::dockerfile::internal {

namespace {

Error Invalid(std::string msg) { return Error(Errc::kInvalidArgument, std::move(msg)); }

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }
bool IsSpaceByte(char c) { return IsBlank(c) || c == '\n'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The leading --flags of the arguments; `rest` gets what follows them.
std::vector<std::string> ExtractFlags(std::string_view line, char escape, std::string_view* rest) {
  std::vector<std::string> words;
  size_t pos = 0;
  *rest = {};
  for (;;) {
    while (pos < line.size() && IsSpaceByte(line[pos])) ++pos;
    if (pos >= line.size()) return words;
    if (line[pos] != '-' || pos + 1 >= line.size() || line[pos + 1] != '-') {
      *rest = line.substr(pos);
      return words;
    }
    std::string word;
    bool blank_ok = false;
    char quote = 0;
    while (pos < line.size()) {
      char ch = line[pos];
      if (quote == 0) {
        if (IsSpaceByte(ch)) break;
        if (ch == '\'' || ch == '"') {
          quote = ch;
          blank_ok = true;
          ++pos;
          continue;
        }
      } else if (ch == quote) {
        quote = 0;
        ++pos;
        continue;
      }
      if (ch == escape) {
        if (pos + 1 == line.size()) {  // a trailing escape is dropped
          ++pos;
          quote = 0;
          continue;
        }
        ch = line[++pos];
      }
      word += ch;
      ++pos;
    }
    if (word == "--") {
      if (pos < line.size()) *rest = line.substr(pos);
      return words;
    }
    if (blank_ok || !word.empty()) words.push_back(std::move(word));
  }
}

// A JSON array of strings; nullopt when the text is not JSON at all (shell form then).
Result<std::optional<std::vector<std::string>>> ParseJsonArray(std::string_view rest) {
  rest = TrimLeftSpace(rest);
  if (rest.empty() || rest[0] != '[') return std::optional<std::vector<std::string>>();
  Json j = Json::parse(rest.begin(), rest.end(), nullptr, false);
  if (j.is_discarded() || !j.is_array()) return std::optional<std::vector<std::string>>();
  std::vector<std::string> out;
  for (const Json& e : j) {
    if (!e.is_string()) return Invalid("when using JSON array syntax, arrays must be comprised of strings only");
    out.push_back(e.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Status MaybeJson(Node& n, std::string_view rest, bool to_list) {
  auto js = SKIFF_TRY(ParseJsonArray(rest));
  if (js) {
    n.args = std::move(*js);
    n.json = true;
  } else if (to_list) {
    if (!rest.empty()) n.args = SplitWhitespace(rest);
  } else if (!rest.empty()) {
    n.args.emplace_back(rest);
  }
  return Ok();
}

// ENV/LABEL: `name=value ...`, or the legacy `name value` (the whole rest of the line as the value).
Status NameVal(Node& n, std::string_view rest, char escape, const char* what) {
  std::vector<std::string> words = ParseWords(rest, escape);
  if (words.empty()) return Ok();
  if (words[0].find('=') == std::string::npos) {
    std::vector<std::string> parts = SplitWhitespace(rest, 2);
    if (parts.size() < 2) return Invalid(fmt::format("{} must have two arguments", what));
    n.pairs.push_back({parts[0], parts[1]});
    return Ok();
  }
  for (const std::string& w : words) {
    size_t eq = w.find('=');
    if (eq == std::string::npos) {
      return Invalid(fmt::format("Syntax error - can't find = in {}. Must be of the form: name=value", GoQuote(w)));
    }
    n.pairs.push_back({w.substr(0, eq), w.substr(eq + 1)});
  }
  return Ok();
}

}  // namespace

std::vector<std::string> SplitWhitespace(std::string_view s, size_t max) {
  std::vector<std::string> out;
  size_t i = 0;
  for (;;) {
    if (max != 0 && out.size() + 1 == max) {
      out.emplace_back(s.substr(i));
      return out;
    }
    size_t j = i;
    while (j < s.size() && !IsBlank(s[j])) ++j;
    out.emplace_back(s.substr(i, j - i));
    if (j >= s.size()) return out;
    while (j < s.size() && IsBlank(s[j])) ++j;
    i = j;
  }
}

std::vector<std::string> ParseWords(std::string_view rest, char escape) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false, blank_ok = false;
  uint32_t quote = 0;
  size_t pos = 0;
  auto flush = [&] {
    if (blank_ok || !word.empty()) words.push_back(word);
    word.clear();
    blank_ok = false;
    in_word = false;
  };
  while (pos < rest.size()) {
    size_t start = pos;
    uint32_t ch = DecodeUtf8(rest, pos);
    std::string_view bytes = rest.substr(start, pos - start);
    if (!in_word && quote == 0) {
      if (IsSpaceRune(ch)) continue;
      in_word = true;
    }
    if (quote == 0) {
      if (IsSpaceRune(ch)) {
        flush();
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = true;
      }
      if (ch == static_cast<unsigned char>(escape)) {
        if (pos == rest.size()) continue;  // an escape at the end is dropped
        word.append(bytes);
        start = pos;
        DecodeUtf8(rest, pos);
        bytes = rest.substr(start, pos - start);
      }
      word.append(bytes);
      continue;
    }
    // inside quotes
    bool closes = ch == quote;
    if (ch == static_cast<unsigned char>(escape) && quote != '\'') {
      if (pos == rest.size()) {
        quote = 0;
        continue;
      }
      word.append(bytes);
      start = pos;
      DecodeUtf8(rest, pos);
      bytes = rest.substr(start, pos - start);
    }
    if (closes) quote = 0;
    word.append(bytes);
  }
  if (in_word || quote != 0) flush();
  return words;
}

Result<Node> SplitLine(std::string_view line, char escape) {
  Node n;
  n.line = std::string(line);
  std::string_view t = TrimSpace(line);
  size_t k = 0;
  while (k < t.size() && !IsBlank(t[k])) ++k;
  n.keyword = std::string(t.substr(0, k));
  n.lower = Lower(n.keyword);
  std::string_view rest;
  if (k < t.size()) {
    while (k < t.size() && IsBlank(t[k])) ++k;
    n.flags = ExtractFlags(t.substr(k), escape, &rest);
  }
  rest = TrimSpace(rest);
  n.rest = std::string(rest);

  const std::string& c = n.lower;
  if (c == "add" || c == "copy" || c == "volume") {
    SKIFF_TRY(MaybeJson(n, rest, true));
  } else if (c == "cmd" || c == "entrypoint" || c == "run" || c == "shell") {
    SKIFF_TRY(MaybeJson(n, rest, false));
  } else if (c == "arg") {
    n.args = ParseWords(rest, escape);
  } else if (c == "env" || c == "label") {
    SKIFF_TRY(NameVal(n, rest, escape, c == "env" ? "ENV" : "LABEL"));
  } else if (c == "expose" || c == "from") {
    if (!rest.empty()) n.args = SplitWhitespace(rest);
  } else if (c == "maintainer" || c == "stopsignal" || c == "user" || c == "workdir") {
    if (!rest.empty()) n.args.emplace_back(rest);
  } else if (c == "healthcheck") {
    size_t sep = 0;
    while (sep < rest.size() && !IsSpaceByte(rest[sep])) ++sep;
    if (sep > 0) {
      size_t next = sep;
      while (next < rest.size() && IsSpaceByte(rest[next])) ++next;
      Node cmd;
      SKIFF_TRY(MaybeJson(cmd, rest.substr(next), false));
      n.args.emplace_back(rest.substr(0, sep));
      for (auto& a : cmd.args) n.args.push_back(std::move(a));
      n.json = cmd.json;
    }
  } else if (c == "onbuild") {
    if (!rest.empty()) {
      Node child = SKIFF_TRY(SplitLine(rest, escape));
      n.args.push_back(child.keyword);
      n.args.insert(n.args.end(), child.args.begin(), child.args.end());
      n.child = std::make_unique<Node>(std::move(child));
    }
  }
  return n;
}

bool CanContainHeredoc(const Node& n) {
  const Node* x = &n;
  if (x->lower == "onbuild" && x->child) x = x->child.get();
  return (x->lower == "run" || x->lower == "copy" || x->lower == "add") && !x->json;
}

std::optional<HeredocWord> ParseHeredocWord(std::string_view word) {
  size_t i = 0;
  while (i < word.size() && word[i] >= '0' && word[i] <= '9') ++i;
  if (word.substr(i, 2) != "<<") return std::nullopt;
  i += 2;
  HeredocWord h;
  if (i < word.size() && word[i] == '-') {
    h.chomp = true;
    ++i;
  }
  while (i < word.size() && IsSpaceByte(word[i])) ++i;
  std::string_view rest = word.substr(i);
  if (rest.empty() || rest.find('<') != std::string_view::npos) return std::nullopt;
  LexOptions o;
  o.skip_unset = true;
  auto plain = Lex(rest, Lookup(), o);
  if (!plain.ok() || plain->words.size() != 1) return std::nullopt;
  o.raw_quotes = true;
  auto raw = Lex(rest, Lookup(), o);
  if (!raw.ok() || raw->words.size() != 1) return std::nullopt;
  auto quotes = [](const std::string& s) {
    size_t n = 0;
    for (char c : s) n += c == '\'' || c == '"';
    return n;
  };
  h.name = plain->words[0];
  h.expand = quotes(plain->words[0]) == quotes(raw->words[0]);
  return h;
}

Result<std::vector<HeredocWord>> HeredocsFromLine(std::string_view line) {
  LexOptions o;
  o.raw_quotes = true;
  o.raw_escapes = true;
  o.skip_unset = true;
  std::vector<HeredocWord> out;
  auto words = Lex(line, Lookup(), o);
  if (!words.ok()) return out;
  for (const std::string& w : words->words) {
    if (auto h = ParseHeredocWord(w)) out.push_back(std::move(*h));
  }
  return out;
}

}  // namespace skiff::build::dockerfile::internal

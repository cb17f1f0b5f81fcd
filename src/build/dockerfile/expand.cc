// Docker's shell-word lexer (buildkit frontend/dockerfile/shell): quotes, escapes, $VAR and the
// ${VAR<modifier>word} forms, word splitting after expansion.
#include "build/dockerfile/expand.h"

#include <fmt/format.h>

#include <optional>

#include "base/strings.h"
#include "build/dockerfile/lex.h"

namespace skiff::build::dockerfile {

namespace internal {

bool IsSpaceRune(uint32_t r) {
  switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

std::string_view TrimLeftSpace(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    if (!IsSpaceRune(DecodeUtf8(s, j))) break;
    i = j;
  }
  return s.substr(i);
}

std::string_view TrimSpace(std::string_view s) {
  s = TrimLeftSpace(s);
  // Trailing: walk forward remembering where the last non-space rune ended.
  size_t end = 0;
  for (size_t i = 0; i < s.size();) {
    if (!IsSpaceRune(DecodeUtf8(s, i))) end = i;
  }
  return s.substr(0, end);
}

namespace {

constexpr int32_t kEof = -1;

bool IsDigitRune(int32_t r) { return r >= '0' && r <= '9'; }
// Go's unicode.IsLetter, approximated outside ASCII: most code points past Latin-1 punctuation are
// letters of some script; general punctuation and symbol blocks are not.
bool IsLetterRune(int32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  if (r < 0xC0) return r == 0xAA || r == 0xB5 || r == 0xBA;
  if (r == 0xD7 || r == 0xF7) return false;
  if (r >= 0x2000 && r <= 0x2BFF) return false;
  if (r >= 0x3000 && r <= 0x303F) return false;
  if (r >= 0xFF00 && r <= 0xFF20) return false;
  return !IsSpaceRune(static_cast<uint32_t>(r));
}
bool IsSpecialParam(int32_t r) {
  switch (r) {
    case '@': case '*': case '#': case '?': case '-': case '$': case '!': case '0':
      return true;
    default:
      return false;
  }
}

Error Fail(std::string msg) { return Error(Errc::kInvalidArgument, std::move(msg)); }

// Words being split: a space ends the current word only when it is unquoted and came from the text or
// from an expansion; quoted text and escaped characters never split.
struct Words {
  std::string buf;
  std::vector<std::string> words;
  bool in_word = false;

  void AddRune(uint32_t r, std::string_view bytes) {
    if (IsSpaceRune(r)) {
      if (in_word && !buf.empty()) {
        words.push_back(std::move(buf));
        buf.clear();
        in_word = false;
      }
    } else {
      AddRaw(bytes);
    }
  }
  void AddRaw(std::string_view bytes) {
    buf.append(bytes);
    in_word = true;
  }
  void AddString(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      size_t start = i;
      uint32_t r = DecodeUtf8(s, i);
      AddRune(r, s.substr(start, i - start));
    }
  }
  std::vector<std::string> Take() {
    if (!buf.empty()) {
      words.push_back(std::move(buf));
      buf.clear();
      in_word = false;
    }
    return std::move(words);
  }
};

// Full match of a shell pattern (`*`, `?`, `\c`) against s, by code points.
bool GlobMatch(const std::vector<int32_t>& p, size_t pi, const std::vector<uint32_t>& s, size_t si, size_t se) {
  while (pi < p.size()) {
    int32_t c = p[pi];
    if (c == -'*') {  // a star
      for (size_t k = se + 1; k-- > si;) {
        if (GlobMatch(p, pi + 1, s, k, se)) return true;
      }
      return false;
    }
    if (si >= se) return false;
    if (c != -'?' && static_cast<uint32_t>(c) != s[si]) return false;
    ++pi;
    ++si;
  }
  return si == se;
}

std::string FromRunes(const std::vector<uint32_t>& r, size_t b, size_t e) {
  std::string out;
  for (size_t i = b; i < e; ++i) {
    uint32_t c = r[i];
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// A ${V#pat} / ${V%pat} / ${V/pat/rep} pattern: `*` and `?` wildcards (as negative markers), `\c` for
// a literal * ? or \, and `\}` `\/` standing for the character itself.
Result<std::vector<int32_t>> CompilePattern(std::string_view pat) {
  std::vector<int32_t> out;
  std::vector<uint32_t> r = Utf8Runes(pat);
  for (size_t i = 0; i < r.size(); ++i) {
    uint32_t c = r[i];
    if (c == '*' || c == '?') {
      out.push_back(-static_cast<int32_t>(c));
    } else if (c == '\\') {
      if (i + 1 < r.size() && (r[i + 1] == '}' || r[i + 1] == '/')) continue;
      if (i + 1 >= r.size() || (r[i + 1] != '*' && r[i + 1] != '?' && r[i + 1] != '\\')) {
        std::string next = i + 1 < r.size() ? FromRunes(r, i + 1, i + 2) : "";
        return Fail(fmt::format("invalid pattern ({}) in substitution: invalid escape '\\{}'", pat, next));
      }
      out.push_back(static_cast<int32_t>(r[++i]));
    } else {
      out.push_back(static_cast<int32_t>(c));
    }
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view in, const Lookup& env, const LexOptions& o) : in_(in), env_(env), o_(o) {}

  Result<LexResult> Run() {
    auto r = StopOn(kEof, o_.raw_escapes);
    if (!r.ok()) return Fail(fmt::format("failed to process {}: {}", GoQuote(in_), r.error().message()));
    return r;
  }

 private:
  int32_t Peek() const {
    if (pos_ >= in_.size()) return kEof;
    size_t i = pos_;
    return static_cast<int32_t>(DecodeUtf8(in_, i));
  }
  // Consumes one code point; `bytes` gets its text.
  int32_t Next(std::string_view* bytes = nullptr) {
    if (pos_ >= in_.size()) {
      if (bytes) *bytes = {};
      return kEof;
    }
    size_t start = pos_;
    int32_t r = static_cast<int32_t>(DecodeUtf8(in_, pos_));
    if (bytes) *bytes = in_.substr(start, pos_ - start);
    return r;
  }

  std::optional<std::string> Get(const std::string& name) {
    if (o_.used) o_.used->insert(name);
    return env_ ? env_(name) : std::nullopt;
  }

  Result<LexResult> StopOn(int32_t stop, bool raw_escapes) {
    LexResult out;
    Words words;
    const int32_t esc = static_cast<unsigned char>(o_.escape);
    while (Peek() != kEof) {
      int32_t ch = Peek();
      if (stop != kEof && ch == stop) {
        Next();
        out.words = words.Take();
        return out;
      }
      if (ch == '$' || ch == '<' || ch == '\'' || ch == '"') {
        std::string tmp;
        if (ch == '$') {
          tmp = SKIFF_TRY(Dollar());
        } else if (ch == '<') {
          tmp = PossibleHeredoc();
        } else if (ch == '\'') {
          tmp = SKIFF_TRY(SingleQuote());
        } else {
          tmp = SKIFF_TRY(DoubleQuote(raw_escapes));
        }
        out.word += tmp;
        if (ch == '$') {
          words.AddString(tmp);
        } else {
          words.AddRaw(tmp);
        }
        continue;
      }
      std::string_view bytes;
      ch = Next(&bytes);
      if (ch == esc) {
        if (raw_escapes) {
          words.AddRaw(bytes);
          out.word += bytes;
        }
        ch = Next(&bytes);
        if (ch == kEof) break;
        words.AddRaw(bytes);
      } else {
        words.AddRune(static_cast<uint32_t>(ch), bytes);
      }
      out.word += bytes;
    }
    if (stop != kEof) {
      return Fail(fmt::format("unexpected end of statement while looking for matching {}",
                              std::string(1, static_cast<char>(stop))));
    }
    out.words = words.Take();
    return out;
  }

  Result<std::string> SingleQuote() {
    std::string out;
    std::string_view bytes;
    Next(&bytes);
    if (o_.raw_quotes) out += bytes;
    for (;;) {
      int32_t ch = Next(&bytes);
      if (ch == kEof) return Fail("unexpected end of statement while looking for matching single-quote");
      if (ch == '\'') {
        if (o_.raw_quotes) out += bytes;
        return out;
      }
      out += bytes;
    }
  }

  Result<std::string> DoubleQuote(bool raw_escapes) {
    std::string out;
    std::string_view bytes;
    const int32_t esc = static_cast<unsigned char>(o_.escape);
    Next(&bytes);
    if (o_.raw_quotes) out += bytes;
    for (;;) {
      int32_t p = Peek();
      if (p == kEof) return Fail("unexpected end of statement while looking for matching double-quote");
      if (p == '"') {
        Next(&bytes);
        if (o_.raw_quotes) out += bytes;
        return out;
      }
      if (p == '$') {
        out += SKIFF_TRY(Dollar());
        continue;
      }
      int32_t ch = Next(&bytes);
      if (ch == esc) {
        if (raw_escapes) out += bytes;
        int32_t n = Peek();
        if (n == kEof) continue;  // a trailing escape is dropped
        if (n == '"' || n == '$' || n == esc) Next(&bytes);
      }
      out += bytes;
    }
  }

  std::string Name() {
    std::string name;
    std::string_view bytes;
    while (Peek() != kEof) {
      int32_t ch = Peek();
      if (name.empty() && IsDigitRune(ch)) {
        while (Peek() != kEof && IsDigitRune(Peek())) {
          Next(&bytes);
          name += bytes;
        }
        return name;
      }
      if (name.empty() && IsSpecialParam(ch)) {
        Next(&bytes);
        return std::string(bytes);
      }
      if (!IsLetterRune(ch) && !IsDigitRune(ch) && ch != '_') break;
      Next(&bytes);
      name += bytes;
    }
    return name;
  }

  static std::string RuneText(int32_t r) {
    if (r == kEof) return "\xEF\xBF\xBD";
    return FromRunes({static_cast<uint32_t>(r)}, 0, 1);
  }

  Result<std::string> Dollar() {
    Next();  // '$'
    if (Peek() != '{') {
      std::string name = Name();
      if (name.empty()) return std::string("$");
      auto v = Get(name);
      if (!v && o_.skip_unset) return "$" + name;
      return v.value_or("");
    }
    Next();  // '{'
    int32_t p = Peek();
    if (p == kEof) return Fail("syntax error: missing '}'");
    if (p == '{' || p == '}' || p == ':') return Fail("syntax error: bad substitution");
    std::string name = Name();
    int32_t ch = Next();
    std::string chs = RuneText(ch);
    bool null_is_unset = false;
    if (ch == '}') {
      auto v = Get(name);
      if (!v && o_.skip_unset) return fmt::format("${{{}}}", name);
      return v.value_or("");
    }
    if (ch == kEof) return Fail("syntax error: missing '}'");
    if (ch == '/') return Replace(name);
    if (ch == ':') {
      null_is_unset = true;
      ch = Next();
      chs += RuneText(ch);
    } else if (ch != '+' && ch != '-' && ch != '?' && ch != '#' && ch != '%') {
      return Fail(fmt::format("unsupported modifier ({}) in substitution", chs));
    }
    bool raw = ch == '#' || ch == '%';
    if (null_is_unset && raw) return Fail(fmt::format("unsupported modifier ({}) in substitution", chs));
    auto wr = StopOn('}', raw);
    if (!wr.ok()) {
      if (Peek() == kEof) return Fail("syntax error: missing '}'");
      return wr.error();
    }
    std::string word = std::move(wr->word);
    auto v = Get(name);
    if (o_.skip_unset && !v) return fmt::format("${{{}{}{}}}", name, chs, word);
    bool unset = !v || (null_is_unset && v->empty());
    switch (ch) {
      case '-':
        return unset ? word : *v;
      case '+':
        return unset ? std::string() : word;
      case '?':
        if (!v) return Fail(fmt::format("{}: {}", name, word.empty() ? "is not allowed to be unset" : word));
        if (null_is_unset && v->empty()) {
          return Fail(fmt::format("{}: {}", name, word.empty() ? "is not allowed to be empty" : word));
        }
        return *v;
      case '#':
      case '%': {
        bool greedy = !word.empty() && word[0] == static_cast<char>(ch);
        if (greedy) word.erase(0, 1);
        auto pat = CompilePattern(word);
        if (!pat.ok()) return pat.error();
        std::vector<uint32_t> s = Utf8Runes(v.value_or(""));
        const size_t n = s.size();
        if (ch == '#') {  // shortest (or longest) matching prefix removed
          for (size_t k = 0; k <= n; ++k) {
            size_t len = greedy ? n - k : k;
            if (GlobMatch(*pat, 0, s, 0, len)) return FromRunes(s, len, n);
          }
        } else {  // shortest (or longest) matching suffix removed
          for (size_t k = 0; k <= n; ++k) {
            size_t start = greedy ? k : n - k;
            if (GlobMatch(*pat, 0, s, start, n)) return FromRunes(s, 0, start);
          }
        }
        return v.value_or("");
      }
      default:
        return Fail(fmt::format("unsupported modifier ({}) in substitution", chs));
    }
  }

  // ${V/pattern/replacement} and ${V//pattern/replacement} (every match).
  Result<std::string> Replace(const std::string& name) {
    bool all = Peek() == '/';
    if (all) Next();
    auto pr = StopOn('/', true);
    if (!pr.ok()) {
      if (Peek() == kEof) return Fail("syntax error: missing '/' in ${}");
      return pr.error();
    }
    auto rr = StopOn('}', true);
    if (!rr.ok()) {
      if (Peek() == kEof) return Fail("syntax error: missing '}'");
      return rr.error();
    }
    auto v = Get(name);
    if (o_.skip_unset && !v) return fmt::format("${{{}/{}/{}}}", name, pr->word, rr->word);
    auto pat = CompilePattern(pr->word);
    if (!pat.ok()) return pat.error();
    std::vector<uint32_t> s = Utf8Runes(v.value_or(""));
    const size_t n = s.size();
    std::string out;
    size_t i = 0, last = 0, prev_end = std::string::npos;
    while (i <= n) {
      size_t end = std::string::npos;
      for (size_t e = n + 1; e-- > i;) {  // leftmost match, longest (the stars are greedy)
        if (GlobMatch(*pat, 0, s, i, e)) {
          end = e;
          break;
        }
      }
      if (end == std::string::npos || (end == i && prev_end == i)) {  // no empty match right after one
        ++i;
        continue;
      }
      out += FromRunes(s, last, i) + rr->word;
      last = prev_end = end;
      if (!all) break;
      i = end > i ? end : i + 1;
    }
    out += FromRunes(s, last, n);
    return out;
  }

  std::string PossibleHeredoc() {
    Next();
    if (Peek() != '<') return "<";
    Next();
    std::string out = "<<";
    while (Peek() == '\t' || Peek() == '\r' || Peek() == ' ') {
      out += static_cast<char>(Next());
    }
    return out;
  }

  std::string_view in_;
  size_t pos_ = 0;
  const Lookup& env_;
  const LexOptions& o_;
};

}  // namespace

Result<LexResult> Lex(std::string_view input, const Lookup& env, const LexOptions& o) {
  return Lexer(input, env, o).Run();
}

}  // namespace internal

Lookup LookupIn(const std::vector<std::string>& env) {
  return [env](std::string_view name) -> std::optional<std::string> {
    for (auto it = env.rbegin(); it != env.rend(); ++it) {
      std::string_view kv = *it;
      size_t eq = kv.find('=');
      std::string_view key = kv.substr(0, eq);
      if (key == name) return eq == std::string_view::npos ? std::string() : std::string(kv.substr(eq + 1));
    }
    return std::nullopt;
  };
}

Result<std::string> ExpandWord(std::string_view word, const Lookup& env, const ExpandOptions& o) {
  internal::LexOptions lo;
  lo.escape = o.escape;
  lo.used = o.used;
  auto r = internal::Lex(word, env, lo);
  if (!r.ok()) return r.error();
  return std::move(r->word);
}

Result<std::vector<std::string>> ExpandWords(std::string_view word, const Lookup& env, const ExpandOptions& o) {
  internal::LexOptions lo;
  lo.escape = o.escape;
  lo.used = o.used;
  auto r = internal::Lex(word, env, lo);
  if (!r.ok()) return r.error();
  return std::move(r->words);
}

}  // namespace skiff::build::dockerfile

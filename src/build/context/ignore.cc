// .dockerignore patterns: parsing (ignorefile.ReadAll's rules), compiling each pattern into a small
// token program with the semantics of Docker's pattern-to-regexp translation, and matching.
#include "build/context/ignore.h"

#include <fmt/format.h>

#include <cstdint>

#include "base/file.h"
#include "base/strings.h"

namespace skiff::build::context {

struct IgnoreMatcher::Pattern {
  enum Kind { kLit, kStar, kOne, kClass, kAnyDirs, kAnyRest };
  struct Range {
    uint32_t lo, hi;
  };
  struct Token {
    Kind kind;
    uint32_t ch = 0;  // kLit
    bool negated = false;
    std::vector<Range> ranges;  // kClass
  };
  std::string cleaned;  // without '!'
  bool exclusion = false;
  std::vector<Token> tokens;

  bool Match(std::string_view path) const;
};

namespace {

using Pattern = IgnoreMatcher::Pattern;

// Go's filepath.Match(pattern, ".") error check: unterminated or empty classes, bad ranges, a trailing
// backslash. Returns false for a malformed pattern.
bool ValidGlob(const std::vector<uint32_t>& p) {
  size_t i = 0;
  auto esc = [&](uint32_t& r) {
    if (i >= p.size() || p[i] == '-' || p[i] == ']') return false;
    if (p[i] == '\\') {
      ++i;
      if (i >= p.size()) return false;
    }
    r = p[i++];
    return i < p.size();
  };
  while (i < p.size()) {
    uint32_t c = p[i++];
    if (c == '\\') {
      if (i >= p.size()) return false;
      ++i;
    } else if (c == '[') {
      if (i < p.size() && p[i] == '^') ++i;
      int nrange = 0;
      for (;;) {
        if (i < p.size() && p[i] == ']' && nrange > 0) {
          ++i;
          break;
        }
        uint32_t lo, hi;
        if (!esc(lo)) return false;
        if (p[i] == '-') {
          ++i;
          if (!esc(hi)) return false;
        }
        ++nrange;
      }
    }
  }
  return true;
}

// The translation Docker's patternmatcher does to a regexp, as tokens: `*` any run without '/', `?` one
// rune but '/', `**/` or a `**` inside: any prefix ending in '/' (or none), a final `**`: anything,
// `[...]` a class (regexp semantics: a negated class matches '/' too), `\c` the literal c.
std::vector<Pattern::Token> Compile(const std::vector<uint32_t>& p) {
  std::vector<Pattern::Token> out;
  size_t i = 0;
  while (i < p.size()) {
    uint32_t c = p[i++];
    if (c == '*') {
      if (i < p.size() && p[i] == '*') {
        ++i;
        if (i < p.size() && p[i] == '/') ++i;
        out.push_back({i >= p.size() ? Pattern::kAnyRest : Pattern::kAnyDirs});
      } else {
        out.push_back({Pattern::kStar});
      }
    } else if (c == '?') {
      out.push_back({Pattern::kOne});
    } else if (c == '\\') {
      if (i < p.size()) c = p[i++];
      out.push_back({Pattern::kLit, c});
    } else if (c == '[') {
      Pattern::Token t{Pattern::kClass};
      if (i < p.size() && p[i] == '^') {
        t.negated = true;
        ++i;
      }
      while (i < p.size() && !(p[i] == ']' && !t.ranges.empty())) {
        uint32_t lo = p[i] == '\\' ? p[++i] : p[i];
        ++i;
        uint32_t hi = lo;
        if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
          ++i;
          hi = p[i] == '\\' ? p[++i] : p[i];
          ++i;
        }
        t.ranges.push_back({lo, hi});
      }
      ++i;  // ']'
      out.push_back(std::move(t));
    } else {
      out.push_back({Pattern::kLit, c});
    }
  }
  return out;
}

}  // namespace

bool IgnoreMatcher::Pattern::Match(std::string_view path) const {
  std::vector<uint32_t> s = Utf8Runes(path);
  const size_t nt = tokens.size(), ns = s.size();
  // ok[t][k]: tokens[t..] match s[k..]. Filled backwards.
  std::vector<char> ok((nt + 1) * (ns + 1), 0);
  auto at = [&](size_t t, size_t k) -> char& { return ok[t * (ns + 1) + k]; };
  at(nt, ns) = 1;
  for (size_t t = nt; t-- > 0;) {
    const Token& tok = tokens[t];
    for (size_t k = ns + 1; k-- > 0;) {
      bool m = false;
      switch (tok.kind) {
        case kLit:
          m = k < ns && s[k] == tok.ch && at(t + 1, k + 1);
          break;
        case kOne:
          m = k < ns && s[k] != '/' && at(t + 1, k + 1);
          break;
        case kClass:
          if (k < ns) {
            bool in = false;
            for (const Range& r : tok.ranges) in = in || (r.lo <= s[k] && s[k] <= r.hi);
            m = in != tok.negated && at(t + 1, k + 1);
          }
          break;
        case kStar:  // empty, or one non-'/' rune and still in the star
          m = at(t + 1, k) || (k < ns && s[k] != '/' && at(t, k + 1));
          break;
        case kAnyRest:
          m = at(t + 1, ns) || at(t + 1, k);
          break;
        case kAnyDirs:  // empty, or any s[k..j] with s[j] == '/'
          m = at(t + 1, k);
          for (size_t j = k; !m && j < ns; ++j) m = s[j] == '/' && at(t + 1, j + 1);
          break;
      }
      at(t, k) = m;
    }
  }
  return at(0, 0);
}

Result<IgnoreMatcher> IgnoreMatcher::FromPatterns(const std::vector<std::string>& patterns) {
  IgnoreMatcher m;
  for (const std::string& raw : patterns) {
    std::string p(Trim(raw));
    if (p.empty()) continue;
    auto pat = std::make_shared<Pattern>();
    std::string body = p;
    if (body[0] == '!') {
      if (body.size() == 1) return Error(Errc::kInvalidArgument, "illegal exclusion pattern: \"!\"");
      pat->exclusion = true;
      body = std::string(Trim(body.substr(1)));
    }
    body = CleanPath(body);
    if (body.size() > 1 && body[0] == '/') body.erase(0, 1);
    std::vector<uint32_t> runes = Utf8Runes(body);
    if (!ValidGlob(runes)) return Error(Errc::kInvalidArgument, "syntax error in pattern");
    pat->cleaned = body;
    pat->tokens = Compile(runes);
    m.patterns_.push_back(pat->exclusion ? "!" + body : body);
    m.compiled_.push_back(std::move(pat));
  }
  return m;
}

Result<IgnoreMatcher> IgnoreMatcher::Parse(std::string_view text, const std::string& source) {
  std::vector<std::string> patterns;
  std::vector<int> lines;
  int line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view l = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line == 0 && l.substr(0, 3) == "\xEF\xBB\xBF") l.remove_prefix(3);
    ++line;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (!l.empty() && l[0] == '#') continue;
    std::string_view p = Trim(l);
    if (p.empty()) continue;
    bool invert = p[0] == '!';
    if (invert) p = Trim(p.substr(1));
    std::string cleaned(p);
    if (!cleaned.empty()) {
      cleaned = CleanPath(cleaned);
      if (cleaned.size() > 1 && cleaned[0] == '/') cleaned.erase(0, 1);
    }
    patterns.push_back(invert ? "!" + cleaned : cleaned);
    lines.push_back(line);
  }
  // Compile one at a time so that an error names its line.
  IgnoreMatcher m;
  for (size_t i = 0; i < patterns.size(); ++i) {
    auto one = FromPatterns({patterns[i]});
    if (!one.ok()) {
      return Error(Errc::kInvalidArgument, fmt::format("{}:{}: {}", source, lines[i], one.error().message()));
    }
    for (size_t k = 0; k < one->compiled_.size(); ++k) {
      m.patterns_.push_back(one->patterns_[k]);
      m.compiled_.push_back(one->compiled_[k]);
    }
  }
  return m;
}

bool IgnoreMatcher::Excluded(std::string_view rel) const {
  if (compiled_.empty()) return false;
  // The parent directories' prefixes: a pattern matching a directory excludes all under it.
  std::vector<std::string_view> parents;
  for (size_t i = rel.find('/'); i != std::string_view::npos; i = rel.find('/', i + 1)) {
    parents.push_back(rel.substr(0, i));
  }
  bool excluded = false;
  for (const auto& p : compiled_) {
    bool m = p->Match(rel);
    for (size_t i = 0; !m && i < parents.size(); ++i) m = p->Match(parents[i]);
    if (m) excluded = !p->exclusion;
  }
  return excluded;
}

bool IgnoreMatcher::MayReinclude(std::string_view rel_dir) const {
  // Docker's archive walk: an excluded directory is still entered when an exception pattern, as text,
  // starts with "<dir>/".
  std::string dir_slash = std::string(rel_dir) + "/";
  for (const auto& p : compiled_) {
    if (p->exclusion && (p->cleaned + "/").starts_with(dir_slash)) return true;
  }
  return false;
}

IgnoreMatcher IgnoreMatcher::WithExceptions(const std::vector<std::string>& rel_paths) const {
  IgnoreMatcher m = *this;
  for (const std::string& rel : rel_paths) {
    std::string cleaned = CleanPath(rel);
    if (cleaned.size() > 1 && cleaned[0] == '/') cleaned.erase(0, 1);
    if (!Excluded(cleaned)) continue;
    auto pat = std::make_shared<Pattern>();
    pat->exclusion = true;
    pat->cleaned = cleaned;
    for (uint32_t r : Utf8Runes(cleaned)) pat->tokens.push_back({Pattern::kLit, r});  // a literal path
    m.patterns_.push_back("!" + cleaned);
    m.compiled_.push_back(std::move(pat));
  }
  return m;
}

Result<IgnoreMatcher> LoadIgnore(const std::string& context_dir, const std::string& dockerfile_path) {
  std::string specific;
  if (dockerfile_path.empty()) {
    specific = JoinPath(context_dir, "Dockerfile.dockerignore");
  } else if (dockerfile_path != "-") {
    specific = dockerfile_path + ".dockerignore";
  }
  std::string path = JoinPath(context_dir, ".dockerignore");
  if (!specific.empty() && PathExists(specific)) path = specific;
  if (!PathExists(path)) return IgnoreMatcher();
  std::string text = SKIFF_TRY(ReadFile(path));
  return IgnoreMatcher::Parse(text, path);
}

}  // namespace skiff::build::context

#include "build/copy/match.h"

namespace skiff::build::copy {
namespace {

// Decodes one character of a class at p[i] (handling '\'), advancing i; false when malformed.
bool ClassChar(std::string_view p, size_t& i, char& c) {
  if (i >= p.size()) return false;
  if (p[i] == '\\') {
    ++i;
    if (i >= p.size()) return false;
  } else if (p[i] == '-' || p[i] == ']') {
    return false;
  }
  c = p[i++];
  return true;
}

// Matches the single character `ch` against the class starting after '[' at p[i]; advances i past ']'.
// Returns -1 when malformed, else 0/1.
int MatchClass(std::string_view p, size_t& i, unsigned char ch) {
  bool negated = false;
  if (i < p.size() && p[i] == '^') {
    negated = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  for (;;) {
    if (i < p.size() && p[i] == ']' && !first) {
      ++i;
      break;
    }
    first = false;
    char lo, hi;
    if (!ClassChar(p, i, lo)) return -1;
    hi = lo;
    if (i < p.size() && p[i] == '-') {
      ++i;
      if (!ClassChar(p, i, hi)) return -1;
    }
    if (static_cast<unsigned char>(lo) <= ch && ch <= static_cast<unsigned char>(hi)) matched = true;
  }
  return matched != negated ? 1 : 0;
}

// Checks the rest of the pattern for syntax errors (Go reports ErrBadPattern even after a mismatch).
bool WellFormed(std::string_view p) {
  for (size_t i = 0; i < p.size();) {
    if (p[i] == '\\') {
      if (i + 1 >= p.size()) return false;
      i += 2;
    } else if (p[i] == '[') {
      ++i;
      if (MatchClass(p, i, 0) < 0) return false;
    } else {
      ++i;
    }
  }
  return true;
}

bool MatchFrom(std::string_view p, size_t pi, std::string_view s, size_t si) {
  while (pi < p.size()) {
    char c = p[pi];
    if (c == '*') {
      while (pi < p.size() && p[pi] == '*') ++pi;
      if (pi == p.size()) return s.find('/', si) == std::string_view::npos;
      for (size_t k = si; k <= s.size(); ++k) {
        if (MatchFrom(p, pi, s, k)) return true;
        if (k < s.size() && s[k] == '/') break;
      }
      return false;
    }
    if (si >= s.size()) return false;
    if (c == '?') {
      if (s[si] == '/') return false;
      ++pi;
      ++si;
    } else if (c == '[') {
      if (s[si] == '/') return false;
      size_t i = pi + 1;
      int r = MatchClass(p, i, static_cast<unsigned char>(s[si]));
      if (r <= 0) return false;
      pi = i;
      ++si;
    } else {
      if (c == '\\') {
        ++pi;
        if (pi >= p.size()) return false;
        c = p[pi];
      }
      if (s[si] != c) return false;
      ++pi;
      ++si;
    }
  }
  return si == s.size();
}

}  // namespace

bool GoMatch(std::string_view pattern, std::string_view name) {
  if (!WellFormed(pattern)) return false;
  return MatchFrom(pattern, 0, name, 0);
}

bool ContainsWildcards(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '*' || s[i] == '?' || s[i] == '[') {
      return true;
    }
  }
  return false;
}

}  // namespace skiff::build::copy

#include "cli/json_indent.h"

namespace skiff::cli {

std::string GoJsonIndent(std::string_view src, std::string_view prefix, std::string_view indent) {
  std::string out;
  out.reserve(src.size() * 2);
  int depth = 0;
  bool need_indent = false;
  auto newline = [&] {
    out += '\n';
    out += prefix;
    for (int i = 0; i < depth; ++i) out += indent;
  };
  size_t i = 0;
  while (i < src.size()) {
    char c = src[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (need_indent && c != ']' && c != '}') {
      need_indent = false;
      ++depth;
      newline();
    }
    if (c == '"') {
      size_t start = i++;
      while (i < src.size()) {
        if (src[i] == '\\') {
          i += 2;
          continue;
        }
        if (src[i] == '"') {
          ++i;
          break;
        }
        ++i;
      }
      out.append(src.substr(start, i - start));
      continue;
    }
    switch (c) {
      case '{':
      case '[':
        out += c;
        need_indent = true;
        break;
      case ',':
        out += c;
        newline();
        break;
      case ':':
        out += ": ";
        break;
      case '}':
      case ']':
        if (need_indent) {
          need_indent = false;
        } else {
          --depth;
          newline();
        }
        out += c;
        break;
      default:
        out += c;
    }
    ++i;
  }
  return out;
}

}  // namespace skiff::cli

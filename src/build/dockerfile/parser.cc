// Parse and ParseInstruction: the line reader, the split, heredoc bodies, then typed instructions and
// the stages, with every error located as "<path>:<line>: ...".
#include "build/dockerfile/parser.h"

#include <fmt/format.h>

#include "build/dockerfile/lines.h"
#include "build/dockerfile/node.h"

namespace skiff::build::dockerfile {

namespace {

using internal::LineReader;
using internal::LogicalLine;
using internal::Node;

Error At(const std::string& path, int line, const Error& e) {
  return Error(Errc::kInvalidArgument, fmt::format("{}:{}: {}", path, line, e.message()));
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// One instruction after the low-level parse: its line, split, and heredoc bodies.
struct Pending {
  LogicalLine ll;
  Node node;
  std::vector<Heredoc> docs;
  std::vector<std::string> raw;
};

// The low-level pass over the whole text (as Docker parses the whole file before any instruction).
Result<std::vector<Pending>> ReadAll(LineReader& r, const std::string& path) {
  std::vector<Pending> out;
  for (;;) {
    Pending p;
    int err_line = 0;
    auto more = r.Next(&p.ll, &err_line);
    if (!more.ok()) return At(path, err_line, more.error());
    if (!*more) return out;
    auto node = internal::SplitLine(p.ll.text, r.escape());
    if (!node.ok()) return At(path, p.ll.start_line, node.error());
    p.node = std::move(*node);
    if (internal::CanContainHeredoc(p.node) && p.ll.text.find("<<") != std::string::npos) {
      auto words = internal::HeredocsFromLine(p.ll.text);
      if (!words.ok()) return At(path, p.ll.start_line, words.error());
      for (const auto& w : *words) {
        auto body = r.HeredocBody(w.name, w.chomp);
        if (!body.ok()) return At(path, p.ll.start_line, body.error());
        std::string content = *body;
        if (w.chomp) {  // leading tabs of every line
          std::string chomped;
          bool at_start = true;
          for (char c : content) {
            if (at_start && c == '\t') continue;
            at_start = c == '\n';
            chomped += c;
          }
          content = std::move(chomped);
        }
        p.docs.push_back(Heredoc{w.name, std::move(content), w.expand, w.chomp});
        p.raw.push_back(std::move(*body));
      }
    }
    p.ll.end_line = r.line();
    out.push_back(std::move(p));
  }
}

Result<Instruction> Make(Pending& p, const std::string& path) {
  auto body = internal::MakeBody(p.node, p.docs, p.raw);
  if (!body.ok()) return At(path, p.ll.start_line, body.error());
  Instruction in;
  in.line = p.ll.start_line;
  in.end_line = p.ll.end_line;
  in.keyword = Upper(p.node.keyword);
  in.original = p.ll.text;
  in.body = std::move(*body);
  return in;
}

}  // namespace

Result<Dockerfile> Parse(std::string_view text, const std::string& path) {
  LineReader r(text, '\\', true);
  std::vector<Pending> pending = SKIFF_TRY(ReadAll(r, path));
  if (pending.empty()) return Error(Errc::kInvalidArgument, path + ": file with no instructions");
  Dockerfile df;
  df.path = path;
  df.directives = r.directives();
  for (Pending& p : pending) {
    Instruction in = SKIFF_TRY(Make(p, path));
    if (std::holds_alternative<From>(in.body)) {
      df.stages.push_back(Stage{std::move(in), {}});
    } else if (!df.stages.empty()) {
      df.stages.back().instructions.push_back(std::move(in));
    } else if (std::holds_alternative<Arg>(in.body)) {
      df.global_args.push_back(std::move(in));
    } else {
      return Error(Errc::kInvalidArgument, fmt::format("{}:{}: no build stage in current context", path, in.line));
    }
  }
  if (df.stages.empty()) return Error(Errc::kInvalidArgument, path + ": dockerfile contains no stages to build");
  return df;
}

Result<Instruction> ParseInstruction(std::string_view text, char escape, const std::string& path, int line,
                                     bool in_onbuild) {
  LineReader r(text, escape, false, line);
  std::vector<Pending> pending = SKIFF_TRY(ReadAll(r, path));
  if (pending.empty()) return Error(Errc::kInvalidArgument, path + ": file with no instructions");
  if (pending.size() != 1) {
    return Error(Errc::kInvalidArgument,
                 fmt::format("{}:{}: {}", path, pending[1].ll.start_line,
                             in_onbuild ? "onbuild trigger should be a single expression"
                                        : "expected a single instruction"));
  }
  Pending& p = pending[0];
  if (in_onbuild) {
    const std::string& k = p.node.lower;
    if (k == "onbuild") {
      return Error(Errc::kInvalidArgument,
                   fmt::format("{}:{}: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", path, p.ll.start_line));
    }
    if (k == "from" || k == "maintainer") {
      return Error(Errc::kInvalidArgument, fmt::format("{}:{}: {} isn't allowed as an ONBUILD trigger", path,
                                                       p.ll.start_line, Upper(k)));
    }
  }
  return Make(p, path);
}

std::optional<std::string> HeredocName(std::string_view word) {
  auto h = internal::ParseHeredocWord(word);
  if (!h) return std::nullopt;
  return h->name;
}

}  // namespace skiff::build::dockerfile

// Internal to cli/format: parse trees of Go's text/template (text/template/parse). A Tree owns its nodes;
// a TreeSet owns every template a text defines (the main one is named ""). Node::String() prints the
// node back as Go does, for error contexts ("executing "" at <.x.y>").
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace skiff::cli::format {

enum class NodeType {
  kText, kAction, kBool, kChain, kCommand, kDot, kElse, kEnd, kField, kIdentifier, kIf, kList, kNil,
  kNumber, kPipe, kRange, kString, kTemplate, kVariable, kWith, kComment, kBreak, kContinue,
};

struct Node {
  Node(NodeType t, int p) : type(t), pos(p) {}
  virtual ~Node() = default;
  virtual void WriteTo(std::string& out) const = 0;
  std::string String() const {
    std::string s;
    WriteTo(s);
    return s;
  }
  NodeType type;
  int pos;  // byte offset in the template text
};
using NodePtr = std::unique_ptr<Node>;

struct ListNode : Node {
  explicit ListNode(int p) : Node(NodeType::kList, p) {}
  void WriteTo(std::string& out) const override;
  std::vector<NodePtr> nodes;
};

struct TextNode : Node {
  TextNode(int p, std::string t) : Node(NodeType::kText, p), text(std::move(t)) {}
  void WriteTo(std::string& out) const override { out += text; }
  std::string text;
};

struct CommentNode : Node {
  CommentNode(int p, std::string t) : Node(NodeType::kComment, p), text(std::move(t)) {}
  void WriteTo(std::string& out) const override { out += "{{" + text + "}}"; }
  std::string text;
};

struct VariableNode : Node {
  VariableNode(int p, std::string_view ident);  // "$x.a.b" -> {"$x", "a", "b"}
  void WriteTo(std::string& out) const override;
  std::vector<std::string> ident;
};

struct CommandNode;
struct PipeNode : Node {
  PipeNode(int p, int l) : Node(NodeType::kPipe, p), line(l) {}
  void WriteTo(std::string& out) const override;
  int line;
  bool is_assign = false;                           // $x = ... rather than $x := ...
  std::vector<std::unique_ptr<VariableNode>> decl;  // variables in lexical order
  std::vector<std::unique_ptr<CommandNode>> cmds;   // commands in lexical order
};

struct ActionNode : Node {
  ActionNode(int p, int l, std::unique_ptr<PipeNode> pp) : Node(NodeType::kAction, p), line(l), pipe(std::move(pp)) {}
  void WriteTo(std::string& out) const override;
  int line;
  std::unique_ptr<PipeNode> pipe;
};

struct CommandNode : Node {
  explicit CommandNode(int p) : Node(NodeType::kCommand, p) {}
  void WriteTo(std::string& out) const override;
  std::vector<NodePtr> args;  // identifier, field, constant, pipe...
};

struct IdentifierNode : Node {
  IdentifierNode(int p, std::string i) : Node(NodeType::kIdentifier, p), ident(std::move(i)) {}
  void WriteTo(std::string& out) const override { out += ident; }
  std::string ident;
};

struct DotNode : Node {
  explicit DotNode(int p) : Node(NodeType::kDot, p) {}
  void WriteTo(std::string& out) const override { out += "."; }
};

struct NilNode : Node {
  explicit NilNode(int p) : Node(NodeType::kNil, p) {}
  void WriteTo(std::string& out) const override { out += "nil"; }
};

struct FieldNode : Node {
  FieldNode(int p, std::string_view ident);  // ".a.b" -> {"a", "b"}
  void WriteTo(std::string& out) const override;
  std::vector<std::string> ident;
};

struct ChainNode : Node {
  ChainNode(int p, NodePtr n) : Node(NodeType::kChain, p), node(std::move(n)) {}
  void WriteTo(std::string& out) const override;
  NodePtr node;
  std::vector<std::string> field;
};

struct BoolNode : Node {
  BoolNode(int p, bool v) : Node(NodeType::kBool, p), value(v) {}
  void WriteTo(std::string& out) const override { out += value ? "true" : "false"; }
  bool value;
};

struct NumberNode : Node {
  NumberNode(int p, std::string t) : Node(NodeType::kNumber, p), text(std::move(t)) {}
  void WriteTo(std::string& out) const override { out += text; }
  bool is_int = false, is_uint = false, is_float = false, is_complex = false;
  int64_t int64 = 0;
  uint64_t uint64 = 0;
  double float64 = 0;
  double real = 0, imag = 0;  // the complex value
  std::string text;
};

struct StringNode : Node {
  StringNode(int p, std::string q, std::string t) : Node(NodeType::kString, p), quoted(std::move(q)), text(std::move(t)) {}
  void WriteTo(std::string& out) const override { out += quoted; }
  std::string quoted;  // with quotes, as written
  std::string text;    // after unquoting
};

struct EndNode : Node {
  explicit EndNode(int p) : Node(NodeType::kEnd, p) {}
  void WriteTo(std::string& out) const override { out += "{{end}}"; }
};

struct ElseNode : Node {
  ElseNode(int p, int l) : Node(NodeType::kElse, p), line(l) {}
  void WriteTo(std::string& out) const override { out += "{{else}}"; }
  int line;
};

// if, range, with.
struct BranchNode : Node {
  BranchNode(NodeType t, int p, int l) : Node(t, p), line(l) {}
  void WriteTo(std::string& out) const override;
  int line;
  std::unique_ptr<PipeNode> pipe;
  std::unique_ptr<ListNode> list;
  std::unique_ptr<ListNode> else_list;  // may be null
};

struct BreakNode : Node {
  BreakNode(int p, int l) : Node(NodeType::kBreak, p), line(l) {}
  void WriteTo(std::string& out) const override { out += "{{break}}"; }
  int line;
};

struct ContinueNode : Node {
  ContinueNode(int p, int l) : Node(NodeType::kContinue, p), line(l) {}
  void WriteTo(std::string& out) const override { out += "{{continue}}"; }
  int line;
};

struct TemplateNode : Node {
  TemplateNode(int p, int l, std::string n, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::kTemplate, p), line(l), name(std::move(n)), pipe(std::move(pp)) {}
  void WriteTo(std::string& out) const override;
  int line;
  std::string name;
  std::unique_ptr<PipeNode> pipe;  // may be null
};

struct Tree {
  std::string name;
  std::unique_ptr<ListNode> root;
};

struct TreeSet {
  std::string text;  // the parsed text (positions refer to it)
  std::map<std::string, std::unique_ptr<Tree>> trees;
};

// Parses Go template text into trees. `is_function(name)` says whether a function is defined (builtins and
// the caller's). Errors are Go's: "template: :1: unexpected EOF".
Result<std::unique_ptr<TreeSet>> ParseTemplate(std::string_view text, const std::function<bool(std::string_view)>& is_function);

// Go's strconv.Unquote for "..." , `...` and '...' literals; false on invalid syntax.
bool GoUnquote(std::string_view in, std::string* out);

// "line:col" of a byte position (Go's ErrorContext location without the template name).
std::string Location(std::string_view text, int pos);

}  // namespace skiff::cli::format

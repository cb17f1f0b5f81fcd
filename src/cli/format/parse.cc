#include "cli/format/parse.h"

#include <fmt/format.h>

#include "base/units.h"
#include "cli/format/gofmt.h"
#include "cli/format/lex.h"

namespace skiff::cli::format {

// ---- Node printing (Go's String methods) ----

void ListNode::WriteTo(std::string& out) const {
  for (const NodePtr& n : nodes) n->WriteTo(out);
}

namespace {

// strings.Split(s, ".").
std::vector<std::string> SplitDots(std::string_view s) {
  std::vector<std::string> out;
  for (size_t start = 0;;) {
    size_t dot = s.find('.', start);
    out.emplace_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

}  // namespace

VariableNode::VariableNode(int p, std::string_view id) : Node(NodeType::kVariable, p), ident(SplitDots(id)) {}

void VariableNode::WriteTo(std::string& out) const {
  for (size_t i = 0; i < ident.size(); ++i) {
    if (i > 0) out.push_back('.');
    out += ident[i];
  }
}

// [1:] drops the leading period.
FieldNode::FieldNode(int p, std::string_view id) : Node(NodeType::kField, p), ident(SplitDots(id.substr(1))) {}

void FieldNode::WriteTo(std::string& out) const {
  for (const std::string& id : ident) {
    out.push_back('.');
    out += id;
  }
}

void PipeNode::WriteTo(std::string& out) const {
  if (!decl.empty()) {
    for (size_t i = 0; i < decl.size(); ++i) {
      if (i > 0) out += ", ";
      decl[i]->WriteTo(out);
    }
    out += " := ";
  }
  for (size_t i = 0; i < cmds.size(); ++i) {
    if (i > 0) out += " | ";
    cmds[i]->WriteTo(out);
  }
}

void ActionNode::WriteTo(std::string& out) const {
  out += "{{";
  pipe->WriteTo(out);
  out += "}}";
}

void CommandNode::WriteTo(std::string& out) const {
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out.push_back(' ');
    if (args[i]->type == NodeType::kPipe) {
      out.push_back('(');
      args[i]->WriteTo(out);
      out.push_back(')');
      continue;
    }
    args[i]->WriteTo(out);
  }
}

void ChainNode::WriteTo(std::string& out) const {
  if (node->type == NodeType::kPipe) {
    out.push_back('(');
    node->WriteTo(out);
    out.push_back(')');
  } else {
    node->WriteTo(out);
  }
  for (const std::string& f : field) {
    out.push_back('.');
    out += f;
  }
}

void BranchNode::WriteTo(std::string& out) const {
  const char* name = type == NodeType::kIf ? "if" : type == NodeType::kRange ? "range" : "with";
  out += "{{";
  out += name;
  out.push_back(' ');
  pipe->WriteTo(out);
  out += "}}";
  list->WriteTo(out);
  if (else_list) {
    out += "{{else}}";
    else_list->WriteTo(out);
  }
  out += "{{end}}";
}

void TemplateNode::WriteTo(std::string& out) const {
  out += "{{template ";
  out += GoQuote(name);
  if (pipe) {
    out.push_back(' ');
    pipe->WriteTo(out);
  }
  out += "}}";
}

std::string Location(std::string_view text, int pos) {
  std::string_view before = text.substr(0, static_cast<size_t>(pos));
  size_t nl = before.rfind('\n');
  int byte_num = nl == std::string_view::npos ? pos : pos - static_cast<int>(nl + 1);
  int line = 1;
  for (char c : before) line += c == '\n';
  return fmt::format("{}:{}", line, byte_num);
}

// ---- strconv helpers ----

namespace {

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's strconv.UnquoteChar: decodes one character or escape of s (quoted by `quote`), appending its bytes.
bool UnquoteChar(std::string_view* s, char quote, std::string* out, uint32_t* value) {
  if (s->empty()) return false;
  unsigned char c = static_cast<unsigned char>((*s)[0]);
  if (c == static_cast<unsigned char>(quote) && (quote == '\'' || quote == '"')) return false;
  if (c >= 0x80) {
    uint32_t r;
    size_t w = DecodeRune(*s, 0, &r);
    AppendRune(*out, r);
    *value = r;
    s->remove_prefix(w);
    return true;
  }
  if (c != '\\') {
    out->push_back(static_cast<char>(c));
    *value = c;
    s->remove_prefix(1);
    return true;
  }
  if (s->size() <= 1) return false;
  char e = (*s)[1];
  s->remove_prefix(2);
  switch (e) {
    case 'a': *value = '\a'; break;
    case 'b': *value = '\b'; break;
    case 'f': *value = '\f'; break;
    case 'n': *value = '\n'; break;
    case 'r': *value = '\r'; break;
    case 't': *value = '\t'; break;
    case 'v': *value = '\v'; break;
    case 'x': case 'u': case 'U': {
      size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (s->size() < n) return false;
      uint32_t v = 0;
      for (size_t j = 0; j < n; ++j) {
        int x = HexVal((*s)[j]);
        if (x < 0) return false;
        v = (v << 4) | static_cast<uint32_t>(x);
      }
      s->remove_prefix(n);
      if (e == 'x') {
        out->push_back(static_cast<char>(v));  // a single byte
        *value = v;
        return true;
      }
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
      AppendRune(*out, v);
      *value = v;
      return true;
    }
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
      uint32_t v = static_cast<uint32_t>(e - '0');
      if (s->size() < 2) return false;
      for (int j = 0; j < 2; ++j) {
        int x = (*s)[j] - '0';
        if (x < 0 || x > 7) return false;
        v = (v << 3) | static_cast<uint32_t>(x);
      }
      s->remove_prefix(2);
      if (v > 255) return false;
      out->push_back(static_cast<char>(v));
      *value = v;
      return true;
    }
    case '\\': *value = '\\'; break;
    case '\'': case '"':
      if (e != quote) return false;
      *value = static_cast<uint32_t>(e);
      break;
    default: return false;
  }
  out->push_back(static_cast<char>(*value));
  return true;
}

}  // namespace

bool GoUnquote(std::string_view in, std::string* out) {
  out->clear();
  if (in.size() < 2) return false;
  char quote = in[0];
  if (quote != in.back()) return false;
  std::string_view body = in.substr(1, in.size() - 2);
  if (quote == '`') {
    if (body.find('`') != std::string_view::npos) return false;
    for (char c : body) {
      if (c != '\r') out->push_back(c);
    }
    return true;
  }
  if (quote != '"' && quote != '\'') return false;
  if (body.find('\n') != std::string_view::npos) return false;
  while (!body.empty()) {
    uint32_t v;
    if (!UnquoteChar(&body, quote, out, &v)) return false;
    if (quote == '\'') break;  // single quoted strings must be a single character
  }
  return body.empty() && !(quote == '\'' && out->empty());
}

// ---- Parser ----

namespace {

struct Shared {
  std::vector<Item> items;
  size_t next = 0;
  std::string_view text;
  TreeSet* set = nullptr;
  const std::function<bool(std::string_view)>* is_function = nullptr;
  std::vector<std::string> messages;
};

bool IsEmptyTree(const Node* n) {
  if (n == nullptr) return true;
  switch (n->type) {
    case NodeType::kComment: return true;
    case NodeType::kList:
      for (const NodePtr& c : static_cast<const ListNode*>(n)->nodes) {
        if (!IsEmptyTree(c.get())) return false;
      }
      return true;
    case NodeType::kText: {
      const std::string& t = static_cast<const TextNode*>(n)->text;
      return t.find_first_not_of(" \t\n\v\f\r") == std::string::npos;
    }
    default: return false;
  }
}

class Parser {
 public:
  Parser(Shared* sh, std::string name) : sh_(sh), name_(std::move(name)) {}

  // The top-level template.
  Status Parse() {
    root_ = std::make_unique<ListNode>(Peek().pos);
    while (Peek().type != ItemType::kEOF) {
      if (Peek().type == ItemType::kLeftDelim) {
        Item delim = Next();
        if (NextNonSpace().type == ItemType::kDefine) {
          Parser def(sh_, "definition");
          SKIFF_TRY(def.ParseDefinition());
          continue;
        }
        Backup2(delim);
      }
      NodePtr n = SKIFF_TRY(TextOrAction());
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) return Errorf("unexpected " + n->String());
      root_->nodes.push_back(std::move(n));
    }
    return Add();
  }

 private:
  // ---- tokens ----
  Item LexNext() {
    if (sh_->next < sh_->items.size()) return sh_->items[sh_->next++];
    return Item{};  // a closed channel yields the zero item
  }
  Item Next() {
    if (peek_count_ > 0) --peek_count_;
    else token_[0] = LexNext();
    return token_[peek_count_];
  }
  void Backup() { ++peek_count_; }
  void Backup2(const Item& t1) {
    token_[1] = t1;
    peek_count_ = 2;
  }
  void Backup3(const Item& t2, const Item& t1) {
    token_[1] = t1;
    token_[2] = t2;
    peek_count_ = 3;
  }
  Item Peek() {
    if (peek_count_ > 0) return token_[peek_count_ - 1];
    peek_count_ = 1;
    token_[0] = LexNext();
    return token_[0];
  }
  Item NextNonSpace() {
    Item t;
    do t = Next();
    while (t.type == ItemType::kSpace);
    return t;
  }
  Item PeekNonSpace() {
    Item t = NextNonSpace();
    Backup();
    return t;
  }

  // ---- errors ----
  Error Errorf(const std::string& msg) const {
    return Error(Errc::kInvalidArgument, fmt::format("template: :{}: {}", token_[0].line, msg));
  }
  Error Unexpected(const Item& token, std::string_view context) const {
    if (token.type == ItemType::kError) {
      std::string extra;
      if (action_line_ != 0 && action_line_ != token.line) {
        extra = fmt::format(" in action started at :{}", action_line_);
        if (token.val.ends_with(" action")) extra = extra.substr(std::string_view(" in action").size());
      }
      return Errorf(token.String() + extra);
    }
    return Errorf(fmt::format("unexpected {} in {}", token.String(), context));
  }
  Result<Item> Expect(ItemType expected, std::string_view context) {
    Item token = NextNonSpace();
    if (token.type != expected) return Unexpected(token, context);
    return token;
  }
  Result<Item> ExpectOneOf(ItemType e1, ItemType e2, std::string_view context) {
    Item token = NextNonSpace();
    if (token.type != e1 && token.type != e2) return Unexpected(token, context);
    return token;
  }

  // ---- trees ----
  Status Add() {
    auto& slot = sh_->set->trees[name_];
    if (!slot || IsEmptyTree(slot->root.get())) {
      slot = std::make_unique<Tree>(Tree{name_, std::move(root_)});
      return Ok();
    }
    if (!IsEmptyTree(root_.get())) {
      return Errorf(fmt::format("template: multiple definition of template {}", GoQuote(name_)));
    }
    return Ok();
  }

  Status ParseDefinition() {
    constexpr std::string_view kContext = "define clause";
    Item name = SKIFF_TRY(ExpectOneOf(ItemType::kString, ItemType::kRawString, kContext));
    if (!GoUnquote(name.val, &name_)) return Errorf("invalid syntax");
    SKIFF_TRY(Expect(ItemType::kRightDelim, kContext));
    auto [list, end] = SKIFF_TRY(ItemList());
    root_ = std::move(list);
    if (end->type != NodeType::kEnd) return Errorf(fmt::format("unexpected {} in {}", end->String(), kContext));
    return Add();
  }

  Result<std::pair<std::unique_ptr<ListNode>, NodePtr>> ItemList() {
    auto list = std::make_unique<ListNode>(PeekNonSpace().pos);
    while (PeekNonSpace().type != ItemType::kEOF) {
      NodePtr n = SKIFF_TRY(TextOrAction());
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        return std::make_pair(std::move(list), std::move(n));
      }
      list->nodes.push_back(std::move(n));
    }
    return Errorf("unexpected EOF");
  }

  Result<NodePtr> TextOrAction() {
    Item token = NextNonSpace();
    switch (token.type) {
      case ItemType::kText: return NodePtr(std::make_unique<TextNode>(token.pos, std::string(token.val)));
      case ItemType::kLeftDelim: {
        action_line_ = token.line;
        auto r = Action();
        action_line_ = 0;
        return r;
      }
      case ItemType::kComment: return NodePtr(std::make_unique<CommentNode>(token.pos, std::string(token.val)));
      default: return Unexpected(token, "input");
    }
  }

  Result<NodePtr> Action() {
    Item token = NextNonSpace();
    switch (token.type) {
      case ItemType::kBlock: return BlockControl();
      case ItemType::kBreak: return BreakOrContinue(token, true);
      case ItemType::kContinue: return BreakOrContinue(token, false);
      case ItemType::kElse: return ElseControl();
      case ItemType::kEnd: {
        Item t = SKIFF_TRY(Expect(ItemType::kRightDelim, "end"));
        return NodePtr(std::make_unique<EndNode>(t.pos));
      }
      case ItemType::kIf: return BranchControl(NodeType::kIf);
      case ItemType::kRange: return BranchControl(NodeType::kRange);
      case ItemType::kTemplate: return TemplateControl();
      case ItemType::kWith: return BranchControl(NodeType::kWith);
      default: break;
    }
    Backup();
    Item t = Peek();
    auto pipe = SKIFF_TRY(Pipeline("command", ItemType::kRightDelim));
    return NodePtr(std::make_unique<ActionNode>(t.pos, t.line, std::move(pipe)));
  }

  Result<NodePtr> BreakOrContinue(const Item& at, bool is_break) {
    const char* word = is_break ? "{{break}}" : "{{continue}}";
    Item token = NextNonSpace();
    if (token.type != ItemType::kRightDelim) return Unexpected(token, word);
    if (range_depth_ == 0) return Errorf(fmt::format("{} outside {{{{range}}}}", word));
    if (is_break) return NodePtr(std::make_unique<BreakNode>(at.pos, at.line));
    return NodePtr(std::make_unique<ContinueNode>(at.pos, at.line));
  }

  Result<std::unique_ptr<PipeNode>> Pipeline(std::string_view context, ItemType end) {
    Item token = PeekNonSpace();
    auto pipe = std::make_unique<PipeNode>(token.pos, token.line);
    for (;;) {  // decls
      Item v = PeekNonSpace();
      if (v.type != ItemType::kVariable) break;
      Next();
      Item after = Peek();
      Item next = PeekNonSpace();
      if (next.type == ItemType::kAssign || next.type == ItemType::kDeclare) {
        pipe->is_assign = next.type == ItemType::kAssign;
        NextNonSpace();
        pipe->decl.push_back(std::make_unique<VariableNode>(v.pos, v.val));
        vars_.emplace_back(v.val);
        break;
      }
      if (next.type == ItemType::kChar && next.val == ",") {
        NextNonSpace();
        pipe->decl.push_back(std::make_unique<VariableNode>(v.pos, v.val));
        vars_.emplace_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          ItemType t = PeekNonSpace().type;
          if (t == ItemType::kVariable || t == ItemType::kRightDelim || t == ItemType::kRightParen) continue;
          return Errorf("range can only initialize variables");
        }
        return Errorf(fmt::format("too many declarations in {}", context));
      }
      if (after.type == ItemType::kSpace) Backup3(v, after);
      else Backup2(v);
      break;
    }
    for (;;) {
      Item t = NextNonSpace();
      if (t.type == end) {
        SKIFF_TRY(CheckPipeline(*pipe, context));
        return pipe;
      }
      switch (t.type) {
        case ItemType::kBool: case ItemType::kCharConstant: case ItemType::kComplex: case ItemType::kDot:
        case ItemType::kField: case ItemType::kIdentifier: case ItemType::kNumber: case ItemType::kNil:
        case ItemType::kRawString: case ItemType::kString: case ItemType::kVariable: case ItemType::kLeftParen: {
          Backup();
          auto cmd = SKIFF_TRY(Command());
          pipe->cmds.push_back(std::move(cmd));
          break;
        }
        default: return Unexpected(t, context);
      }
    }
  }

  Status CheckPipeline(const PipeNode& pipe, std::string_view context) const {
    if (pipe.cmds.empty()) return Errorf(fmt::format("missing value for {}", context));
    for (size_t i = 1; i < pipe.cmds.size(); ++i) {
      switch (pipe.cmds[i]->args[0]->type) {
        case NodeType::kBool: case NodeType::kDot: case NodeType::kNil: case NodeType::kNumber:
        case NodeType::kString:
          return Errorf(fmt::format("non executable command in pipeline stage {}", i + 1));
        default: break;
      }
    }
    return Ok();
  }

  Result<NodePtr> BranchControl(NodeType type) {
    const char* context = type == NodeType::kIf ? "if" : type == NodeType::kRange ? "range" : "with";
    size_t mark = vars_.size();
    auto r = ParseControl(type, context);
    vars_.resize(mark);
    return r;
  }

  Result<NodePtr> ParseControl(NodeType type, std::string_view context) {
    auto pipe = SKIFF_TRY(Pipeline(context, ItemType::kRightDelim));
    if (type == NodeType::kRange) ++range_depth_;
    auto list_r = ItemList();
    if (type == NodeType::kRange) --range_depth_;
    auto [list, next] = SKIFF_TRY(std::move(list_r));
    std::unique_ptr<ListNode> else_list;
    if (next->type == NodeType::kElse) {
      if (type == NodeType::kIf && Peek().type == ItemType::kIf) {
        Next();  // consume the "if" token
        else_list = std::make_unique<ListNode>(next->pos);
        NodePtr nested = SKIFF_TRY(BranchControl(NodeType::kIf));
        else_list->nodes.push_back(std::move(nested));
      } else {
        auto [elist, enext] = SKIFF_TRY(ItemList());
        else_list = std::move(elist);
        if (enext->type != NodeType::kEnd) return Errorf("expected end; found " + enext->String());
      }
    }
    auto node = std::make_unique<BranchNode>(type, pipe->pos, pipe->line);
    node->pipe = std::move(pipe);
    node->list = std::move(list);
    node->else_list = std::move(else_list);
    return NodePtr(std::move(node));
  }

  Result<NodePtr> ElseControl() {
    Item peek = PeekNonSpace();
    if (peek.type == ItemType::kIf) return NodePtr(std::make_unique<ElseNode>(peek.pos, peek.line));
    Item token = SKIFF_TRY(Expect(ItemType::kRightDelim, "else"));
    return NodePtr(std::make_unique<ElseNode>(token.pos, token.line));
  }

  Result<std::string> ParseTemplateName(const Item& token, std::string_view context) {
    if (token.type == ItemType::kString || token.type == ItemType::kRawString) {
      std::string s;
      if (!GoUnquote(token.val, &s)) return Errorf("invalid syntax");
      return s;
    }
    return Unexpected(token, context);
  }

  Result<NodePtr> BlockControl() {
    constexpr std::string_view kContext = "block clause";
    Item token = NextNonSpace();
    std::string name = SKIFF_TRY(ParseTemplateName(token, kContext));
    auto pipe = SKIFF_TRY(Pipeline(kContext, ItemType::kRightDelim));
    Parser block(sh_, name);
    auto [list, end] = SKIFF_TRY(block.ItemList());
    block.root_ = std::move(list);
    if (end->type != NodeType::kEnd) return Errorf(fmt::format("unexpected {} in {}", end->String(), kContext));
    SKIFF_TRY(block.Add());
    return NodePtr(std::make_unique<TemplateNode>(token.pos, token.line, name, std::move(pipe)));
  }

  Result<NodePtr> TemplateControl() {
    constexpr std::string_view kContext = "template clause";
    Item token = NextNonSpace();
    std::string name = SKIFF_TRY(ParseTemplateName(token, kContext));
    std::unique_ptr<PipeNode> pipe;
    if (NextNonSpace().type != ItemType::kRightDelim) {
      Backup();
      pipe = SKIFF_TRY(Pipeline(kContext, ItemType::kRightDelim));
    }
    return NodePtr(std::make_unique<TemplateNode>(token.pos, token.line, name, std::move(pipe)));
  }

  Result<std::unique_ptr<CommandNode>> Command() {
    auto cmd = std::make_unique<CommandNode>(PeekNonSpace().pos);
    for (;;) {
      PeekNonSpace();  // skip leading spaces
      NodePtr operand = SKIFF_TRY(Operand());
      if (operand) cmd->args.push_back(std::move(operand));
      Item token = Next();
      if (token.type == ItemType::kSpace) continue;
      if (token.type == ItemType::kRightDelim || token.type == ItemType::kRightParen) {
        Backup();
      } else if (token.type != ItemType::kPipe) {
        return Unexpected(token, "operand");
      }
      break;
    }
    if (cmd->args.empty()) return Errorf("empty command");
    return cmd;
  }

  Result<NodePtr> Operand() {
    NodePtr node = SKIFF_TRY(Term());
    if (!node) return NodePtr();
    if (Peek().type == ItemType::kField) {
      auto chain = std::make_unique<ChainNode>(Peek().pos, nullptr);
      while (Peek().type == ItemType::kField) chain->field.emplace_back(Next().val.substr(1));
      switch (node->type) {
        case NodeType::kField: {
          chain->node = std::move(node);
          return NodePtr(std::make_unique<FieldNode>(chain->pos, chain->String()));
        }
        case NodeType::kVariable: {
          chain->node = std::move(node);
          return NodePtr(std::make_unique<VariableNode>(chain->pos, chain->String()));
        }
        case NodeType::kBool: case NodeType::kString: case NodeType::kNumber: case NodeType::kNil:
        case NodeType::kDot:
          return Errorf(fmt::format("unexpected . after term {}", GoQuote(node->String())));
        default:
          chain->node = std::move(node);
          return NodePtr(std::move(chain));
      }
    }
    return node;
  }

  Result<NodePtr> Term() {
    Item token = NextNonSpace();
    switch (token.type) {
      case ItemType::kIdentifier:
        if (!(*sh_->is_function)(token.val)) {
          return Errorf(fmt::format("function {} not defined", GoQuote(token.val)));
        }
        return NodePtr(std::make_unique<IdentifierNode>(token.pos, std::string(token.val)));
      case ItemType::kDot: return NodePtr(std::make_unique<DotNode>(token.pos));
      case ItemType::kNil: return NodePtr(std::make_unique<NilNode>(token.pos));
      case ItemType::kVariable: return UseVar(token.pos, token.val);
      case ItemType::kField: return NodePtr(std::make_unique<FieldNode>(token.pos, token.val));
      case ItemType::kBool: return NodePtr(std::make_unique<BoolNode>(token.pos, token.val == "true"));
      case ItemType::kCharConstant: case ItemType::kComplex: case ItemType::kNumber: return NewNumber(token);
      case ItemType::kLeftParen: {
        auto pipe = SKIFF_TRY(Pipeline("parenthesized pipeline", ItemType::kRightParen));
        return NodePtr(std::move(pipe));
      }
      case ItemType::kString: case ItemType::kRawString: {
        std::string s;
        if (!GoUnquote(token.val, &s)) return Errorf("invalid syntax");
        return NodePtr(std::make_unique<StringNode>(token.pos, std::string(token.val), std::move(s)));
      }
      default: break;
    }
    Backup();
    return NodePtr();
  }

  Result<NodePtr> UseVar(int pos, std::string_view name) {
    auto v = std::make_unique<VariableNode>(pos, name);
    for (const std::string& var : vars_) {
      if (var == v->ident[0]) return NodePtr(std::move(v));
    }
    return Errorf(fmt::format("undefined variable {}", GoQuote(v->ident[0])));
  }

  Result<NodePtr> NewNumber(const Item& token) {
    std::string text(token.val);
    auto n = std::make_unique<NumberNode>(token.pos, text);
    if (token.type == ItemType::kCharConstant) {
      std::string_view rest = std::string_view(text).substr(1);
      std::string bytes;
      uint32_t r = 0;
      if (!UnquoteChar(&rest, text[0], &bytes, &r)) return Errorf("invalid syntax");
      if (rest != "'") return Errorf("malformed character constant: " + text);
      n->int64 = r;
      n->is_int = true;
      n->uint64 = r;
      n->is_uint = true;
      n->float64 = r;
      n->is_float = true;
      return NodePtr(std::move(n));
    }
    if (token.type == ItemType::kComplex) {
      // "re+imi": split at the sign that starts the imaginary part.
      size_t split = text.find_last_of("+-");
      while (split != std::string::npos && split > 0 && (text[split - 1] == 'e' || text[split - 1] == 'E' ||
                                                          text[split - 1] == 'p' || text[split - 1] == 'P')) {
        split = text.find_last_of("+-", split - 1);
      }
      auto re = units::ParseFloat(std::string_view(text).substr(0, split));
      auto im = units::ParseFloat(std::string_view(text).substr(split, text.size() - split - 1));
      if (!re.ok() || !im.ok()) return Errorf("expected integer");
      n->is_complex = true;
      n->real = *re;
      n->imag = *im;
      SimplifyComplex(*n);
      return NodePtr(std::move(n));
    }
    if (!text.empty() && text.back() == 'i') {
      auto f = units::ParseFloat(std::string_view(text).substr(0, text.size() - 1));
      if (f.ok()) {
        n->is_complex = true;
        n->imag = *f;
        SimplifyComplex(*n);
        return NodePtr(std::move(n));
      }
    }
    uint64_t u = 0;
    if (units::ParseUintBase0(text, &u)) {
      n->is_uint = true;
      n->uint64 = u;
    }
    int64_t i = 0;
    if (units::ParseIntBase0(text, &i)) {
      n->is_int = true;
      n->int64 = i;
      if (i == 0) {
        n->is_uint = true;  // in case of -0
        n->uint64 = u;
      }
    }
    if (n->is_int) {
      n->is_float = true;
      n->float64 = static_cast<double>(n->int64);
    } else if (n->is_uint) {
      n->is_float = true;
      n->float64 = static_cast<double>(n->uint64);
    } else {
      auto f = units::ParseFloat(text);
      if (f.ok()) {
        if (text.find_first_of(".eEpP") == std::string::npos) {
          return Errorf("integer overflow: " + GoQuote(text));
        }
        n->is_float = true;
        n->float64 = *f;
        double v = *f;
        if (v >= -9223372036854775808.0 && v < 9223372036854775808.0 && static_cast<double>(static_cast<int64_t>(v)) == v) {
          n->is_int = true;
          n->int64 = static_cast<int64_t>(v);
        }
        if (v >= 0 && v < 18446744073709551616.0 && static_cast<double>(static_cast<uint64_t>(v)) == v) {
          n->is_uint = true;
          n->uint64 = static_cast<uint64_t>(v);
        }
      }
    }
    if (!n->is_int && !n->is_uint && !n->is_float) return Errorf("illegal number syntax: " + GoQuote(text));
    return NodePtr(std::move(n));
  }

  static void SimplifyComplex(NumberNode& n) {
    n.is_float = n.imag == 0;
    if (n.is_float) {
      double v = n.real;
      n.float64 = v;
      n.is_int = v >= -9223372036854775808.0 && v < 9223372036854775808.0 &&
                 static_cast<double>(static_cast<int64_t>(v)) == v;
      if (n.is_int) n.int64 = static_cast<int64_t>(v);
      n.is_uint = v >= 0 && v < 18446744073709551616.0 && static_cast<double>(static_cast<uint64_t>(v)) == v;
      if (n.is_uint) n.uint64 = static_cast<uint64_t>(v);
    }
  }

  Shared* sh_;
  std::string name_;
  std::unique_ptr<ListNode> root_;
  Item token_[3];
  int peek_count_ = 0;
  std::vector<std::string> vars_{"$"};
  int action_line_ = 0;
  int range_depth_ = 0;
};

}  // namespace

Result<std::unique_ptr<TreeSet>> ParseTemplate(std::string_view text,
                                               const std::function<bool(std::string_view)>& is_function) {
  auto set = std::make_unique<TreeSet>();
  set->text = std::string(text);
  Shared sh;
  sh.text = set->text;
  sh.set = set.get();
  sh.is_function = &is_function;
  sh.items = Lex(sh.text, !is_function("break"), !is_function("continue"), &sh.messages);
  Parser main(&sh, "");
  SKIFF_TRY(main.Parse());
  return set;
}

}  // namespace skiff::cli::format

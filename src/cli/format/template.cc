#include "cli/format/template.h"

#include <fmt/format.h>

#include <optional>

#include "cli/format/funcs.h"
#include "cli/format/gofmt.h"
#include "cli/format/parse.h"
#include "cli/format/value.h"

namespace skiff::cli::format {

struct Template::Impl {
  std::unique_ptr<TreeSet> set;
  std::map<std::string, Func, std::less<>> user;  // the caller's functions, as variadic interface{} funcs
};

namespace {

// Go's maxExecDepth is 100000; a C++ stack holds fewer nested template calls.
constexpr int kMaxExecDepth = 1000;

enum class Flow { kNormal, kBreak, kContinue };

// One execution: Go's state.
class Exec {
 public:
  Exec(const Template::Impl& t, const ExecOptions& opt, std::string* out) : t_(t), opt_(opt), out_(out) {}

  Status Run(const Json& json) {
    root_ = &json;
    Value data = json.is_null() ? Value() : Value::Ref(json);
    const Tree* main = Lookup("");
    vars_.push_back({"$", data});
    if (main == nullptr || !main->root) return Errorf(fmt::format("{} is an incomplete or empty template", GoQuote("")));
    SKIFF_TRY(Walk(data, main->root.get()));
    return Ok();
  }

 private:
  struct Variable {
    std::string name;
    Value value;
  };
  using Final = std::optional<Value>;  // nullopt: Go's missingVal (no piped-in value)

  const Tree* Lookup(std::string_view name) const {
    auto it = t_.set->trees.find(std::string(name));
    return it == t_.set->trees.end() ? nullptr : it->second.get();
  }

  void At(const Node* n) { node_ = n; }

  Error Errorf(const std::string& msg) const {
    if (node_ == nullptr) return Error(Errc::kInvalidArgument, fmt::format("template: {}: {}", name_, msg));
    return Error(Errc::kInvalidArgument,
                 fmt::format("template: :{}: executing {} at <{}>: {}", Location(t_.set->text, node_->pos),
                             GoQuote(name_), node_->String(), msg));
  }

  // ---- variables ----
  size_t Mark() const { return vars_.size(); }
  void Pop(size_t mark) { vars_.resize(mark); }
  Status SetVar(const std::string& name, const Value& v) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].name == name) {
        vars_[i].value = v;
        return Ok();
      }
    }
    return Errorf("undefined variable: " + name);
  }
  Result<Value> VarValue(const std::string& name) const {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].name == name) return vars_[i].value;
    }
    return Errorf("undefined variable: " + name);
  }

  // ---- walking ----
  Result<Flow> Walk(const Value& dot, const Node* node) {
    At(node);
    switch (node->type) {
      case NodeType::kAction: {
        auto* a = static_cast<const ActionNode*>(node);
        Value val = SKIFF_TRY(EvalPipeline(dot, a->pipe.get()));
        if (a->pipe->decl.empty()) SKIFF_TRY(PrintValue(node, val));
        return Flow::kNormal;
      }
      case NodeType::kBreak: return Flow::kBreak;
      case NodeType::kContinue: return Flow::kContinue;
      case NodeType::kComment: return Flow::kNormal;
      case NodeType::kIf: case NodeType::kWith: return WalkIfOrWith(dot, static_cast<const BranchNode*>(node));
      case NodeType::kList:
        for (const NodePtr& n : static_cast<const ListNode*>(node)->nodes) {
          Flow f = SKIFF_TRY(Walk(dot, n.get()));
          if (f != Flow::kNormal) return f;
        }
        return Flow::kNormal;
      case NodeType::kRange: return WalkRange(dot, static_cast<const BranchNode*>(node));
      case NodeType::kTemplate: return WalkTemplate(dot, static_cast<const TemplateNode*>(node));
      case NodeType::kText: *out_ += static_cast<const TextNode*>(node)->text; return Flow::kNormal;
      default: return Errorf("unknown node: " + node->String());
    }
  }

  Result<Flow> WalkIfOrWith(const Value& dot, const BranchNode* b) {
    size_t mark = Mark();
    auto r = [&]() -> Result<Flow> {
      Value val = SKIFF_TRY(EvalPipeline(dot, b->pipe.get()));
      if (Truth(val)) return Walk(b->type == NodeType::kWith ? val : dot, b->list.get());
      if (b->else_list) return Walk(dot, b->else_list.get());
      return Flow::kNormal;
    }();
    Pop(mark);
    return r;
  }

  Result<Flow> WalkRange(const Value& dot, const BranchNode* r) {
    At(r);
    size_t mark0 = Mark();
    auto result = [&]() -> Result<Flow> {
      Value val = SKIFF_TRY(EvalPipeline(dot, r->pipe.get())).Unwrapped();
      size_t mark = Mark();
      // Runs the body once; true when a {{break}} ends the loop.
      auto one = [&](const Value& index, const Value& elem) -> Result<bool> {
        if (!r->pipe->decl.empty()) vars_[vars_.size() - 1].value = elem;
        if (r->pipe->decl.size() > 1) vars_[vars_.size() - 2].value = index;
        auto f = Walk(elem, r->list.get());
        Pop(mark);
        Flow flow = SKIFF_TRY(std::move(f));
        return flow == Flow::kBreak;
      };
      switch (val.kind()) {
        case Kind::kSlice: case Kind::kStrings:
          if (val.Len() == 0) break;
          for (size_t i = 0; i < val.Len(); ++i) {
            if (SKIFF_TRY(one(Value::Int(static_cast<int64_t>(i)), val.Index(i)))) break;
          }
          return Flow::kNormal;
        case Kind::kMap: case Kind::kStringMap:
          if (val.Len() == 0) break;
          for (const auto& [key, _] : val.json().items()) {
            if (SKIFF_TRY(one(Value::String(key), val.MapIndex(key)))) break;
          }
          return Flow::kNormal;
        case Kind::kInvalid: break;  // acts like an empty map
        default: return Errorf("range can't iterate over " + GoSprint({val}));
      }
      if (r->else_list) return Walk(dot, r->else_list.get());
      return Flow::kNormal;
    }();
    Pop(mark0);
    return result;
  }

  Result<Flow> WalkTemplate(const Value& dot, const TemplateNode* t) {
    At(t);
    const Tree* tmpl = Lookup(t->name);
    if (tmpl == nullptr) return Errorf(fmt::format("template {} not defined", GoQuote(t->name)));
    if (depth_ == kMaxExecDepth) return Errorf(fmt::format("exceeded maximum template depth ({})", kMaxExecDepth));
    Value new_dot = SKIFF_TRY(EvalPipeline(dot, t->pipe.get()));
    Exec sub(t_, opt_, out_);
    sub.depth_ = depth_ + 1;
    sub.name_ = t->name;
    sub.node_ = node_;
    sub.root_ = root_;
    sub.vars_.push_back({"$", new_dot});
    SKIFF_TRY(sub.Walk(new_dot, tmpl->root.get()));
    return Flow::kNormal;
  }

  // ---- evaluation ----
  Result<Value> EvalPipeline(const Value& dot, const PipeNode* pipe) {
    if (pipe == nullptr) return Value();
    At(pipe);
    Final value;
    for (const auto& cmd : pipe->cmds) {
      Value v = SKIFF_TRY(EvalCommand(dot, cmd.get(), value));
      value = v.is_interface() ? v.Unwrapped() : v;
    }
    for (const auto& var : pipe->decl) {
      if (pipe->is_assign) SKIFF_TRY(SetVar(var->ident[0], *value));
      else vars_.push_back({var->ident[0], *value});
    }
    return *value;
  }

  Status NotAFunction(const std::vector<NodePtr>& args, const Final& final) const {
    if (args.size() > 1 || final) return Errorf("can't give argument to non-function " + args[0]->String());
    return Ok();
  }

  Result<Value> EvalCommand(const Value& dot, const CommandNode* cmd, const Final& final) {
    const Node* first = cmd->args[0].get();
    switch (first->type) {
      case NodeType::kField: return EvalFieldNode(dot, static_cast<const FieldNode*>(first), cmd->args, final);
      case NodeType::kChain: return EvalChainNode(dot, static_cast<const ChainNode*>(first), cmd->args, final);
      case NodeType::kIdentifier:
        return EvalFunction(dot, static_cast<const IdentifierNode*>(first), cmd, &cmd->args, final);
      case NodeType::kPipe:
        SKIFF_TRY(NotAFunction(cmd->args, final));
        return EvalPipeline(dot, static_cast<const PipeNode*>(first));
      case NodeType::kVariable:
        return EvalVariableNode(dot, static_cast<const VariableNode*>(first), cmd->args, final);
      default: break;
    }
    At(first);
    SKIFF_TRY(NotAFunction(cmd->args, final));
    switch (first->type) {
      case NodeType::kBool: return Value::Bool(static_cast<const BoolNode*>(first)->value);
      case NodeType::kDot: return dot;
      case NodeType::kNil: return Errorf("nil is not a command");
      case NodeType::kNumber: return IdealConstant(static_cast<const NumberNode*>(first));
      case NodeType::kString: return Value::String(static_cast<const StringNode*>(first)->text);
      default: return Errorf(fmt::format("can't evaluate command {}", GoQuote(first->String())));
    }
  }

  Result<Value> IdealConstant(const NumberNode* c) {
    At(c);
    const std::string& text = c->text;
    bool hex_int = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') &&
                   text.find_first_of("pP") == std::string::npos;
    bool rune_int = !text.empty() && text[0] == '\'';
    if (c->is_complex) return Errorf("complex constants are not supported: " + text);
    if (c->is_float && !hex_int && !rune_int && text.find_first_of(".eEpP") != std::string::npos) {
      return Value::Float(c->float64);
    }
    if (c->is_int) return Value::Int(c->int64);
    if (c->is_uint) return Errorf(text + " overflows int");
    return Value();
  }

  Result<Value> EvalFieldNode(const Value& dot, const FieldNode* field, const std::vector<NodePtr>& args,
                              const Final& final) {
    At(field);
    return EvalFieldChain(dot, dot, field, field->ident, 0, args, final);
  }

  Result<Value> EvalChainNode(const Value& dot, const ChainNode* chain, const std::vector<NodePtr>& args,
                              const Final& final) {
    At(chain);
    if (chain->node->type == NodeType::kNil) {
      return Errorf("indirection through explicit nil in " + chain->String());
    }
    Value pipe = SKIFF_TRY(EvalArg(dot, std::nullopt, chain->node.get()));
    return EvalFieldChain(dot, pipe, chain, chain->field, 0, args, final);
  }

  Result<Value> EvalVariableNode(const Value& dot, const VariableNode* var, const std::vector<NodePtr>& args,
                                 const Final& final) {
    At(var);
    Value value = SKIFF_TRY(VarValue(var->ident[0]));
    if (var->ident.size() == 1) {
      SKIFF_TRY(NotAFunction(args, final));
      return value;
    }
    return EvalFieldChain(dot, value, var, var->ident, 1, args, final);
  }

  // Fields ident[from..] of receiver.
  Result<Value> EvalFieldChain(const Value& dot, Value receiver, const Node* node,
                               const std::vector<std::string>& ident, size_t from,
                               const std::vector<NodePtr>& args, const Final& final) {
    static const std::vector<NodePtr> kNoArgs;
    size_t n = ident.size();
    for (size_t i = from; i + 1 < n; ++i) {
      receiver = SKIFF_TRY(EvalField(dot, ident[i], node, kNoArgs, std::nullopt, receiver));
    }
    return EvalField(dot, ident[n - 1], node, args, final, receiver);
  }

  bool IsRoot(const Value& v) const { return v.valid() && &v.json() == root_; }

  Result<Value> EvalField(const Value& dot, const std::string& name, const Node* node,
                          const std::vector<NodePtr>& args, const Final& final, const Value& receiver) {
    // The root's methods (Docker's formatter contexts: {{.Label "x"}}).
    if (IsRoot(receiver)) {
      if (auto it = opt_.root_methods.find(name); it != opt_.root_methods.end()) {
        const Method& m = it->second;
        Func f;
        f.params.assign(static_cast<size_t>(m.num_args), Param::kString);
        const Json* self = root_;
        f.call = [&m, self](std::vector<Value>& argv) -> Result<Value> {
          std::vector<std::string> strs;
          for (const Value& a : argv) strs.push_back(a.AsString());
          Json r = SKIFF_TRY(m.call(*self, strs));
          return Value::Own(std::move(r));
        };
        return EvalCall(dot, f, node, name, &args, final);
      }
    }
    if (!receiver.valid()) {
      if (opt_.missing_key == MissingKey::kError) return Errorf(fmt::format("nil data; no entry for key {}", GoQuote(name)));
      return Value();
    }
    std::string typ = receiver.TypeName();
    if (receiver.kind() == Kind::kNil) return Errorf(fmt::format("nil pointer evaluating {}.{}", typ, name));
    Value r = receiver.Unwrapped();
    bool has_args = args.size() > 1 || final.has_value();
    // Typed data: the root and every object that is not a string map stand for Go structs (formatter
    // contexts, whose fields are methods without arguments).
    bool is_struct = !opt_.root_type.empty() && (IsRoot(receiver) || r.kind() == Kind::kMap);
    if (is_struct) {
      if (r.json().find(name) == r.json().end()) {
        return Errorf(fmt::format("can't evaluate field {} in type {}", name, IsRoot(receiver) ? opt_.root_type : "struct"));
      }
      if (has_args) {
        return Errorf(fmt::format("wrong number of args for {}: want 0 got {}", name,
                                  (args.empty() ? 0 : args.size() - 1) + (final ? 1 : 0)));
      }
    }
    if (r.IsMap()) {
      if (has_args) return Errorf(name + " is not a method but has arguments");
      Value result = r.MapIndex(name);
      if (!result.valid()) {
        switch (opt_.missing_key) {
          case MissingKey::kDefault: break;
          case MissingKey::kZero: result = r.kind() == Kind::kStringMap ? Value::String("") : Value::Nil(); break;
          case MissingKey::kError: return Errorf(fmt::format("map has no entry for key {}", GoQuote(name)));
        }
      }
      return result;
    }
    return Errorf(fmt::format("can't evaluate field {} in type {}", name, typ));
  }

  const Func* FindFunction(std::string_view name) const {
    if (auto it = t_.user.find(name); it != t_.user.end()) return &it->second;
    if (const Func* f = LookupDocker(name, opt_.header_functions)) return f;
    return LookupBuiltin(name);
  }

  // args: the command's words (the function name first), or null when the identifier is an argument itself.
  Result<Value> EvalFunction(const Value& dot, const IdentifierNode* node, const Node* cmd,
                             const std::vector<NodePtr>* args, const Final& final) {
    At(node);
    const Func* fn = FindFunction(node->ident);
    if (fn == nullptr) return Errorf(fmt::format("{} is not a defined function", GoQuote(node->ident)));
    return EvalCall(dot, *fn, cmd, node->ident, args, final);
  }

  Result<Value> EvalCall(const Value& dot, const Func& fn, const Node* node, const std::string& name,
                         const std::vector<NodePtr>* all_args, const Final& final) {
    std::vector<const Node*> args;
    if (all_args != nullptr) {
      for (size_t i = 1; i < all_args->size(); ++i) args.push_back((*all_args)[i].get());
    }
    size_t num_params = fn.params.size();
    size_t num_in = args.size() + (final ? 1 : 0);
    size_t num_fixed = args.size();
    if (fn.variadic) {
      num_fixed = num_params - 1;
      if (num_in < num_fixed) {
        return Errorf(fmt::format("wrong number of args for {}: want at least {} got {}", name, num_params - 1, args.size()));
      }
    } else if (num_in != num_params) {
      return Errorf(fmt::format("wrong number of args for {}: want {} got {}", name, num_params, num_in));
    }

    if (fn.builtin && (name == "and" || name == "or")) {
      Value v;
      for (const Node* arg : args) {
        v = SKIFF_TRY(EvalArg(dot, Param::kReflect, arg));
        if (Truth(v) == (name == "or")) return v;
      }
      if (final) v = SKIFF_TRY(ValidateType(*final, Param::kReflect));
      return v;
    }

    std::vector<Value> argv;
    size_t i = 0;
    for (; i < num_fixed && i < args.size(); ++i) argv.push_back(SKIFF_TRY(EvalArg(dot, fn.params[i], args[i])));
    if (fn.variadic) {
      for (; i < args.size(); ++i) argv.push_back(SKIFF_TRY(EvalArg(dot, fn.params.back(), args[i])));
    }
    if (final) {
      Param t = fn.params.back();
      if (fn.variadic && num_in - 1 < num_fixed) t = fn.params[num_in - 1];
      argv.push_back(SKIFF_TRY(ValidateType(*final, t)));
    }
    // An interface{} parameter receives the interface's content (or nil).
    for (size_t k = 0; k < argv.size(); ++k) {
      Param p = fn.variadic && k >= num_fixed ? fn.params.back() : fn.params[k];
      if (p != Param::kAny) continue;
      Value content = argv[k].Unwrapped();
      argv[k] = content.valid() ? content : Value::Nil();
    }
    if (opt_.root_json_escapes_html && &fn == LookupDocker("json", false) && IsRoot(argv[0])) {
      return Value::String(GoJsonEncode(*root_, true));  // the context's MarshalJSON is json.Marshal
    }
    auto result = fn.call(argv);
    if (!result.ok()) {
      At(node);
      return Errorf(fmt::format("error calling {}: {}", name, result.error().message()));
    }
    return std::move(result).value();
  }

  static bool Assignable(const Value& v, Param p) {
    switch (p) {
      case Param::kAny: case Param::kReflect: return true;
      case Param::kString: return !v.is_interface() && v.kind() == Kind::kString;
      case Param::kInt: return !v.is_interface() && v.kind() == Kind::kInt;
      case Param::kStrings: return !v.is_interface() && v.kind() == Kind::kStrings;
    }
    return false;
  }

  Result<Value> ValidateType(const Value& value, std::optional<Param> typ) const {
    if (!value.valid()) {
      if (!typ) return Value();
      switch (*typ) {
        case Param::kAny: return Value::Nil();
        case Param::kReflect: return Value();
        case Param::kStrings: return Value();  // a nil []string
        default: return Errorf("invalid value; expected " + ParamTypeName(*typ));
      }
    }
    if (!typ || Assignable(value, *typ)) return value;
    if (value.is_interface() && value.kind() != Kind::kNil) {
      Value elem = value.Unwrapped();
      if (Assignable(elem, *typ)) return elem;
      return Errorf(fmt::format("wrong type for value; expected {}; got {}", ParamTypeName(*typ), elem.TypeName()));
    }
    return Errorf(fmt::format("wrong type for value; expected {}; got {}", ParamTypeName(*typ), value.TypeName()));
  }

  Result<Value> EvalArg(const Value& dot, std::optional<Param> typ, const Node* n) {
    At(n);
    switch (n->type) {
      case NodeType::kDot: return ValidateType(dot, typ);
      case NodeType::kNil:
        if (typ && (*typ == Param::kAny || *typ == Param::kReflect || *typ == Param::kStrings)) {
          return *typ == Param::kAny ? Value::Nil() : Value();
        }
        return Errorf("cannot assign nil to " + (typ ? ParamTypeName(*typ) : std::string("<nil>")));
      case NodeType::kField: {
        static const std::vector<NodePtr> kSelf;
        // Go passes the field node itself as the only "argument" (no call arguments).
        Value v = SKIFF_TRY(EvalFieldNode(dot, static_cast<const FieldNode*>(n), kSelf, std::nullopt));
        return ValidateType(v, typ);
      }
      case NodeType::kVariable: {
        static const std::vector<NodePtr> kNone;
        Value v = SKIFF_TRY(EvalVariableNode(dot, static_cast<const VariableNode*>(n), kNone, std::nullopt));
        return ValidateType(v, typ);
      }
      case NodeType::kPipe: {
        Value v = SKIFF_TRY(EvalPipeline(dot, static_cast<const PipeNode*>(n)));
        return ValidateType(v, typ);
      }
      case NodeType::kIdentifier: {
        Value v = SKIFF_TRY(EvalFunction(dot, static_cast<const IdentifierNode*>(n), n, nullptr, std::nullopt));
        return ValidateType(v, typ);
      }
      case NodeType::kChain: {
        static const std::vector<NodePtr> kNone;
        Value v = SKIFF_TRY(EvalChainNode(dot, static_cast<const ChainNode*>(n), kNone, std::nullopt));
        return ValidateType(v, typ);
      }
      default: break;
    }
    if (!typ) return Errorf("can't handle " + n->String() + " for arg of type <nil>");
    switch (*typ) {
      case Param::kAny: case Param::kReflect: return EvalEmptyInterface(dot, n);
      case Param::kString:
        if (n->type == NodeType::kString) return Value::String(static_cast<const StringNode*>(n)->text);
        return Errorf("expected string; found " + n->String());
      case Param::kInt: {
        auto* num = n->type == NodeType::kNumber ? static_cast<const NumberNode*>(n) : nullptr;
        if (num != nullptr && num->is_int) return Value::Int(num->int64);
        return Errorf("expected integer; found " + n->String());
      }
      case Param::kStrings: break;
    }
    return Errorf(fmt::format("can't handle {} for arg of type {}", n->String(), ParamTypeName(*typ)));
  }

  Result<Value> EvalEmptyInterface(const Value& dot, const Node* n) {
    At(n);
    switch (n->type) {
      case NodeType::kBool: return Value::Bool(static_cast<const BoolNode*>(n)->value);
      case NodeType::kNumber: return IdealConstant(static_cast<const NumberNode*>(n));
      case NodeType::kString: return Value::String(static_cast<const StringNode*>(n)->text);
      default: return EvalArg(dot, Param::kAny, n);
    }
  }

  Status PrintValue(const Node* n, const Value& v) {
    At(n);
    if (!v.valid()) *out_ += "<no value>";
    else *out_ += GoSprint({v});
    return Ok();
  }

  const Template::Impl& t_;
  const ExecOptions& opt_;
  std::string* out_;
  const Node* node_ = nullptr;
  std::vector<Variable> vars_;
  std::string name_;  // the executing template's name
  const Json* root_ = nullptr;  // the data Execute was given
  int depth_ = 0;
};

bool IsIdentifierName(std::string_view name) {
  if (name.empty()) return false;
  bool first = true;
  for (char c : name) {
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || static_cast<unsigned char>(c) >= 0x80;
    bool digit = c >= '0' && c <= '9';
    if (c != '_' && !letter && !(digit && !first)) return false;
    first = false;
  }
  return true;
}

}  // namespace

Result<Template> Template::Parse(std::string_view text) { return Parse(text, FuncMap{}); }

Result<Template> Template::Parse(std::string_view text, const FuncMap& funcs) {
  auto impl = std::make_shared<Impl>();
  for (const auto& [name, fn] : funcs) {
    if (!IsIdentifierName(name)) {
      return Error(Errc::kInvalidArgument, fmt::format("function name {} is not a valid identifier", GoQuote(name)));
    }
    Func f;
    f.params = {Param::kAny};
    f.variadic = true;
    f.call = [fn](std::vector<Value>& args) -> Result<Value> {
      std::vector<Json> j;
      j.reserve(args.size());
      for (const Value& a : args) j.push_back(a.ToJson());
      Result<Json> r = fn(j);
      if (!r.ok()) return std::move(r).error();
      return Value::Own(std::move(r).value());
    };
    impl->user[name] = std::move(f);
  }
  const Impl* raw = impl.get();
  auto is_function = [raw](std::string_view name) {
    return raw->user.count(name) > 0 || LookupDocker(name, false) != nullptr || LookupBuiltin(name) != nullptr;
  };
  impl->set = SKIFF_TRY(ParseTemplate(text, is_function));
  return Template(std::move(impl));
}

Result<std::string> Template::Execute(const Json& data) const { return Execute(data, ExecOptions{}); }

Result<std::string> Template::Execute(const Json& data, const ExecOptions& options) const {
  std::string out;
  Status st = ExecutePartial(data, options, &out);
  if (!st.ok()) return std::move(st).error();
  return out;
}

Status Template::ExecutePartial(const Json& data, const ExecOptions& options, std::string* out) const {
  try {
    Exec exec(*impl_, options, out);
    return exec.Run(data);
  } catch (const std::exception& e) {  // nlohmann type errors would be a bug here; never let them escape
    return Error(Errc::kInternal, std::string("template: execute: ") + e.what());
  }
}

std::string GoPrint(const Json& value) {
  if (value.is_null()) return "<nil>";
  return GoSprint({Value::Ref(value)});
}

std::string GoJson(const Json& value, bool escape_html) { return GoJsonEncode(value, escape_html); }

}  // namespace skiff::cli::format

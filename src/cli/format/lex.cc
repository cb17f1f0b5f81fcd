#include "cli/format/lex.h"

#include <fmt/format.h>

#include "cli/format/gofmt.h"

namespace skiff::cli::format {
namespace {

constexpr int32_t kEof = -1;
constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
constexpr std::string_view kSpaceChars = " \t\r\n";
constexpr int kTrimMarkerLen = 2;  // marker plus space before or after

bool IsSpace(int32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }

bool HasLeftTrimMarker(std::string_view s) { return s.size() >= 2 && s[0] == '-' && IsSpace(static_cast<unsigned char>(s[1])); }
bool HasRightTrimMarker(std::string_view s) { return s.size() >= 2 && IsSpace(static_cast<unsigned char>(s[0])) && s[1] == '-'; }

int RightTrimLength(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && kSpaceChars.find(s[n - 1]) != std::string_view::npos) --n;
  return static_cast<int>(s.size() - n);
}

int LeftTrimLength(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && kSpaceChars.find(s[n]) != std::string_view::npos) ++n;
  return static_cast<int>(n);
}

int CountNewlines(std::string_view s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

ItemType Keyword(std::string_view word) {
  if (word == ".") return ItemType::kDot;
  if (word == "block") return ItemType::kBlock;
  if (word == "break") return ItemType::kBreak;
  if (word == "continue") return ItemType::kContinue;
  if (word == "define") return ItemType::kDefine;
  if (word == "else") return ItemType::kElse;
  if (word == "end") return ItemType::kEnd;
  if (word == "if") return ItemType::kIf;
  if (word == "range") return ItemType::kRange;
  if (word == "nil") return ItemType::kNil;
  if (word == "template") return ItemType::kTemplate;
  if (word == "with") return ItemType::kWith;
  return ItemType::kError;  // not a keyword
}

class Lexer {
 public:
  Lexer(std::string_view input, bool break_ok, bool continue_ok, std::vector<std::string>* messages)
      : input_(input), break_ok_(break_ok), continue_ok_(continue_ok), messages_(messages) {}

  std::vector<Item> Run() {
    State state = State::kText;
    while (state != State::kDone) state = Step(state);
    return std::move(items_);
  }

 private:
  enum class State { kText, kLeftDelim, kComment, kRightDelim, kInsideAction, kSpace, kIdentifier, kField,
                     kVariable, kChar, kNumber, kQuote, kRawQuote, kDone };

  State Step(State s) {
    switch (s) {
      case State::kText: return LexText();
      case State::kLeftDelim: return LexLeftDelim();
      case State::kComment: return LexComment();
      case State::kRightDelim: return LexRightDelim();
      case State::kInsideAction: return LexInsideAction();
      case State::kSpace: return LexSpace();
      case State::kIdentifier: return LexIdentifier();
      case State::kField: return LexFieldOrVariable(ItemType::kField);
      case State::kVariable: return LexVariable();
      case State::kChar: return LexChar();
      case State::kNumber: return LexNumber();
      case State::kQuote: return LexQuote();
      case State::kRawQuote: return LexRawQuote();
      case State::kDone: break;
    }
    return State::kDone;
  }

  std::string_view Rest() const { return input_.substr(static_cast<size_t>(pos_)); }

  int32_t Next() {
    if (pos_ >= static_cast<int>(input_.size())) {
      at_eof_ = true;
      return kEof;
    }
    uint32_t r;
    size_t w = DecodeRune(input_, static_cast<size_t>(pos_), &r);
    pos_ += static_cast<int>(w);
    if (r == '\n') ++line_;
    return static_cast<int32_t>(r);
  }

  int32_t Peek() {
    int32_t r = Next();
    Backup();
    return r;
  }

  void Backup() {
    if (at_eof_ || pos_ <= 0) return;
    // Step back over the last rune (as Go's DecodeLastRuneInString: invalid bytes are one byte wide).
    int start = pos_ - 1;
    while (start > 0 && pos_ - start < 4 && (static_cast<unsigned char>(input_[start]) & 0xC0) == 0x80) --start;
    uint32_t r;
    size_t w = DecodeRune(input_, static_cast<size_t>(start), &r);
    int width = (start + static_cast<int>(w) == pos_) ? static_cast<int>(w) : 1;
    if (width == 1) r = static_cast<unsigned char>(input_[pos_ - 1]);
    pos_ -= width;
    if (r == '\n') --line_;
  }

  void Emit(ItemType t) {
    items_.push_back(Item{t, start_, input_.substr(start_, pos_ - start_), start_line_});
    start_ = pos_;
    start_line_ = line_;
  }

  void Ignore() {
    line_ += CountNewlines(input_.substr(start_, pos_ - start_));
    start_ = pos_;
    start_line_ = line_;
  }

  bool Accept(std::string_view valid) {
    int32_t r = Next();
    if (r != kEof && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
    Backup();
    return false;
  }

  void AcceptRun(std::string_view valid) {
    for (;;) {
      int32_t r = Next();
      if (r == kEof || r >= 0x80 || valid.find(static_cast<char>(r)) == std::string_view::npos) break;
    }
    Backup();
  }

  State Errorf(std::string msg) {
    messages_->push_back(std::move(msg));
    // Deque-like stability: the message store is reserved up front, see Lex.
    items_.push_back(Item{ItemType::kError, start_, messages_->back(), start_line_});
    return State::kDone;
  }

  State LexText() {
    size_t x = Rest().find(kLeftDelim);
    if (x != std::string_view::npos) {
      int ldn = static_cast<int>(kLeftDelim.size());
      pos_ += static_cast<int>(x);
      int trim = 0;
      if (HasLeftTrimMarker(input_.substr(pos_ + ldn))) trim = RightTrimLength(input_.substr(start_, pos_ - start_));
      pos_ -= trim;
      if (pos_ > start_) {
        line_ += CountNewlines(input_.substr(start_, pos_ - start_));
        Emit(ItemType::kText);
      }
      pos_ += trim;
      Ignore();
      return State::kLeftDelim;
    }
    pos_ = static_cast<int>(input_.size());
    if (pos_ > start_) {
      line_ += CountNewlines(input_.substr(start_, pos_ - start_));
      Emit(ItemType::kText);
    }
    Emit(ItemType::kEOF);
    return State::kDone;
  }

  // (delim, trim_spaces)
  std::pair<bool, bool> AtRightDelim() const {
    std::string_view rest = Rest();
    if (HasRightTrimMarker(rest) && rest.substr(kTrimMarkerLen).starts_with(kRightDelim)) return {true, true};
    if (rest.starts_with(kRightDelim)) return {true, false};
    return {false, false};
  }

  State LexLeftDelim() {
    pos_ += static_cast<int>(kLeftDelim.size());
    bool trim = HasLeftTrimMarker(Rest());
    int after = trim ? kTrimMarkerLen : 0;
    if (input_.substr(pos_ + after).starts_with(kLeftComment)) {
      pos_ += after;
      Ignore();
      return State::kComment;
    }
    Emit(ItemType::kLeftDelim);
    pos_ += after;
    Ignore();
    paren_depth_ = 0;
    return State::kInsideAction;
  }

  State LexComment() {
    pos_ += static_cast<int>(kLeftComment.size());
    size_t i = Rest().find(kRightComment);
    if (i == std::string_view::npos) return Errorf("unclosed comment");
    pos_ += static_cast<int>(i + kRightComment.size());
    auto [delim, trim] = AtRightDelim();
    if (!delim) return Errorf("comment ends before closing delimiter");
    if (trim) pos_ += kTrimMarkerLen;
    pos_ += static_cast<int>(kRightDelim.size());
    if (trim) pos_ += LeftTrimLength(Rest());
    Ignore();
    return State::kText;
  }

  State LexRightDelim() {
    bool trim = HasRightTrimMarker(Rest());
    if (trim) {
      pos_ += kTrimMarkerLen;
      Ignore();
    }
    pos_ += static_cast<int>(kRightDelim.size());
    Emit(ItemType::kRightDelim);
    if (trim) {
      pos_ += LeftTrimLength(Rest());
      Ignore();
    }
    return State::kText;
  }

  State LexInsideAction() {
    if (AtRightDelim().first) {
      if (paren_depth_ == 0) return State::kRightDelim;
      return Errorf("unclosed left paren");
    }
    int32_t r = Next();
    if (r == kEof) return Errorf("unclosed action");
    if (IsSpace(r)) {
      Backup();  // Put space back in case we have " -}}".
      return State::kSpace;
    }
    switch (r) {
      case '=': Emit(ItemType::kAssign); return State::kInsideAction;
      case ':':
        if (Next() != '=') return Errorf("expected :=");
        Emit(ItemType::kDeclare);
        return State::kInsideAction;
      case '|': Emit(ItemType::kPipe); return State::kInsideAction;
      case '"': return State::kQuote;
      case '`': return State::kRawQuote;
      case '$': return State::kVariable;
      case '\'': return State::kChar;
      case '.':
        if (pos_ < static_cast<int>(input_.size())) {
          char c = input_[pos_];
          if (c < '0' || c > '9') return State::kField;
        }
        Backup();  // '.' can start a number.
        return State::kNumber;
      case '(':
        Emit(ItemType::kLeftParen);
        ++paren_depth_;
        return State::kInsideAction;
      case ')':
        Emit(ItemType::kRightParen);
        --paren_depth_;
        if (paren_depth_ < 0) return Errorf("unexpected right paren " + RuneSharpU(static_cast<uint32_t>(r)));
        return State::kInsideAction;
      default: break;
    }
    if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
      Backup();
      return State::kNumber;
    }
    if (IsAlphaNumeric(static_cast<uint32_t>(r))) {
      Backup();
      return State::kIdentifier;
    }
    if (r < 0x80 && GoIsPrint(static_cast<uint32_t>(r))) {
      Emit(ItemType::kChar);
      return State::kInsideAction;
    }
    return Errorf("unrecognized character in action: " + RuneSharpU(static_cast<uint32_t>(r)));
  }

  State LexSpace() {
    int num_spaces = 0;
    for (;;) {
      int32_t r = Peek();
      if (!IsSpace(r)) break;
      Next();
      ++num_spaces;
    }
    if (HasRightTrimMarker(input_.substr(pos_ - 1)) &&
        input_.substr(pos_ - 1 + kTrimMarkerLen).starts_with(kRightDelim)) {
      Backup();  // Before the space.
      if (num_spaces == 1) return State::kRightDelim;  // On the delim, so go right to that.
    }
    Emit(ItemType::kSpace);
    return State::kInsideAction;
  }

  State LexIdentifier() {
    for (;;) {
      int32_t r = Next();
      if (r != kEof && IsAlphaNumeric(static_cast<uint32_t>(r))) continue;
      Backup();
      std::string_view word = input_.substr(start_, pos_ - start_);
      if (!AtTerminator()) return Errorf("bad character " + RuneSharpU(static_cast<uint32_t>(r)));
      ItemType key = Keyword(word);
      if (key > ItemType::kKeyword) {
        if ((key == ItemType::kBreak && !break_ok_) || (key == ItemType::kContinue && !continue_ok_)) {
          Emit(ItemType::kIdentifier);
        } else {
          Emit(key);
        }
      } else if (word[0] == '.') {
        Emit(ItemType::kField);
      } else if (word == "true" || word == "false") {
        Emit(ItemType::kBool);
      } else {
        Emit(ItemType::kIdentifier);
      }
      return State::kInsideAction;
    }
  }

  State LexVariable() {
    if (AtTerminator()) {  // Nothing interesting follows -> "$".
      Emit(ItemType::kVariable);
      return State::kInsideAction;
    }
    return LexFieldOrVariable(ItemType::kVariable);
  }

  State LexFieldOrVariable(ItemType typ) {
    if (AtTerminator()) {  // Nothing interesting follows -> "." or "$".
      Emit(typ == ItemType::kVariable ? ItemType::kVariable : ItemType::kDot);
      return State::kInsideAction;
    }
    int32_t r;
    for (;;) {
      r = Next();
      if (r == kEof || !IsAlphaNumeric(static_cast<uint32_t>(r))) {
        Backup();
        break;
      }
    }
    if (!AtTerminator()) return Errorf("bad character " + RuneSharpU(static_cast<uint32_t>(r)));
    Emit(typ);
    return State::kInsideAction;
  }

  bool AtTerminator() {
    int32_t r = Peek();
    if (IsSpace(r)) return true;
    switch (r) {
      case kEof: case '.': case ',': case '|': case ':': case ')': case '(': return true;
      default: break;
    }
    return Rest().starts_with(kRightDelim);
  }

  State LexChar() {
    for (;;) {
      int32_t r = Next();
      if (r == '\\') {
        int32_t e = Next();
        if (e != kEof && e != '\n') continue;
        return Errorf("unterminated character constant");
      }
      if (r == kEof || r == '\n') return Errorf("unterminated character constant");
      if (r == '\'') break;
    }
    Emit(ItemType::kCharConstant);
    return State::kInsideAction;
  }

  State LexNumber() {
    if (!ScanNumber()) return Errorf("bad number syntax: " + GoQuote(input_.substr(start_, pos_ - start_)));
    int32_t sign = Peek();
    if (sign == '+' || sign == '-') {
      // Complex: 1+2i. No spaces, must end in 'i'.
      if (!ScanNumber() || input_[pos_ - 1] != 'i') {
        return Errorf("bad number syntax: " + GoQuote(input_.substr(start_, pos_ - start_)));
      }
      Emit(ItemType::kComplex);
    } else {
      Emit(ItemType::kNumber);
    }
    return State::kInsideAction;
  }

  bool ScanNumber() {
    Accept("+-");
    std::string_view digits = "0123456789_";
    if (Accept("0")) {
      if (Accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (Accept("oO")) digits = "01234567_";
      else if (Accept("bB")) digits = "01_";
    }
    AcceptRun(digits);
    if (Accept(".")) AcceptRun(digits);
    if (digits.size() == 10 + 1 && Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    if (digits.size() == 16 + 6 + 1 && Accept("pP")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    Accept("i");
    int32_t r = Peek();
    if (r != kEof && IsAlphaNumeric(static_cast<uint32_t>(r))) {
      Next();
      return false;
    }
    return true;
  }

  State LexQuote() {
    for (;;) {
      int32_t r = Next();
      if (r == '\\') {
        int32_t e = Next();
        if (e != kEof && e != '\n') continue;
        return Errorf("unterminated quoted string");
      }
      if (r == kEof || r == '\n') return Errorf("unterminated quoted string");
      if (r == '"') break;
    }
    Emit(ItemType::kString);
    return State::kInsideAction;
  }

  State LexRawQuote() {
    for (;;) {
      int32_t r = Next();
      if (r == kEof) return Errorf("unterminated raw quoted string");
      if (r == '`') break;
    }
    Emit(ItemType::kRawString);
    return State::kInsideAction;
  }

  std::string_view input_;
  bool break_ok_, continue_ok_;
  std::vector<std::string>* messages_;
  std::vector<Item> items_;
  int pos_ = 0, start_ = 0;
  bool at_eof_ = false;
  int paren_depth_ = 0;
  int line_ = 1, start_line_ = 1;
};

}  // namespace

std::string Item::String() const {
  if (type == ItemType::kEOF) return "EOF";
  if (type == ItemType::kError) return std::string(val);
  if (type > ItemType::kKeyword) return "<" + std::string(val) + ">";
  // Go's %.10q: the first 10 runes, quoted.
  size_t i = 0;
  int runes = 0;
  for (; i < val.size() && runes < 10; ++runes) {
    uint32_t r;
    i += DecodeRune(val, i, &r);
  }
  if (i < val.size()) return GoQuote(val.substr(0, i)) + "...";
  return GoQuote(val);
}

std::vector<Item> Lex(std::string_view input, bool break_ok, bool continue_ok, std::vector<std::string>* messages) {
  // One error at most: reserve so the message's storage never moves while an Item views it.
  messages->reserve(messages->size() + 1);
  return Lexer(input, break_ok, continue_ok, messages).Run();
}

bool IsAlphaNumeric(uint32_t r) {
  if (r < 0x80) return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9');
  if (r == 0xAA || r == 0xB5 || r == 0xBA) return true;
  if (r < 0xC0 || r == 0xD7 || r == 0xF7) return false;
  if ((r >= 0x2000 && r <= 0x2BFF) || (r >= 0x3000 && r <= 0x3003) || (r >= 0x3008 && r <= 0x3020) ||
      (r >= 0x3030 && r <= 0x303F && r != 0x3031 && r != 0x3032 && r != 0x3033 && r != 0x3034 && r != 0x3035 &&
       r != 0x303B && r != 0x303C) ||
      (r >= 0xFE30 && r <= 0xFE6F) || (r >= 0xFF00 && r <= 0xFF0F) || (r >= 0xFF1A && r <= 0xFF20) ||
      (r >= 0xFF3B && r <= 0xFF40) || (r >= 0xFF5B && r <= 0xFF65) || (r >= 0x1F000 && r <= 0x1FBFF)) {
    return false;
  }
  return GoIsPrint(r);
}

std::string RuneSharpU(uint32_t r) {
  std::string s = fmt::format("U+{:04X}", r);
  if (r <= 0x10FFFF && GoIsPrint(r)) {
    s += " '";
    AppendRune(s, r);
    s += "'";
  }
  return s;
}

}  // namespace skiff::cli::format

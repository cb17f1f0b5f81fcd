// FlagSet: a command's flags with docker's (spf13/pflag) command-line conventions. Definitions bind each
// flag to a setter; Parse() tokenizes like pflag (combined shorthands `-it`, `-n=3`, `-p8080`,
// `--flag=value`, `--flag value`, bool `--rm=false`, `--`, interspersed positionals or stop at the first
// positional), hands the normalized arguments to CLI11 to collect the values per flag, then applies them
// through the setters in definition order. Error texts are pflag's (`unknown flag: --foo`, `invalid
// argument "x" for "-m, --memory" flag: ...`). A FlagSet owns its definitions; bound variables belong to the
// command and must outlive Parse().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace skiff::cli {

class FlagSet {
 public:
  // A setter gets each occurrence's value; its Error message becomes the "...flag: <message>" part.
  using Setter = std::function<Status(const std::string&)>;

  // names: "a,all" (shorthand, long) or "all". type: shown in --help ("string", "list", "int", ...); empty
  // for booleans. default_text: shown as "(default X)" when not empty.
  void Add(std::string_view names, std::string type, std::string help, std::string default_text, Setter set,
           bool is_bool = false);

  void Bool(bool* dst, std::string_view names, std::string help, bool def = false);
  void String(std::string* dst, std::string_view names, std::string help, std::string def = {},
              std::string type = "string");
  // validate may normalize the value (docker's ListOpts validators); its error is the flag error.
  void List(std::vector<std::string>* dst, std::string_view names, std::string help, std::string type = "list",
            std::function<Result<std::string>(const std::string&)> validate = nullptr);
  void Int(int64_t* dst, std::string_view names, std::string help, int64_t def = 0, std::string type = "int");
  void Uint(uint64_t* dst, std::string_view names, std::string help, uint64_t def = 0, std::string type = "uint");
  // "key=value" repeated (docker's --filter).
  void Filter(std::vector<std::pair<std::string, std::string>>* dst, std::string_view names, std::string help);
  // Accepted and ignored by pflag semantics (hidden in help).
  void Hidden(std::string_view names, bool is_bool);
  // Hides an already defined flag from --help (docker's deprecated aliases such as --net).
  void Hide(std::string_view long_name);

  struct ParseResult {
    std::vector<std::string> args;  // positionals (and, without interspersing, everything after the first)
    bool help = false;              // --help / -h (when -h is not a flag) was given
  };
  // interspersed=false: parsing stops at the first positional (run, create, exec). A bool flag named "help"
  // (defined to list it in the usage, as run does) also asks for help.
  Result<ParseResult> Parse(const std::vector<std::string>& argv, bool interspersed);

  bool Changed(std::string_view long_name) const;
  bool HasShorthand(char c) const;
  // The "Options:" block of --help (empty when no flags).
  std::string Usage() const;

 private:
  struct Def {
    char shorthand = 0;
    std::string name;
    std::string type;
    std::string help;
    std::string default_text;
    Setter set;
    bool is_bool = false;
    bool hidden = false;
    int changed = 0;
  };
  const Def* FindLong(std::string_view name) const;
  const Def* FindShort(char c) const;
  std::string Display(const Def& d) const;

  std::vector<Def> defs_;
};

// Go's strconv.ParseBool.
std::optional<bool> ParseGoBool(std::string_view s);

}  // namespace skiff::cli

// Command-line parsing with the conventions of runc's CLI library, which engines rely on: flags before
// positional arguments ("exec ID sh -c x" leaves "-c" to the command), long flags with one or two dashes,
// "--flag value" and "--flag=value", repeatable flags, short aliases. CLI11 does not accept single-dash
// long flags ("-bundle"), which runc's callers may use, hence this small parser.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"

namespace skiff::cli {

struct FlagSpec {
  std::string name;   // long name without dashes
  char short_name;    // 0 if none
  bool takes_value;
};

class Flags {
 public:
  // Parses argv[start..] against specs; stops at the first positional argument (or "--").
  static Result<Flags> Parse(const std::vector<std::string>& args, size_t start, const std::vector<FlagSpec>& specs);
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& def = "") const;
  std::vector<std::string> GetAll(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }
  // Index in args of the first positional argument.
  size_t positional_start() const { return positional_start_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
  size_t positional_start_ = 0;
};

}  // namespace skiff::cli

#include "flags.h"

namespace skiff::cli {

Result<Flags> Flags::Parse(const std::vector<std::string>& args, size_t start, const std::vector<FlagSpec>& specs) {
  Flags f;
  size_t i = start;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;
    std::string body = a.substr(a[1] == '-' ? 2 : 1);
    std::optional<std::string> inline_value;
    if (auto eq = body.find('='); eq != std::string::npos) {
      inline_value = body.substr(eq + 1);
      body = body.substr(0, eq);
    }
    const FlagSpec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == body || (body.size() == 1 && s.short_name == body[0])) spec = &s;
    if (!spec) return Error(Errc::kInvalidArgument, "flag provided but not defined: -" + body);
    std::string value = "true";
    if (spec->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else {
        if (i + 1 >= args.size()) return Error(Errc::kInvalidArgument, "flag needs an argument: -" + body);
        value = args[++i];
      }
    } else if (inline_value) {
      value = *inline_value;
    }
    f.values_[spec->name].push_back(value);
  }
  f.positional_start_ = i;
  for (; i < args.size(); ++i) f.positional_.push_back(args[i]);
  return f;
}

std::string Flags::Get(const std::string& name, const std::string& def) const {
  auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? def : it->second.back();
}

std::vector<std::string> Flags::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>() : it->second;
}

}  // namespace skiff::cli

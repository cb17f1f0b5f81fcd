#include "cli/output.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "cli/format/format.h"
#include "cli/format/template.h"
#include "cli/json_indent.h"
#include "cli/run_config.h"

namespace skiff::cli {

Status WriteRows(const Cli& cli, const std::string& format, const Json& header, const std::vector<Json>& rows) {
  format::FormatSpec spec = format::ParseFormat(format);
  auto out = format::RenderRows(spec, header, rows);
  if (!out.ok()) return Error(Errc::kInvalidArgument, "template parsing error: " + out.error().message() + "\n");
  cli.Out(*out);
  return Ok();
}

bool FormatUsesField(const std::string& format, std::string_view field) {
  if (format.find("json .") != std::string::npos || format.find("json.") != std::string::npos) return true;
  return format.find("." + std::string(field)) != std::string::npos;
}

namespace {

bool SameValue(const Json& a, const OJson& b) {
  if (a.is_object()) {
    if (!b.is_object() || a.size() != b.size()) return false;
    for (const auto& [k, v] : a.items()) {
      auto it = b.find(k);
      if (it == b.end() || !SameValue(v, *it)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (!b.is_array() || a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameValue(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_number() && b.is_number()) return a.dump() == b.dump();
  return a.dump() == b.dump();
}

const OJson* FindValue(const Json& v, const OJson& tree) {
  if (tree.type() == OJson::value_t(v.type()) || (v.is_number() && tree.is_number())) {
    if (SameValue(v, tree)) return &tree;
  }
  if (tree.is_structured()) {
    for (const auto& child : tree) {
      if (const OJson* found = FindValue(v, child)) return found;
    }
  }
  return nullptr;
}

}  // namespace

format::FuncMap OrderedJsonFuncs(std::shared_ptr<const OJson> ordered) {
  format::FuncMap funcs;
  funcs["json"] = [ordered](const std::vector<Json>& args) -> Result<Json> {
    if (args.size() != 1) return Error(Errc::kInvalidArgument, "wrong number of args for json: want 1");
    const Json& v = args[0];
    if (v.is_structured() && ordered) {
      if (const OJson* o = FindValue(v, *ordered)) return Json(GoJsonDump(*o));
    }
    return Json(format::GoJson(v));
  };
  return funcs;
}

Result<int> RunInspect(const Cli& cli, const std::vector<std::string>& refs, const std::string& fmt_str,
                       const RawGetter& get_raw) {
  // The template is parsed once up front (syntax errors end the command, exit 64) and again per element
  // with that element's key order for `json`.
  if (!fmt_str.empty()) {
    auto t = format::Template::Parse(fmt_str);
    if (!t.ok()) {
      cli.Err("template parsing error: " + t.error().message() + "\n");
      return 64;
    }
  }
  bool templated_mode = !fmt_str.empty();
  std::vector<std::string> errs;
  std::vector<std::string> raws;
  std::string templated;
  for (const auto& ref : refs) {
    auto raw = get_raw(ref);
    if (!raw.ok()) {
      errs.push_back(raw.error().message());
      continue;
    }
    if (!templated_mode) {
      raws.push_back(std::string(Trim(*raw)));
      continue;
    }
    auto j = ParseJson(*raw, "inspect data");
    if (!j.ok()) {
      errs.push_back("unable to read inspect data: " + j.error().message());
      continue;
    }
    auto ordered = std::make_shared<const OJson>(OJson::parse(*raw, nullptr, false));
    auto tmpl = format::Template::Parse(fmt_str, OrderedJsonFuncs(ordered));
    if (!tmpl.ok()) return std::move(tmpl).error();
    auto r = tmpl->Execute(*j);
    if (!r.ok()) {
      format::ExecOptions strict;
      strict.missing_key = format::MissingKey::kError;
      r = tmpl->Execute(*j, strict);
    }
    if (!r.ok()) {
      errs.push_back("template parsing error: " + r.error().message());
      continue;
    }
    templated += *r + "\n";
  }
  if (!templated_mode) {
    if (raws.empty()) {
      cli.Out("[]\n");
    } else {
      cli.Out(GoJsonIndent("[" + Join(raws, ",") + "]", "", "    ") + "\n");
    }
  } else {
    cli.Out(templated.empty() ? "\n" : templated);
  }
  if (!errs.empty()) {
    cli.Err(Join(errs, "\n") + "\n");
    return 1;
  }
  return 0;
}

}  // namespace skiff::cli

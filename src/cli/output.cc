#include "cli/output.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "cli/format/format.h"
#include "cli/format/template.h"
#include "cli/json_indent.h"

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

Result<int> RunInspect(const Cli& cli, const std::vector<std::string>& refs, const std::string& fmt_str,
                       const RawGetter& get_raw) {
  std::optional<format::Template> tmpl;
  if (!fmt_str.empty()) {
    auto t = format::Template::Parse(fmt_str);
    if (!t.ok()) {
      cli.Err("template parsing error: " + t.error().message() + "\n");
      return 64;
    }
    tmpl = std::move(t).value();
  }
  std::vector<std::string> errs;
  std::vector<std::string> raws;
  std::string templated;
  for (const auto& ref : refs) {
    auto raw = get_raw(ref);
    if (!raw.ok()) {
      errs.push_back(raw.error().message());
      continue;
    }
    if (!tmpl) {
      raws.push_back(std::string(Trim(*raw)));
      continue;
    }
    auto j = ParseJson(*raw, "inspect data");
    if (!j.ok()) {
      errs.push_back("unable to read inspect data: " + j.error().message());
      continue;
    }
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
  if (!tmpl) {
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

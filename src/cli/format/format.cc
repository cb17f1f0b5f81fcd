#include "cli/format/format.h"

#include "cli/format/tabwriter.h"

namespace skiff::cli::format {
namespace {

constexpr std::string_view kTableKey = "table";

std::string ReplaceEscapes(std::string_view s) {
  // strings.NewReplacer(`\t`, "\t", `\n`, "\n"): one left-to-right pass.
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 't' || s[i + 1] == 'n')) {
      out.push_back(s[i + 1] == 't' ? '\t' : '\n');
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Docker's SubHeaderContext.Label: the label name's last dot-separated part, '-' and '_' as spaces.
Result<Json> HeaderLabel(const Json& /*self*/, const std::vector<std::string>& args) {
  std::string name = args[0];
  size_t dot = name.rfind('.');
  std::string h = dot == std::string::npos ? name : name.substr(dot + 1);
  for (char& c : h) {
    if (c == '-' || c == '_') c = ' ';
  }
  return Json(h);
}

}  // namespace

FormatSpec ParseFormat(std::string_view flag_value) {
  FormatSpec spec;
  if (flag_value == "json") {
    spec.json_all = true;
    spec.body = "{{json .}}";
    return spec;
  }
  if (flag_value == "raw") spec.raw = true;
  std::string_view body = flag_value;
  if (body.starts_with(kTableKey)) {
    spec.table = true;
    body.remove_prefix(kTableKey.size());
  }
  // strings.Trim(format, " "): spaces only.
  while (!body.empty() && body.front() == ' ') body.remove_prefix(1);
  while (!body.empty() && body.back() == ' ') body.remove_suffix(1);
  spec.body = ReplaceEscapes(body);
  return spec;
}

Result<std::string> RenderRows(const FormatSpec& f, const Json& header, const std::vector<Json>& rows) {
  Template tmpl = SKIFF_TRY(Template::Parse(f.body));
  return RenderRows(f, tmpl, header, rows);
}

Result<std::string> RenderRows(const FormatSpec& f, const Template& tmpl, const Json& header,
                               const std::vector<Json>& rows) {
  std::string body;
  if (f.json_all) {
    for (const Json& row : rows) body += GoJson(row, true) + "\n";
    return body;
  }
  ExecOptions row_opts;
  row_opts.root_type = f.context_type;
  row_opts.root_methods = f.methods;
  row_opts.root_json_escapes_html = true;
  for (const Json& row : rows) {
    body += SKIFF_TRY(tmpl.Execute(row, row_opts));
    body.push_back('\n');
  }
  if (!f.table) return body;
  // The header goes through the same template with Docker's header functions; Docker ignores a failure
  // there and prints what was produced before it.
  std::string head;
  ExecOptions opts;
  opts.header_functions = true;
  opts.root_methods.emplace("Label", Method{1, HeaderLabel});
  (void)tmpl.ExecutePartial(header, opts, &head);
  TabWriter tw(10, 1, 3, ' ', 0);
  tw.Write(head);
  tw.Write("\n");
  tw.Write(body);
  return tw.Flush();
}

Result<std::string> RenderInspect(const Template& tmpl, const std::vector<Json>& elements) {
  std::string out;
  // Docker executes on its typed struct first (a field it lacks is an error there), then on the raw JSON.
  ExecOptions typed;
  typed.root_type = "struct";
  for (const Json& e : elements) {
    auto r = tmpl.Execute(e, typed);
    if (!r.ok()) {
      // Docker retries on the raw JSON with missingkey=error and reports that error.
      ExecOptions strict;
      strict.missing_key = MissingKey::kError;
      r = tmpl.Execute(e, strict);
      if (!r.ok()) return std::move(r).error();
    }
    out += *r;
    out.push_back('\n');
  }
  return out;
}

}  // namespace skiff::cli::format

// images, rmi, tag, history, image prune, image inspect: local image management.
#include <ctime>

#include <fmt/format.h>

#include "base/strings.h"
#include "base/units.h"
#include "cli/command.h"
#include "cli/container_common.h"
#include "cli/output.h"
#include "cli/reference.h"
#include "cli/rows.h"

namespace skiff::cli {
namespace {

Result<int> Images(Cli& cli, Invocation& inv) {
  bool all = false, digests = false, no_trunc = false, quiet = false;
  std::string fmt_str;
  std::vector<std::pair<std::string, std::string>> filters;
  auto& f = inv.flags();
  f.Bool(&all, "a,all", "Show all images (default hides intermediate images)");
  f.Bool(&digests, "digests", "Show digests");
  f.Filter(&filters, "f,filter", "Filter output based on conditions provided");
  f.String(&fmt_str, "format", "Pretty-print images using a Go template");
  f.Bool(&no_trunc, "no-trunc", "Don't truncate output");
  f.Bool(&quiet, "q,quiet", "Only show image IDs");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  if (!args->empty()) filters.emplace_back("reference", (*args)[0]);
  Query q;
  q.SetBool("all", all);
  if (!filters.empty()) q.Set("filters", FiltersJson(filters));
  auto list = SKIFF_TRY(cli.api().GetJson("/images/json", q));
  std::string format;
  if (fmt_str.empty() || fmt_str == "table") {
    format = quiet ? "{{.ID}}" : digests ? std::string(kImageTableFormatWithDigest) : std::string(kImageTableFormat);
  } else {
    format = fmt_str;
    if (format.rfind("table", 0) == 0 && digests && format.find("{{.Digest}}") == std::string::npos) {
      format += "\t{{.Digest}}";
    }
  }
  std::vector<Json> rows;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (list.is_array()) {
    for (const auto& img : list) {
      auto r = ImageRows(img, !no_trunc, digests, now);
      rows.insert(rows.end(), r.begin(), r.end());
    }
  }
  SKIFF_TRY(WriteRows(cli, format, ImageHeader(), rows));
  return 0;
}

Result<int> Rmi(Cli& cli, Invocation& inv) {
  bool force = false, no_prune = false;
  inv.flags().Bool(&force, "f,force", "Force removal of the image");
  inv.flags().Bool(&no_prune, "no-prune", "Do not delete untagged parents");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  Query q;
  q.SetBool("force", force);
  q.SetBool("noprune", no_prune);
  std::vector<std::string> errs;
  bool fatal = false;
  for (const auto& img : *args) {
    auto r = cli.api().Call("DELETE", "/images/" + img, q);
    if (!r.ok()) {
      Error e = NotFoundAs(std::move(r).error(), "image", img);
      if (!IsNotFound(e)) fatal = true;
      errs.push_back(e.message());
      continue;
    }
    auto dels = ParseJson(r->body, "image delete response");
    if (!dels.ok() || !dels->is_array()) continue;
    std::string out;
    for (const auto& d : *dels) {
      std::string deleted = d.value("Deleted", "");
      if (!deleted.empty()) out += "Deleted: " + deleted + "\n";
      else out += "Untagged: " + d.value("Untagged", "") + "\n";
    }
    cli.Out(out);
  }
  if (!errs.empty()) {
    std::string msg = Join(errs, "\n");
    if (!force || fatal) return Error(Errc::kInternal, msg);
    cli.Err(msg + "\n");
  }
  return 0;
}

Result<int> Tag(Cli& cli, Invocation& inv) {
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  const std::string& source = (*args)[0];
  const std::string& target = (*args)[1];
  auto bad = [](const std::string& ref, const Error& e) {
    return Error(Errc::kInvalidArgument,
                 fmt::format("Error parsing reference: \"{}\" is not a valid repository/tag: {}", ref, e.message()));
  };
  if (!IsFullImageId(source)) {
    auto src = ParseNormalizedNamed(source);
    bool hexish = !source.empty() && source.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!src.ok() && !hexish) return bad(source, src.error());
  }
  auto ref = ParseNormalizedNamed(target);
  if (!ref.ok()) return bad(target, ref.error());
  if (!ref->digest.empty()) return Error(Errc::kInvalidArgument, "refusing to create a tag with a digest reference");
  ImageRef r = TagNameOnly(*ref);
  Query q;
  q.Set("repo", r.FamiliarName());
  q.Set("tag", r.tag);
  SKIFF_TRY(cli.api().Call("POST", "/images/" + source + "/tag", q));
  return 0;
}

Result<int> History(Cli& cli, Invocation& inv) {
  bool human = true, quiet = false, no_trunc = false;
  std::string fmt_str;
  inv.flags().String(&fmt_str, "format", "Pretty-print images using a Go template");
  inv.flags().Bool(&human, "H,human", "Print sizes and dates in human readable format", true);
  inv.flags().Bool(&no_trunc, "no-trunc", "Don't truncate output");
  inv.flags().Bool(&quiet, "q,quiet", "Only show image IDs");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  auto history = SKIFF_TRY(cli.api().GetJson("/images/" + (*args)[0] + "/history"));
  std::string format = fmt_str;
  if (format.empty() || format == "table") {
    format = quiet ? "{{.ID}}"
                   : human ? std::string(kHistoryTableFormat)
                           : "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
  }
  std::vector<Json> rows;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (history.is_array()) {
    for (const auto& h : history) rows.push_back(HistoryRow(h, !no_trunc, human, now));
  }
  SKIFF_TRY(WriteRows(cli, format, HistoryHeader(), rows));
  return 0;
}

Result<int> ImagePrune(Cli& cli, Invocation& inv) {
  bool all = false, force = false;
  std::vector<std::pair<std::string, std::string>> filters;
  inv.flags().Bool(&all, "a,all", "Remove all unused images, not just dangling ones");
  inv.flags().Filter(&filters, "filter", "Provide filter values (e.g. 'until=<timestamp>')");
  inv.flags().Bool(&force, "f,force", "Do not prompt for confirmation");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  std::string warning = all ? "WARNING! This will remove all images without at least one container associated to them.\n"
                              "Are you sure you want to continue?"
                            : "WARNING! This will remove all dangling images.\nAre you sure you want to continue?";
  if (!force && !PromptForConfirmation(cli, warning)) return 0;
  filters.emplace_back("dangling", all ? "false" : "true");
  Query q;
  q.Set("filters", FiltersJson(filters));
  auto report = SKIFF_TRY(cli.api().PostJson("/images/prune", q));
  std::string out;
  uint64_t reclaimed = 0;
  if (report.contains("ImagesDeleted") && report["ImagesDeleted"].is_array() && !report["ImagesDeleted"].empty()) {
    out = "Deleted Images:\n";
    for (const auto& st : report["ImagesDeleted"]) {
      std::string untagged = st.value("Untagged", "");
      out += untagged.empty() ? "deleted: " + st.value("Deleted", "") + "\n" : "untagged: " + untagged + "\n";
    }
    reclaimed = report.value("SpaceReclaimed", uint64_t{0});
  }
  if (!out.empty()) cli.Out(out + "\n");
  cli.Out("Total reclaimed space: " + units::HumanSize(static_cast<double>(reclaimed)) + "\n");
  return 0;
}

Result<int> ImageInspect(Cli& cli, Invocation& inv) {
  std::string fmt_str;
  inv.flags().String(&fmt_str, "f,format", "Format the output using the given Go template");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  return RunInspect(cli, *args, fmt_str, [&](const std::string& ref) -> Result<std::string> {
    auto r = cli.api().Call("GET", "/images/" + ref + "/json");
    if (!r.ok()) return NotFoundAs(std::move(r).error(), "image", ref);
    return r->body;
  });
}

}  // namespace

void RegisterImageCommands() {
  auto& c = Commands();
  c.push_back({"image", "ls", {"list"}, "images", "[OPTIONS] [REPOSITORY[:TAG]]", "List images", MaxArgs(1), true,
               Images});
  c.push_back({"image", "rm", {"rmi", "remove"}, "rmi", "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images",
               MinArgs(1), true, Rmi});
  c.push_back({"image", "tag", {}, "tag", "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
               "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", ExactArgs(2), true, Tag});
  c.push_back({"image", "history", {}, "history", "[OPTIONS] IMAGE", "Show the history of an image", ExactArgs(1), true,
               History});
  c.push_back({"image", "prune", {}, "", "[OPTIONS]", "Remove unused images", NoArgs(), true, ImagePrune});
  c.push_back({"image", "inspect", {}, "", "[OPTIONS] IMAGE [IMAGE...]",
               "Display detailed information on one or more images", MinArgs(1), true, ImageInspect});
}

}  // namespace skiff::cli

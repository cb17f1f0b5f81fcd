// system df, system prune: disk usage and clean-up across containers, images, volumes, networks, cache.
#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "base/strings.h"
#include "base/units.h"
#include "cli/command.h"
#include "cli/container_common.h"
#include "cli/format/format.h"
#include "cli/output.h"
#include "cli/reference.h"
#include "cli/rows.h"
#include "cli/timefmt.h"

namespace skiff::cli {
namespace {

int64_t I(const Json& j, const char* key, int64_t def = 0) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return def;
  return j[key].get<int64_t>();
}

Json Arr(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_array()) return Json::array();
  return j[key];
}

std::string WithPercent(int64_t reclaimable, int64_t total) {
  std::string s = units::HumanSize(static_cast<double>(reclaimable));
  if (total > 0) s += fmt::format(" ({}%)", reclaimable * 100 / total);
  return s;
}

bool ActiveState(const std::string& st) {
  return st.find("running") != std::string::npos || st.find("paused") != std::string::npos ||
         st.find("restarting") != std::string::npos;
}

// The four summary rows of `system df`.
std::vector<Json> SummaryRows(const Json& du) {
  std::vector<Json> rows;
  Json images = Arr(du, "Images");
  int64_t layers = I(du, "LayersSize");
  int64_t active = 0, used = 0;
  for (const auto& i : images) {
    if (I(i, "Containers") == 0) continue;
    ++active;
    if (I(i, "VirtualSize", I(i, "Size")) == -1 || I(i, "SharedSize") == -1) continue;
    used += I(i, "VirtualSize", I(i, "Size")) - I(i, "SharedSize");
  }
  rows.push_back({{"Type", "Images"}, {"TotalCount", std::to_string(images.size())}, {"Active", std::to_string(active)},
                  {"Size", units::HumanSize(static_cast<double>(layers))}, {"Reclaimable", WithPercent(layers - used, layers)}});
  Json containers = Arr(du, "Containers");
  int64_t cactive = 0, size = 0, reclaim = 0;
  for (const auto& c : containers) {
    bool a = ActiveState(c.value("State", ""));
    cactive += a;
    size += I(c, "SizeRw");
    if (!a) reclaim += I(c, "SizeRw");
  }
  rows.push_back({{"Type", "Containers"}, {"TotalCount", std::to_string(containers.size())},
                  {"Active", std::to_string(cactive)}, {"Size", units::HumanSize(static_cast<double>(size))},
                  {"Reclaimable", WithPercent(reclaim, size)}});
  Json volumes = Arr(du, "Volumes");
  int64_t vactive = 0, vsize = 0, vreclaim = 0;
  for (const auto& v : volumes) {
    Json u = v.value("UsageData", Json::object());
    if (I(u, "RefCount") > 0) ++vactive;
    if (I(u, "Size") == -1) continue;
    vsize += I(u, "Size");
    if (I(u, "RefCount") == 0) vreclaim += I(u, "Size");
  }
  rows.push_back({{"Type", "Local Volumes"}, {"TotalCount", std::to_string(volumes.size())},
                  {"Active", std::to_string(vactive)}, {"Size", units::HumanSize(static_cast<double>(vsize))},
                  {"Reclaimable", WithPercent(vreclaim, vsize)}});
  Json cache = Arr(du, "BuildCache");
  int64_t bactive = 0, bsize = 0, in_use = 0;
  for (const auto& b : cache) {
    if (b.value("InUse", false)) ++bactive;
    if (!b.value("Shared", false)) bsize += I(b, "Size");
    if (b.value("InUse", false) && !b.value("Shared", false)) in_use += I(b, "Size");
  }
  rows.push_back({{"Type", "Build Cache"}, {"TotalCount", std::to_string(cache.size())},
                  {"Active", std::to_string(bactive)}, {"Size", units::HumanSize(static_cast<double>(bsize))},
                  {"Reclaimable", units::HumanSize(static_cast<double>(bsize - in_use))}});
  return rows;
}

Result<std::string> Table(const std::string& format, const Json& header, const std::vector<Json>& rows) {
  auto out = format::RenderRows(format::ParseFormat(format), header, rows);
  if (!out.ok()) return Error(Errc::kInvalidArgument, "template parsing error: " + out.error().message() + "\n");
  return out;
}

Result<int> Verbose(const Cli& cli, const Json& du) {
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::string out = "Images space usage:\n\n";
  std::vector<Json> images;
  for (const auto& i : Arr(du, "Images")) {
    std::vector<Json> rows = ImageRows(i, true, false, now);
    Json row = rows.empty() ? Json::object() : rows[0];
    Json tags = Arr(i, "RepoTags");
    std::string repo = "<none>", tag = "<none>";
    if (!tags.empty() && tags[0].is_string() && tags[0].get<std::string>() != "<none>:<none>") {
      auto ref = ParseNormalizedNamed(tags[0].get<std::string>());
      if (ref.ok() && !ref->tag.empty()) {
        repo = ref->FamiliarName();
        tag = ref->tag;
      }
    }
    row["Repository"] = repo;
    row["Tag"] = tag;
    images.push_back(row);
  }
  out += SKIFF_TRY(Table("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.VirtualSize}}\t{{.SharedSize}}\t"
                         "{{.UniqueSize}}\t{{.Containers}}",
                         ImageHeader(), images));
  out += "\nContainers space usage:\n\n";
  std::vector<Json> containers;
  for (Json c : Arr(du, "Containers")) {
    c["SizeRootFs"] = 0;
    containers.push_back(ContainerRow(c, true, now));
  }
  out += SKIFF_TRY(Table("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t"
                         "{{.Status}}\t{{.Names}}",
                         ContainerHeader(), containers));
  out += "\nLocal Volumes space usage:\n\n";
  std::vector<Json> volumes;
  for (const auto& v : Arr(du, "Volumes")) {
    Json u = v.value("UsageData", Json());
    bool have = u.is_object();
    volumes.push_back({{"Name", v.value("Name", "")},
                       {"Links", have ? std::to_string(I(u, "RefCount")) : "N/A"},
                       {"Size", have ? units::HumanSize(static_cast<double>(I(u, "Size"))) : "N/A"}});
  }
  out += SKIFF_TRY(Table("table {{.Name}}\t{{.Links}}\t{{.Size}}",
                         {{"Name", "VOLUME NAME"}, {"Links", "LINKS"}, {"Size", "SIZE"}}, volumes));
  int64_t bsize = 0;
  std::vector<Json> cache;
  for (const auto& b : Arr(du, "BuildCache")) {
    if (!b.value("Shared", false)) bsize += I(b, "Size");
    std::string id = TruncateId(b.value("ID", ""));
    if (b.value("InUse", false)) id += "*";
    auto since = [&](const char* key) -> std::string {
      if (!b.contains(key) || !b[key].is_string()) return "";
      auto ns = ParseRfc3339Nano(b[key].get<std::string>());
      return ns.ok() ? HumanSince(*ns / 1000000000LL, now) : "";
    };
    cache.push_back({{"ID", id},
                     {"CacheType", b.value("Type", "")},
                     {"Size", units::HumanSizeWithPrecision(static_cast<double>(I(b, "Size")), 3)},
                     {"CreatedSince", since("CreatedAt")},
                     {"LastUsedSince", since("LastUsedAt")},
                     {"UsageCount", std::to_string(I(b, "UsageCount"))},
                     {"Shared", b.value("Shared", false) ? "true" : "false"}});
  }
  out += fmt::format("\nBuild cache usage: {}\n\n", units::HumanSize(static_cast<double>(bsize)));
  out += SKIFF_TRY(Table("table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t"
                         "{{.UsageCount}}\t{{.Shared}}",
                         {{"ID", "CACHE ID"}, {"CacheType", "CACHE TYPE"}, {"Size", "SIZE"}, {"CreatedSince", "CREATED"},
                          {"LastUsedSince", "LAST USED"}, {"UsageCount", "USAGE"}, {"Shared", "SHARED"}},
                         cache));
  cli.Out(out);
  return 0;
}

Result<int> Df(Cli& cli, Invocation& inv) {
  std::string fmt_str;
  bool verbose = false;
  inv.flags().String(&fmt_str, "format", "Pretty-print images using a Go template");
  inv.flags().Bool(&verbose, "v,verbose", "Show detailed information on space usage");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  auto du = SKIFF_TRY(cli.api().GetJson("/system/df"));
  if (verbose && (fmt_str.empty() || fmt_str == "table")) return Verbose(cli, du);
  std::string format = fmt_str.empty() || fmt_str == "table"
                           ? "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
                           : fmt_str;
  Json header = {{"Type", "TYPE"}, {"TotalCount", "TOTAL"}, {"Active", "ACTIVE"}, {"Size", "SIZE"},
                 {"Reclaimable", "RECLAIMABLE"}};
  SKIFF_TRY(WriteRows(cli, format, header, SummaryRows(du)));
  return 0;
}

// One prune step: POST path, list the deleted objects under `title`, add the reclaimed space.
Result<std::string> PruneStep(const Cli& cli, const std::string& path, const Query& q, const char* list_key,
                              const char* title, uint64_t* reclaimed) {
  auto report = SKIFF_TRY(cli.api().PostJson(path, q));
  Json list = report.contains(list_key) && report[list_key].is_array() ? report[list_key] : Json::array();
  if (list.empty()) return std::string();
  std::string out = std::string(title) + "\n";
  for (const auto& e : list) {
    if (e.is_string()) {
      out += e.get<std::string>() + "\n";
    } else {
      std::string untagged = e.value("Untagged", "");
      out += untagged.empty() ? "deleted: " + e.value("Deleted", "") + "\n" : "untagged: " + untagged + "\n";
    }
  }
  *reclaimed += report.value("SpaceReclaimed", uint64_t{0});
  return out;
}

Result<int> SystemPrune(Cli& cli, Invocation& inv) {
  bool all = false, force = false, volumes = false;
  std::vector<std::pair<std::string, std::string>> filters;
  inv.flags().Bool(&all, "a,all", "Remove all unused images not just dangling ones");
  inv.flags().Filter(&filters, "filter", "Provide filter values (e.g. 'label=<key>=<value>')");
  inv.flags().Bool(&force, "f,force", "Do not prompt for confirmation");
  inv.flags().Bool(&volumes, "volumes", "Prune volumes");
  auto args = inv.Parse();
  if (!args) return inv.exit_code();
  bool has_until = std::any_of(filters.begin(), filters.end(), [](const auto& f) { return f.first == "until"; });
  if (volumes && has_until) {
    return Error(Errc::kInvalidArgument, "ERROR: The \"until\" filter is not supported with \"--volumes\"");
  }
  if (!force) {
    std::string msg = "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n";
    if (volumes) msg += "  - all volumes not used by at least one container\n";
    msg += all ? "  - all images without at least one container associated to them\n" : "  - all dangling images\n";
    msg += all ? "  - all build cache\n" : "  - all dangling build cache\n";
    std::vector<std::string> shown;
    for (const auto& [k, v] : filters) {
      if (k == "label" || k == "label!" || k == "until") shown.push_back(k + "=" + v);
    }
    std::sort(shown.begin(), shown.end());
    if (!shown.empty()) {
      msg += "\n  Items to be pruned will be filtered with:\n";
      for (const auto& s : shown) msg += "  - " + s + "\n";
    }
    msg += "\nAre you sure you want to continue?";
    if (!PromptForConfirmation(cli, msg)) return 0;
  }
  uint64_t reclaimed = 0;
  auto query = [&](bool dangling) {
    auto f = filters;
    if (dangling) f.emplace_back("dangling", all ? "false" : "true");
    Query q;
    if (!f.empty()) q.Set("filters", FiltersJson(f));
    return q;
  };
  std::vector<std::string> outputs;
  outputs.push_back(SKIFF_TRY(PruneStep(cli, "/containers/prune", query(false), "ContainersDeleted",
                                        "Deleted Containers:", &reclaimed)));
  outputs.push_back(SKIFF_TRY(PruneStep(cli, "/networks/prune", query(false), "NetworksDeleted", "Deleted Networks:",
                                        &reclaimed)));
  if (volumes) {
    outputs.push_back(SKIFF_TRY(PruneStep(cli, "/volumes/prune", query(false), "VolumesDeleted", "Deleted Volumes:",
                                          &reclaimed)));
  }
  outputs.push_back(SKIFF_TRY(PruneStep(cli, "/images/prune", query(true), "ImagesDeleted", "Deleted Images:",
                                        &reclaimed)));
  Query bq = query(false);
  if (all) bq.Set("all", "1");
  outputs.push_back(SKIFF_TRY(PruneStep(cli, "/build/prune", bq, "CachesDeleted", "Deleted build cache objects:",
                                        &reclaimed)));
  for (const auto& o : outputs) {
    if (!o.empty()) cli.Out(o + "\n");
  }
  cli.Out("Total reclaimed space: " + units::HumanSize(static_cast<double>(reclaimed)) + "\n");
  return 0;
}

}  // namespace

void RegisterDiskCommands() {
  auto& c = Commands();
  c.push_back({"system", "df", {}, "", "[OPTIONS]", "Show skiff disk usage", NoArgs(), true, Df});
  c.push_back({"system", "prune", {}, "", "[OPTIONS]", "Remove unused data", NoArgs(), true, SystemPrune});
}

}  // namespace skiff::cli

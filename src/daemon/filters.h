// Docker's API filters (?filters={"status":["running"],"label":["a=b"]}), parsed once and matched by the
// list/prune/events code. Both JSON shapes Docker accepts are read: {"key":["v1","v2"]} and the map form
// {"key":{"v1":true}}. A plain value type.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/json.h"

namespace skiff::daemon {

class Filters {
 public:
  // `raw` is the query value ("" or null = no filters). Keys outside `allowed` are InvalidArgument
  // "Invalid filter 'x'" (Docker's wording).
  static Result<Filters> Parse(const Json& raw, const std::set<std::string>& allowed);
  static Result<Filters> ParseText(std::string_view raw, const std::set<std::string>& allowed);
  // Any key accepted (events: Docker ignores filters it does not know).
  static Result<Filters> ParseTextAnyKey(std::string_view raw);

  bool empty() const { return m_.empty(); }
  bool Has(std::string_view key) const { return m_.find(std::string(key)) != m_.end(); }
  std::vector<std::string> Values(std::string_view key) const;
  // True when key is absent, or one of its values equals v.
  bool MatchExact(std::string_view key, std::string_view v) const;
  // Labels: each "k" or "k=v" value of key (default "label") must match; "label!=" form for key "label!".
  bool MatchLabels(const std::map<std::string, std::string>& labels, std::string_view key = "label") const;
  // Docker's "until"/"since" style values: a duration ("10m", "1h30m") or a timestamp -> unix ns.
  static Result<int64_t> ParseTimeFilter(std::string_view v, int64_t now_ns);

 private:
  std::map<std::string, std::vector<std::string>> m_;
};

// Labels from a Json object of strings (missing/null -> empty).
std::map<std::string, std::string> LabelsOf(const Json& labels);

}  // namespace skiff::daemon

#include "daemon/filters.h"

#include <cmath>

#include "daemon/container.h"
#include "image/model.h"

namespace skiff::daemon {

Result<Filters> Filters::Parse(const Json& raw, const std::set<std::string>& allowed) {
  Filters f;
  if (raw.is_null()) return f;
  if (!raw.is_object()) return Error(Errc::kInvalidArgument, "invalid filter: expected a JSON object");
  for (auto& [k, v] : raw.items()) {
    if (!allowed.count(k)) return Error(Errc::kInvalidArgument, "Invalid filter '" + k + "'");
    auto& out = f.m_[k];
    if (v.is_array()) {
      for (auto& e : v) {
        if (!e.is_string()) return Error(Errc::kInvalidArgument, "invalid filter '" + k + "': values must be strings");
        out.push_back(e.get<std::string>());
      }
    } else if (v.is_object()) {
      for (auto& [val, on] : v.items()) {
        if (!on.is_boolean() || on.get<bool>()) out.push_back(val);
      }
    } else if (v.is_string()) {
      out.push_back(v.get<std::string>());
    } else {
      return Error(Errc::kInvalidArgument, "invalid filter '" + k + "'");
    }
  }
  return f;
}

Result<Filters> Filters::ParseText(std::string_view raw, const std::set<std::string>& allowed) {
  if (raw.empty()) return Filters();
  auto j = ParseJson(raw, "filters");
  if (!j.ok()) return Error(Errc::kInvalidArgument, "invalid filters: " + j.error().message());
  return Parse(*j, allowed);
}

Result<Filters> Filters::ParseTextAnyKey(std::string_view raw) {
  if (raw.empty()) return Filters();
  auto j = ParseJson(raw, "filters");
  if (!j.ok()) return Error(Errc::kInvalidArgument, "invalid filters: " + j.error().message());
  std::set<std::string> keys;
  if (j->is_object()) {
    for (auto& [k, v] : j->items()) keys.insert(k);
  }
  return Parse(*j, keys);
}

std::vector<std::string> Filters::Values(std::string_view key) const {
  auto it = m_.find(std::string(key));
  return it == m_.end() ? std::vector<std::string>{} : it->second;
}

bool Filters::MatchExact(std::string_view key, std::string_view v) const {
  auto it = m_.find(std::string(key));
  if (it == m_.end()) return true;
  for (auto& x : it->second) {
    if (x == v) return true;
  }
  return false;
}

bool Filters::MatchLabels(const std::map<std::string, std::string>& labels, std::string_view key) const {
  auto it = m_.find(std::string(key));
  if (it == m_.end()) return true;
  bool negate = key.ends_with("!");
  for (auto& want : it->second) {
    size_t eq = want.find('=');
    bool has;
    if (eq == std::string::npos) {
      has = labels.count(want) > 0;
    } else {
      auto l = labels.find(want.substr(0, eq));
      has = l != labels.end() && l->second == want.substr(eq + 1);
    }
    if (has == negate) return false;
  }
  return true;
}

Result<int64_t> Filters::ParseTimeFilter(std::string_view v, int64_t now_ns) {
  // A Go duration ("10m", "1h30m", "45s") counts back from now.
  auto duration = [](std::string_view s) -> std::optional<int64_t> {
    if (s.empty()) return std::nullopt;
    double total = 0;
    size_t i = 0;
    while (i < s.size()) {
      size_t j = i;
      while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.')) ++j;
      if (j == i) return std::nullopt;
      double n = std::stod(std::string(s.substr(i, j - i)));
      size_t k = j;
      while (k < s.size() && !((s[k] >= '0' && s[k] <= '9') || s[k] == '.')) ++k;
      std::string_view unit = s.substr(j, k - j);
      double mul;
      if (unit == "ns") mul = 1;
      else if (unit == "us" || unit == "µs") mul = 1e3;
      else if (unit == "ms") mul = 1e6;
      else if (unit == "s") mul = 1e9;
      else if (unit == "m") mul = 60e9;
      else if (unit == "h") mul = 3600e9;
      else return std::nullopt;
      total += n * mul;
      i = k;
    }
    return static_cast<int64_t>(total);
  };
  if (auto d = duration(v)) return now_ns - *d;
  // Unix seconds with an optional fraction.
  bool numeric = !v.empty();
  for (char c : v) numeric = numeric && ((c >= '0' && c <= '9') || c == '.');
  if (numeric) {
    size_t dot = v.find('.');
    int64_t sec = std::stoll(std::string(v.substr(0, dot)));
    int64_t frac = 0;
    if (dot != std::string_view::npos) {
      std::string f(v.substr(dot + 1));
      f.resize(9, '0');
      frac = std::stoll(f);
    }
    return sec * 1000000000 + frac;
  }
  int64_t ns = ParseTimeNs(v);
  if (ns == 0) {
    // Dates without a time ("2006-01-02"), as Docker accepts.
    if (v.size() == 10) ns = ParseTimeNs(std::string(v) + "T00:00:00Z");
  }
  if (ns == 0) return Error(Errc::kInvalidArgument, "invalid time value \"" + std::string(v) + "\"");
  return ns;
}

std::map<std::string, std::string> LabelsOf(const Json& labels) {
  std::map<std::string, std::string> out;
  if (!labels.is_object()) return out;
  for (auto& [k, v] : labels.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

}  // namespace skiff::daemon

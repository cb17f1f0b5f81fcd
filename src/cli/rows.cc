#include "cli/rows.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>

#include <fmt/format.h>

#include "base/strings.h"
#include "base/units.h"
#include "cli/reference.h"

namespace skiff::cli {
namespace {

std::string Str(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  return j[key].get<std::string>();
}

int64_t Int(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return 0;
  return j[key].get<int64_t>();
}

// Decodes one UTF-8 sequence starting at s[i]; returns the code point and advances i (bad bytes: U+FFFD).
uint32_t NextRune(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + static_cast<size_t>(len) > s.size()) {
    ++i;
    return 0xFFFD;
  }
  uint32_t r = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((cc >> 6) != 2) {
      ++i;
      return 0xFFFD;
    }
    r = (r << 6) | (cc & 0x3F);
  }
  i += static_cast<size_t>(len);
  return r;
}

// go-runewidth's RuneWidth, reduced to what matters for terminals: wide East Asian ranges count 2,
// combining marks and controls 0.
int RuneWidth(uint32_t r) {
  if (r == 0 || r < 32 || (r >= 0x7f && r < 0xa0)) return 0;
  if ((r >= 0x0300 && r <= 0x036F) || (r >= 0x200B && r <= 0x200F)) return 0;
  if ((r >= 0x1100 && r <= 0x115F) || (r >= 0x2E80 && r <= 0xA4CF) || (r >= 0xAC00 && r <= 0xD7A3) ||
      (r >= 0xF900 && r <= 0xFAFF) || (r >= 0xFE30 && r <= 0xFE4F) || (r >= 0xFF00 && r <= 0xFF60) ||
      (r >= 0xFFE0 && r <= 0xFFE6) || (r >= 0x1F300 && r <= 0x1F64F) || (r >= 0x1F900 && r <= 0x1F9FF) ||
      (r >= 0x20000 && r <= 0x3FFFD)) {
    return 2;
  }
  return 1;
}

void AppendRune(std::string& out, uint32_t r) {
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

bool IsPrintRune(uint32_t r) {
  if (r < 0x20 || r == 0x7f) return false;
  if (r >= 0x80 && r < 0xa0) return false;
  if (r == 0xad) return false;
  if (r == 0xFFFD) return true;
  if (r >= 0xD800 && r <= 0xDFFF) return false;
  if (r == 0x2028 || r == 0x2029 || (r >= 0x200B && r <= 0x200F) || r == 0xFEFF) return false;
  return r <= 0x10FFFF;
}

}  // namespace

std::string TruncateId(std::string_view id) {
  auto colon = id.find(':');
  if (colon != std::string_view::npos) id.remove_prefix(colon + 1);
  return std::string(id.substr(0, 12));
}

std::string GoStrconvQuote(std::string_view s) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    uint32_t r = NextRune(s, i);
    bool bad = r == 0xFFFD && !(i - start == 3 && s.substr(start, 3) == "\xEF\xBF\xBD");
    if (bad) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[start]));
      continue;
    }
    if (r == '"' || r == '\\') {
      out += '\\';
      out += static_cast<char>(r);
      continue;
    }
    if (IsPrintRune(r)) {
      out.append(s.substr(start, i - start));
      continue;
    }
    switch (r) {
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (r < ' ' || r == 0x7f) out += fmt::format("\\x{:02x}", r);
        else if (r < 0x10000) out += fmt::format("\\u{:04x}", r);
        else out += fmt::format("\\U{:08x}", r);
    }
  }
  return out + "\"";
}

std::string Ellipsis(std::string_view s, int max_width) {
  if (max_width <= 0) return "";
  std::vector<uint32_t> runes;
  for (size_t i = 0; i < s.size();) runes.push_back(NextRune(s, i));
  if (max_width == 1) {
    std::string out;
    if (!runes.empty()) AppendRune(out, runes[0]);
    return out;
  }
  auto build = [&](size_t n) {
    std::string out;
    for (size_t k = 0; k < n; ++k) AppendRune(out, runes[k]);
    return out + "\xE2\x80\xA6";
  };
  if (s.size() == runes.size()) {
    if (static_cast<int>(s.size()) <= max_width) return std::string(s);
    return build(static_cast<size_t>(max_width - 1));
  }
  std::vector<int> display;
  int width = 0;
  for (uint32_t r : runes) {
    width += RuneWidth(r);
    display.push_back(width);
  }
  if (width <= max_width) return std::string(s);
  for (size_t k = 0; k + 1 < display.size(); ++k) {
    if (display[k] <= max_width - 1 && display[k + 1] > max_width - 1) return build(k + 1);
  }
  return std::string(s);
}

std::string GoTimeString(int64_t unix_sec) {
  std::time_t t = static_cast<std::time_t>(unix_sec);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z %Z", &tm);
  return buf;
}

std::string HumanSince(int64_t unix_sec, int64_t now_unix) {
  return units::HumanDuration(std::chrono::seconds(now_unix - unix_sec)) + " ago";
}

std::string JoinHostPort(std::string_view host, std::string_view port) {
  if (host.find(':') != std::string_view::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::string DisplayablePorts(const Json& ports_json) {
  struct Port {
    std::string ip;
    int priv = 0, pub = 0;
    std::string type;
  };
  std::vector<Port> ports;
  if (ports_json.is_array()) {
    for (const auto& p : ports_json) {
      ports.push_back({Str(p, "IP"), static_cast<int>(Int(p, "PrivatePort")), static_cast<int>(Int(p, "PublicPort")),
                       Str(p, "Type")});
    }
  }
  std::stable_sort(ports.begin(), ports.end(), [](const Port& a, const Port& b) {
    if (a.priv != b.priv) return a.priv < b.priv;
    if (a.ip != b.ip) return a.ip < b.ip;
    if (a.pub != b.pub) return a.pub < b.pub;
    return a.type < b.type;
  });
  struct Group {
    int first, last;
  };
  std::map<std::string, Group> groups;
  std::vector<std::string> keys, result, host_mappings;
  auto form = [](const std::string& key, int start, int last) {
    auto parts = Split(key, '/');
    std::string type = parts[0], ip;
    if (parts.size() > 1) {
      ip = parts[0];
      type = parts[1];
    }
    std::string g = std::to_string(start);
    if (start != last) g = fmt::format("{}-{}", g, last);
    if (!ip.empty()) g = fmt::format("{}:{}->{}", ip, g, g);
    return fmt::format("{}/{}", g, type);
  };
  for (const auto& p : ports) {
    std::string key = p.type;
    if (!p.ip.empty()) {
      if (p.pub != p.priv) {
        host_mappings.push_back(fmt::format("{}->{}/{}", JoinHostPort(p.ip, std::to_string(p.pub)), p.priv, p.type));
        continue;
      }
      key = p.ip + "/" + p.type;
    }
    auto it = groups.find(key);
    if (it == groups.end()) {
      groups[key] = {p.priv, p.priv};
      keys.push_back(key);
      continue;
    }
    if (p.priv == it->second.last + 1) {
      it->second.last = p.priv;
      continue;
    }
    result.push_back(form(key, it->second.first, it->second.last));
    it->second = {p.priv, p.priv};
  }
  for (const auto& k : keys) result.push_back(form(k, groups[k].first, groups[k].last));
  result.insert(result.end(), host_mappings.begin(), host_mappings.end());
  return Join(result, ", ");
}

Json ContainerHeader() {
  return Json{{"ID", "CONTAINER ID"}, {"Image", "IMAGE"},        {"Command", "COMMAND"},
              {"CreatedAt", "CREATED AT"}, {"RunningFor", "CREATED"}, {"Ports", "PORTS"},
              {"State", "STATE"},      {"Status", "STATUS"},     {"Size", "SIZE"},
              {"Names", "NAMES"},      {"Labels", "LABELS"},     {"Mounts", "MOUNTS"},
              {"LocalVolumes", "LOCAL VOLUMES"}, {"Networks", "NETWORKS"}};
}

Json ContainerRow(const Json& c, bool trunc, int64_t now_unix) {
  Json row = Json::object();
  std::string id = Str(c, "Id");
  row["ID"] = trunc ? TruncateId(id) : id;

  std::vector<std::string> names;
  if (c.contains("Names") && c["Names"].is_array()) {
    for (const auto& n : c["Names"]) {
      std::string s = n.is_string() ? n.get<std::string>() : "";
      if (!s.empty() && s[0] == '/') s = s.substr(1);
      names.push_back(s);
    }
  }
  if (trunc) {
    for (const auto& n : names) {
      if (n.find('/') == std::string::npos) {
        names = {n};
        break;
      }
    }
  }
  row["Names"] = Join(names, ",");

  std::string image = Str(c, "Image");
  std::string image_field = image;
  if (image.empty()) {
    image_field = "<no image>";
  } else if (trunc) {
    if (TruncateId(Str(c, "ImageID")) == TruncateId(image)) {
      image_field = TruncateId(image);
    } else if (auto ref = ParseNormalizedNamed(image); ref.ok()) {
      ImageRef r = *ref;
      r.digest.clear();
      image_field = r.FamiliarString();
    }
  }
  row["Image"] = image_field;

  std::string command = Str(c, "Command");
  row["Command"] = GoStrconvQuote(trunc ? Ellipsis(command, 20) : command);
  int64_t created = Int(c, "Created");
  row["CreatedAt"] = GoTimeString(created);
  row["RunningFor"] = HumanSince(created, now_unix);
  row["Ports"] = DisplayablePorts(c.contains("Ports") ? c["Ports"] : Json());
  row["State"] = Str(c, "State");
  row["Status"] = Str(c, "Status");
  std::string srw = units::HumanSizeWithPrecision(static_cast<double>(Int(c, "SizeRw")), 3);
  int64_t rootfs = Int(c, "SizeRootFs");
  row["Size"] = rootfs > 0 ? fmt::format("{} (virtual {})", srw,
                                         units::HumanSizeWithPrecision(static_cast<double>(rootfs), 3))
                           : srw;
  std::vector<std::string> labels;
  if (c.contains("Labels") && c["Labels"].is_object()) {
    for (const auto& [k, v] : c["Labels"].items()) labels.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : ""));
  }
  row["Labels"] = Join(labels, ",");
  std::vector<std::string> mounts;
  int local = 0;
  if (c.contains("Mounts") && c["Mounts"].is_array()) {
    for (const auto& m : c["Mounts"]) {
      std::string name = Str(m, "Name");
      if (name.empty()) name = Str(m, "Source");
      mounts.push_back(trunc ? Ellipsis(name, 15) : name);
      if (Str(m, "Driver") == "local") ++local;
    }
  }
  row["Mounts"] = Join(mounts, ",");
  row["LocalVolumes"] = std::to_string(local);
  std::vector<std::string> nets;
  if (c.contains("NetworkSettings") && c["NetworkSettings"].is_object() &&
      c["NetworkSettings"].contains("Networks") && c["NetworkSettings"]["Networks"].is_object()) {
    for (const auto& [k, v] : c["NetworkSettings"]["Networks"].items()) nets.push_back(k);
  }
  std::sort(nets.begin(), nets.end());
  row["Networks"] = Join(nets, ",");
  return row;
}

Json ImageHeader() {
  return Json{{"ID", "IMAGE ID"},          {"Repository", "REPOSITORY"}, {"Tag", "TAG"},
              {"Digest", "DIGEST"},        {"CreatedSince", "CREATED"},  {"CreatedAt", "CREATED AT"},
              {"Size", "SIZE"},            {"Containers", "CONTAINERS"}, {"VirtualSize", "SIZE"},
              {"SharedSize", "SHARED SIZE"}, {"UniqueSize", "UNIQUE SIZE"}};
}

std::vector<Json> ImageRows(const Json& img, bool trunc, bool digests, int64_t now_unix) {
  auto make = [&](const std::string& repo, const std::string& tag, const std::string& digest) {
    Json row = Json::object();
    std::string id = Str(img, "Id");
    row["ID"] = trunc ? TruncateId(id) : id;
    row["Repository"] = repo;
    row["Tag"] = tag;
    row["Digest"] = digest;
    int64_t created = Int(img, "Created");
    row["CreatedSince"] = HumanSince(created, now_unix);
    row["CreatedAt"] = GoTimeString(created);
    row["Size"] = units::HumanSizeWithPrecision(static_cast<double>(Int(img, "Size")), 3);
    int64_t containers = img.contains("Containers") ? Int(img, "Containers") : -1;
    row["Containers"] = containers == -1 ? "N/A" : std::to_string(containers);
    int64_t virt = img.contains("VirtualSize") ? Int(img, "VirtualSize") : Int(img, "Size");
    int64_t shared = img.contains("SharedSize") ? Int(img, "SharedSize") : -1;
    row["VirtualSize"] = units::HumanSize(static_cast<double>(virt));
    row["SharedSize"] = shared == -1 ? "N/A" : units::HumanSize(static_cast<double>(shared));
    row["UniqueSize"] = (virt == -1 || shared == -1) ? "N/A" : units::HumanSize(static_cast<double>(virt - shared));
    return row;
  };
  std::vector<std::string> tags_in, digests_in;
  if (img.contains("RepoTags") && img["RepoTags"].is_array()) {
    for (const auto& t : img["RepoTags"]) {
      if (t.is_string()) tags_in.push_back(t.get<std::string>());
    }
  }
  if (img.contains("RepoDigests") && img["RepoDigests"].is_array()) {
    for (const auto& d : img["RepoDigests"]) {
      if (d.is_string()) digests_in.push_back(d.get<std::string>());
    }
  }
  bool dangling = (tags_in.empty() && digests_in.empty()) ||
                  (tags_in.size() == 1 && tags_in[0] == "<none>:<none>" && digests_in.size() == 1 &&
                   digests_in[0] == "<none>@<none>");
  if (dangling) return {make("<none>", "<none>", "<none>")};
  std::map<std::string, std::vector<std::string>> repo_tags, repo_digests;
  std::vector<std::string> repo_order;
  for (const auto& t : tags_in) {
    auto ref = ParseNormalizedNamed(t);
    if (!ref.ok() || ref->tag.empty()) continue;
    std::string name = ref->FamiliarName();
    if (!repo_tags.count(name)) repo_order.push_back(name);
    repo_tags[name].push_back(ref->tag);
  }
  for (const auto& d : digests_in) {
    auto ref = ParseNormalizedNamed(d);
    if (!ref.ok() || ref->digest.empty()) continue;
    repo_digests[ref->FamiliarName()].push_back(ref->digest);
  }
  std::vector<Json> rows;
  for (const auto& repo : repo_order) {
    std::vector<std::string> ds = repo_digests[repo];
    repo_digests.erase(repo);
    if (!digests) ds.clear();
    for (const auto& tag : repo_tags[repo]) {
      if (ds.empty()) {
        rows.push_back(make(repo, tag, "<none>"));
        continue;
      }
      for (const auto& d : ds) rows.push_back(make(repo, tag, d));
    }
  }
  for (const auto& [repo, ds] : repo_digests) {
    if (digests) {
      for (const auto& d : ds) rows.push_back(make(repo, "<none>", d));
    } else {
      rows.push_back(make(repo, "<none>", ""));
    }
  }
  return rows;
}

Json HistoryHeader() {
  return Json{{"ID", "IMAGE"},       {"CreatedSince", "CREATED"}, {"CreatedAt", "CREATED AT"},
              {"CreatedBy", "CREATED BY"}, {"Size", "SIZE"},          {"Comment", "COMMENT"}};
}

Json HistoryRow(const Json& h, bool trunc, bool human, int64_t now_unix) {
  Json row = Json::object();
  std::string id = Str(h, "Id");
  row["ID"] = trunc ? TruncateId(id) : id;
  int64_t created = Int(h, "Created");
  std::time_t t = static_cast<std::time_t>(created);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  long off = tm.tm_gmtoff;
  std::string zone = off == 0 ? "Z" : fmt::format("{}{:02d}:{:02d}", off < 0 ? '-' : '+', std::abs(off) / 3600,
                                                  (std::abs(off) % 3600) / 60);
  row["CreatedAt"] = std::string(buf) + zone;
  row["CreatedSince"] = human ? HumanSince(created, now_unix) : row["CreatedAt"].get<std::string>();
  std::string by = Str(h, "CreatedBy");
  std::replace(by.begin(), by.end(), '\t', ' ');
  row["CreatedBy"] = trunc ? Ellipsis(by, 45) : by;
  int64_t size = Int(h, "Size");
  row["Size"] = human ? units::HumanSizeWithPrecision(static_cast<double>(size), 3) : std::to_string(size);
  row["Comment"] = Str(h, "Comment");
  return row;
}

Json SearchHeader() {
  return Json{{"Name", "NAME"}, {"Description", "DESCRIPTION"}, {"StarCount", "STARS"}, {"IsOfficial", "OFFICIAL"},
              {"IsAutomated", "AUTOMATED"}};
}

Json SearchRow(const Json& r, bool trunc, bool as_json) {
  auto flag = [&](const char* key) -> std::string {
    bool on = r.contains(key) && r[key].is_boolean() && r[key].get<bool>();
    if (as_json) return on ? "true" : "false";
    return on ? "[OK]" : "";
  };
  std::string desc = r.contains("description") && r["description"].is_string() ? r["description"].get<std::string>() : "";
  for (char& c : desc) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (trunc) desc = Ellipsis(desc, 45);
  int64_t stars = r.contains("star_count") && r["star_count"].is_number() ? r["star_count"].get<int64_t>() : 0;
  return Json{{"Name", r.contains("name") && r["name"].is_string() ? r["name"].get<std::string>() : ""},
              {"Description", desc},
              {"StarCount", std::to_string(stars)},
              {"IsOfficial", flag("is_official")},
              {"IsAutomated", flag("is_automated")}};
}

std::vector<Json> SearchRows(const Json& results, bool trunc, bool as_json) {
  std::vector<Json> sorted;
  if (results.is_array()) sorted.assign(results.begin(), results.end());
  auto stars = [](const Json& r) {
    return r.is_object() && r.contains("star_count") && r["star_count"].is_number() ? r["star_count"].get<int64_t>() : 0;
  };
  std::stable_sort(sorted.begin(), sorted.end(), [&](const Json& a, const Json& b) { return stars(b) < stars(a); });
  std::vector<Json> rows;
  for (const auto& r : sorted) rows.push_back(SearchRow(r, trunc, as_json));
  return rows;
}

}  // namespace skiff::cli

#include "server/router.h"

#include <algorithm>
#include <tuple>

#include "base/strings.h"
#include "server/errors.h"

namespace skiff::server {

namespace {

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "v1.41" -> "1.41"; nullopt when seg is not a version prefix.
std::optional<std::string> VersionPrefix(std::string_view seg) {
  if (seg.size() < 2 || seg[0] != 'v') return std::nullopt;
  seg.remove_prefix(1);
  bool dot = false, digit = false;
  for (char c : seg) {
    if (c == '.') {
      if (dot || !digit) return std::nullopt;
      dot = true;
      digit = false;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  return std::string(seg);
}

}  // namespace

Result<std::string> UrlDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      int hi = -1, lo = -1;
      if (i + 2 < s.size()) {
        hi = HexVal(s[i + 1]);
        lo = HexVal(s[i + 2]);
      }
      if (hi < 0 || lo < 0) {
        return Error(Errc::kInvalidArgument, "invalid URL escape \"" + std::string(s.substr(i, 3)) + "\"");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

int CompareApiVersions(std::string_view a, std::string_view b) {
  auto pa = Split(a, '.'), pb = Split(b, '.');
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    int64_t x = i < pa.size() ? ParseInt(pa[i]).value_or(0) : 0;
    int64_t y = i < pb.size() ? ParseInt(pb[i]).value_or(0) : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

void Router::Add(std::string method, std::string_view pattern, Handler handler) {
  Route r;
  r.method = std::move(method);
  r.handler = std::move(handler);
  for (auto& part : Split(pattern, '/')) {
    if (part.empty()) continue;
    Segment s;
    if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
      std::string inner = part.substr(1, part.size() - 2);
      auto colon = inner.find(':');
      if (colon != std::string::npos) {
        // Only the greedy form is supported: {name:.*} (any regex after ':' is taken as greedy).
        s = {Segment::kGreedy, inner.substr(0, colon)};
        r.greedy = static_cast<int>(r.segments.size());
      } else {
        s = {Segment::kParam, inner};
      }
    } else {
      s = {Segment::kLiteral, part};
      ++r.literals;
    }
    r.segments.push_back(std::move(s));
  }
  routes_.push_back(std::move(r));
}

bool Router::Match(const Route& r, const std::vector<std::string>& segs,
                   std::map<std::string, std::string, std::less<>>* params) {
  auto match_one = [&](const Segment& s, const std::string& v) {
    if (s.kind == Segment::kLiteral) return s.text == v;
    if (v.empty()) return false;
    (*params)[s.text] = v;
    return true;
  };
  params->clear();
  const size_t n = r.segments.size();
  if (r.greedy < 0) {
    if (segs.size() != n) return false;
    for (size_t i = 0; i < n; ++i)
      if (!match_one(r.segments[i], segs[i])) return false;
    return true;
  }
  const size_t g = static_cast<size_t>(r.greedy), after = n - g - 1;
  if (segs.size() < n) return false;  // the greedy part takes at least one segment
  for (size_t i = 0; i < g; ++i)
    if (!match_one(r.segments[i], segs[i])) return false;
  for (size_t i = 0; i < after; ++i)
    if (!match_one(r.segments[g + 1 + i], segs[segs.size() - after + i])) return false;
  std::vector<std::string> mid(segs.begin() + g, segs.end() - after);
  std::string joined = Join(mid, "/");
  if (joined.empty()) return false;
  (*params)[r.segments[g].text] = std::move(joined);
  return true;
}

Status Router::Dispatch(Request& req, Response& res) const {
  std::string_view target = req.target;
  // absolute-form ("http://host/path") -> origin-form
  if (auto p = target.find("://"); !target.empty() && target[0] != '/' && p != std::string_view::npos) {
    auto slash = target.find('/', p + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  std::string_view raw_path = target, raw_query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    raw_path = target.substr(0, q);
    raw_query = target.substr(q + 1);
  }
  if (raw_path.empty() || raw_path[0] != '/') {
    return res.WriteError(Error(Errc::kInvalidArgument, "invalid request target"));
  }
  req.query = Query::Parse(raw_query);

  auto raw_segs = Split(raw_path.substr(1), '/');
  if (!raw_segs.empty() && raw_segs.back().empty()) raw_segs.pop_back();  // trailing slash
  req.api_version = std::string(kApiVersion);
  if (!raw_segs.empty()) {
    if (auto v = VersionPrefix(raw_segs.front())) {
      raw_segs.erase(raw_segs.begin());
      if (CompareApiVersions(*v, kApiVersion) > 0) {
        return res.WriteError(Error(Errc::kInvalidArgument,
                                    "client version " + *v + " is too new. Maximum supported API version is " +
                                        std::string(kApiVersion)));
      }
      if (CompareApiVersions(*v, kMinApiVersion) < 0) {
        return res.WriteError(Error(Errc::kInvalidArgument,
                                    "client version " + *v + " is too old. Minimum supported API version is " +
                                        std::string(kMinApiVersion) +
                                        ", please upgrade your client to a newer version"));
      }
      req.api_version = *v;
    }
  }
  std::vector<std::string> segs;
  segs.reserve(raw_segs.size());
  for (auto& s : raw_segs) {
    auto d = UrlDecode(s, false);
    if (!d.ok()) return res.WriteError(d.error());
    segs.push_back(std::move(*d));
  }
  req.path = "/" + Join(segs, "/");

  // Best match for the method (HEAD falls back to GET); remember whether any method matched the path.
  using Rank = std::tuple<int, int, int>;  // (not greedy, literals, -index): larger is better
  const Route* best = nullptr;
  bool best_is_head_fallback = true;
  Rank best_rank{};
  std::vector<std::string> allowed;
  std::map<std::string, std::string, std::less<>> params, best_params;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (!Match(r, segs, &params)) continue;
    if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end()) allowed.push_back(r.method);
    bool exact = r.method == req.method;
    bool head_fallback = req.method == "HEAD" && r.method == "GET";
    if (!exact && !head_fallback) continue;
    Rank rank{r.greedy < 0 ? 1 : 0, r.literals, -static_cast<int>(i)};
    // An exact method beats a HEAD->GET fallback.
    if (!best || (best_is_head_fallback && exact) || (best_is_head_fallback == !exact && rank > best_rank)) {
      best = &r;
      best_rank = rank;
      best_is_head_fallback = !exact;
      best_params = params;
    }
  }
  if (!best) {
    if (allowed.empty()) {
      return res.WriteJson(404, ErrorJson("page not found"));
    }
    res.SetHeader("Allow", Join(allowed, ", "));
    return res.WriteJson(405, ErrorJson("method " + req.method + " not allowed for " + req.path));
  }
  req.params = std::move(best_params);
  Status st;
  try {
    st = best->handler(req, res);
  } catch (const std::exception& e) {
    st = Error(Errc::kInternal, std::string("handler exception: ") + e.what());
  }
  if (!st.ok() && !res.started()) return res.WriteError(st.error());
  return st;
}

}  // namespace skiff::server

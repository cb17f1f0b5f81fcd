// Request routing: method + path pattern, Docker's "/vX.Y" API version prefix, query decoding.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/handler.h"

namespace skiff::server {

inline constexpr std::string_view kApiVersion = "1.41";     // the newest version served, and the default
inline constexpr std::string_view kMinApiVersion = "1.12";  // dockerd's minimum

// Percent-decoding; plus_is_space for query components. InvalidArgument on a malformed escape.
Result<std::string> UrlDecode(std::string_view s, bool plus_is_space);
// "1.41" < "1.5"? No: versions compare numerically per component (1.5 < 1.41). Returns <0, 0, >0.
int CompareApiVersions(std::string_view a, std::string_view b);

class Router {
 public:
  // pattern: segments separated by '/', each a literal, "{name}" (one non-empty segment) or "{name:.*}"
  // (one or more segments, slashes included: image names; at most one per pattern). The best match wins:
  // patterns without a greedy parameter first, then those with more literal segments, then the earliest
  // added. Requests are matched on the decoded path with any "/vX.Y" prefix removed.
  void Add(std::string method, std::string_view pattern, Handler handler);
  void Get(std::string_view p, Handler h) { Add("GET", p, std::move(h)); }
  void Head(std::string_view p, Handler h) { Add("HEAD", p, std::move(h)); }
  void Post(std::string_view p, Handler h) { Add("POST", p, std::move(h)); }
  void Put(std::string_view p, Handler h) { Add("PUT", p, std::move(h)); }
  void Delete(std::string_view p, Handler h) { Add("DELETE", p, std::move(h)); }

  // Fills req.path, req.api_version, req.query and req.params from req.method and req.target, then runs
  // the matching handler. Answers itself: 400 for a bad target or an unsupported API version, 404
  // {"message":"page not found"} for unknown paths, 405 for a known path with another method. HEAD falls
  // back to a GET route (the server sends no body for HEAD). A handler's Error is answered here when the
  // response has not started; otherwise it is returned for the caller to log (and close the connection).
  Status Dispatch(Request& req, Response& res) const;

 private:
  struct Segment {
    enum Kind { kLiteral, kParam, kGreedy } kind;
    std::string text;  // literal text or parameter name
  };
  struct Route {
    std::string method;
    std::vector<Segment> segments;
    Handler handler;
    int greedy = -1;  // index of the greedy segment
    int literals = 0;
  };
  static bool Match(const Route& r, const std::vector<std::string>& segs,
                    std::map<std::string, std::string, std::less<>>* params);

  std::vector<Route> routes_;
};

}  // namespace skiff::server

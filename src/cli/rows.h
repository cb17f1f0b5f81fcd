// Docker's formatter "contexts" as JSON rows: for each listed object (container, image, history entry, ...)
// the object with one string field per formatter method (ID, Image, Command, RunningFor, ...) as docker's
// cli/command/formatter computes them (truncation, quoting, human sizes and durations, port groups), plus
// the header texts and default table formats. Rows feed format::RenderRows. Pure functions; `now` is passed
// in so results are reproducible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"

namespace skiff::cli {

// stringid.TruncateID: drops an "algo:" prefix, keeps 12 characters.
std::string TruncateId(std::string_view id);
// Go's strconv.Quote.
std::string GoStrconvQuote(std::string_view s);
// docker's formatter.Ellipsis (display width in runes, "…" as the last one).
std::string Ellipsis(std::string_view s, int max_width);
// Go's time.Unix(sec, 0).String() in the local zone: "2026-12-01 07:25:06 +0000 UTC".
std::string GoTimeString(int64_t unix_sec);
// units.HumanDuration(now - t) + " ago".
std::string HumanSince(int64_t unix_sec, int64_t now_unix);
// net.JoinHostPort.
std::string JoinHostPort(std::string_view host, std::string_view port);
// formatter.DisplayablePorts over the API's Ports array ([{IP, PrivatePort, PublicPort, Type}]).
std::string DisplayablePorts(const Json& ports);

inline constexpr std::string_view kContainerTableFormat =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
Json ContainerHeader();
// One GET /containers/json element -> its formatter fields.
Json ContainerRow(const Json& c, bool trunc, int64_t now_unix);

inline constexpr std::string_view kImageTableFormat =
    "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
inline constexpr std::string_view kImageTableFormatWithDigest =
    "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
Json ImageHeader();
// One GET /images/json element -> one row per repository:tag (and digest), as docker's imageFormat.
std::vector<Json> ImageRows(const Json& img, bool trunc, bool digests, int64_t now_unix);

inline constexpr std::string_view kHistoryTableFormat =
    "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
Json HistoryHeader();
Json HistoryRow(const Json& h, bool trunc, bool human, int64_t now_unix);

inline constexpr std::string_view kSearchTableFormat =
    "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}\t{{.IsAutomated}}";
Json SearchHeader();
// One GET /images/search result (registry.SearchResult) -> docker's searchContext: the description on one
// line, cut to 45 columns with "…" when trunc; the booleans "[OK]"/"" ("true"/"false" when as_json, as its
// MarshalJSON prints them).
Json SearchRow(const Json& r, bool trunc, bool as_json);
// The rows of a whole GET /images/search answer, most stars first (ties keep the daemon's order).
std::vector<Json> SearchRows(const Json& results, bool trunc, bool as_json);

}  // namespace skiff::cli

// Docker's jsonmessage rendering: the JSON message streams of pull, load and import ({"status":...,
// "id":..., "progressDetail":{...}}, {"stream":...}, {"error":...}) printed as docker prints them — on a
// terminal with per-layer lines updated in place (cursor movement, progress bars), otherwise one plain line
// per non-progress message. A message carrying "error" ends the stream with that error.
#pragma once

#include <map>
#include <string>

#include "base/error.h"
#include "base/json.h"
#include "cli/http_client.h"

namespace skiff::cli {

class JsonMessageRenderer {
 public:
  JsonMessageRenderer(int out_fd, bool is_terminal) : fd_(out_fd), terminal_(is_terminal) {}
  // Renders one decoded message; an "error" message returns its text as the Error.
  Status Render(const Json& msg);
  // Reads a whole response of concatenated JSON values and renders each.
  Status RenderStream(HttpResponse& resp);

 private:
  int fd_;
  bool terminal_;
  std::map<std::string, size_t> ids_;
};

// JSONProgress.String(): "[====>   ] 1.2MB/3.4MB 2s" (width: terminal columns, 200 when not a terminal).
std::string ProgressString(const Json& progress, int width, int64_t now_unix);

}  // namespace skiff::cli

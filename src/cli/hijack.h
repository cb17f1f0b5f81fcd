// Pumps a hijacked attach/exec connection: the local stdin goes to the socket (through the detach-key
// filter; EOF half-closes the socket with shutdown(SHUT_WR)), the socket's output goes to stdout/stderr —
// raw bytes for a TTY session, stdcopy frames demultiplexed otherwise. With `raw`, the local terminal is in
// raw mode while input is forwarded and restored once output ends. Owns one input thread for its duration;
// returns only after that thread stopped.
#pragma once

#include <string>

#include "base/error.h"
#include "cli/http_client.h"

namespace skiff::cli {

struct StreamOptions {
  int in_fd = -1;  // -1: stdin not attached
  int out_fd = 1;  // -1: stdout not attached (its frames are dropped)
  int err_fd = 2;
  bool tty = false;
  bool raw = false;         // put in_fd into raw mode (a terminal and a TTY session)
  std::string detach_keys;  // key bytes (DetachKeysToBytes); empty: no client-side detach
};

enum class StreamEnd { kOutputDone, kDetached };

Result<StreamEnd> StreamHijacked(HijackedConn& conn, const StreamOptions& opts);

}  // namespace skiff::cli

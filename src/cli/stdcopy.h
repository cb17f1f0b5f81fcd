// Docker's multiplexed attach/logs stream (stdcopy): frames of an 8-byte header — stream id (0 stdin,
// 1 stdout, 2 stderr, 3 daemon error), three zero bytes, big-endian uint32 payload length — then the
// payload. StdcopyDemux is an incremental decoder: feed it bytes as they arrive, it emits each frame's
// payload (possibly in pieces) to a sink. Owns only its partial-frame state.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace skiff::cli {

enum class StdStream { kStdin = 0, kStdout = 1, kStderr = 2, kSystemErr = 3 };

class StdcopyDemux {
 public:
  using Sink = std::function<Status(StdStream, std::string_view)>;
  explicit StdcopyDemux(Sink sink) : sink_(std::move(sink)) {}
  // A stream-3 frame is returned as Error "Error from daemon in stream: <payload>"; an unknown stream id as
  // "Unrecognized input header: <n>" (docker's texts).
  Status Feed(std::string_view data);
  // True when no frame is half-read.
  bool AtBoundary() const { return header_.empty() && remaining_ == 0; }

 private:
  Sink sink_;
  std::string header_;
  uint32_t remaining_ = 0;
  StdStream stream_ = StdStream::kStdout;
  std::string syserr_;
};

// Encodes one frame (for tests and for writing logs back).
std::string StdcopyFrame(StdStream s, std::string_view payload);

}  // namespace skiff::cli

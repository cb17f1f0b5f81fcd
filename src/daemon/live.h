// Live: the daemon's in-memory state of one container (internal to src/daemon). The record is the
// persisted part; the rest only lives while the daemon runs. Owned by the Daemon's registry through
// shared_ptr (monitors and waiters hold references after removal).
//
// Locking: op_mu serialises lifecycle operations of this container (start, stop, restart, remove,
// pause, update, commit) and is held across their slow parts; mu guards every field and is only held
// briefly (never across a call into the shim or the runtime). Lock order: Daemon::mu_ -> op_mu -> mu.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/fd.h"
#include "base/json.h"
#include "daemon/container.h"
#include "daemon/daemon.h"

namespace skiff::daemon {

// An attach stream that arrived while the container was not running: handed to the shim at the next
// start (docker run / start -a attach before they start).
struct PendingAttach {
  UniqueFd conn;
  std::string preamble;
  AttachParams params;
};

// A `docker exec` instance: created by ExecCreate, started once, inspected until its container goes.
struct ExecInstance {
  std::string id, container_id;
  Json config;  // the exec create body (Cmd, Env, User, WorkingDir, Tty, Attach*, Privileged, DetachKeys)
  std::mutex mu;  // guards the fields below
  std::condition_variable cv;  // pid set (started) or exit_code set
  bool started = false, running = false;
  std::optional<int> exit_code;
  int pid = 0;
};

struct Live {
  explicit Live(ContainerRecord r) : rec(std::move(r)) {}

  std::mutex op_mu;
  std::mutex mu;
  std::condition_variable_any cv;  // notified on every state change

  ContainerRecord rec;
  uint64_t exits = 0;            // exits seen since the daemon started (wait next-exit)
  uint64_t run_gen = 0;          // increments at each start; monitors and health loops carry theirs
  bool removed = false;
  bool exit_on_next = false;     // the coming exit was asked for (stop, kill): no restart
  int64_t restart_delay_ms = 0;  // restart policy back-off (100 ms doubling, 1 min max)
  bool restart_canceled = false;
  std::vector<PendingAttach> pending;
  std::vector<std::string> held_volumes;  // VolumeStore::Use'd for the current run, released at its exit
};

}  // namespace skiff::daemon

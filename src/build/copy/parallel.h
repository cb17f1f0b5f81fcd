// A small parallel loop for copying and hashing many files (internal to skiff_build_copy): fn(i) for
// every i in [0, n) on up to `threads` threads, the caller's included; after the first error no new
// index is handed out and that error is returned. Threads live only for the call.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/error.h"

namespace skiff::build::copy {

// How many threads copy/hash work uses: the machine's cores, at most 4.
inline unsigned WorkThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : (n > 4 ? 4 : n);
}

inline Status ParallelFor(size_t n, unsigned threads, const std::function<Status(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::optional<Error> first;
  auto run = [&] {
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) return;
      size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) return;
      Status s = fn(i);
      if (!s) {
        std::lock_guard<std::mutex> l(mu);
        if (!first) first = s.error();
        failed = true;
        return;
      }
    }
  };
  std::vector<std::thread> extra;
  unsigned t = threads == 0 ? 1 : threads;
  if (t > n) t = n == 0 ? 1 : static_cast<unsigned>(n);
  for (unsigned k = 1; k < t; ++k) extra.emplace_back(run);
  run();
  for (auto& th : extra) th.join();
  if (first) return *first;
  return Ok();
}

}  // namespace skiff::build::copy

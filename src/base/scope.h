// ScopeExit: runs a callable when the scope ends unless dismissed. For cleanup paths that must run on
// every early return (undo a mkdir, remove a half-made state dir).
#pragma once

#include <utility>

namespace skiff {

template <class F>
class ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ~ScopeExit() {
    if (armed_) f_();
  }
  void Dismiss() { armed_ = false; }

 private:
  F f_;
  bool armed_ = true;
};

}  // namespace skiff

// Content digests ("sha256:<64 hex>") and a streaming SHA-256 hasher backed by OpenSSL.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"

namespace skiff {

class Digest {
 public:
  Digest() = default;
  // Accepts "sha256:<64 lowercase hex>"; anything else is InvalidArgument naming the input.
  static Result<Digest> Parse(std::string_view s);
  static Digest FromSha256Hex(std::string hex) { return Digest(std::move(hex)); }
  const std::string& hex() const { return hex_; }
  std::string str() const { return "sha256:" + hex_; }
  bool empty() const { return hex_.empty(); }
  bool operator==(const Digest&) const = default;
  auto operator<=>(const Digest&) const = default;

 private:
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

// Streaming SHA-256. Owns its OpenSSL context. Not copyable.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  Digest Finish();  // may be called once

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Digest Sha256Of(std::string_view data);
bool IsHex(std::string_view s);

}  // namespace skiff

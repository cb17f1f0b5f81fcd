// Test support: a storage::ByteWriter that keeps what is written in a string (Save into memory).
#pragma once

#include <string>

#include "storage/stream.h"

namespace skiff::image::testing {

struct StrWriter : storage::ByteWriter {
  std::string s;
  Status Write(const char* d, size_t n) override {
    s.append(d, n);
    return Ok();
  }
};

}  // namespace skiff::image::testing

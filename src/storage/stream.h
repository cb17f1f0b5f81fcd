// Byte streams used by layer extraction and archive pipelines: a pull interface (ByteReader), a reader
// over an fd, a reader over memory, and ChunkQueue, a bounded hand-off of byte chunks between two threads
// (the producer reads and hashes, the consumer unpacks), so both cores work at once.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace skiff::storage {

// A source of bytes pulled by the consumer. Read returns 0 at end of stream.
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

// Reads from an fd it does not own (a file, a pipe, stdin).
class FdReader : public ByteReader {
 public:
  explicit FdReader(int fd) : fd_(fd) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  int fd_;
};

// Reads from a string_view whose storage the caller keeps alive.
class MemoryReader : public ByteReader {
 public:
  explicit MemoryReader(std::string_view data) : data_(data) {}
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  std::string_view data_;
};

// Bounded single-producer/single-consumer queue of chunks; also a ByteReader for the consumer side.
// The producer Push()es chunks and then Close()s (or Fail()s with an error the consumer will see).
// The consumer may Abandon() the queue (after its own error) so that Push stops blocking and reports it.
class ChunkQueue : public ByteReader {
 public:
  explicit ChunkQueue(size_t max_bytes = 8 << 20) : max_bytes_(max_bytes) {}
  // Blocks while the queue is full. Returns false when the consumer abandoned the queue.
  bool Push(std::string chunk);
  void Close();
  void Fail(Error e);
  void Abandon();
  Result<size_t> Read(char* buf, size_t n) override;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> q_;
  size_t queued_ = 0;
  size_t head_off_ = 0;
  size_t max_bytes_;
  bool closed_ = false;
  bool abandoned_ = false;
  std::optional<Error> error_;
};

// A sink of bytes.
class ByteWriter {
 public:
  virtual ~ByteWriter() = default;
  virtual Status Write(const char* data, size_t n) = 0;
};

// Writes to an fd it does not own; counts bytes.
class FdWriter : public ByteWriter {
 public:
  explicit FdWriter(int fd) : fd_(fd) {}
  Status Write(const char* data, size_t n) override;
  uint64_t bytes() const { return bytes_; }

 private:
  int fd_;
  uint64_t bytes_ = 0;
};

}  // namespace skiff::storage

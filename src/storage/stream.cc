#include "storage/stream.h"

#include <unistd.h>

#include <cstring>

namespace skiff::storage {

Result<size_t> FdReader::Read(char* buf, size_t n) {
  for (;;) {
    ssize_t r = ::read(fd_, buf, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno != EINTR) return Error::Sys("read");
  }
}

Result<size_t> MemoryReader::Read(char* buf, size_t n) {
  size_t k = std::min(n, data_.size());
  std::memcpy(buf, data_.data(), k);
  data_.remove_prefix(k);
  return k;
}

bool ChunkQueue::Push(std::string chunk) {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return abandoned_ || queued_ < max_bytes_; });
  if (abandoned_) return false;
  queued_ += chunk.size();
  q_.push_back(std::move(chunk));
  cv_.notify_all();
  return true;
}

void ChunkQueue::Close() {
  std::lock_guard lk(mu_);
  closed_ = true;
  cv_.notify_all();
}

void ChunkQueue::Fail(Error e) {
  std::lock_guard lk(mu_);
  error_ = std::move(e);
  closed_ = true;
  cv_.notify_all();
}

void ChunkQueue::Abandon() {
  std::lock_guard lk(mu_);
  abandoned_ = true;
  q_.clear();
  queued_ = 0;
  cv_.notify_all();
}

Result<size_t> ChunkQueue::Read(char* buf, size_t n) {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return !q_.empty() || closed_ || abandoned_; });
  if (q_.empty()) {
    if (error_) return *error_;
    return size_t{0};
  }
  std::string& head = q_.front();
  size_t k = std::min(n, head.size() - head_off_);
  std::memcpy(buf, head.data() + head_off_, k);
  head_off_ += k;
  if (head_off_ == head.size()) {
    queued_ -= head.size();
    q_.pop_front();
    head_off_ = 0;
    cv_.notify_all();
  }
  return k;
}

Status FdWriter::Write(const char* data, size_t n) {
  while (n) {
    ssize_t w = ::write(fd_, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Error::Sys("write");
    }
    data += w;
    n -= static_cast<size_t>(w);
    bytes_ += static_cast<uint64_t>(w);
  }
  return Ok();
}

}  // namespace skiff::storage

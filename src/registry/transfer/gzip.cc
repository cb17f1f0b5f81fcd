#include "registry/transfer/gzip.h"

#include <isa-l/igzip_lib.h>

#include <vector>

namespace skiff::registry {

struct GzipReader::Impl {
  isal_zstream s{};
  std::vector<uint8_t> level_buf = std::vector<uint8_t>(ISAL_DEF_LVL1_DEFAULT);
  std::string in = std::string(1 << 20, '\0');
  bool in_eof = false;
  bool done = false;
};

GzipReader::GzipReader(storage::ByteReader& inner) : impl_(std::make_unique<Impl>()), inner_(inner) {
  isal_deflate_init(&impl_->s);
  impl_->s.level = 1;
  impl_->s.level_buf = impl_->level_buf.data();
  impl_->s.level_buf_size = static_cast<uint32_t>(impl_->level_buf.size());
  impl_->s.gzip_flag = IGZIP_GZIP;
  impl_->s.flush = NO_FLUSH;
  impl_->s.avail_in = 0;
}

GzipReader::~GzipReader() = default;

Result<size_t> GzipReader::Read(char* buf, size_t n) {
  auto& m = *impl_;
  if (m.done || n == 0) return size_t{0};
  m.s.next_out = reinterpret_cast<uint8_t*>(buf);
  m.s.avail_out = static_cast<uint32_t>(std::min<size_t>(n, 1u << 30));
  while (m.s.avail_out > 0) {
    if (m.s.avail_in == 0 && !m.in_eof) {
      size_t got = SKIFF_TRY(inner_.Read(m.in.data(), m.in.size()));
      consumed_ += got;
      m.s.next_in = reinterpret_cast<uint8_t*>(m.in.data());
      m.s.avail_in = static_cast<uint32_t>(got);
      if (got == 0) {
        m.in_eof = true;
        m.s.end_of_stream = 1;
      }
    }
    int rc = isal_deflate(&m.s);
    if (rc != COMP_OK) return Error(Errc::kInternal, "gzip compression failed (isal_deflate " + std::to_string(rc) + ")");
    if (m.s.internal_state.state == ZSTATE_END) {
      m.done = true;
      break;
    }
    // Compressed output is pending only when avail_out is 0; otherwise more input is needed.
    if (m.s.avail_in == 0 && m.in_eof && m.s.avail_out > 0 && m.s.internal_state.state != ZSTATE_END) continue;
  }
  return n - m.s.avail_out;
}

}  // namespace skiff::registry

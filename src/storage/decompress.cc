#include "storage/decompress.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace skiff::storage {

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
  }
  return "none";
}

Compression DetectCompression(std::string_view h) {
  if (h.size() >= 2 && static_cast<unsigned char>(h[0]) == 0x1f && static_cast<unsigned char>(h[1]) == 0x8b)
    return Compression::kGzip;
  if (h.size() >= 4 && static_cast<unsigned char>(h[0]) == 0x28 && static_cast<unsigned char>(h[1]) == 0xb5 &&
      static_cast<unsigned char>(h[2]) == 0x2f && static_cast<unsigned char>(h[3]) == 0xfd)
    return Compression::kZstd;
  return Compression::kNone;
}

struct DecompressReader::Impl {
  z_stream z{};
  bool z_init = false;
  ZSTD_DCtx* zs = nullptr;
  ~Impl() {
    if (z_init) inflateEnd(&z);
    if (zs) ZSTD_freeDCtx(zs);
  }
};

DecompressReader::DecompressReader(ByteReader& inner, bool hash) : inner_(inner), impl_(std::make_unique<Impl>()) {
  if (hash) hasher_ = std::make_unique<Sha256>();
}
DecompressReader::~DecompressReader() = default;

Result<std::unique_ptr<DecompressReader>> DecompressReader::Create(ByteReader& inner, bool hash_output) {
  std::unique_ptr<DecompressReader> r(new DecompressReader(inner, hash_output));
  // Read at least 4 bytes (or to EOF) to sniff the format.
  r->in_.resize(1 << 16);
  size_t got = 0;
  while (got < 4) {
    size_t n = SKIFF_TRY(inner.Read(r->in_.data() + got, r->in_.size() - got));
    if (n == 0) {
      r->in_eof_ = true;
      break;
    }
    got += n;
  }
  r->in_.resize(got);
  r->compression_ = DetectCompression(r->in_);
  if (r->compression_ == Compression::kGzip) {
    if (inflateInit2(&r->impl_->z, 15 + 32) != Z_OK) return Error(Errc::kInternal, "gzip: inflateInit failed");
    r->impl_->z_init = true;
  } else if (r->compression_ == Compression::kZstd) {
    r->impl_->zs = ZSTD_createDCtx();
    if (!r->impl_->zs) return Error(Errc::kInternal, "zstd: cannot create context");
  }
  return r;
}

Status DecompressReader::Fill() {
  if (in_off_ < in_.size() || in_eof_) return Ok();
  in_.resize(1 << 18);
  in_off_ = 0;
  size_t n = SKIFF_TRY(inner_.Read(in_.data(), in_.size()));
  in_.resize(n);
  if (n == 0) in_eof_ = true;
  return Ok();
}

Result<size_t> DecompressReader::ReadRaw(char* buf, size_t n) {
  if (out_eof_) return size_t{0};
  for (;;) {
    SKIFF_TRY(Fill());
    size_t avail = in_.size() - in_off_;
    if (compression_ == Compression::kNone) {
      if (avail == 0) {
        out_eof_ = true;
        return size_t{0};
      }
      size_t k = std::min(n, avail);
      std::memcpy(buf, in_.data() + in_off_, k);
      in_off_ += k;
      return k;
    }
    if (compression_ == Compression::kGzip) {
      z_stream& z = impl_->z;
      z.next_in = reinterpret_cast<Bytef*>(in_.data() + in_off_);
      z.avail_in = static_cast<uInt>(avail);
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
      int rc = inflate(&z, Z_NO_FLUSH);
      in_off_ += avail - z.avail_in;
      size_t produced = std::min<size_t>(n, 1u << 30) - z.avail_out;
      if (rc == Z_STREAM_END) {
        // Concatenated gzip members are legal: continue if more input follows.
        SKIFF_TRY(Fill());
        if (in_off_ < in_.size()) {
          inflateReset(&z);
        } else {
          out_eof_ = produced == 0;
          if (produced) return produced;
          return size_t{0};
        }
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Error(Errc::kDataLoss, std::string("gzip: corrupt data: ") + (z.msg ? z.msg : "inflate error"));
      } else if (rc == Z_BUF_ERROR && in_eof_ && produced == 0) {
        return Error(Errc::kDataLoss, "gzip: unexpected end of compressed stream");
      }
      if (produced) return produced;
      if (in_eof_ && avail == 0) return Error(Errc::kDataLoss, "gzip: unexpected end of compressed stream");
      continue;
    }
    // zstd
    ZSTD_inBuffer zin{in_.data() + in_off_, avail, 0};
    ZSTD_outBuffer zout{buf, n, 0};
    size_t rc = ZSTD_decompressStream(impl_->zs, &zout, &zin);
    in_off_ += zin.pos;
    if (ZSTD_isError(rc)) return Error(Errc::kDataLoss, std::string("zstd: corrupt data: ") + ZSTD_getErrorName(rc));
    if (zin.pos || zout.pos) zstd_frame_done_ = rc == 0;
    if (zout.pos) return zout.pos;
    if (in_eof_ && avail == 0) {
      if (!zstd_frame_done_) return Error(Errc::kDataLoss, "zstd: unexpected end of compressed stream");
      out_eof_ = true;
      return size_t{0};
    }
  }
}

Result<size_t> DecompressReader::Read(char* buf, size_t n) {
  size_t k = SKIFF_TRY(ReadRaw(buf, n));
  if (hasher_ && k) hasher_->Update(buf, k);
  out_bytes_ += k;
  return k;
}

Status DecompressReader::Drain() {
  std::string buf(1 << 16, '\0');
  for (;;) {
    size_t k = SKIFF_TRY(Read(buf.data(), buf.size()));
    if (k == 0) return Ok();
  }
}

}  // namespace skiff::storage

#include "trace/zstd_writer.h"

#include <zstd.h>

#include <cerrno>
#include <cstring>

#include "util/input_error.h"

namespace mmusim {

ZstdWriter::ZstdWriter(std::FILE* f, const std::string& path)
    : f_(f), path_(path), c_(ZSTD_createCCtx()), out_(ZSTD_CStreamOutSize()) {
  if (!c_) throw InputError(path_, 0, "", "cannot start libzstd's compressor");
}

ZstdWriter::~ZstdWriter() { ZSTD_freeCCtx(c_); }

void ZstdWriter::put(const void* data, std::size_t n) {
  if (n && std::fwrite(data, 1, n, f_) != n) throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
}

void ZstdWriter::write(const void* data, std::size_t n) {
  ZSTD_inBuffer in{data, n, 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer out{out_.data(), out_.size(), 0};
    const std::size_t r = ZSTD_compressStream2(c_, &out, &in, ZSTD_e_continue);
    if (ZSTD_isError(r)) throw InputError(path_, 0, "", std::string("zstd compression failed: ") + ZSTD_getErrorName(r));
    put(out_.data(), out.pos);
  }
}

void ZstdWriter::end_frame() {
  ZSTD_inBuffer in{nullptr, 0, 0};
  for (;;) {
    ZSTD_outBuffer out{out_.data(), out_.size(), 0};
    const std::size_t left = ZSTD_compressStream2(c_, &out, &in, ZSTD_e_end);
    if (ZSTD_isError(left)) throw InputError(path_, 0, "", std::string("zstd compression failed: ") + ZSTD_getErrorName(left));
    put(out_.data(), out.pos);
    if (left == 0) return;
  }
}

// A zstd frame (RFC 8878, section 3.1.1) of one raw block:
//   magic 28 b5 2f fd; frame header descriptor 0x20 (single segment, so a 1-byte content size
//   follows, no checksum, no dictionary); content size n; block header, 3 bytes little-endian:
//   bit 0 last block = 1, bits 1-2 block type = 0 (raw), bits 3-23 block size = n; the n bytes.
void ZstdWriter::write_stored_frame(std::FILE* f, const std::string& path, const void* data, std::size_t n) {
  const std::uint32_t block = 1u | (static_cast<std::uint32_t>(n) << 3);
  const unsigned char head[kStoredOffset] = {0x28, 0xb5, 0x2f, 0xfd, 0x20, static_cast<unsigned char>(n),
                                             static_cast<unsigned char>(block), static_cast<unsigned char>(block >> 8),
                                             static_cast<unsigned char>(block >> 16)};
  if (std::fwrite(head, 1, sizeof head, f) != sizeof head || std::fwrite(data, 1, n, f) != n)
    throw InputError(path, 0, "", std::string("cannot write: ") + std::strerror(errno));
}

}  // namespace mmusim

// xz (and concatenated xz streams, as `xz -dc` reads them) through liblzma.
#include <lzma.h>

#include "util/input_error.h"
#include "trace/compression.h"

namespace mmusim {
namespace trace_detail {
namespace {

const char* lzma_problem(lzma_ret r) {
  switch (r) {
    case LZMA_FORMAT_ERROR: return "not in the xz format";
    case LZMA_OPTIONS_ERROR: return "unsupported compression options";
    case LZMA_DATA_ERROR: return "corrupt data";
    case LZMA_MEM_ERROR: return "out of memory";
    case LZMA_MEMLIMIT_ERROR: return "memory limit reached";
    default: return "decoder error";
  }
}

class XzDecompressor final : public Decompressor {
 public:
  XzDecompressor(RawRead raw, const std::string& name) : raw_(std::move(raw)), name_(name), in_(new std::uint8_t[kCompressedChunk]) {
    if (lzma_stream_decoder(&z_, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
      throw InputError(name_, 0, "", "cannot start liblzma's xz decoder");
  }
  ~XzDecompressor() override { lzma_end(&z_); }

  std::size_t read(char* dst, std::size_t n) override {
    if (done_) return 0;
    z_.next_out = reinterpret_cast<std::uint8_t*>(dst);
    z_.avail_out = n;
    for (;;) {
      if (z_.avail_in == 0 && !in_eof_) {
        const std::size_t got = raw_(reinterpret_cast<char*>(in_.get()), kCompressedChunk);
        if (got == 0) in_eof_ = true;
        z_.next_in = in_.get();
        z_.avail_in = got;
      }
      const lzma_ret r = lzma_code(&z_, in_eof_ ? LZMA_FINISH : LZMA_RUN);
      const std::uint64_t at = out_total_ + (n - z_.avail_out);
      if (r == LZMA_STREAM_END) {
        done_ = true;
        break;
      }
      if (r == LZMA_BUF_ERROR && in_eof_)
        throw InputError(name_, 0, "", "truncated xz stream: the file ends inside compressed data, after " + std::to_string(at) +
                                           " decompressed bytes");
      if (r != LZMA_OK && r != LZMA_BUF_ERROR)
        throw InputError(name_, 0, "", std::string("corrupt xz stream (liblzma: ") + lzma_problem(r) + ") after " +
                                           std::to_string(at) + " decompressed bytes");
      if (z_.avail_out < n) break;
    }
    const std::size_t produced = n - z_.avail_out;
    out_total_ += produced;
    return produced;
  }

 private:
  RawRead raw_;
  std::string name_;
  std::unique_ptr<std::uint8_t[]> in_;
  lzma_stream z_ = LZMA_STREAM_INIT;
  bool in_eof_ = false, done_ = false;
  std::uint64_t out_total_ = 0;
};

}  // namespace

std::unique_ptr<Decompressor> make_xz_decompressor(RawRead raw, const std::string& name) {
  return std::make_unique<XzDecompressor>(std::move(raw), name);
}

}  // namespace trace_detail
}  // namespace mmusim

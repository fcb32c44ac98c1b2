// zstd (one frame or several, as `zstd -dc` reads them) through libzstd.
#include <zstd.h>

#include "util/input_error.h"
#include "trace/compression.h"

namespace mmusim {
namespace trace_detail {
namespace {

class ZstdDecompressor final : public Decompressor {
 public:
  ZstdDecompressor(RawRead raw, const std::string& name)
      : raw_(std::move(raw)), name_(name), in_buf_(new char[kCompressedChunk]), d_(ZSTD_createDStream()) {
    if (!d_) throw InputError(name_, 0, "", "cannot start libzstd's decoder");
  }
  ~ZstdDecompressor() override { ZSTD_freeDStream(d_); }

  std::size_t read(char* dst, std::size_t n) override {
    ZSTD_outBuffer out{dst, n, 0};
    for (;;) {
      if (in_.pos == in_.size && !in_eof_) {
        const std::size_t got = raw_(in_buf_.get(), kCompressedChunk);
        if (got == 0) in_eof_ = true;
        in_ = ZSTD_inBuffer{in_buf_.get(), got, 0};
      }
      const bool no_input = in_.pos == in_.size;  // then only at the end of the file: flush what is buffered
      if (no_input && frame_done_) break;        // the end, between two frames
      const std::size_t r = ZSTD_decompressStream(d_, &out, &in_);
      if (ZSTD_isError(r))
        throw InputError(name_, 0, "", std::string("corrupt zstd stream (libzstd: ") + ZSTD_getErrorName(r) + ") after " +
                                           std::to_string(out_total_ + out.pos) + " decompressed bytes");
      frame_done_ = r == 0;
      if (out.pos > 0) break;
      if (no_input) {
        if (!frame_done_)
          throw InputError(name_, 0, "", "truncated zstd stream: the file ends inside compressed data, after " +
                                             std::to_string(out_total_) + " decompressed bytes");
        break;
      }
    }
    out_total_ += out.pos;
    return out.pos;
  }

 private:
  RawRead raw_;
  std::string name_;
  std::unique_ptr<char[]> in_buf_;
  ZSTD_DStream* d_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  bool in_eof_ = false, frame_done_ = false;
  std::uint64_t out_total_ = 0;
};

}  // namespace

std::unique_ptr<Decompressor> make_zstd_decompressor(RawRead raw, const std::string& name) {
  return std::make_unique<ZstdDecompressor>(std::move(raw), name);
}

}  // namespace trace_detail
}  // namespace mmusim

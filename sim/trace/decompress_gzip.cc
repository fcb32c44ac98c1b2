// gzip (RFC 1952) through zlib, concatenated members included (as `gzip -dc` reads them).
#include <zlib.h>

#include <algorithm>
#include <climits>

#include "util/input_error.h"
#include "trace/compression.h"

namespace mmusim {
namespace trace_detail {
namespace {

class GzipDecompressor final : public Decompressor {
 public:
  GzipDecompressor(RawRead raw, const std::string& name) : raw_(std::move(raw)), name_(name), in_(new char[kCompressedChunk]) {
    if (inflateInit2(&z_, 15 + 16) != Z_OK) throw InputError(name_, 0, "", "cannot start zlib's gzip decoder");
  }
  ~GzipDecompressor() override { inflateEnd(&z_); }

  std::size_t read(char* dst, std::size_t n) override {
    const std::size_t want = std::min<std::size_t>(n, UINT_MAX);
    z_.next_out = reinterpret_cast<Bytef*>(dst);
    z_.avail_out = static_cast<uInt>(want);
    for (;;) {
      if (z_.avail_in == 0 && !in_eof_) {
        const std::size_t got = raw_(in_.get(), kCompressedChunk);
        if (got == 0) in_eof_ = true;
        z_.next_in = reinterpret_cast<Bytef*>(in_.get());
        z_.avail_in = static_cast<uInt>(got);
      }
      if (member_done_) {  // the end, or another member (gzip files may be concatenated)
        if (z_.avail_in == 0) {
          if (in_eof_) break;
          continue;
        }
        if (z_.next_in[0] != 0x1f)
          throw InputError(name_, 0, "", "data after the end of the gzip stream (after " + std::to_string(out_total_) +
                                             " decompressed bytes)");
        inflateReset(&z_);
        member_done_ = false;
      }
      if (z_.avail_in == 0 && in_eof_)
        throw InputError(name_, 0, "", "truncated gzip stream: the file ends inside compressed data, after " +
                                           std::to_string(out_total_ + (want - z_.avail_out)) + " decompressed bytes");
      const int r = inflate(&z_, Z_NO_FLUSH);
      if (r == Z_STREAM_END) {
        member_done_ = true;
      } else if (r != Z_OK && r != Z_BUF_ERROR) {
        throw InputError(name_, 0, "", std::string("corrupt gzip stream (zlib: ") + (z_.msg ? z_.msg : "error " + std::to_string(r)) +
                                           ") after " + std::to_string(out_total_ + (want - z_.avail_out)) + " decompressed bytes");
      }
      if (z_.avail_out < want) break;
    }
    const std::size_t produced = want - z_.avail_out;
    out_total_ += produced;
    return produced;
  }

 private:
  RawRead raw_;
  std::string name_;
  std::unique_ptr<char[]> in_;
  z_stream z_{};
  bool in_eof_ = false, member_done_ = false;
  std::uint64_t out_total_ = 0;
};

}  // namespace

std::unique_ptr<Decompressor> make_gzip_decompressor(RawRead raw, const std::string& name) {
  return std::make_unique<GzipDecompressor>(std::move(raw), name);
}

}  // namespace trace_detail
}  // namespace mmusim

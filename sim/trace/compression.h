// Compressed trace files (gzip, xz, zstd), told apart by their magic bytes and decompressed as a
// stream, on whichever thread reads the file (the trace reader's thread in a simulation:
// prefetch_reader.h). The enum is public; trace_detail is private to the trace readers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace mmusim {

enum class Compression { None, Gzip, Xz, Zstd };

// "gzip", "xz", "zstd" or "none".
const char* compression_name(Compression c);

namespace trace_detail {

// The longest magic below, in bytes: detect_compression needs at most this many.
constexpr std::size_t kMagicBytes = 6;
// From the first bytes of a file: gzip 1f 8b, xz fd 37 7a 58 5a 00, zstd 28 b5 2f fd.
Compression detect_compression(const std::string& head);
// The compression a file's name claims by its ending (.gz, .xz, .zst), or None.
Compression compression_of_name(const std::string& path);

// Reads the raw (compressed) bytes: fills dst[0..n) as far as it can, 0 at the end of the file.
using RawRead = std::function<std::size_t(char* dst, std::size_t n)>;

class Decompressor {
 public:
  virtual ~Decompressor() = default;
  // The next decompressed bytes into dst[0..n), n > 0; 0 only at the end of the whole stream. A
  // corrupt stream, or a file that ends inside it (truncated), throws InputError naming `name`.
  virtual std::size_t read(char* dst, std::size_t n) = 0;
};

// `raw` delivers the compressed file from its first byte; `name` is used in messages.
std::unique_ptr<Decompressor> make_decompressor(Compression c, RawRead raw, const std::string& name);

// The three decompressors (decompress_gzip.cc, decompress_xz.cc, decompress_zstd.cc).
std::unique_ptr<Decompressor> make_gzip_decompressor(RawRead raw, const std::string& name);
std::unique_ptr<Decompressor> make_xz_decompressor(RawRead raw, const std::string& name);
std::unique_ptr<Decompressor> make_zstd_decompressor(RawRead raw, const std::string& name);

// Compressed bytes each decompressor reads at a time.
constexpr std::size_t kCompressedChunk = std::size_t(1) << 18;

}  // namespace trace_detail
}  // namespace mmusim

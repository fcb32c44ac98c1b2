// Private to the trace readers: a file opened once, whose first bytes can be looked at (for
// format detection) without losing them. Works on pipes and stdin too ("-"), since nothing is
// reopened or seeked. A gzip, xz or zstd file (told by its magic bytes) is decompressed as it is
// read, by the thread that reads: every reader sees the decompressed bytes.
#pragma once
#include <cstddef>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "trace/compression.h"

namespace mmusim {
namespace trace_detail {

class InputFile {
 public:
  // path "-" is standard input (shown as "<stdin>" in messages). A missing or unreadable file,
  // or a directory, throws InputError(path, 0, "", "cannot open trace: <strerror>"); so does a
  // file whose name claims a compression (.gz, .xz, .zst) its first bytes do not show.
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // The name used in messages.
  const std::string& name() const { return name_; }
  // Size of a regular file in bytes, 0 if unknown (pipe, terminal); of a compressed file, its
  // compressed size.
  std::uint64_t size() const { return size_; }
  Compression compression() const { return compression_; }
  // Bytes read() has returned so far (decompressed bytes, for a compressed file): where in the
  // trace a broken compressed stream ends it.
  std::uint64_t delivered() const { return delivered_; }
  // Bytes of the file itself (compressed bytes, for a compressed file) read so far; any thread.
  std::uint64_t raw_done() const { return raw_done_.load(std::memory_order_relaxed); }

  // Reads ahead until at least `want` bytes are buffered or the file ends, and returns the
  // buffered start of the file. Only valid before the first read().
  const std::string& peek(std::size_t want);
  // True once the whole file is in the peek buffer.
  bool peek_has_all() const { return at_eof_; }

  // Next bytes of the file: first whatever peek() buffered, then the rest. 0 means the end.
  // A read error throws InputError, and so does a regular file that ends before the size it had
  // when opened (it shrank while being read).
  std::size_t read(char* dst, std::size_t n);

 private:
  std::size_t decoded_read(char* dst, std::size_t n);  // the bytes the readers see: decompressed if need be
  std::size_t fd_read(char* dst, std::size_t n);       // the file's own bytes
  void detect(const std::string& path);

  std::unique_ptr<trace_detail::Decompressor> decompressor_;
  Compression compression_ = Compression::None;
  std::string magic_;  // the first bytes of the file, read to detect the compression, not yet passed on
  std::atomic<std::uint64_t> raw_done_{0};
  std::uint64_t delivered_ = 0;

  std::string name_;
  int fd_ = -1;
  bool own_fd_ = false;
  bool at_eof_ = false;  // the end of what the readers read
  bool fd_eof_ = false;  // the end of the file itself
  std::uint64_t size_ = 0;
  std::string peeked_;
  std::size_t peek_pos_ = 0;
};

}  // namespace trace_detail
}  // namespace mmusim

#include "trace/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/input_error.h"
#include "trace/compression.h"

namespace mmusim {
namespace trace_detail {

InputFile::InputFile(const std::string& path) : name_(path == "-" ? "<stdin>" : path) {
  if (path.empty()) throw InputError("", 0, "", "cannot open trace: no file name given");
  if (path == "-") {
    fd_ = 0;
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw InputError(path, 0, "", std::string("cannot open trace: ") + std::strerror(errno));
    own_fd_ = true;
  }
  struct stat st;
  if (::fstat(fd_, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      if (own_fd_) ::close(fd_);
      throw InputError(path, 0, "", std::string("cannot open trace: ") + std::strerror(EISDIR));
    }
    if (S_ISREG(st.st_mode)) size_ = static_cast<std::uint64_t>(st.st_size);
  }
#ifdef POSIX_FADV_SEQUENTIAL
  if (size_ > 0) ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  try {
    detect(path);
  } catch (...) {
    if (own_fd_) ::close(fd_);
    throw;
  }
}

// Reads the magic bytes, and puts a decompressor between the file and its readers if they show one.
void InputFile::detect(const std::string& path) {
  char head[kMagicBytes];
  std::size_t got = 0;
  while (got < kMagicBytes) {
    const std::size_t n = fd_read(head + got, kMagicBytes - got);
    if (n == 0) break;
    got += n;
  }
  magic_.assign(head, got);
  compression_ = detect_compression(magic_);
  const Compression named = compression_of_name(path);
  if (named != Compression::None && compression_ != named)
    throw InputError(name_, 0, "", std::string("the name says ") + compression_name(named) +
                                       " but the file does not start with its magic bytes: not " +
                                       (named == Compression::Xz ? "an " : "a ") + compression_name(named) + " file");
  if (compression_ != Compression::None)
    decompressor_ = make_decompressor(compression_, [this](char* dst, std::size_t n) { return fd_read(dst, n); }, name_);
}

InputFile::~InputFile() {
  if (own_fd_ && fd_ >= 0) ::close(fd_);
}

// The file's own bytes: first the magic bytes detect() read, then the rest; 0 at the end.
std::size_t InputFile::fd_read(char* dst, std::size_t n) {
  if (!magic_.empty()) {
    const std::size_t k = std::min(n, magic_.size());
    std::memcpy(dst, magic_.data(), k);
    magic_.erase(0, k);
    return k;
  }
  if (fd_eof_ || n == 0) return 0;
  for (;;) {
    ssize_t got = ::read(fd_, dst, n);
    if (got > 0) {
      raw_done_.fetch_add(static_cast<std::uint64_t>(got), std::memory_order_relaxed);
      return static_cast<std::size_t>(got);
    }
    if (got == 0) {
      fd_eof_ = true;
      // A file that ends before the size it had when opened was cut while being read (a copy
      // still being written, or rewritten): the records read so far are not the trace.
      const std::uint64_t done = raw_done_.load(std::memory_order_relaxed);
      if (size_ > 0 && done < size_)
        throw InputError(name_, 0, "", "the trace ended after " + std::to_string(done) + " bytes, before the " +
                                           std::to_string(size_) + " bytes it had when opened (was it changed while being read?)");
      return 0;
    }
    if (errno == EINTR) continue;
    throw InputError(name_, 0, "", std::string("cannot read trace: ") + std::strerror(errno));
  }
}

// What the readers read: the file's bytes, decompressed if it is compressed.
std::size_t InputFile::decoded_read(char* dst, std::size_t n) {
  if (at_eof_ || n == 0) return 0;
  const std::size_t got = decompressor_ ? decompressor_->read(dst, n) : fd_read(dst, n);
  if (got == 0) at_eof_ = true;
  return got;
}

const std::string& InputFile::peek(std::size_t want) {
  while (peeked_.size() < want && !at_eof_) {
    std::size_t old = peeked_.size();
    peeked_.resize(want);
    std::size_t got = decoded_read(&peeked_[old], want - old);
    peeked_.resize(old + got);
  }
  return peeked_;
}

std::size_t InputFile::read(char* dst, std::size_t n) {
  if (peek_pos_ < peeked_.size()) {
    std::size_t k = std::min(n, peeked_.size() - peek_pos_);
    std::memcpy(dst, peeked_.data() + peek_pos_, k);
    peek_pos_ += k;
    if (peek_pos_ == peeked_.size()) {
      std::string().swap(peeked_);
      peek_pos_ = 0;
    }
    delivered_ += k;
    return k;
  }
  const std::size_t got = decoded_read(dst, n);
  delivered_ += got;
  return got;
}

}  // namespace trace_detail
}  // namespace mmusim

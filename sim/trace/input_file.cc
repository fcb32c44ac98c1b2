#include "trace/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "input_error.h"

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
}

InputFile::~InputFile() {
  if (own_fd_ && fd_ >= 0) ::close(fd_);
}

std::size_t InputFile::raw_read(char* dst, std::size_t n) {
  if (at_eof_ || n == 0) return 0;
  for (;;) {
    ssize_t got = ::read(fd_, dst, n);
    if (got > 0) {
      offset_ += static_cast<std::uint64_t>(got);
      return static_cast<std::size_t>(got);
    }
    if (got == 0) {
      at_eof_ = true;
      // A file that ends before the size it had when opened was cut while being read (a copy
      // still being written, or rewritten): the records read so far are not the trace.
      if (size_ > 0 && offset_ < size_)
        throw InputError(name_, 0, "",
                         "the trace ended after " + std::to_string(offset_) + " bytes, before the " + std::to_string(size_) +
                             " bytes it had when opened (was it changed while being read?)");
      return 0;
    }
    if (errno == EINTR) continue;
    throw InputError(name_, 0, "", std::string("cannot read trace: ") + std::strerror(errno));
  }
}

const std::string& InputFile::peek(std::size_t want) {
  while (peeked_.size() < want && !at_eof_) {
    std::size_t old = peeked_.size();
    peeked_.resize(want);
    std::size_t got = raw_read(&peeked_[old], want - old);
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
    return k;
  }
  return raw_read(dst, n);
}

}  // namespace trace_detail
}  // namespace mmusim

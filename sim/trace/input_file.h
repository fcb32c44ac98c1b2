// Private to the trace readers: a file opened once, whose first bytes can be looked at (for
// format detection) without losing them. Works on pipes and stdin too ("-"), since nothing is
// reopened or seeked.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace mmusim {
namespace trace_detail {

class InputFile {
 public:
  // path "-" is standard input (shown as "<stdin>" in messages). A missing or unreadable file,
  // or a directory, throws InputError(path, 0, "", "cannot open trace: <strerror>").
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // The name used in messages.
  const std::string& name() const { return name_; }
  // Size of a regular file in bytes, 0 if unknown (pipe, terminal).
  std::uint64_t size() const { return size_; }

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
  std::size_t raw_read(char* dst, std::size_t n);

  std::string name_;
  int fd_ = -1;
  bool own_fd_ = false;
  bool at_eof_ = false;
  std::uint64_t size_ = 0;
  std::uint64_t offset_ = 0;  // bytes read from the file so far
  std::string peeked_;
  std::size_t peek_pos_ = 0;
};

}  // namespace trace_detail
}  // namespace mmusim

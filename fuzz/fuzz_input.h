// What the fuzz targets share: the input bytes as a file the real readers open by name (an
// in-memory file, memfd_create, opened through /proc/self/fd), and the rule that bad input may
// only ever end in InputError: anything else (another exception, a crash, a sanitizer report, a
// hang) is a finding. Built only with clang and -DMMUSIM_FUZZ=ON (fuzz/CMakeLists.txt).
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace mmusim::fuzz {

// One in-memory file, rewritten with each input.
class MemFile {
 public:
  MemFile() : fd_(memfd_create("mmusim-fuzz", 0)) {
    if (fd_ < 0) std::abort();
  }
  // Replaces the file's content with data[0..size) and returns a path that opens it afresh.
  std::string write(const std::uint8_t* data, std::size_t size) {
    if (ftruncate(fd_, 0) != 0) std::abort();
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
    return "/proc/self/fd/" + std::to_string(fd_);
  }

 private:
  int fd_;
};

// Which variant of the reader an input drives, from its length (so that seed files are plain
// traces and config files): bit 0 --skip-bad-lines, bit 1 a 2-VM 2-vCPU machine's record limits,
// bit 2 the PrefetchReader thread in front.
inline unsigned variant(std::size_t size) { return static_cast<unsigned>(size % 8); }

}  // namespace mmusim::fuzz

// Creating files in output folders that other people (or their scripts) can write: never through a
// symbolic link, never onto a device, FIFO or folder, never half-written under the final name.
#pragma once
#include <cstdio>
#include <ext/stdio_filebuf.h>
#include <memory>
#include <ostream>
#include <string>

namespace mmusim {

// Throws InputError(path, 0, option, ...) if `path` exists and is a symbolic link or anything but
// a regular file.
void refuse_special_file(const std::string& path, const std::string& option);

// Creates (O_CREAT|O_EXCL|O_NOFOLLOW) and returns an empty file `path` open for writing, removing
// a regular file of that name first (a log). Refuses a link or special file as refuse_special_file.
int create_fresh_file(const std::string& path, const std::string& option);

// A file written under a fresh temporary name in its folder (mkstemp: created with O_EXCL, never
// through a link) and renamed onto `path` by commit(), so that `path` holds either its old
// contents or the complete new ones. Until commit() the temporary file is removed by the
// destructor, and by the interrupt handler (os/interrupt.h) on SIGINT, SIGTERM or SIGHUP. An
// existing `path` that is a link or not a regular file is refused (InputError naming `option`).
class AtomicFile {
 public:
  explicit AtomicFile(std::string path, std::string option = "");
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Write through one of these, not both.
  std::ostream& out();
  std::FILE* file();
  // Flushes, closes and renames; any write error throws InputError "cannot write: <reason>".
  void commit();
  const std::string& path() const { return path_; }
  // The temporary file, for reading back what was written (after flushing out()).
  const std::string& temp_path() const { return tmp_; }

 private:
  [[noreturn]] void fail(int err);
  std::string path_, option_, tmp_;
  int fd_ = -1;
  std::unique_ptr<__gnu_cxx::stdio_filebuf<char>> buf_;
  std::unique_ptr<std::ostream> os_;
  std::FILE* file_ = nullptr;
  int slot_ = -1;
  bool committed_ = false;
};

}  // namespace mmusim

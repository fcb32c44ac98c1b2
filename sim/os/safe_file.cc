#include "os/safe_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "util/input_error.h"
#include "os/interrupt.h"

namespace mmusim {

namespace {
mode_t current_umask() {
  const mode_t m = umask(0);
  umask(m);
  return m;
}
}  // namespace

void refuse_special_file(const std::string& path, const std::string& option) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return;
  if (S_ISLNK(st.st_mode))
    throw InputError(path, 0, option,
                     "is a symbolic link; mmusim does not write through links (remove it, or use another folder)");
  if (!S_ISREG(st.st_mode)) {
    const char* what = S_ISDIR(st.st_mode) ? "a folder" : S_ISFIFO(st.st_mode) ? "a FIFO" : "a device or socket";
    throw InputError(path, 0, option,
                     std::string("exists and is not a regular file (") + what + "); mmusim writes only regular files");
  }
}

int create_fresh_file(const std::string& path, const std::string& option) {
  refuse_special_file(path, option);
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    throw InputError(path, 0, option, std::string("cannot replace: ") + std::strerror(errno));
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) throw InputError(path, 0, option, std::string("cannot write: ") + std::strerror(errno));
  return fd;
}

AtomicFile::AtomicFile(std::string path, std::string option) : path_(std::move(path)), option_(std::move(option)) {
  refuse_special_file(path_, option_);
  std::vector<char> name(path_.begin(), path_.end());
  const std::string suffix = ".XXXXXX.tmp";
  name.insert(name.end(), suffix.begin(), suffix.end());
  name.push_back('\0');
  {
    const InterruptsBlocked blocked;  // an interrupt removes the file once it is made
    fd_ = mkostemps(name.data(), 4, O_CLOEXEC);
    if (fd_ >= 0) slot_ = remember_temp_file(name.data());
  }
  if (fd_ < 0) throw InputError(path_, 0, option_, std::string("cannot write: ") + std::strerror(errno));
  tmp_ = name.data();
  fchmod(fd_, 0666 & ~current_umask());  // mkstemp makes it 0600: as an ordinary new file instead
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  if (buf_) {
    os_.reset();
    buf_.reset();  // closes fd_
  } else if (file_) {
    std::fclose(file_);
  } else if (fd_ >= 0) {
    close(fd_);
  }
  unlink(tmp_.c_str());
  forget_temp_file(slot_);
}

std::ostream& AtomicFile::out() {
  if (!os_) {
    buf_ = std::make_unique<__gnu_cxx::stdio_filebuf<char>>(fd_, std::ios::out | std::ios::binary, 1 << 16);
    os_ = std::make_unique<std::ostream>(buf_.get());
  }
  return *os_;
}

std::FILE* AtomicFile::file() {
  if (!file_) {
    file_ = fdopen(fd_, "wb");
    if (!file_) fail(errno);
  }
  return file_;
}

void AtomicFile::fail(int err) {
  throw InputError(path_, 0, option_, std::string("cannot write: ") + std::strerror(err ? err : EIO));
}

void AtomicFile::commit() {
  errno = 0;
  if (os_) {
    os_->flush();
    if (!*os_) fail(errno);
    os_.reset();
    const bool closed = buf_->close() != nullptr;
    buf_.reset();
    fd_ = -1;
    if (!closed) fail(errno);
  } else if (file_) {
    const bool ok = std::fflush(file_) == 0 && !std::ferror(file_);
    const int err = errno;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    fd_ = -1;
    if (!ok || !closed) fail(ok ? errno : err);
  } else {
    close(fd_);
    fd_ = -1;
  }
  refuse_special_file(path_, option_);  // planted while we wrote?
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) fail(errno);
  committed_ = true;
  forget_temp_file(slot_);
}

}  // namespace mmusim

#include "os/folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/input_error.h"
#include "util/printable.h"

namespace mmusim {

FolderLock::FolderLock(const std::string& dir, const std::string& command) {
  const std::string path = dir + "/.mmusim-lock";
  // O_CLOEXEC: the programs a command starts do not hold the lock after it has ended.
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    const int err = errno;
    throw InputError(path, 0, "--out", err == ELOOP ? std::string("is a symbolic link; remove it")
                                                    : std::string("cannot create the folder's lock file: ") + std::strerror(err));
  }
  while (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    if (err == ENOLCK || err == EOPNOTSUPP) {  // a file system without locks (NFS without lockd): go on unlocked
      close(fd_);
      fd_ = -1;
      return;
    }
    char holder[256] = {};
    const ssize_t n = pread(fd_, holder, sizeof holder - 1, 0);
    std::string who = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "";
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK)
      throw InputError(path, 0, "--out", std::string("cannot lock the folder: ") + std::strerror(err));
    throw InputError(dir, 0, "--out",
                     "in use by another mmusim command (" + (who.empty() ? "process unknown" : printable(who, 200)) +
                         ", lock " + path + "); wait for it to end, or use another --out folder");
  }
  const std::string me = "process " + std::to_string(getpid()) + ": mmusim " + command + "\n";
  if (ftruncate(fd_, 0) != 0 || pwrite(fd_, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
    // The lock holds without the note: a refused command then names no process.
  }
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace mmusim

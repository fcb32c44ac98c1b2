// One command per output folder: `run`, `compare` and `sweep` hold an exclusive flock on
// DIR/.mmusim-lock for their whole life (their child runs lock their own folders), so that two
// commands never mix one run's files with another's. The file is left in place (removing it
// would let a third command lock a new file while a second still holds the old one); it holds the
// process id and command of the holder, for the message of the command refused. On a file system
// that has no locks (flock failing with ENOLCK or EOPNOTSUPP, as NFS without a lock daemon) the
// command goes on unlocked.
#pragma once
#include <string>

namespace mmusim {

class FolderLock {
 public:
  // Throws InputError(dir, 0, "--out", ...) naming the process that holds the folder.
  FolderLock(const std::string& dir, const std::string& command);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace mmusim

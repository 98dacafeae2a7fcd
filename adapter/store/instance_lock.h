// One adapter process per database file. Start-up recovery marks journalled
// attempts as interrupted, which is only right when no other process is
// running them, so a second process on the same file must not start.
//
// The lock follows the file, not the name it was given: an exclusive advisory
// lock (flock) on the database file itself, so the same file reached through
// a symlink, a hard link, a relative path or "dir/../file" meets the same
// lock. Beside it, a lock on "<canonical path>.lock" (symlinks and ".."
// resolved): that one still catches a second process after the database file
// was replaced by rename while the first one runs (a restore done without
// stopping it), and adapter versions that locked only "<path>.lock".
//
// Both are held for the life of the object and released by the kernel when
// the process dies, even by kill -9. flock locks do not interact with the
// POSIX (fcntl) locks SQLite takes on the same file on a local file system
// (on NFS, Linux emulates flock with fcntl locks: SQLite is not to be used on
// NFS anyway).
#pragma once

#include <memory>
#include <string>

#include "adapter/outbox.h"  // StoreError, StoreResult

namespace voip::store {

class InstanceLock {
 public:
  // Creates the database file when it does not exist (empty: SQLite takes an
  // empty file as an empty database), then locks it. Why not when another
  // process (or another InstanceLock in this one) holds the lock on the same
  // file, or the file cannot be opened or is not a regular file.
  [[nodiscard]] static StoreResult<std::unique_ptr<InstanceLock>> Acquire(const std::string& database_path);

  // Closes both descriptors. Destroy it only after every SQLite connection to
  // the file in this process is closed: closing any descriptor of a file drops
  // the POSIX locks the process holds on it, SQLite's included.
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  InstanceLock(int database_fd, int lock_file_fd) : database_fd_(database_fd), lock_file_fd_(lock_file_fd) {}
  int database_fd_;
  int lock_file_fd_;
};

}  // namespace voip::store

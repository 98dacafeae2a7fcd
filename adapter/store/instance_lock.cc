#include "adapter/store/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <variant>

#include "platform/errno_text.h"

namespace voip::store {
namespace {

// SQLite's default mode for the files it creates (before the umask); the
// lock file holds nothing and is the adapter's alone.
constexpr mode_t kDatabaseMode = 0644;
constexpr mode_t kLockFileMode = 0600;

// Why a second process may not use the database: `locked` says which lock was taken.
std::string InUse(const std::string& database_path, const std::string& locked) {
  return "the database '" + database_path + "' is in use by another adapter process (" + locked +
         "; the other process may name the same file otherwise: a symlink, a hard link or another path to it)";
}

// An open, exclusively flock-ed descriptor of `path` (created when missing),
// or why not. `database_path` names the database in messages.
StoreResult<int> OpenLocked(const std::string& path, mode_t mode, const std::string& database_path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, mode);
  if (fd < 0) return StoreError{"cannot open '" + path + "': " + ErrnoText(errno)};
  struct stat status {};
  if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(fd);
    return StoreError{"'" + path + "' is not a regular file"};
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int cause = errno;
    ::close(fd);
    return StoreError{cause != EWOULDBLOCK    ? "cannot lock '" + path + "': " + ErrnoText(cause)
                      : path == database_path ? InUse(database_path, "the file is locked")
                                              : InUse(database_path, "'" + path + "' is locked")};
  }
  return fd;
}

// `path` with every symlink and ".." resolved (the file exists by now), or
// why not.
StoreResult<std::string> Canonical(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    return StoreError{"cannot resolve '" + path + "': " + ErrnoText(errno)};
  }
  return std::string(resolved);
}

}  // namespace

StoreResult<std::unique_ptr<InstanceLock>> InstanceLock::Acquire(const std::string& database_path) {
  const StoreResult<int> database_fd = OpenLocked(database_path, kDatabaseMode, database_path);
  if (const auto* failure = std::get_if<StoreError>(&database_fd)) return *failure;
  StoreResult<std::string> canonical = Canonical(database_path);
  const StoreResult<int> lock_file_fd =
      std::holds_alternative<StoreError>(canonical)
          ? StoreResult<int>(std::get<StoreError>(canonical))
          : OpenLocked(std::get<std::string>(canonical) + ".lock", kLockFileMode, database_path);
  if (const auto* failure = std::get_if<StoreError>(&lock_file_fd)) {
    ::close(std::get<int>(database_fd));
    return *failure;
  }
  return std::unique_ptr<InstanceLock>(new InstanceLock(std::get<int>(database_fd), std::get<int>(lock_file_fd)));
}

InstanceLock::~InstanceLock() {
  ::close(lock_file_fd_);
  ::close(database_fd_);
}

}  // namespace voip::store

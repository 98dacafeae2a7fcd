#include "adapter/store/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>

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
// or nullopt and *error. `database_path` names the database in messages.
std::optional<int> OpenLocked(const std::string& path, mode_t mode, const std::string& database_path,
                              std::string* error) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, mode);
  if (fd < 0) {
    *error = "cannot open '" + path + "': " + ErrnoText(errno);
    return std::nullopt;
  }
  struct stat status {};
  if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    *error = "'" + path + "' is not a regular file";
    ::close(fd);
    return std::nullopt;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int cause = errno;
    *error = cause != EWOULDBLOCK    ? "cannot lock '" + path + "': " + ErrnoText(cause)
             : path == database_path ? InUse(database_path, "the file is locked")
                                     : InUse(database_path, "'" + path + "' is locked");
    ::close(fd);
    return std::nullopt;
  }
  return fd;
}

// `path` with every symlink and ".." resolved (the file exists by now), or
// nullopt and *error.
std::optional<std::string> Canonical(const std::string& path, std::string* error) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    *error = "cannot resolve '" + path + "': " + ErrnoText(errno);
    return std::nullopt;
  }
  return std::string(resolved);
}

}  // namespace

std::unique_ptr<InstanceLock> InstanceLock::Acquire(const std::string& database_path, std::string* error) {
  const std::optional<int> database_fd = OpenLocked(database_path, kDatabaseMode, database_path, error);
  if (!database_fd) return nullptr;
  std::optional<int> lock_file_fd;
  if (const auto canonical = Canonical(database_path, error)) {
    lock_file_fd = OpenLocked(*canonical + ".lock", kLockFileMode, database_path, error);
  }
  if (!lock_file_fd) {
    ::close(*database_fd);
    return nullptr;
  }
  return std::unique_ptr<InstanceLock>(new InstanceLock(*database_fd, *lock_file_fd));
}

InstanceLock::~InstanceLock() {
  ::close(lock_file_fd_);
  ::close(database_fd_);
}

}  // namespace voip::store

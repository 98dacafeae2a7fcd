// One adapter process per database: an exclusive advisory lock (flock) on
// "<database>.lock", held for the life of the process and released by the
// kernel when it dies, even by kill -9. Start-up recovery marks journalled
// attempts as interrupted, which is only right when no other process is
// running them.
#pragma once

#include <memory>
#include <string>

namespace voip::store {

class InstanceLock {
 public:
  // nullptr and *error when another process holds it or the file cannot be opened.
  static std::unique_ptr<InstanceLock> Acquire(const std::string& database_path, std::string* error);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace voip::store

// Readiness of the SQLite database for GET /ready: the file the adapter opened
// is still at its path, and a small write commits. The check runs at most once
// per interval however often it is asked (a probe call in between returns the
// last result), so a load balancer polling /ready does not cost a write per call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "adapter/store/sqlite_db.h"

namespace voip::store {

class DatabaseHealth {
 public:
  // Creates its one-row table and remembers which file is at db.path() now.
  // `db` must outlive it. Or why that failed.
  [[nodiscard]] static StoreResult<std::unique_ptr<DatabaseHealth>> Open(SqliteDatabase& db,
                                                                         std::chrono::milliseconds interval);

  // nullopt when the database was writable at the last check, else why not
  // (for /ready: the path and SQLite's words, no personal data). Checks again
  // when the last check is older than the interval. Thread-safe.
  std::optional<std::string> Check();

  // Runs a check now, whatever the interval (tests, and Open).
  std::optional<std::string> CheckNow();

 private:
  struct FileId {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
  };
  DatabaseHealth(SqliteDatabase& db, std::chrono::milliseconds interval, FileId file)
      : db_(db), interval_(interval), file_(file) {}
  std::optional<std::string> Probe();

  SqliteDatabase& db_;
  const std::chrono::milliseconds interval_;
  const FileId file_;
  std::mutex mutex_;  // one check at a time; guards the two below
  std::optional<std::string> last_;
  std::optional<std::chrono::steady_clock::time_point> checked_at_;
};

}  // namespace voip::store

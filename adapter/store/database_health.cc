#include "adapter/store/database_health.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "platform/errno_text.h"

namespace voip::store {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS adapter_health (id INTEGER PRIMARY KEY CHECK (id = 1), checked_ms INTEGER NOT NULL)";

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

StoreResult<std::unique_ptr<DatabaseHealth>> DatabaseHealth::Open(SqliteDatabase& db,
                                                                  std::chrono::milliseconds interval) {
  struct stat info {};
  if (::stat(db.path().c_str(), &info) != 0) {
    return StoreError{"cannot find the database file '" + db.path() + "': " + ErrnoText(errno)};
  }
  {
    std::lock_guard<std::mutex> lock(db.mutex());
    if (auto problem = db.Exec(kSchema)) {
      return StoreError{"cannot create the health table in '" + db.path() + "': " + *problem};
    }
  }
  const FileId file{static_cast<std::uint64_t>(info.st_dev), static_cast<std::uint64_t>(info.st_ino)};
  auto health = std::unique_ptr<DatabaseHealth>(new DatabaseHealth(db, interval, file));
  health->CheckNow();
  return health;
}

std::optional<std::string> DatabaseHealth::Check() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!checked_at_ || now - *checked_at_ >= interval_) {
    last_ = Probe();
    checked_at_ = now;
  }
  return last_;
}

std::optional<std::string> DatabaseHealth::CheckNow() {
  std::lock_guard<std::mutex> lock(mutex_);
  last_ = Probe();
  checked_at_ = std::chrono::steady_clock::now();
  return last_;
}

std::optional<std::string> DatabaseHealth::Probe() {
  // Writes through an open connection still succeed when the file was removed
  // or its directory moved, and are then lost at the next start: not ready.
  struct stat info {};
  if (::stat(db_.path().c_str(), &info) != 0 || static_cast<std::uint64_t>(info.st_dev) != file_.device ||
      static_cast<std::uint64_t>(info.st_ino) != file_.inode) {
    return "database '" + db_.path() + "' is no longer the file the adapter opened (removed, moved or replaced)";
  }
  std::lock_guard<std::mutex> lock(db_.mutex());
  Transaction transaction(db_);
  if (!transaction.ok()) return "database '" + db_.path() + "' is not writable: " + db_.LastError();
  Statement write(db_, "INSERT OR REPLACE INTO adapter_health (id, checked_ms) VALUES (1, ?1)");
  if (!write.Bind(1, NowMs()).Run() || !transaction.Commit()) {
    return "database '" + db_.path() + "' is not writable: " + db_.LastError();
  }
  return std::nullopt;
}

}  // namespace voip::store

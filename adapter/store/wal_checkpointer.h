// Copies the SQLite WAL back into the database file from its own thread and
// its own connection, so that no request's commit pays for a checkpoint.
//
// In WAL mode a checkpoint otherwise runs inside whichever commit crosses
// wal_autocheckpoint pages, holding the adapter's one connection (and every
// request waiting for it) through the copy and its fdatasync calls. A PASSIVE
// checkpoint on a second connection runs beside the writer; once it has copied
// everything, the writer's next transaction starts the WAL over, which keeps
// the WAL, and the lookups in its index, short (docs/performance.md).
// SqliteDatabase's wal_autocheckpoint stays as the backstop when this one
// falls behind. Durability is the commits', not the checkpoints'.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "adapter/store/sqlite_db.h"

namespace voip::store {

class WalCheckpointer {
 public:
  // Opens a second connection to the WAL database at `path` (created and put
  // in WAL mode by SqliteDatabase::Open before) and checkpoints every
  // `interval`; or why the connection cannot be opened.
  [[nodiscard]] static StoreResult<std::unique_ptr<WalCheckpointer>> Start(const std::string& path, SyncMode sync,
                                                                           std::chrono::milliseconds interval);
  ~WalCheckpointer();  // stops and joins; a checkpoint in progress finishes first
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints that copied every frame of the WAL so far (for tests).
  int CompleteCheckpoints() const;

 private:
  WalCheckpointer(std::unique_ptr<SqliteDatabase> db, std::chrono::milliseconds interval);
  void Run();

  std::unique_ptr<SqliteDatabase> db_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  int complete_ = 0;       // guarded by mutex_
  std::thread thread_;
};

}  // namespace voip::store

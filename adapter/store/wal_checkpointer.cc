#include "adapter/store/wal_checkpointer.h"

#include <sqlite3.h>

#include <utility>

namespace voip::store {

StoreResult<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& path, SyncMode sync,
                                                                     std::chrono::milliseconds interval) {
  StoreResult<std::unique_ptr<SqliteDatabase>> opened = SqliteDatabase::Open(path, sync);
  if (auto* failure = std::get_if<StoreError>(&opened)) return *failure;
  std::unique_ptr<SqliteDatabase> db = std::move(std::get<std::unique_ptr<SqliteDatabase>>(opened));
  // This connection writes nothing; it must never checkpoint by itself either.
  if (auto problem = db->Exec("PRAGMA wal_autocheckpoint=0")) {
    return StoreError{"cannot configure the checkpoint connection to '" + path + "': " + *problem};
  }
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(db), interval));
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<SqliteDatabase> db, std::chrono::milliseconds interval)
    : db_(std::move(db)), interval_(interval), thread_([this] { Run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

int WalCheckpointer::CompleteCheckpoints() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return complete_;
}

void WalCheckpointer::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    int wal_frames = 0;
    int copied_frames = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied_frames);
    lock.lock();
    // SQLITE_BUSY (another checkpoint running) and errors: try again next time;
    // the writer's own wal_autocheckpoint still bounds the WAL meanwhile.
    if (rc == SQLITE_OK && wal_frames > 0 && copied_frames == wal_frames) ++complete_;
  }
}

}  // namespace voip::store

// The WAL checkpointer against a real SQLite file: it copies the WAL back from
// its own connection while another connection writes.
#include "adapter/store/wal_checkpointer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "tests/support/results.h"
#include "tests/support/temp_dir.h"

namespace voip::store {
namespace {

constexpr int kBatches = 10;
constexpr int kBatch = 100;
constexpr long kFrame = 4096 + 24;  // a WAL frame: one page and its header

long FileSize(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? static_cast<long>(info.st_size) : -1;
}

// Commits one row, as the outbox does per request.
void CommitOneRow(SqliteDatabase& db) {
  Transaction transaction(db);
  ASSERT_TRUE(transaction.ok());
  Statement insert(db, "INSERT INTO t (v) VALUES ('x')");
  ASSERT_TRUE(insert.Run());
  ASSERT_TRUE(transaction.Commit());
}

// Polls up to 5 s for the checkpointer to finish one more complete checkpoint than `before`.
bool WaitForCheckpoint(const WalCheckpointer& checkpointer, int before) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (checkpointer.CompleteCheckpoints() <= before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return checkpointer.CompleteCheckpoints() > before;
}

// With the writer's own checkpoints off, the checkpointer copies the WAL back and the WAL
// starts over: after batches of commits, each followed by a checkpoint, the WAL file is only
// as large as one batch, not as all of them.
TEST(WalCheckpointerTest, CopiesTheWalBackSoItStartsOver) {
  testing::TempDir dir;
  const std::string path = dir.File("adapter.db");
  auto db = voip::testing::ResultValue(SqliteDatabase::Open(path, SyncMode::kNormal));
  ASSERT_TRUE(db);
  ASSERT_FALSE(db->Exec("PRAGMA wal_autocheckpoint=0; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"));
  auto checkpointer =
      voip::testing::ResultValue(WalCheckpointer::Start(path, SyncMode::kNormal, std::chrono::milliseconds(2)));
  ASSERT_TRUE(checkpointer);

  for (int batch = 0; batch < kBatches; ++batch) {
    for (int i = 0; i < kBatch; ++i) CommitOneRow(*db);
    // Two more: the second began after the batch's last commit, so it copied all of it.
    ASSERT_TRUE(WaitForCheckpoint(*checkpointer, checkpointer->CompleteCheckpoints() + 1)) << "batch " << batch;
  }

  // Every commit appends at least one page: without restarts the WAL would exceed all of them.
  EXPECT_LT(FileSize(path + "-wal"), 3 * kBatch * kFrame);
  Statement count(*db, "SELECT count(*) FROM t");
  ASSERT_TRUE(count.Step());
  EXPECT_EQ(count.Int(0), kBatches * kBatch);
}

// Stopping it (destruction) returns promptly and leaves the database usable.
TEST(WalCheckpointerTest, StopsOnDestruction) {
  testing::TempDir dir;
  const std::string path = dir.File("adapter.db");
  auto db = voip::testing::ResultValue(SqliteDatabase::Open(path, SyncMode::kNormal));
  ASSERT_TRUE(db);
  ASSERT_FALSE(db->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"));
  auto checkpointer =
      voip::testing::ResultValue(WalCheckpointer::Start(path, SyncMode::kNormal, std::chrono::hours(1)));
  ASSERT_TRUE(checkpointer);
  const auto start = std::chrono::steady_clock::now();
  checkpointer.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));  // not the 1 h interval
  CommitOneRow(*db);
}

// A path that cannot be opened is an error naming it, not a thread checkpointing nothing.
TEST(WalCheckpointerTest, UnopenablePathIsAnError) {
  const std::string error =
      voip::testing::ResultError(
          WalCheckpointer::Start("/nonexistent-dir/adapter.db", SyncMode::kNormal, std::chrono::milliseconds(100)))
          .message;
  EXPECT_NE(error.find("/nonexistent-dir/adapter.db"), std::string::npos) << error;
}

}  // namespace
}  // namespace voip::store

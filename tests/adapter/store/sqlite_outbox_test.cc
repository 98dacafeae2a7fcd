#include "adapter/store/sqlite_outbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/support/temp_dir.h"

namespace voip::store {
namespace {

MigrationStatusUpdate Customer() {
  MigrationStatusUpdate update;
  update.telephone_number = "447874384949";
  update.account_number = "123456789";
  update.site_reference = 42;
  return update;
}

MigrationStatusUpdate Created(const std::string& order) {
  MigrationStatusUpdate update = Customer();
  update.status = MigrationStatus::kWorkOrderCreated;
  update.order_number = order;
  return update;
}

class SqliteOutboxTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Closes and opens the same file again, as a restarted process would.
  void Reopen() {
    outbox_.reset();
    db_.reset();
    std::string error;
    db_ = SqliteDatabase::Open(dir_.File("adapter.db"), SyncMode::kNormal, &error);
    ASSERT_TRUE(db_) << error;
    SqliteOutboxOptions options;
    options.retry = {std::chrono::milliseconds(1000), std::chrono::milliseconds(8000)};
    options.now_ms = [this] { return now_ms_.load(); };
    options.seed = 7;
    outbox_ = SqliteOutbox::Open(*db_, options, &error);
    ASSERT_TRUE(outbox_) << error;
  }

  OutboxEntryId JournalOne() { return std::get<OutboxEntryId>(outbox_->Journal(Customer(), "corr-1")); }

  std::vector<OutboxEntry> List(OutboxView view) { return std::get<std::vector<OutboxEntry>>(outbox_->List(view)); }
  // Rows in the table, read without flushing.
  std::int64_t RowCount() {
    Statement count(*db_, "SELECT count(*) FROM outbox");
    return count.Step() ? count.Int(0) : -1;
  }
  std::vector<OutboxEntry> Due() { return std::get<std::vector<OutboxEntry>>(outbox_->Due(100)); }

  testing::TempDir dir_;
  std::atomic<std::int64_t> now_ms_{1'000'000};
  std::unique_ptr<SqliteDatabase> db_;
  std::unique_ptr<SqliteOutbox> outbox_;
};

// The database is in WAL mode.
TEST_F(SqliteOutboxTest, OpensInWalMode) {
  Statement mode(*db_, "PRAGMA journal_mode");
  ASSERT_TRUE(mode.Step());
  EXPECT_EQ(mode.Text(0), "wal");
}

// A journalled attempt is stored with the customer's identifiers, waiting, and survives a reopen.
TEST_F(SqliteOutboxTest, JournalledAttemptIsDurable) {
  const OutboxEntryId id = JournalOne();
  Reopen();
  const auto entries = List(OutboxView::kAll);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].id, id);
  EXPECT_EQ(entries[0].correlation_id, "corr-1");
  EXPECT_EQ(entries[0].work_order, WorkOrderState::kAttempting);
  EXPECT_EQ(entries[0].delivery, DeliveryState::kWaiting);
  EXPECT_EQ(entries[0].update.telephone_number, "447874384949");
  EXPECT_EQ(entries[0].update.account_number, "123456789");
  EXPECT_EQ(entries[0].update.site_reference, 42);
  EXPECT_EQ(entries[0].created_ms, 1'000'000);
}

// A recorded outcome is pending but not due while the synchronous attempt runs.
TEST_F(SqliteOutboxTest, RecordedOutcomeIsPendingNotDue) {
  const OutboxEntryId id = JournalOne();
  ASSERT_FALSE(outbox_->RecordOutcome(id, WorkOrderState::kCreated, Created("WO1")));
  EXPECT_TRUE(Due().empty());
  const auto pending = List(OutboxView::kPending);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].update.order_number, "WO1");
  EXPECT_EQ(pending[0].update.status, MigrationStatus::kWorkOrderCreated);
  EXPECT_FALSE(pending[0].next_attempt_ms.has_value());
}

// Delivered with a known outcome: the entry is removed once written.
TEST_F(SqliteOutboxTest, DeliveredKnownOutcomeIsRemoved) {
  const OutboxEntryId id = JournalOne();
  ASSERT_FALSE(outbox_->RecordOutcome(id, WorkOrderState::kCreated, Created("WO1")));
  outbox_->MarkDelivered(id);
  EXPECT_EQ(RowCount(), 1);  // deferred, not yet written
  ASSERT_FALSE(outbox_->Flush());
  EXPECT_EQ(RowCount(), 0);
}

// Delivered with an unknown outcome: kept and listed as unknown for operators.
TEST_F(SqliteOutboxTest, DeliveredUnknownOutcomeStaysListed) {
  const OutboxEntryId id = JournalOne();
  MigrationStatusUpdate unknown = Customer();
  unknown.status = MigrationStatus::kWorkOrderOutcomeUnknown;
  unknown.reason = "timed out";
  ASSERT_FALSE(outbox_->RecordOutcome(id, WorkOrderState::kUnknown, unknown));
  outbox_->MarkDelivered(id);
  ASSERT_FALSE(outbox_->Flush());
  const auto entries = List(OutboxView::kUnknown);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].delivery, DeliveryState::kDelivered);
  EXPECT_EQ(entries[0].update.reason, "timed out");
  EXPECT_TRUE(List(OutboxView::kPending).empty());
}

// Count() reports pending, unknown-outcome and dead-lettered entries and the oldest pending one.
TEST_F(SqliteOutboxTest, CountsWhatIsOutstanding) {
  const OutboxEntryId pending = JournalOne();
  ASSERT_FALSE(outbox_->RecordOutcome(pending, WorkOrderState::kCreated, Created("WO1")));
  now_ms_ += 500;
  const OutboxEntryId unknown = JournalOne();
  MigrationStatusUpdate update = Customer();
  update.status = MigrationStatus::kWorkOrderOutcomeUnknown;
  ASSERT_FALSE(outbox_->RecordOutcome(unknown, WorkOrderState::kUnknown, update));
  outbox_->MarkDelivered(unknown);  // told MIDAS, still unknown until resolved
  const OutboxEntryId dead = JournalOne();
  ASSERT_FALSE(outbox_->RecordOutcome(dead, WorkOrderState::kFailed, Customer()));
  ASSERT_FALSE(outbox_->DeadLetter(dead, "rejected"));
  JournalOne();  // still attempting: neither pending nor parked

  const OutboxCounts counts = std::get<OutboxCounts>(outbox_->Count());
  EXPECT_EQ(counts.pending, 1);
  EXPECT_EQ(counts.unknown_outcome, 1);
  EXPECT_EQ(counts.dead_lettered, 1);
  EXPECT_EQ(counts.oldest_pending_since_ms, 1'000'000);
}

// An empty outbox counts zero everywhere and has no oldest pending entry.
TEST_F(SqliteOutboxTest, CountsNothingWhenEmpty) {
  const OutboxCounts counts = std::get<OutboxCounts>(outbox_->Count());
  EXPECT_EQ(counts.pending + counts.unknown_outcome + counts.dead_lettered, 0);
  EXPECT_FALSE(counts.oldest_pending_since_ms.has_value());
}

// A failed attempt is counted and scheduled within the first backoff ceiling.
TEST_F(SqliteOutboxTest, FailedAttemptIsScheduledWithBackoff) {
  const OutboxEntryId id = JournalOne();
  ASSERT_FALSE(outbox_->RecordOutcome(id, WorkOrderState::kCreated, Created("WO1")));
  outbox_->MarkAttemptFailed(id, "MIDAS could not be reached");
  ASSERT_FALSE(outbox_->Flush());
  const OutboxEntry entry = List(OutboxView::kPending).at(0);
  EXPECT_EQ(entry.attempts, 1);
  EXPECT_EQ(entry.last_error, "MIDAS could not be reached");
  ASSERT_TRUE(entry.next_attempt_ms.has_value());
  EXPECT_GE(*entry.next_attempt_ms, 1'000'000);
  EXPECT_LE(*entry.next_attempt_ms, 1'001'000);
  now_ms_ = 1'001'000;
  EXPECT_EQ(Due().size(), 1u);
}

// After a restart, an attempt left journalled becomes an unknown outcome due for MIDAS, never a failure.
TEST_F(SqliteOutboxTest, RecoveryTurnsInterruptedAttemptsIntoUnknown) {
  JournalOne();
  Reopen();
  EXPECT_EQ(std::get<int>(outbox_->RecoverInterrupted()), 1);
  const auto due = Due();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].work_order, WorkOrderState::kUnknown);
  EXPECT_EQ(due[0].update.status, MigrationStatus::kWorkOrderOutcomeUnknown);
  EXPECT_EQ(due[0].update.reason, kInterruptedReason);
  EXPECT_EQ(List(OutboxView::kUnknown).size(), 1u);
}

// After a restart, a pending update whose synchronous attempt was cut short is due at once.
TEST_F(SqliteOutboxTest, RecoveryMakesCutShortUpdatesDue) {
  const OutboxEntryId id = JournalOne();
  ASSERT_FALSE(outbox_->RecordOutcome(id, WorkOrderState::kCreated, Created("WO1")));
  Reopen();
  EXPECT_EQ(std::get<int>(outbox_->RecoverInterrupted()), 1);
  const auto due = Due();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].work_order, WorkOrderState::kCreated);
  EXPECT_EQ(due[0].update.order_number, "WO1");
}

// A dead letter leaves the due list and is re-driven with its age and attempts restarted.
TEST_F(SqliteOutboxTest, DeadLetterIsListedAndRedriven) {
  const OutboxEntryId id = JournalOne();
  ASSERT_FALSE(outbox_->RecordOutcome(id, WorkOrderState::kCreated, Created("WO1")));
  outbox_->MarkAttemptFailed(id, "down");
  ASSERT_FALSE(outbox_->DeadLetter(id, "too old"));
  now_ms_ = 5'000'000;
  EXPECT_TRUE(Due().empty());
  ASSERT_EQ(List(OutboxView::kDeadLettered).size(), 1u);
  EXPECT_EQ(List(OutboxView::kDeadLettered)[0].last_error, "too old");
  EXPECT_EQ(std::get<int>(outbox_->Redrive(id)), 1);
  const auto due = Due();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempts, 0);
  EXPECT_EQ(due[0].pending_since_ms, 5'000'000);
  EXPECT_EQ(std::get<int>(outbox_->Redrive(id)), 0);  // no longer dead
}

// Concurrent journalling from many threads loses nothing.
TEST_F(SqliteOutboxTest, ConcurrentWritesAreAllKept) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < 25; ++i) {
        const OutboxEntryId id = JournalOne();
        EXPECT_FALSE(outbox_->RecordOutcome(id, WorkOrderState::kCreated, Created("WO" + std::to_string(id))));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(List(OutboxView::kPending).size(), 200u);
}

}  // namespace
}  // namespace voip::store

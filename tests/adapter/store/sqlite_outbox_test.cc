#include "adapter/store/sqlite_outbox.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <optional>
#include <set>
#include <thread>

#include "tests/support/results.h"
#include "tests/support/temp_dir.h"

namespace voip::store {
namespace {

MigrationStatusUpdate Customer(const std::string& telephone = "447874384949") {
  MigrationStatusUpdate update;
  update.telephone_number = telephone;
  update.account_number = "123456789";
  update.site_reference = 42;
  return update;
}

MigrationStatusUpdate Created(const std::string& order, const std::string& telephone = "447874384949") {
  MigrationStatusUpdate update = Customer(telephone);
  update.status = MigrationStatus::kWorkOrderCreated;
  update.order_number = order;
  return update;
}

MigrationStatusUpdate Failed(const std::string& telephone = "447874384949") {
  MigrationStatusUpdate update = Customer(telephone);
  update.status = MigrationStatus::kWorkOrderFailed;
  update.reason = "Site reference not known";
  return update;
}

class SqliteOutboxTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Closes and opens the same file again, as a restarted process would.
  void Reopen() {
    outbox_.reset();
    db_.reset();
    db_ = voip::testing::ResultValue(SqliteDatabase::Open(dir_.File("adapter.db"), SyncMode::kNormal));
    ASSERT_TRUE(db_);
    SqliteOutboxOptions options;
    options.retry = {std::chrono::milliseconds(1000), std::chrono::milliseconds(8000)};
    options.now_ms = [this] { return now_ms_.load(); };
    options.seed = 7;
    outbox_ = voip::testing::ResultValue(SqliteOutbox::Open(*db_, options));
    ASSERT_TRUE(outbox_);
  }

  OutboxEntryId JournalOne(const std::string& telephone = "447874384949") {
    return std::get<OutboxEntryId>(outbox_->Journal(Customer(telephone), "corr-1"));
  }
  // Journals and records an outcome (pending) for the customer of `update`.
  OutboxEntryId Recorded(const MigrationStatusUpdate& update, WorkOrderState state = WorkOrderState::kCreated) {
    const OutboxEntryId id = std::get<OutboxEntryId>(outbox_->Journal(update, "corr-1"));
    EXPECT_FALSE(outbox_->RecordOutcome(id, state, update));
    return id;
  }
  OutboxEntry Entry(OutboxEntryId id) {
    for (const OutboxEntry& entry : List(OutboxView::kAll)) {
      if (entry.id == id) return entry;
    }
    ADD_FAILURE() << "no entry " << id;
    return {};
  }

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
  const OutboxEntryId pending = JournalOne("447700000001");
  ASSERT_FALSE(outbox_->RecordOutcome(pending, WorkOrderState::kCreated, Created("WO1", "447700000001")));
  now_ms_ += 500;
  const OutboxEntryId unknown = JournalOne("447700000002");
  MigrationStatusUpdate update = Customer("447700000002");
  update.status = MigrationStatus::kWorkOrderOutcomeUnknown;
  ASSERT_FALSE(outbox_->RecordOutcome(unknown, WorkOrderState::kUnknown, update));
  outbox_->MarkDelivered(unknown);  // told MIDAS, still unknown until resolved
  const OutboxEntryId dead = JournalOne("447700000003");
  ASSERT_FALSE(outbox_->RecordOutcome(dead, WorkOrderState::kFailed, Failed("447700000003")));
  ASSERT_FALSE(outbox_->DeadLetter(dead, "rejected"));
  Recorded(Created("WO4", "447700000003"));  // supersedes the dead letter, and is pending itself
  JournalOne();                              // still attempting: neither pending nor parked

  const OutboxCounts counts = std::get<OutboxCounts>(outbox_->Count());
  EXPECT_EQ(counts.pending, 2);
  EXPECT_EQ(counts.unknown_outcome, 1);
  EXPECT_EQ(counts.dead_lettered, 0);
  EXPECT_EQ(counts.superseded, 1);
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

// Concurrent journalling from many threads loses nothing: every customer's update is kept, pending.
TEST_F(SqliteOutboxTest, ConcurrentWritesAreAllKept) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string telephone = "4477000" + std::to_string(10000 + t * 100 + i);
        const OutboxEntryId id = JournalOne(telephone);
        EXPECT_FALSE(
            outbox_->RecordOutcome(id, WorkOrderState::kCreated, Created("WO" + std::to_string(id), telephone)));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(List(OutboxView::kPending).size(), 200u);
}

// Concurrent outcomes for one customer share commits, take distinct sequences, and leave exactly one
// update pending: the newest (highest sequence); the other 199 are superseded by a newer entry.
TEST_F(SqliteOutboxTest, ConcurrentOutcomesForOneCustomerLeaveOnlyTheNewestPending) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < 25; ++i) Recorded(Created("WO"));
    });
  }
  for (auto& thread : threads) thread.join();
  const std::vector<OutboxEntry> all = List(OutboxView::kAll);
  ASSERT_EQ(all.size(), 200u);
  std::set<std::int64_t> sequences;
  std::int64_t newest = 0;
  for (const OutboxEntry& entry : all) {
    sequences.insert(entry.sequence);
    newest = std::max(newest, entry.sequence);
  }
  EXPECT_EQ(sequences.size(), 200u);
  const std::vector<OutboxEntry> pending = List(OutboxView::kPending);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].sequence, newest);
  const std::vector<OutboxEntry> superseded = List(OutboxView::kSuperseded);
  ASSERT_EQ(superseded.size(), 199u);
  for (const OutboxEntry& entry : superseded) {
    ASSERT_TRUE(entry.superseded_by.has_value());
    EXPECT_GT(Entry(*entry.superseded_by).sequence, entry.sequence);
  }
}

// Recording an outcome assigns the next sequence, across a reopen (the counter is in the database).
TEST_F(SqliteOutboxTest, SequencesIncreaseAcrossReopen) {
  const OutboxEntryId first = Recorded(Created("WO1", "447700000001"));
  const OutboxEntryId attempting = JournalOne("447700000002");
  Reopen();
  const OutboxEntryId second = Recorded(Created("WO2", "447700000003"));
  EXPECT_GT(Entry(first).sequence, 0);
  EXPECT_EQ(Entry(attempting).sequence, 0);  // not decided yet
  EXPECT_EQ(Entry(second).sequence, Entry(first).sequence + 1);
}

// A newer outcome for the same customer supersedes the older pending update: listed as superseded, by
// the newer entry, never due; another customer's pending update is untouched.
TEST_F(SqliteOutboxTest, NewerOutcomeSupersedesOlderPendingUpdateOfTheSameCustomer) {
  const OutboxEntryId older = Recorded(Failed(), WorkOrderState::kFailed);
  outbox_->MarkAttemptFailed(older, "MIDAS could not be reached");
  const OutboxEntryId other = Recorded(Failed("447700000001"), WorkOrderState::kFailed);
  outbox_->MarkAttemptFailed(other, "MIDAS could not be reached");
  ASSERT_FALSE(outbox_->Flush());
  const OutboxEntryId newer = Recorded(Created("WO2"));

  const std::vector<OutboxEntry> superseded = List(OutboxView::kSuperseded);
  ASSERT_EQ(superseded.size(), 1u);
  EXPECT_EQ(superseded[0].id, older);
  EXPECT_EQ(superseded[0].delivery, DeliveryState::kSuperseded);
  EXPECT_EQ(superseded[0].superseded_by, newer);
  EXPECT_EQ(superseded[0].update.status, MigrationStatus::kWorkOrderFailed);
  now_ms_ = 9'000'000;
  const auto due = Due();
  ASSERT_EQ(due.size(), 1u);  // the newer one's synchronous attempt is still running: not due
  EXPECT_EQ(due[0].id, other);
  EXPECT_EQ(std::get<OutboxCounts>(outbox_->Count()).superseded, 1);
}

// A dead-lettered update is superseded by a newer outcome for its customer, so a re-drive cannot send it.
TEST_F(SqliteOutboxTest, NewerOutcomeSupersedesDeadLetter) {
  const OutboxEntryId dead = Recorded(Failed(), WorkOrderState::kFailed);
  ASSERT_FALSE(outbox_->DeadLetter(dead, "rejected"));
  const OutboxEntryId newer = Recorded(Created("WO2"));
  EXPECT_EQ(Entry(dead).delivery, DeliveryState::kSuperseded);
  EXPECT_EQ(Entry(dead).superseded_by, newer);
  EXPECT_EQ(std::get<int>(outbox_->Redrive(std::nullopt)), 0);
}

// A superseded update whose delivery was already under way and then acknowledged is delivered (removed
// with a known outcome), not superseded: superseded means never sent.
TEST_F(SqliteOutboxTest, SupersededUpdateAcknowledgedMeanwhileIsDelivered) {
  const OutboxEntryId older = Recorded(Failed(), WorkOrderState::kFailed);
  const OutboxEntryId newer = Recorded(Created("WO2"));
  outbox_->MarkDelivered(older);
  ASSERT_FALSE(outbox_->Flush());
  EXPECT_TRUE(List(OutboxView::kSuperseded).empty());
  const std::vector<OutboxEntry> all = List(OutboxView::kAll);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, newer);
}

// An attempt interrupted by a crash is decided at recovery: it takes the next sequence and supersedes
// the older pending update of its customer.
TEST_F(SqliteOutboxTest, RecoveredAttemptSupersedesOlderPendingUpdate) {
  const OutboxEntryId older = Recorded(Failed(), WorkOrderState::kFailed);
  const OutboxEntryId interrupted = JournalOne();
  Reopen();
  EXPECT_EQ(std::get<int>(outbox_->RecoverInterrupted()), 1);
  EXPECT_EQ(Entry(older).delivery, DeliveryState::kSuperseded);
  EXPECT_EQ(Entry(older).superseded_by, interrupted);
  EXPECT_GT(Entry(interrupted).sequence, Entry(older).sequence);
  const auto due = Due();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, interrupted);
}

// A delivery claim reads where the entry stands: pending -> newest; superseded; waiting -> not pending.
TEST_F(SqliteOutboxTest, ClaimReadsWhereTheEntryStands) {
  const OutboxEntryId older = Recorded(Failed(), WorkOrderState::kFailed);
  const OutboxEntryId newer = Recorded(Created("WO2"));
  const OutboxEntryId waiting = JournalOne("447700000001");
  EXPECT_EQ(outbox_->ClaimDelivery(newer, Customer()).standing(), ClaimStanding::kNewest);
  EXPECT_EQ(outbox_->ClaimDelivery(older, Customer()).standing(), ClaimStanding::kSuperseded);
  EXPECT_EQ(outbox_->ClaimDelivery(waiting, Customer("447700000001")).standing(), ClaimStanding::kNotPending);
}

// While one customer's delivery claim is held, another customer's claim is granted at once (the turns
// are per customer: adapter/keyed_mutex_test.cc proves one customer's claims take turns).
TEST_F(SqliteOutboxTest, ClaimOnAnotherCustomerIsNotHeldUp) {
  const OutboxEntryId id = Recorded(Created("WO1"));
  const OutboxEntryId other = Recorded(Created("WO2", "447700000001"));
  const DeliveryClaim held = outbox_->ClaimDelivery(id, Customer());
  auto another = std::async(std::launch::async,
                            [&] { return outbox_->ClaimDelivery(other, Customer("447700000001")).standing(); });
  ASSERT_EQ(another.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(another.get(), ClaimStanding::kNewest);
  EXPECT_EQ(held.standing(), ClaimStanding::kNewest);
}

// A database written by version 1 (no sequence, two pending updates for one customer) is migrated on
// open (to the current version): the older is superseded by the newer, sequences follow the journal, and new
// ones come after.
TEST_F(SqliteOutboxTest, MigratesAVersion1Database) {
  outbox_.reset();
  ASSERT_FALSE(db_->Exec("DROP TABLE outbox; DROP TABLE outbox_sequence; DROP TABLE schema_version;"));
  ASSERT_FALSE(db_->Exec(
      "CREATE TABLE outbox (id INTEGER PRIMARY KEY, correlation_id TEXT NOT NULL, telephone_number TEXT NOT NULL, "
      "account_number TEXT NOT NULL, site_reference INTEGER NOT NULL, work_order TEXT NOT NULL, status TEXT, "
      "order_number TEXT, reason TEXT, delivery TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, "
      "created_ms INTEGER NOT NULL, pending_since_ms INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER, "
      "last_error TEXT);"
      "INSERT INTO outbox (id, correlation_id, telephone_number, account_number, site_reference, work_order, "
      "status, delivery, created_ms, next_attempt_ms) VALUES "
      "(1, 'c1', '447874384949', '123456789', 42, 'failed', 'WORK_ORDER_FAILED', 'pending', 1, 5), "
      "(2, 'c2', '447874384949', '123456789', 42, 'created', 'WORK_ORDER_CREATED', 'pending', 2, 5), "
      "(3, 'c3', '447700000001', '123456789', 42, 'failed', 'WORK_ORDER_FAILED', 'pending', 3, 5);"));
  Reopen();
  EXPECT_EQ(Entry(1).delivery, DeliveryState::kSuperseded);
  EXPECT_EQ(Entry(1).superseded_by, 2);
  EXPECT_EQ(Entry(2).delivery, DeliveryState::kPending);
  EXPECT_EQ(Entry(3).delivery, DeliveryState::kPending);
  EXPECT_EQ(Entry(2).sequence, 2);
  const OutboxEntryId next = Recorded(Created("WO4", "447700000002"));
  EXPECT_EQ(Entry(next).sequence, 4);
  Statement version(*db_, "SELECT version FROM schema_version WHERE component = 'outbox'");
  ASSERT_TRUE(version.Step());
  EXPECT_EQ(version.Int(0), SqliteOutbox::KnownSchemaVersion());
  EXPECT_TRUE(Entry(2).trace.empty());  // version 3's trace_context: none for entries from before
}

// A database whose outbox schema is newer than this code's is refused, not used.
TEST_F(SqliteOutboxTest, RefusesANewerSchema) {
  outbox_.reset();
  ASSERT_FALSE(db_->Exec("UPDATE schema_version SET version = 4 WHERE component = 'outbox'"));
  const std::string error = voip::testing::ResultError(SqliteOutbox::Open(*db_, {})).message;
  EXPECT_NE(error.find("schema version 4 is newer"), std::string::npos) << error;
}

}  // namespace
}  // namespace voip::store

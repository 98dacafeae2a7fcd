// The Outbox in an embedded SQLite database (one table, `outbox`), plus what
// only operators and start-up need: recovery of attempts interrupted by a
// crash, listing, and re-driving dead letters.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "adapter/keyed_mutex.h"
#include "adapter/outbox.h"
#include "adapter/resilience/retry_policy.h"
#include "adapter/store/group_commit.h"
#include "adapter/store/sqlite_db.h"

namespace voip::store {

struct SqliteOutboxOptions {
  RetryPolicyOptions retry;
  std::function<std::int64_t()> now_ms;  // Unix milliseconds; the system clock when unset
  std::uint64_t seed = 0;                // jitter seed; 0: random
};

// What an operator lists.
enum class OutboxView {
  kPending,       // waiting or pending (in flight, or to be retried)
  kDeadLettered,  // parked
  kUnknown,       // work-order outcome unknown, whatever the delivery state
  kSuperseded,    // never sent: a newer update for the same customer superseded it (kept for audit)
  kAll,
};

// The reason sent to MIDAS for an attempt that a crash interrupted.
inline constexpr const char* kInterruptedReason =
    "The adapter stopped while the work order was being created; whether it was created is unknown";

class SqliteOutbox : public Outbox {
 public:
  // Creates the tables, or migrates those of an older version (the version
  // is recorded in the table schema_version, component 'outbox'), in one
  // transaction. `db` must outlive the outbox. Or why the schema cannot be
  // created or migrated, or is newer than this code's.
  [[nodiscard]] static StoreResult<std::unique_ptr<SqliteOutbox>> Open(SqliteDatabase& db, SqliteOutboxOptions options);
  ~SqliteOutbox() override;  // flushes

  StoreResult<OutboxEntryId> Journal(const MigrationStatusUpdate& update, const std::string& correlation_id) override;
  StoreFailure RecordOutcome(OutboxEntryId id, WorkOrderState outcome, const MigrationStatusUpdate& update) override;
  void MarkDelivered(OutboxEntryId id) override;
  void MarkAttemptFailed(OutboxEntryId id, const std::string& error) override;
  StoreFailure DeadLetter(OutboxEntryId id, const std::string& reason) override;
  // Serialised per customer identity by an in-process KeyedMutex: the
  // adapter process that holds the instance lock is the only one delivering
  // from this database.
  DeliveryClaim ClaimDelivery(OutboxEntryId id, const MigrationStatusUpdate& update) override;
  StoreFailure Flush() override;
  StoreResult<std::vector<OutboxEntry>> Due(int limit) override;
  StoreResult<OutboxCounts> Count() override;

  // At start-up, before serving, by the one process that owns the database:
  // attempts still journalled as kAttempting were interrupted, so their outcome
  // becomes kUnknown and MIDAS is to be told WORK_ORDER_OUTCOME_UNKNOWN with
  // kInterruptedReason (decided now: each takes the next sequence and
  // supersedes what is older for its customer); pending entries whose synchronous attempt was cut short
  // become due now. Returns how many entries it touched.
  [[nodiscard]] StoreResult<int> RecoverInterrupted();

  // Entries in `view`, oldest first.
  [[nodiscard]] StoreResult<std::vector<OutboxEntry>> List(OutboxView view);

  // Puts a dead-lettered entry (or every one when `id` is unset) back to
  // pending, due now, with its age and attempt count restarted. Returns how
  // many were re-driven (0 when `id` is not dead-lettered).
  [[nodiscard]] StoreResult<int> Redrive(std::optional<OutboxEntryId> id);

  // Removes an entry with an unknown work-order outcome once an operator has
  // checked it, provided MIDAS has been told (delivered), it is dead-lettered,
  // or it was superseded.
  // Returns 1 when removed, 0 otherwise.
  [[nodiscard]] StoreResult<int> Resolve(OutboxEntryId id);

 private:
  struct Deferred {
    OutboxEntryId id;
    bool delivered;  // else: a failed attempt
    std::string error;
  };
  SqliteOutbox(SqliteDatabase& db, SqliteOutboxOptions options);
  std::int64_t Now() const { return options_.now_ms(); }
  // With the database mutex held, inside a transaction.
  bool ApplyDeferredLocked(std::vector<Deferred>& deferred);
  std::vector<Deferred> TakeDeferred();
  StoreError Failed(const std::string& what);
  // With the database mutex held, inside a transaction: the next sequence
  // (nullopt on failure); the rule's supersede step for entry `id`.
  std::optional<std::int64_t> NextSequenceLocked();
  bool SupersedeOlderLocked(OutboxEntryId id, std::int64_t sequence);

  SqliteDatabase& db_;
  SqliteOutboxOptions options_;
  // The hot statements, prepared once (used under the database mutex).
  std::unique_ptr<Statement> insert_, record_, next_sequence_, supersede_, standing_, remove_, delivered_, attempts_,
      failed_, count_;
  RetryPolicy retry_;
  std::mutex deferred_mutex_;
  std::vector<Deferred> deferred_;
  // Journal and RecordOutcome: concurrent requests' writes share commits.
  GroupCommit group_;
  KeyedMutex turns_;  // delivery turns per customer identity (ClaimDelivery)
};

}  // namespace voip::store

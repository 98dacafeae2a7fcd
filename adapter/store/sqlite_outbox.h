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
#include "adapter/outbox_admin.h"
#include "adapter/resilience/retry_policy.h"
#include "adapter/store/group_commit.h"
#include "adapter/store/sqlite_db.h"

namespace voip::store {

struct SqliteOutboxOptions {
  RetryPolicyOptions retry;
  std::function<std::int64_t()> now_ms;  // Unix milliseconds; the system clock when unset
  std::uint64_t seed = 0;                // jitter seed; 0: random
};

using voip::kInterruptedReason;
using voip::OutboxView;

class SqliteOutbox : public Outbox, public OutboxAdmin {
 public:
  // Creates the tables, or migrates those of an older version, in one
  // transaction, and records the version in PRAGMA user_version (a file from
  // before issue 13 holds it in the table schema_version, component
  // 'outbox': read there, then recorded in user_version too). `db` must
  // outlive the outbox. Or why the schema cannot be created or migrated, or
  // is newer than this code's.
  [[nodiscard]] static StoreResult<std::unique_ptr<SqliteOutbox>> Open(SqliteDatabase& db, SqliteOutboxOptions options);
  ~SqliteOutbox() override;  // flushes

  // The schema version this code writes, and the one in `db`'s file (0: no
  // outbox yet); `db status` prints both.
  static int KnownSchemaVersion();
  [[nodiscard]] static StoreResult<int> SchemaVersionOf(SqliteDatabase& db);

  using Outbox::Journal;
  StoreResult<OutboxEntryId> Journal(const MigrationStatusUpdate& update, const std::string& correlation_id,
                                     const TraceContext& trace) override;
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

  // At start-up, before serving, by the one process that owns the database
  // (instance_lock.h): every attempt still journalled as kAttempting was
  // interrupted (OutboxAdmin has the rest of the contract).
  StoreResult<int> RecoverInterrupted() override;
  StoreResult<std::vector<OutboxEntry>> List(OutboxView view) override;
  StoreResult<int> Redrive(std::optional<OutboxEntryId> id) override;
  StoreResult<int> Resolve(OutboxEntryId id) override;

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

// The Outbox in PostgreSQL, shared by several adapter instances (issue 13).
// The rules are those of adapter/outbox.h and adapter/outbox_admin.h; what
// differs from the SQLite store is how they hold between processes:
// - Newest truth wins: RecordOutcome takes a transaction-scoped advisory lock
//   on the customer identity (pg_advisory_xact_lock(1, hashtext(identity))),
//   so the sequence (a PostgreSQL sequence) and the supersede step commit in
//   the order the sequence says; ClaimDelivery holds another advisory lock on
//   the identity (the one-key space: hashtextextended(identity, 0)) in a
//   transaction on its own connection across the MIDAS call, so two instances
//   never deliver for one customer at once (an entry no longer pending
//   takes no turn: it is not sent). The deferred delivery results are
//   written on that connection before the turn is released. Each of these
//   steps is one round trip (a pipeline of statements) on prepared statements.
//   Within one process, requests for one customer first take turns in an
//   in-process KeyedMutex (one for recording, one for delivering) and only
//   then take a connection: a request waiting for its customer holds no
//   connection, and the server's lock queues hold one waiter per instance.
// - Leases: a journalled attempt belongs to the instance whose request runs
//   it until `request_lease` after its last write; the relay's Due claims a
//   batch of due entries with SELECT ... FOR UPDATE SKIP LOCKED and leases
//   them for `delivery_lease`, so two relays never take the same entry while
//   the lease holds. Due also recovers what dead instances left: attempts
//   whose lease ran out become unknown outcomes (as after a crash), and
//   pending entries whose synchronous attempt was cut short become due.
// A lease that runs out while its holder still works means, at worst, a
// second delivery of the same absolute update (docs/delivery.md).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "adapter/keyed_mutex.h"
#include "adapter/outbox.h"
#include "adapter/outbox_admin.h"
#include "adapter/resilience/retry_policy.h"
#include "adapter/store/pg_pool.h"

namespace voip::store {

struct PgOutboxOptions {
  RetryPolicyOptions retry;
  std::function<std::int64_t()> now_ms;             // Unix milliseconds; the system clock when unset
  std::uint64_t seed = 0;                           // jitter seed; 0: random
  std::string instance;                             // this process's name in leases (owner column)
  std::chrono::milliseconds request_lease{45000};   // longer than any request may run
  std::chrono::milliseconds delivery_lease{30000};  // a relay's hold on the batch it claimed
};

class PgOutbox : public Outbox, public OutboxAdmin {
 public:
  // `pool` must outlive the outbox and its schema be migrated (pg_schema.h).
  PgOutbox(PgPool& pool, PgOutboxOptions options);
  ~PgOutbox() override;  // flushes

  using Outbox::Journal;
  StoreResult<OutboxEntryId> Journal(const MigrationStatusUpdate& update, const std::string& correlation_id,
                                     const TraceContext& trace) override;
  StoreFailure RecordOutcome(OutboxEntryId id, WorkOrderState outcome, const MigrationStatusUpdate& update) override;
  void MarkDelivered(OutboxEntryId id) override;
  void MarkAttemptFailed(OutboxEntryId id, const std::string& error) override;
  StoreFailure DeadLetter(OutboxEntryId id, const std::string& reason) override;
  DeliveryClaim ClaimDelivery(OutboxEntryId id, const MigrationStatusUpdate& update) override;
  StoreFailure Flush() override;
  // Recovers what dead instances left (see above), then claims up to `limit`
  // due entries (never more than kClaimBatch at once) for this instance.
  StoreResult<std::vector<OutboxEntry>> Due(int limit) override;
  StoreResult<OutboxCounts> Count() override;

  // Only attempts and cut-short deliveries whose lease ran out: other
  // instances may be running theirs (OutboxAdmin has the rest).
  StoreResult<int> RecoverInterrupted() override;
  StoreResult<std::vector<OutboxEntry>> List(OutboxView view) override;
  StoreResult<int> Redrive(std::optional<OutboxEntryId> id) override;
  StoreResult<int> Resolve(OutboxEntryId id) override;

  static constexpr int kClaimBatch = 20;

 private:
  struct Deferred {
    OutboxEntryId id;
    bool delivered;  // else: a failed attempt
    std::string error;
  };
  std::int64_t Now() const { return options_.now_ms(); }
  std::vector<Deferred> TakeDeferred();
  void Requeue(std::vector<Deferred> deferred);
  // On `connection`, inside a transaction: writes `deferred` and commits (the
  // deliveries and the COMMIT in one round trip). The failure otherwise (the
  // transaction is then left to roll back).
  std::optional<std::string> CommitDeferred(PgConnection& connection, const std::vector<Deferred>& deferred);
  bool ApplyFailedAttempt(PgConnection& connection, const Deferred& failed);
  std::int64_t RetryAt(int attempts);
  void ReleaseTurn(PgConnection& connection);
  // Recovers one interrupted attempt whose lease ran out; 0 when none is left.
  StoreResult<int> RecoverOneAttempt(std::int64_t now);
  StoreResult<int> RecoverCutShort(std::int64_t now);
  // Runs one statement on a pooled connection; a failure says `what`.
  StoreResult<PgResult> Run(const std::string& what, std::string_view sql, const PgParams& params);

  PgPool& pool_;
  PgOutboxOptions options_;
  std::mutex retry_mutex_;
  RetryPolicy retry_;   // guarded by retry_mutex_
  KeyedMutex records_;  // per customer identity, around RecordOutcome
  KeyedMutex turns_;    // per customer identity, for as long as a delivery turn is held
  std::mutex deferred_mutex_;
  std::vector<Deferred> deferred_;  // guarded by deferred_mutex_
};

// The customer identity's lock keys (shared by the outbox and its tests).
inline constexpr const char* kIdentityRecordLock = "SELECT pg_advisory_xact_lock(1, hashtext($1))";
// The turn is taken only for an entry still pending ($2): one already
// superseded or delivered needs none, and does not queue behind the holder.
inline constexpr const char* kIdentityTurnLock =
    "SELECT pg_advisory_xact_lock(hashtextextended($1, 0)) FROM outbox WHERE id = $2 AND delivery = 'pending'";

}  // namespace voip::store

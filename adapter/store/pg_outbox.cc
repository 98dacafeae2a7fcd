#include "adapter/store/pg_outbox.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <utility>

#include "adapter/store/outbox_columns.h"

namespace voip::store {
namespace {

std::int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

OutboxEntry EntryFrom(const PgResult& rows, int row) {
  OutboxEntry entry;
  entry.id = rows.Int(row, 0);
  entry.correlation_id = rows.Text(row, 1);
  entry.update.telephone_number = rows.Text(row, 2);
  entry.update.account_number = rows.Text(row, 3);
  entry.update.site_reference = static_cast<std::int32_t>(rows.Int(row, 4));
  entry.work_order = WorkOrderStateFrom(rows.Text(row, 5));
  entry.update.status = MigrationStatusFrom(rows.Text(row, 6));
  entry.update.order_number = rows.OptionalText(row, 7);
  entry.update.reason = rows.OptionalText(row, 8);
  entry.delivery = DeliveryStateFrom(rows.Text(row, 9));
  entry.attempts = static_cast<int>(rows.Int(row, 10));
  entry.created_ms = rows.Int(row, 11);
  entry.pending_since_ms = rows.Int(row, 12);
  entry.next_attempt_ms = rows.OptionalInt(row, 13);
  entry.last_error = rows.Text(row, 14);
  entry.sequence = rows.Int(row, 15);
  entry.superseded_by = rows.OptionalInt(row, 16);
  entry.trace = TraceContextFromStored(rows.Text(row, kTraceContextColumn));
  return entry;
}

std::vector<OutboxEntry> EntriesFrom(const PgResult& rows) {
  std::vector<OutboxEntry> entries;
  entries.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) entries.push_back(EntryFrom(rows, row));
  return entries;
}

// The rule's supersede step for entry $1 with sequence $2 (identity in $3..$5).
constexpr const char* kSupersede =
    "UPDATE outbox SET delivery = 'superseded', superseded_by = $1, next_attempt_ms = NULL, owner = NULL, "
    "lease_until_ms = NULL WHERE telephone_number = $3 AND account_number = $4 AND site_reference = $5 "
    "AND id != $1 AND delivery IN ('pending', 'dead') AND sequence < $2";

// The outcome of entry $1 with the next sequence, and the rule's supersede
// step, as one statement (one snapshot, taken after the record lock was
// granted: it sees every outcome committed before). $10..$12: the identity.
constexpr const char* kRecordAndSupersede =
    "WITH recorded AS (UPDATE outbox SET work_order = $2, status = $3, order_number = $4, reason = $5, "
    "delivery = 'pending', pending_since_ms = $6, next_attempt_ms = $7, sequence = nextval('outbox_sequence'), "
    "superseded_by = NULL, owner = $8, lease_until_ms = $9 WHERE id = $1 RETURNING sequence), "
    "superseded AS (UPDATE outbox SET delivery = 'superseded', superseded_by = $1, next_attempt_ms = NULL, "
    "owner = NULL, lease_until_ms = NULL FROM recorded WHERE telephone_number = $10 AND account_number = $11 "
    "AND site_reference = $12 AND id != $1 AND delivery IN ('pending', 'dead') "
    "AND outbox.sequence < recorded.sequence) "
    "SELECT sequence FROM recorded";

constexpr const char* kRecordOutcome =
    "UPDATE outbox SET work_order = $2, status = $3, order_number = $4, reason = $5, delivery = 'pending', "
    "pending_since_ms = $6, next_attempt_ms = $7, sequence = nextval('outbox_sequence'), superseded_by = NULL, "
    "owner = $8, lease_until_ms = $9 WHERE id = $1 RETURNING sequence";

// A delivered entry is done when its outcome is known (deleted); an unknown
// outcome stays listed for operators (marked delivered). One statement.
constexpr const char* kDelivered =
    "WITH gone AS (DELETE FROM outbox WHERE id = $1 AND delivery IN ('pending', 'superseded') "
    "AND work_order IN ('created', 'failed') RETURNING id) "
    "UPDATE outbox SET delivery = 'delivered', next_attempt_ms = NULL, last_error = NULL, superseded_by = NULL, "
    "owner = NULL, lease_until_ms = NULL WHERE id = $1 AND delivery IN ('pending', 'superseded') "
    "AND NOT EXISTS (SELECT 1 FROM gone)";

// The index of the first statement of a pipeline that failed; -1 when all succeeded.
int FirstFailed(const std::vector<PgResult>& results) {
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) return static_cast<int>(i);
  }
  return -1;
}

// Ends a transaction a failed pipeline left open (a broken connection is closed by the pool anyway).
void RollBackIfOpen(PgConnection& connection) {
  if (!connection.idle() && !connection.broken()) connection.Exec("ROLLBACK");
}

PgParams SupersedeParams(OutboxEntryId id, std::int64_t sequence, const MigrationStatusUpdate& update) {
  return {id, sequence, update.telephone_number, update.account_number, std::int64_t{update.site_reference}};
}

// Inside a transaction that holds the identity's record lock: the outcome of
// entry $1 with the next sequence, then the supersede step. nullopt on success.
std::optional<std::string> DecideLocked(PgConnection& connection, const PgParams& outcome, OutboxEntryId id,
                                        const MigrationStatusUpdate& update) {
  PgResult record = connection.Exec(kRecordOutcome, outcome);
  if (!record.ok()) return "cannot record the work-order outcome: " + record.Error();
  if (record.rows() != 1) return "no outbox entry " + std::to_string(id);
  PgResult supersede = connection.Exec(kSupersede, SupersedeParams(id, record.Int(0, 0), update));
  if (!supersede.ok()) return "cannot supersede older updates: " + supersede.Error();
  return std::nullopt;
}

}  // namespace

PgOutbox::PgOutbox(PgPool& pool, PgOutboxOptions options)
    : pool_(pool),
      options_(std::move(options)),
      retry_(options_.retry, options_.seed != 0 ? options_.seed : std::random_device{}()) {
  if (!options_.now_ms) options_.now_ms = SystemNowMs;
}

PgOutbox::~PgOutbox() { (void)Flush(); }

StoreResult<PgResult> PgOutbox::Run(const std::string& what, std::string_view sql, const PgParams& params) {
  StoreResult<PgPool::Lease> lease = pool_.Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) return StoreError{what + ": " + failure->message};
  PgResult result = std::get<PgPool::Lease>(lease)->Exec(sql, params);
  if (!result.ok()) return StoreError{what + ": " + result.Error()};
  return result;
}

StoreResult<OutboxEntryId> PgOutbox::Journal(const MigrationStatusUpdate& update, const std::string& correlation_id,
                                             const TraceContext& trace) {
  const std::int64_t now = Now();
  StoreResult<PgResult> inserted = Run(
      "journal entry: cannot journal the attempt",
      "INSERT INTO outbox (correlation_id, telephone_number, account_number, site_reference, work_order, delivery, "
      "created_ms, owner, lease_until_ms, trace_context) VALUES ($1, $2, $3, $4, 'attempting', 'waiting', $5, $6, $7, "
      "$8) RETURNING id",
      {correlation_id, update.telephone_number, update.account_number, std::int64_t{update.site_reference}, now,
       options_.instance, now + options_.request_lease.count(), StoredTraceContext(trace)});
  if (auto* failure = std::get_if<StoreError>(&inserted)) return *failure;
  return std::get<PgResult>(inserted).Int(0, 0);
}

// One round trip, one transaction (a pipeline without BEGIN is one implicit
// transaction, committed at its end): the customer's record lock, then the
// outcome and the supersede step, in a statement of its own that sees what
// committed while the lock was awaited.
StoreFailure PgOutbox::RecordOutcome(OutboxEntryId id, WorkOrderState outcome, const MigrationStatusUpdate& update) {
  const std::string identity = CustomerIdentityKey(update);
  const KeyedMutex::Hold in_process = records_.Lock(identity);
  const std::int64_t now = Now();
  StoreResult<PgPool::Lease> lease = pool_.Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) return StoreError{"work-order outcome: " + failure->message};
  PgConnection& connection = *std::get<PgPool::Lease>(lease);
  PgParams params = {id,
                     WorkOrderStateName(outcome),
                     MigrationStatusName(update.status),
                     update.order_number,
                     update.reason,
                     now,
                     std::nullopt,
                     options_.instance,
                     now + options_.request_lease.count(),
                     update.telephone_number,
                     update.account_number,
                     std::int64_t{update.site_reference}};
  const std::vector<PgResult> results =
      connection.ExecPipeline({{kIdentityRecordLock, {identity}}, {kRecordAndSupersede, std::move(params)}});
  static constexpr const char* kSteps[] = {"cannot lock the customer", "cannot record the work-order outcome"};
  if (const int failed = FirstFailed(results); failed >= 0) {
    RollBackIfOpen(connection);
    return StoreError{std::string("work-order outcome: ") + kSteps[failed] + ": " + results[failed].Error()};
  }
  if (results[1].rows() != 1) return StoreError{"work-order outcome: no outbox entry " + std::to_string(id)};
  return std::nullopt;
}

void PgOutbox::MarkDelivered(OutboxEntryId id) {
  std::lock_guard<std::mutex> lock(deferred_mutex_);
  deferred_.push_back(Deferred{id, true, {}});
}

void PgOutbox::MarkAttemptFailed(OutboxEntryId id, const std::string& error) {
  std::lock_guard<std::mutex> lock(deferred_mutex_);
  deferred_.push_back(Deferred{id, false, error});
}

std::vector<PgOutbox::Deferred> PgOutbox::TakeDeferred() {
  std::lock_guard<std::mutex> lock(deferred_mutex_);
  std::vector<Deferred> taken;
  taken.swap(deferred_);
  return taken;
}

void PgOutbox::Requeue(std::vector<Deferred> deferred) {
  std::lock_guard<std::mutex> lock(deferred_mutex_);
  deferred_.insert(deferred_.begin(), std::make_move_iterator(deferred.begin()),
                   std::make_move_iterator(deferred.end()));
}

std::int64_t PgOutbox::RetryAt(int attempts) {
  std::lock_guard<std::mutex> lock(retry_mutex_);
  return Now() + retry_.Delay(attempts).count();
}

bool PgOutbox::ApplyFailedAttempt(PgConnection& connection, const Deferred& failed) {
  PgResult counted = connection.Exec(
      "UPDATE outbox SET attempts = attempts + 1 WHERE id = $1 AND delivery = 'pending' RETURNING attempts",
      {failed.id});
  if (!counted.ok()) return false;
  if (counted.rows() == 0) return true;  // no longer pending (dead-lettered or superseded meanwhile)
  const std::int64_t next = RetryAt(static_cast<int>(counted.Int(0, 0)));
  return connection
      .Exec(
          "UPDATE outbox SET next_attempt_ms = $2, last_error = $3, owner = NULL, lease_until_ms = NULL "
          "WHERE id = $1",
          {failed.id, next, failed.error})
      .ok();
}

std::optional<std::string> PgOutbox::CommitDeferred(PgConnection& connection, const std::vector<Deferred>& deferred) {
  std::vector<PgStatement> pipeline;
  for (const Deferred& d : deferred) {
    if (!d.delivered) {
      if (!ApplyFailedAttempt(connection, d)) return "cannot record a failed delivery attempt";
      continue;
    }
    pipeline.push_back({kDelivered, {d.id}});
  }
  pipeline.push_back({"COMMIT", {}});
  const std::vector<PgResult> results = connection.ExecPipeline(pipeline);
  if (const int failed = FirstFailed(results); failed >= 0) return results[failed].Error();
  return std::nullopt;
}

StoreFailure PgOutbox::DeadLetter(OutboxEntryId id, const std::string& reason) {
  StoreResult<PgResult> parked =
      Run("cannot dead-letter an outbox entry",
          "UPDATE outbox SET delivery = 'dead', next_attempt_ms = NULL, last_error = $2, owner = NULL, "
          "lease_until_ms = NULL WHERE id = $1 AND delivery = 'pending'",
          {id, reason});
  if (auto* failure = std::get_if<StoreError>(&parked)) return *failure;
  return std::nullopt;
}

DeliveryClaim PgOutbox::ClaimDelivery(OutboxEntryId id, const MigrationStatusUpdate& update) {
  const std::string identity = CustomerIdentityKey(update);
  auto in_process = std::make_shared<KeyedMutex::Hold>(turns_.Lock(identity));
  StoreResult<PgPool::Lease> lease = pool_.Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) {
    return DeliveryClaim(ClaimStanding::kStoreFailed, {}, "delivery turn: " + failure->message);
  }
  auto held = std::make_shared<PgPool::Lease>(std::move(std::get<PgPool::Lease>(lease)));
  PgConnection& connection = **held;
  // One round trip; the entry's standing is read after the turn is ours (its own statement).
  const std::vector<PgResult> results = connection.ExecPipeline(
      {{"BEGIN", {}}, {kIdentityTurnLock, {identity, id}}, {"SELECT delivery FROM outbox WHERE id = $1", {id}}});
  if (const int failed = FirstFailed(results); failed >= 0) {
    RollBackIfOpen(connection);
    return DeliveryClaim(ClaimStanding::kStoreFailed, {}, "delivery turn: " + results[failed].Error());
  }
  // No turn taken (the entry is no longer pending): nothing will be sent, so the
  // customer's next request need not wait for this transaction to end.
  if (results[1].rows() == 0) in_process.reset();
  const PgResult& standing = results[2];
  auto release = [this, held, in_process]() mutable {
    ReleaseTurn(**held);
    held.reset();
    in_process.reset();  // after the server's turn ended
  };
  if (standing.rows() == 0) return DeliveryClaim(ClaimStanding::kNotPending, release);
  const DeliveryState state = DeliveryStateFrom(standing.Text(0, 0));
  if (state == DeliveryState::kPending) {
    // Pending without the turn: re-driven from a dead letter meanwhile; the relay sends it.
    const bool turn_taken = results[1].rows() == 1;
    return DeliveryClaim(turn_taken ? ClaimStanding::kNewest : ClaimStanding::kNotPending, release);
  }
  if (state == DeliveryState::kSuperseded) return DeliveryClaim(ClaimStanding::kSuperseded, release);
  return DeliveryClaim(ClaimStanding::kNotPending, release);
}

// Writes the results deferred meanwhile inside the turn's transaction, then
// ends it (which releases the identity lock). Results that could not be
// written wait for the next Flush.
void PgOutbox::ReleaseTurn(PgConnection& connection) {
  std::vector<Deferred> deferred = TakeDeferred();
  if (!CommitDeferred(connection, deferred)) return;
  RollBackIfOpen(connection);
  Requeue(std::move(deferred));
}

StoreFailure PgOutbox::Flush() {
  std::vector<Deferred> deferred = TakeDeferred();
  if (deferred.empty()) return std::nullopt;
  StoreResult<PgPool::Lease> lease = pool_.Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) {
    Requeue(std::move(deferred));
    return StoreError{"cannot write delivery results: " + failure->message};
  }
  PgConnection& connection = *std::get<PgPool::Lease>(lease);
  PgResult begun = connection.Exec("BEGIN");
  std::optional<std::string> problem = begun.ok() ? CommitDeferred(connection, deferred) : begun.Error();
  if (!problem) return std::nullopt;
  RollBackIfOpen(connection);
  Requeue(std::move(deferred));
  return StoreError{"cannot write delivery results: " + *problem};
}

StoreResult<std::vector<OutboxEntry>> PgOutbox::Due(int limit) {
  if (auto problem = Flush()) return *problem;
  StoreResult<int> recovered = RecoverInterrupted();
  if (auto* failure = std::get_if<StoreError>(&recovered)) return *failure;
  const std::int64_t now = Now();
  // The batch is picked once (MATERIALIZED): a sub-select in the UPDATE's
  // WHERE could be run again by the planner and lock more than the limit.
  const std::string sql =
      std::string(
          "WITH due AS MATERIALIZED (SELECT id AS due_id FROM outbox WHERE delivery = 'pending' "
          "AND next_attempt_ms <= $3 AND (lease_until_ms IS NULL OR lease_until_ms <= $3 OR owner = $1) "
          "ORDER BY next_attempt_ms, id LIMIT $4 FOR UPDATE SKIP LOCKED) "
          "UPDATE outbox SET owner = $1, lease_until_ms = $2 FROM due WHERE id = due_id RETURNING ") +
      kOutboxColumns;
  StoreResult<PgResult> claimed =
      Run("cannot claim due outbox entries", sql,
          {options_.instance, now + options_.delivery_lease.count(), now, std::int64_t{std::min(limit, kClaimBatch)}});
  if (auto* failure = std::get_if<StoreError>(&claimed)) return *failure;
  std::vector<OutboxEntry> entries = EntriesFrom(std::get<PgResult>(claimed));
  std::sort(entries.begin(), entries.end(), [](const OutboxEntry& a, const OutboxEntry& b) {
    return std::make_pair(a.next_attempt_ms.value_or(0), a.id) < std::make_pair(b.next_attempt_ms.value_or(0), b.id);
  });
  return entries;
}

StoreResult<OutboxCounts> PgOutbox::Count() {
  if (auto problem = Flush()) return *problem;
  StoreResult<PgResult> counted =
      Run("cannot count the outbox",
          "SELECT COUNT(*) FILTER (WHERE delivery = 'pending'), COUNT(*) FILTER (WHERE work_order = 'unknown'), "
          "COUNT(*) FILTER (WHERE delivery = 'dead'), MIN(pending_since_ms) FILTER (WHERE delivery = 'pending'), "
          "COUNT(*) FILTER (WHERE delivery = 'superseded') FROM outbox",
          {});
  if (auto* failure = std::get_if<StoreError>(&counted)) return *failure;
  const PgResult& row = std::get<PgResult>(counted);
  OutboxCounts counts;
  counts.pending = row.Int(0, 0);
  counts.unknown_outcome = row.Int(0, 1);
  counts.dead_lettered = row.Int(0, 2);
  counts.oldest_pending_since_ms = row.OptionalInt(0, 3);
  counts.superseded = row.Int(0, 4);
  return counts;
}

StoreResult<int> PgOutbox::RecoverInterrupted() {
  const std::int64_t now = Now();
  int touched = 0;
  for (;;) {  // one attempt per transaction: no two identity locks are ever held together
    StoreResult<int> one = RecoverOneAttempt(now);
    if (auto* failure = std::get_if<StoreError>(&one)) return *failure;
    if (std::get<int>(one) == 0) break;
    ++touched;
  }
  StoreResult<int> cut_short = RecoverCutShort(now);
  if (auto* failure = std::get_if<StoreError>(&cut_short)) return *failure;
  return touched + std::get<int>(cut_short);
}

StoreResult<int> PgOutbox::RecoverOneAttempt(std::int64_t now) {
  StoreResult<PgPool::Lease> lease = pool_.Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) return StoreError{"recovery: " + failure->message};
  PgConnection& connection = *std::get<PgPool::Lease>(lease);
  PgTransaction transaction(connection);
  PgResult found = connection.Exec(
      "SELECT id, telephone_number, account_number, site_reference FROM outbox WHERE work_order = 'attempting' "
      "AND lease_until_ms <= $1 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
      {now});
  if (!found.ok()) return StoreError{"recovery: cannot read interrupted attempts: " + found.Error()};
  if (found.rows() == 0) return 0;
  MigrationStatusUpdate update;
  update.telephone_number = found.Text(0, 1);
  update.account_number = found.Text(0, 2);
  update.site_reference = static_cast<std::int32_t>(found.Int(0, 3));
  const OutboxEntryId id = found.Int(0, 0);
  PgResult locked = connection.Exec(kIdentityRecordLock, {CustomerIdentityKey(update)});
  if (!locked.ok()) return StoreError{"recovery: cannot lock the customer: " + locked.Error()};
  const PgParams params = {id,           "unknown",          "WORK_ORDER_OUTCOME_UNKNOWN",
                           std::nullopt, kInterruptedReason, now,
                           now,          std::nullopt,       std::nullopt};
  if (auto problem = DecideLocked(connection, params, id, update)) return StoreError{"recovery: " + *problem};
  if (!transaction.Commit()) return StoreError{"recovery: cannot commit: " + transaction.error()};
  return 1;
}

StoreResult<int> PgOutbox::RecoverCutShort(std::int64_t now) {
  StoreResult<PgResult> due = Run("recovery: cannot recover pending updates",
                                  "UPDATE outbox SET next_attempt_ms = $1, owner = NULL, lease_until_ms = NULL "
                                  "WHERE delivery = 'pending' AND next_attempt_ms IS NULL AND lease_until_ms <= $1",
                                  {now});
  if (auto* failure = std::get_if<StoreError>(&due)) return *failure;
  return std::get<PgResult>(due).affected();
}

StoreResult<std::vector<OutboxEntry>> PgOutbox::List(OutboxView view) {
  if (auto problem = Flush()) return *problem;
  const std::string sql =
      std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE " + OutboxViewFilter(view) + " ORDER BY id";
  StoreResult<PgResult> rows = Run("reading the outbox failed", sql, {});
  if (auto* failure = std::get_if<StoreError>(&rows)) return *failure;
  return EntriesFrom(std::get<PgResult>(rows));
}

StoreResult<int> PgOutbox::Redrive(std::optional<OutboxEntryId> id) {
  StoreResult<PgResult> redriven =
      Run("cannot re-drive dead letters",
          "UPDATE outbox SET delivery = 'pending', attempts = 0, pending_since_ms = $1, next_attempt_ms = $1, "
          "owner = NULL, lease_until_ms = NULL WHERE delivery = 'dead' AND ($2::BIGINT IS NULL OR id = $2)",
          {Now(), id});
  if (auto* failure = std::get_if<StoreError>(&redriven)) return *failure;
  return std::get<PgResult>(redriven).affected();
}

StoreResult<int> PgOutbox::Resolve(OutboxEntryId id) {
  StoreResult<PgResult> resolved = Run("cannot resolve an outbox entry",
                                       "DELETE FROM outbox WHERE id = $1 AND work_order = 'unknown' "
                                       "AND delivery IN ('delivered', 'dead', 'superseded')",
                                       {id});
  if (auto* failure = std::get_if<StoreError>(&resolved)) return *failure;
  return std::get<PgResult>(resolved).affected();
}

}  // namespace voip::store

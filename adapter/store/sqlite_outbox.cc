#include "adapter/store/sqlite_outbox.h"

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "adapter/store/outbox_columns.h"

namespace voip::store {
namespace {

// Version 1: the table as first shipped (created as such, then migrated, so a
// new database and an old file take the same path).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS outbox (
  id               INTEGER PRIMARY KEY,
  correlation_id   TEXT    NOT NULL,
  telephone_number TEXT    NOT NULL,
  account_number   TEXT    NOT NULL,
  site_reference   INTEGER NOT NULL,
  work_order       TEXT    NOT NULL,  -- attempting | created | failed | unknown
  status           TEXT,              -- the MIDAS migration status to deliver
  order_number     TEXT,
  reason           TEXT,
  delivery         TEXT    NOT NULL,  -- waiting | pending | delivered | dead | superseded (version 2)
  attempts         INTEGER NOT NULL DEFAULT 0,
  created_ms       INTEGER NOT NULL,
  pending_since_ms INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms  INTEGER,           -- NULL while the synchronous attempt runs
  last_error       TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (delivery, next_attempt_ms);
CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL);
)sql";

// Version 2 (issue 16, newest truth wins): a store-assigned sequence per
// decided attempt and the superseded state. Existing decided entries take
// their id as sequence (journal order, the best order an old file holds), the
// counter starts above them, and of several undelivered entries for one
// customer only the newest stays deliverable.
constexpr const char* kMigrateToV2 = R"sql(
ALTER TABLE outbox ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN superseded_by INTEGER;
UPDATE outbox SET sequence = id WHERE work_order != 'attempting';
UPDATE outbox SET delivery = 'superseded', next_attempt_ms = NULL,
  superseded_by = (SELECT MAX(n.id) FROM outbox n WHERE n.telephone_number = outbox.telephone_number
                   AND n.account_number = outbox.account_number AND n.site_reference = outbox.site_reference
                   AND n.work_order != 'attempting')
  WHERE delivery IN ('pending', 'dead') AND id < (
    SELECT MAX(n.id) FROM outbox n WHERE n.telephone_number = outbox.telephone_number
    AND n.account_number = outbox.account_number AND n.site_reference = outbox.site_reference
    AND n.work_order != 'attempting');
CREATE INDEX IF NOT EXISTS outbox_customer ON outbox (telephone_number, account_number, site_reference, delivery);
CREATE TABLE outbox_sequence (last INTEGER NOT NULL);
INSERT INTO outbox_sequence SELECT COALESCE(MAX(id), 0) FROM outbox;
INSERT OR REPLACE INTO schema_version (component, version) VALUES ('outbox', 2);
)sql";

// Version 3 (issue 15): the request's W3C trace context, so that a
// redelivery carries the original trace id ('' for older entries: none).
constexpr const char* kMigrateToV3 = R"sql(
ALTER TABLE outbox ADD COLUMN trace_context TEXT NOT NULL DEFAULT '';
INSERT OR REPLACE INTO schema_version (component, version) VALUES ('outbox', 3);
)sql";

constexpr std::int64_t kSchemaVersion = 3;

constexpr const char* kColumns = kOutboxColumns;

std::int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

OutboxEntry EntryFrom(const Statement& row) {
  OutboxEntry entry;
  entry.id = row.Int(0);
  entry.correlation_id = row.Text(1);
  entry.update.telephone_number = row.Text(2);
  entry.update.account_number = row.Text(3);
  entry.update.site_reference = static_cast<std::int32_t>(row.Int(4));
  entry.work_order = WorkOrderStateFrom(row.Text(5));
  entry.update.status = MigrationStatusFrom(row.Text(6));
  entry.update.order_number = row.OptionalText(7);
  entry.update.reason = row.OptionalText(8);
  entry.delivery = DeliveryStateFrom(row.Text(9));
  entry.attempts = static_cast<int>(row.Int(10));
  entry.created_ms = row.Int(11);
  entry.pending_since_ms = row.Int(12);
  entry.next_attempt_ms = row.OptionalInt(13);
  entry.last_error = row.Text(14);
  entry.sequence = row.Int(15);
  entry.superseded_by = row.OptionalInt(16);
  entry.trace = TraceContextFromStored(row.Text(kTraceContextColumn));
  return entry;
}

StoreResult<std::vector<OutboxEntry>> Rows(Statement& query) {
  std::vector<OutboxEntry> entries;
  while (query.Step()) entries.push_back(EntryFrom(query));
  if (query.failed()) return StoreError{"reading the outbox failed"};
  return entries;
}

// PRAGMA user_version: the file's schema version (0 in a file from before issue 13).
std::optional<std::int64_t> UserVersion(SqliteDatabase& db) {
  Statement pragma(db, "PRAGMA user_version");
  if (!pragma.Step()) return std::nullopt;
  return pragma.Int(0);
}

// The outbox's row in the table schema_version (issue 16; 1 when the file has
// no such table: it predates the table). Every version since writes it in step
// with user_version, so a disagreement means a binary from before issue 13
// (which knew only the table) wrote the file last: the table says what it holds.
std::optional<std::int64_t> TableVersion(SqliteDatabase& db) {
  Statement table(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  if (!table.Step()) return std::nullopt;
  if (table.Int(0) == 0) return 1;
  Statement query(db, "SELECT version FROM schema_version WHERE component = 'outbox'");
  if (query.Step()) return query.Int(0);
  if (query.failed()) return std::nullopt;
  return 1;
}

// The version the file holds: a user_version newer than this code's is
// refused whatever the table says; otherwise the table's row decides (above).
std::optional<std::int64_t> SchemaVersion(SqliteDatabase& db) {
  const std::optional<std::int64_t> user_version = UserVersion(db);
  if (!user_version) return std::nullopt;
  if (*user_version > kSchemaVersion) return user_version;
  return TableVersion(db);
}

// Creates or migrates the schema to kSchemaVersion in one transaction (so two
// processes opening one file do not both migrate it). Nullopt on success.
std::optional<std::string> PrepareSchema(SqliteDatabase& db) {
  Transaction transaction(db);
  if (!transaction.ok()) return "cannot begin a transaction: " + db.LastError();
  const std::optional<std::int64_t> version = SchemaVersion(db);
  if (!version) return "cannot read the schema version: " + db.LastError();
  if (*version > kSchemaVersion) {
    return "schema version " + std::to_string(*version) + " is newer than this adapter's (" +
           std::to_string(kSchemaVersion) + ")";
  }
  if (auto problem = db.Exec(kSchemaV1)) return *problem;
  if (*version < 2) {
    if (auto problem = db.Exec(kMigrateToV2)) return "migrating to version 2: " + *problem;
  }
  if (*version < 3) {
    if (auto problem = db.Exec(kMigrateToV3)) return "migrating to version 3: " + *problem;
  }
  // Recorded where every future version looks first (inside the transaction: it is in the file's header).
  const std::string record = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
  if (auto problem = db.Exec(record.c_str())) return "recording the schema version: " + *problem;
  if (!transaction.Commit()) return "cannot commit: " + db.LastError();
  return std::nullopt;
}

}  // namespace

int SqliteOutbox::KnownSchemaVersion() { return static_cast<int>(kSchemaVersion); }

StoreResult<int> SqliteOutbox::SchemaVersionOf(SqliteDatabase& db) {
  std::lock_guard<std::mutex> lock(db.mutex());
  Statement tables(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'outbox'");
  if (!tables.Step()) return StoreError{"cannot read the schema: " + db.LastError()};
  if (tables.Int(0) == 0) return 0;
  const std::optional<std::int64_t> version = SchemaVersion(db);
  if (!version) return StoreError{"cannot read the schema version: " + db.LastError()};
  return static_cast<int>(*version);
}

StoreResult<std::unique_ptr<SqliteOutbox>> SqliteOutbox::Open(SqliteDatabase& db, SqliteOutboxOptions options) {
  std::lock_guard<std::mutex> lock(db.mutex());
  if (auto problem = PrepareSchema(db)) {
    return StoreError{"cannot create or migrate the outbox tables in '" + db.path() + "': " + *problem};
  }
  if (!options.now_ms) options.now_ms = SystemNowMs;
  return std::unique_ptr<SqliteOutbox>(new SqliteOutbox(db, std::move(options)));
}

SqliteOutbox::SqliteOutbox(SqliteDatabase& db, SqliteOutboxOptions options)
    : db_(db),
      options_(std::move(options)),
      insert_(std::make_unique<Statement>(
          db,
          "INSERT INTO outbox (correlation_id, telephone_number, account_number, site_reference, "
          "work_order, delivery, created_ms, trace_context) VALUES (?1, ?2, ?3, ?4, 'attempting', 'waiting', ?5, ?6)")),
      record_(std::make_unique<Statement>(
          db,
          "UPDATE outbox SET work_order = ?2, status = ?3, order_number = ?4, reason = ?5, "
          "delivery = 'pending', pending_since_ms = ?6, next_attempt_ms = NULL, sequence = ?7, "
          "superseded_by = NULL WHERE id = ?1")),
      next_sequence_(std::make_unique<Statement>(db, "UPDATE outbox_sequence SET last = last + 1 RETURNING last")),
      supersede_(std::make_unique<Statement>(
          db,
          "UPDATE outbox SET delivery = 'superseded', superseded_by = ?1, next_attempt_ms = NULL "
          "WHERE telephone_number = (SELECT telephone_number FROM outbox WHERE id = ?1) "
          "AND account_number = (SELECT account_number FROM outbox WHERE id = ?1) "
          "AND site_reference = (SELECT site_reference FROM outbox WHERE id = ?1) "
          "AND id != ?1 AND delivery IN ('pending', 'dead') AND sequence < ?2")),
      standing_(std::make_unique<Statement>(db, "SELECT delivery FROM outbox WHERE id = ?1")),
      // A delivered entry whose work-order outcome is known is done: removed.
      // An unknown outcome stays listed for operators. A superseded entry
      // that turns out to have been delivered (its call was under way when
      // the newer one was committed) is delivered, not superseded: superseded
      // means never sent.
      remove_(std::make_unique<Statement>(db,
                                          "DELETE FROM outbox WHERE id = ?1 AND delivery IN ('pending', 'superseded') "
                                          "AND work_order IN ('created', 'failed')")),
      delivered_(std::make_unique<Statement>(
          db,
          "UPDATE outbox SET delivery = 'delivered', next_attempt_ms = NULL, last_error = NULL, superseded_by = NULL "
          "WHERE id = ?1 AND delivery IN ('pending', 'superseded')")),
      attempts_(std::make_unique<Statement>(db, "SELECT attempts FROM outbox WHERE id = ?1 AND delivery = 'pending'")),
      failed_(std::make_unique<Statement>(
          db, "UPDATE outbox SET attempts = ?2, next_attempt_ms = ?3, last_error = ?4 WHERE id = ?1")),
      count_(std::make_unique<Statement>(
          db,
          "SELECT COALESCE(SUM(delivery = 'pending'), 0), COALESCE(SUM(work_order = 'unknown'), 0), "
          "COALESCE(SUM(delivery = 'dead'), 0), MIN(CASE WHEN delivery = 'pending' THEN pending_since_ms END), "
          "COALESCE(SUM(delivery = 'superseded'), 0) FROM outbox")),
      retry_(options_.retry, options_.seed != 0 ? options_.seed : std::random_device{}()),
      // Deferred marks ride along with the next transaction, best effort: a
      // lost mark means one more harmless delivery.
      group_(db, [this] {
        std::vector<Deferred> deferred = TakeDeferred();
        ApplyDeferredLocked(deferred);
      }) {}

SqliteOutbox::~SqliteOutbox() { Flush(); }

StoreError SqliteOutbox::Failed(const std::string& what) { return StoreError{what + ": " + db_.LastError()}; }

std::vector<SqliteOutbox::Deferred> SqliteOutbox::TakeDeferred() {
  std::lock_guard<std::mutex> lock(deferred_mutex_);
  std::vector<Deferred> taken;
  taken.swap(deferred_);
  return taken;
}

bool SqliteOutbox::ApplyDeferredLocked(std::vector<Deferred>& deferred) {
  if (deferred.empty()) return true;
  Statement& remove = *remove_;
  Statement& delivered = *delivered_;
  Statement& attempts = *attempts_;
  Statement& failed = *failed_;
  const std::int64_t now = Now();
  for (const Deferred& d : deferred) {
    if (d.delivered) {
      if (!remove.Reset().Bind(1, d.id).Run() || !delivered.Reset().Bind(1, d.id).Run()) return false;
      continue;
    }
    attempts.Reset().Bind(1, d.id);
    if (!attempts.Step()) {
      if (attempts.failed()) return false;
      continue;  // no longer pending (dead-lettered meanwhile)
    }
    const int count = static_cast<int>(attempts.Int(0)) + 1;
    attempts.Reset();
    const std::int64_t next = now + retry_.Delay(count).count();
    if (!failed.Reset().Bind(1, d.id).Bind(2, std::int64_t{count}).Bind(3, next).Bind(4, d.error).Run()) return false;
  }
  return true;
}

StoreResult<OutboxEntryId> SqliteOutbox::Journal(const MigrationStatusUpdate& update, const std::string& correlation_id,
                                                 const TraceContext& trace) {
  const std::int64_t now = Now();
  OutboxEntryId id = 0;
  const auto problem = group_.Run([&]() -> std::optional<std::string> {
    Statement& insert = insert_->Reset();
    insert.Bind(1, correlation_id)
        .Bind(2, update.telephone_number)
        .Bind(3, update.account_number)
        .Bind(4, std::int64_t{update.site_reference})
        .Bind(5, now)
        .Bind(6, StoredTraceContext(trace));
    if (!insert.Run()) return Failed("cannot journal the attempt").message;
    id = db_.LastInsertId();
    return std::nullopt;
  });
  if (problem) return StoreError{"journal entry: " + *problem};
  return id;
}

StoreFailure SqliteOutbox::RecordOutcome(OutboxEntryId id, WorkOrderState outcome,
                                         const MigrationStatusUpdate& update) {
  const std::int64_t now = Now();
  const auto problem = group_.Run([&]() -> std::optional<std::string> {
    const std::optional<std::int64_t> sequence = NextSequenceLocked();
    if (!sequence) return Failed("cannot assign a sequence").message;
    Statement& record = record_->Reset();
    record.Bind(1, id)
        .Bind(2, std::string_view(WorkOrderStateName(outcome)))
        .Bind(3, std::string_view(MigrationStatusName(update.status)))
        .Bind(4, update.order_number)
        .Bind(5, update.reason)
        .Bind(6, now)
        .Bind(7, *sequence);
    if (!record.Run()) return Failed("cannot record the work-order outcome").message;
    if (!SupersedeOlderLocked(id, *sequence)) return Failed("cannot supersede older updates").message;
    return std::nullopt;
  });
  if (problem) return StoreError{"work-order outcome: " + *problem};
  return std::nullopt;
}

std::optional<std::int64_t> SqliteOutbox::NextSequenceLocked() {
  Statement& next = next_sequence_->Reset();
  if (!next.Step()) return std::nullopt;
  const std::int64_t sequence = next.Int(0);
  next.Reset();
  return sequence;
}

bool SqliteOutbox::SupersedeOlderLocked(OutboxEntryId id, std::int64_t sequence) {
  return supersede_->Reset().Bind(1, id).Bind(2, sequence).Run();
}

DeliveryClaim SqliteOutbox::ClaimDelivery(OutboxEntryId id, const MigrationStatusUpdate& update) {
  auto turn = std::make_shared<KeyedMutex::Hold>(turns_.Lock(CustomerIdentityKey(update)));
  auto release = [turn]() mutable { turn.reset(); };
  std::lock_guard<std::mutex> lock(db_.mutex());
  Statement& standing = standing_->Reset().Bind(1, id);
  if (!standing.Step()) {
    if (standing.failed()) return DeliveryClaim(ClaimStanding::kStoreFailed, release, Failed("cannot read").message);
    return DeliveryClaim(ClaimStanding::kNotPending, release);
  }
  const DeliveryState state = DeliveryStateFrom(standing.Text(0));
  standing.Reset();
  if (state == DeliveryState::kPending) return DeliveryClaim(ClaimStanding::kNewest, release);
  if (state == DeliveryState::kSuperseded) return DeliveryClaim(ClaimStanding::kSuperseded, release);
  return DeliveryClaim(ClaimStanding::kNotPending, release);
}

void SqliteOutbox::MarkDelivered(OutboxEntryId id) {
  std::lock_guard<std::mutex> lock(deferred_mutex_);
  deferred_.push_back(Deferred{id, true, {}});
}

void SqliteOutbox::MarkAttemptFailed(OutboxEntryId id, const std::string& error) {
  std::lock_guard<std::mutex> lock(deferred_mutex_);
  deferred_.push_back(Deferred{id, false, error});
}

StoreFailure SqliteOutbox::DeadLetter(OutboxEntryId id, const std::string& reason) {
  std::lock_guard<std::mutex> lock(db_.mutex());
  Statement park(db_,
                 "UPDATE outbox SET delivery = 'dead', next_attempt_ms = NULL, last_error = ?2 "
                 "WHERE id = ?1 AND delivery = 'pending'");
  if (!park.Bind(1, id).Bind(2, reason).Run()) return Failed("cannot dead-letter an outbox entry");
  return std::nullopt;
}

StoreFailure SqliteOutbox::Flush() {
  std::vector<Deferred> deferred = TakeDeferred();
  if (deferred.empty()) return std::nullopt;
  std::lock_guard<std::mutex> lock(db_.mutex());
  Transaction transaction(db_);
  if (!transaction.ok() || !ApplyDeferredLocked(deferred) || !transaction.Commit()) {
    return Failed("cannot write delivery results");
  }
  return std::nullopt;
}

StoreResult<std::vector<OutboxEntry>> SqliteOutbox::Due(int limit) {
  if (auto problem = Flush()) return *problem;
  std::lock_guard<std::mutex> lock(db_.mutex());
  const std::string sql = std::string("SELECT ") + kColumns +
                          " FROM outbox WHERE delivery = 'pending' AND next_attempt_ms <= ?1 "
                          "ORDER BY next_attempt_ms, id LIMIT ?2";
  Statement query(db_, sql.c_str());
  query.Bind(1, Now()).Bind(2, std::int64_t{limit});
  return Rows(query);
}

StoreResult<OutboxCounts> SqliteOutbox::Count() {
  if (auto problem = Flush()) return *problem;
  std::lock_guard<std::mutex> lock(db_.mutex());
  Statement& count = count_->Reset();
  if (!count.Step()) return Failed("cannot count the outbox");
  OutboxCounts counts;
  counts.pending = count.Int(0);
  counts.unknown_outcome = count.Int(1);
  counts.dead_lettered = count.Int(2);
  counts.oldest_pending_since_ms = count.OptionalInt(3);
  counts.superseded = count.Int(4);
  count.Reset();
  return counts;
}

StoreResult<int> SqliteOutbox::RecoverInterrupted() {
  std::lock_guard<std::mutex> lock(db_.mutex());
  Transaction transaction(db_);
  if (!transaction.ok()) return Failed("cannot begin a transaction");
  const std::int64_t now = Now();
  std::vector<OutboxEntryId> interrupted;
  Statement attempting(db_, "SELECT id FROM outbox WHERE work_order = 'attempting' ORDER BY id");
  while (attempting.Step()) interrupted.push_back(attempting.Int(0));
  if (attempting.failed()) return Failed("cannot read interrupted attempts");
  // Each is decided now: the next sequence, superseding what is older for its customer.
  Statement unknown(db_,
                    "UPDATE outbox SET work_order = 'unknown', status = 'WORK_ORDER_OUTCOME_UNKNOWN', "
                    "order_number = NULL, reason = ?2, delivery = 'pending', pending_since_ms = ?3, "
                    "next_attempt_ms = ?3, sequence = ?4 WHERE id = ?1");
  for (const OutboxEntryId id : interrupted) {
    const std::optional<std::int64_t> sequence = NextSequenceLocked();
    if (!sequence ||
        !unknown.Reset()
             .Bind(1, id)
             .Bind(2, std::string_view(kInterruptedReason))
             .Bind(3, now)
             .Bind(4, *sequence)
             .Run() ||
        !SupersedeOlderLocked(id, *sequence)) {
      return Failed("cannot recover interrupted attempts");
    }
  }
  int touched = static_cast<int>(interrupted.size());
  Statement cut_short(db_,
                      "UPDATE outbox SET next_attempt_ms = ?1 WHERE delivery = 'pending' AND next_attempt_ms IS NULL");
  if (!cut_short.Bind(1, now).Run()) return Failed("cannot recover pending updates");
  touched += db_.Changes();
  if (!transaction.Commit()) return Failed("cannot commit the recovery");
  return touched;
}

StoreResult<std::vector<OutboxEntry>> SqliteOutbox::List(OutboxView view) {
  if (auto problem = Flush()) return *problem;
  std::lock_guard<std::mutex> lock(db_.mutex());
  const std::string sql =
      std::string("SELECT ") + kColumns + " FROM outbox WHERE " + OutboxViewFilter(view) + " ORDER BY id";
  Statement query(db_, sql.c_str());
  return Rows(query);
}

StoreResult<int> SqliteOutbox::Redrive(std::optional<OutboxEntryId> id) {
  std::lock_guard<std::mutex> lock(db_.mutex());
  Statement redrive(db_,
                    "UPDATE outbox SET delivery = 'pending', attempts = 0, pending_since_ms = ?1, "
                    "next_attempt_ms = ?1 WHERE delivery = 'dead' AND (?2 IS NULL OR id = ?2)");
  if (!redrive.Bind(1, Now()).Bind(2, id).Run()) return Failed("cannot re-drive dead letters");
  return db_.Changes();
}

StoreResult<int> SqliteOutbox::Resolve(OutboxEntryId id) {
  std::lock_guard<std::mutex> lock(db_.mutex());
  Statement resolve(db_,
                    "DELETE FROM outbox WHERE id = ?1 AND work_order = 'unknown' AND delivery IN ('delivered', 'dead', "
                    "'superseded')");
  if (!resolve.Bind(1, id).Run()) return Failed("cannot resolve an outbox entry");
  return db_.Changes();
}

}  // namespace voip::store

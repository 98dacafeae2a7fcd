#include "app/store_set.h"

#include <unistd.h>

#include <array>
#include <chrono>
#include <random>
#include <utility>
#include <variant>

#include "adapter/store/pg_schema.h"
#include "http/idempotency_gate.h"

namespace voip {
namespace {

// How often the WAL is copied back into the database file, beside the requests.
constexpr std::chrono::milliseconds kCheckpointInterval{100};

// Moves the value of `result` into `out`; false and *error when it failed.
template <typename T>
bool Take(StoreResult<T> result, T& out, std::string* error) {
  if (auto* failure = std::get_if<StoreError>(&result)) {
    *error = failure->message;
    return false;
  }
  out = std::move(std::get<T>(result));
  return true;
}

// An operator's subcommand works on an adapter's database as it is: a file
// of another schema version (or none: not an adapter's database) is refused,
// not migrated.
bool SqliteSchemaIsThisAdapters(store::SqliteDatabase& database, std::string* error) {
  StoreResult<int> version = store::SqliteOutbox::SchemaVersionOf(database);
  if (auto* failure = std::get_if<StoreError>(&version)) {
    *error = failure->message;
    return false;
  }
  const int applied = std::get<int>(version);
  const int known = store::SqliteOutbox::KnownSchemaVersion();
  if (applied == known) return true;
  *error = applied == 0 ? "'" + database.path() + "' holds no adapter outbox (not an adapter's database?)"
                        : "schema: the database's version is " + std::to_string(applied) + ", this adapter's " +
                              std::to_string(known) + " (voip-migration-adapter db migrate, or the matching adapter)";
  return false;
}

bool OpenSqlite(const Config& config, StoreUse use, StoreSet& stores, std::string* error) {
  const store::SyncMode sync = config.database_sync_full ? store::SyncMode::kFull : store::SyncMode::kNormal;
  if (use == StoreUse::kServe && !Take(store::InstanceLock::Acquire(config.database), stores.instance_lock, error)) {
    return false;
  }
  const store::SyncMode database_sync = use == StoreUse::kServe ? sync : store::SyncMode::kNormal;
  const store::OpenMode mode =
      use == StoreUse::kServe ? store::OpenMode::kCreateIfMissing : store::OpenMode::kExistingOnly;
  if (!Take(store::SqliteDatabase::Open(config.database, database_sync, mode), stores.database, error)) return false;
  if (use == StoreUse::kOperate && !SqliteSchemaIsThisAdapters(*stores.database, error)) return false;
  // Checkpoints beside the requests, not inside their commits (adapter/store/wal_checkpointer.h).
  if (use == StoreUse::kServe &&
      !Take(store::WalCheckpointer::Start(config.database, sync, kCheckpointInterval), stores.checkpointer, error)) {
    return false;
  }
  store::SqliteOutboxOptions outbox_options;
  outbox_options.retry = {std::chrono::milliseconds(config.outbox_retry_base_ms),
                          std::chrono::milliseconds(config.outbox_retry_cap_ms)};
  if (!Take(store::SqliteOutbox::Open(*stores.database, outbox_options), stores.sqlite_outbox, error)) return false;
  stores.outbox = stores.sqlite_outbox.get();
  stores.admin = stores.sqlite_outbox.get();
  if (use != StoreUse::kServe) return true;
  store::SqliteIdempotencyOptions idempotency_options;
  idempotency_options.ttl = std::chrono::seconds(config.idempotency_key_ttl_s);
  if (!Take(store::SqliteIdempotencyStore::Open(*stores.database, idempotency_options), stores.sqlite_idempotency,
            error)) {
    return false;
  }
  stores.idempotency = stores.sqlite_idempotency.get();
  const std::chrono::milliseconds check_interval(config.database_check_ms);
  if (!Take(store::DatabaseHealth::Open(*stores.database, check_interval), stores.sqlite_health, error)) return false;
  stores.health = [health = stores.sqlite_health.get()] { return health->Check(); };
  return true;
}

// kServe: migrates. kOperate: the schema must be this binary's.
bool PreparePostgresSchema(store::PgPool& pool, StoreUse use, std::string* error) {
  StoreResult<store::PgPool::Lease> lease = pool.Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) {
    *error = failure->message;
    return false;
  }
  store::PgConnection& connection = *std::get<store::PgPool::Lease>(lease);
  if (use == StoreUse::kServe) {
    StoreResult<int> migrated = store::MigratePostgres(connection);
    if (auto* failure = std::get_if<StoreError>(&migrated)) *error = failure->message;
    return std::holds_alternative<int>(migrated);
  }
  StoreResult<store::SchemaStatus> status = store::PostgresSchemaStatus(connection);
  if (auto* failure = std::get_if<StoreError>(&status)) {
    *error = failure->message;
    return false;
  }
  const store::SchemaStatus& schema = std::get<store::SchemaStatus>(status);
  if (schema.applied == schema.known) return true;
  *error = "schema: the database's version is " + std::to_string(schema.applied) + ", this adapter's " +
           std::to_string(schema.known) + " (voip-migration-adapter db migrate, or the matching adapter)";
  return false;
}

bool OpenPostgres(const Config& config, StoreUse use, StoreSet& stores, std::string* error) {
  store::PgPoolOptions pool_options;
  pool_options.uri = config.database;
  pool_options.password = config.database_password;
  pool_options.size = use == StoreUse::kServe ? config.database_pool_size : 2;
  pool_options.wait = std::chrono::milliseconds(config.database_pool_wait_ms);
  pool_options.statement_timeout_ms = config.database_statement_timeout_ms;
  if (!Take(store::PgPool::Open(pool_options), stores.pool, error) ||
      !PreparePostgresSchema(*stores.pool, use, error)) {
    return false;
  }
  stores.stats = &stores.pool->stats();
  const std::string instance = InstanceName();
  const std::chrono::milliseconds lease(config.database_lease_ms);
  const std::chrono::milliseconds request_lease = lease + std::chrono::milliseconds(config.request_deadline_ms);
  store::PgOutboxOptions outbox_options;
  outbox_options.retry = {std::chrono::milliseconds(config.outbox_retry_base_ms),
                          std::chrono::milliseconds(config.outbox_retry_cap_ms)};
  outbox_options.instance = instance;
  outbox_options.request_lease = request_lease;
  outbox_options.delivery_lease = lease;
  stores.pg_outbox = std::make_unique<store::PgOutbox>(*stores.pool, outbox_options);
  stores.outbox = stores.pg_outbox.get();
  stores.admin = stores.pg_outbox.get();
  if (use != StoreUse::kServe) return true;
  store::PgIdempotencyOptions idempotency_options;
  idempotency_options.ttl = std::chrono::seconds(config.idempotency_key_ttl_s);
  idempotency_options.instance = instance;
  idempotency_options.lease = request_lease;
  idempotency_options.interrupted_answer = InterruptedAnswerFor;
  stores.pg_idempotency = std::make_unique<store::PgIdempotencyStore>(*stores.pool, idempotency_options);
  stores.idempotency = stores.pg_idempotency.get();
  stores.pg_health =
      std::make_unique<store::PgHealth>(*stores.pool, std::chrono::milliseconds(config.database_check_ms), instance);
  stores.health = [health = stores.pg_health.get()] { return health->Check(); };
  return true;
}

}  // namespace

StoreResult<std::unique_ptr<StoreSet>> OpenStores(const Config& config, StoreUse use) {
  auto stores = std::make_unique<StoreSet>();
  std::string error;
  const bool opened = store::IsPostgresUri(config.database) ? OpenPostgres(config, use, *stores, &error)
                                                            : OpenSqlite(config, use, *stores, &error);
  if (!opened) return StoreError{error};
  return stores;
}

std::string InstanceName() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::random_device random;
  const unsigned suffix = random() & 0xffffU;
  std::array<char, 8> hex{};
  std::snprintf(hex.data(), hex.size(), "%04x", suffix);
  return std::string(host.data()) + ":" + std::to_string(::getpid()) + ":" + hex.data();
}

}  // namespace voip

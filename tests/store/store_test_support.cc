#include "tests/store/store_test_support.h"

#include "adapter/store/pg_schema.h"
#include "tests/support/results.h"

namespace voip::testing {
namespace {

store::SqliteOutboxOptions SqliteOptions(const std::atomic<std::int64_t>& now) {
  store::SqliteOutboxOptions options;
  options.retry = {std::chrono::milliseconds(1000), std::chrono::milliseconds(8000)};
  options.now_ms = [&now] { return now.load(); };
  options.seed = 7;
  return options;
}

class SqliteInstance : public StoreInstance {
 public:
  std::unique_ptr<store::SqliteDatabase> db;
  std::unique_ptr<store::SqliteOutbox> sqlite_outbox;
  std::unique_ptr<store::SqliteIdempotencyStore> sqlite_idempotency;
  Outbox& outbox() override { return *sqlite_outbox; }
  OutboxAdmin& admin() override { return *sqlite_outbox; }
  RecoverableIdempotencyStore& idempotency() override { return *sqlite_idempotency; }
};

class PostgresInstance : public StoreInstance {
 public:
  std::unique_ptr<store::PgOutbox> pg_outbox;
  std::unique_ptr<store::PgIdempotencyStore> pg_idempotency;
  Outbox& outbox() override { return *pg_outbox; }
  OutboxAdmin& admin() override { return *pg_outbox; }
  RecoverableIdempotencyStore& idempotency() override { return *pg_idempotency; }
};

}  // namespace

const char* StoreKindName(StoreKind kind) { return kind == StoreKind::kSqlite ? "Sqlite" : "Postgres"; }

MigrationStatusUpdate Customer(const std::string& telephone) {
  MigrationStatusUpdate update;
  update.telephone_number = telephone;
  update.account_number = "123456789";
  update.site_reference = 42;
  return update;
}

MigrationStatusUpdate Created(const std::string& order, const std::string& telephone) {
  MigrationStatusUpdate update = Customer(telephone);
  update.status = MigrationStatus::kWorkOrderCreated;
  update.order_number = order;
  return update;
}

std::unique_ptr<store::PgPool> FreshPostgresPoolOnly(std::string* error, int pool_size) {
  std::optional<PostgresServer> server = PostgresSandboxEnvironment::Get(error);
  if (!server) return nullptr;
  store::PgPoolOptions options;
  options.uri = server->uri;
  options.password = server->password;
  options.size = pool_size;
  options.wait = std::chrono::milliseconds(3000);
  StoreResult<std::unique_ptr<store::PgPool>> pool = store::PgPool::Open(options);
  if (auto* failure = std::get_if<StoreError>(&pool)) {
    *error = failure->message;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<store::PgPool>>(pool));
}

std::unique_ptr<store::PgPool> FreshPostgres(std::string* error, int pool_size) {
  std::unique_ptr<store::PgPool> pool = FreshPostgresPoolOnly(error, pool_size);
  if (!pool) return nullptr;
  auto lease = pool->Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) {
    *error = failure->message;
    return nullptr;
  }
  store::PgConnection& connection = *std::get<store::PgPool::Lease>(lease);
  if (auto migrated = store::MigratePostgres(connection); std::holds_alternative<StoreError>(migrated)) {
    *error = std::get<StoreError>(migrated).message;
    return nullptr;
  }
  store::PgResult emptied = connection.ExecScript(
      "TRUNCATE outbox, idempotency, store_health RESTART IDENTITY; ALTER SEQUENCE outbox_sequence RESTART");
  if (!emptied.ok()) {
    *error = "emptying the tables: " + emptied.Error();
    return nullptr;
  }
  return pool;
}

std::unique_ptr<StoreInstance> OpenSqliteInstance(const TempDir& dir, const std::atomic<std::int64_t>& now,
                                                  std::string* error) {
  auto instance = std::make_unique<SqliteInstance>();
  if (auto failure = voip::testing::Take(store::SqliteDatabase::Open(dir.File("adapter.db"), store::SyncMode::kNormal),
                                         instance->db)) {
    *error = failure->message;
    return nullptr;
  }
  if (auto failure =
          voip::testing::Take(store::SqliteOutbox::Open(*instance->db, SqliteOptions(now)), instance->sqlite_outbox)) {
    *error = failure->message;
    return nullptr;
  }
  store::SqliteIdempotencyOptions idempotency;
  idempotency.ttl = std::chrono::seconds(3600);
  idempotency.now_ms = [&now] { return now.load(); };
  if (auto failure = voip::testing::Take(store::SqliteIdempotencyStore::Open(*instance->db, idempotency),
                                         instance->sqlite_idempotency)) {
    *error = failure->message;
    return nullptr;
  }
  return instance;
}

std::unique_ptr<StoreInstance> OpenPostgresInstance(store::PgPool& pool, const std::string& name,
                                                    const std::atomic<std::int64_t>& now) {
  auto instance = std::make_unique<PostgresInstance>();
  store::PgOutboxOptions outbox;
  outbox.retry = {std::chrono::milliseconds(1000), std::chrono::milliseconds(8000)};
  outbox.now_ms = [&now] { return now.load(); };
  outbox.seed = 7;
  outbox.instance = name;
  outbox.request_lease = kLease;
  outbox.delivery_lease = kLease;
  instance->pg_outbox = std::make_unique<store::PgOutbox>(pool, outbox);
  store::PgIdempotencyOptions idempotency;
  idempotency.ttl = std::chrono::seconds(3600);
  idempotency.now_ms = [&now] { return now.load(); };
  idempotency.instance = name;
  idempotency.lease = kLease;
  idempotency.interrupted_answer = [](const std::string&) { return StoredAnswer{500, "interrupted"}; };
  instance->pg_idempotency = std::make_unique<store::PgIdempotencyStore>(pool, idempotency);
  return instance;
}

}  // namespace voip::testing

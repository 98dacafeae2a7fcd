#include "adapter/store/pg_schema.h"

#include "adapter/store/pg_pool.h"

namespace voip::store {
namespace {

// The advisory lock every instance takes to migrate ("voipmigr" as bytes).
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(8535716147455887730)";

constexpr const char* kVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())";

StoreError Failed(const std::string& what, const PgResult& result) {
  return StoreError{"schema: " + what + ": " + result.Error()};
}

// The database's version, 0 when schema_migrations does not exist yet.
StoreResult<int> AppliedVersion(PgConnection& connection) {
  PgResult exists = connection.Exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists.ok()) return Failed("cannot look for schema_migrations", exists);
  if (exists.Text(0, 0) != "t") return 0;
  PgResult version = connection.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!version.ok()) return Failed("cannot read the schema version", version);
  return static_cast<int>(version.Int(0, 0));
}

std::string NewerThanKnown(int applied) {
  return "schema: the database's schema version " + std::to_string(applied) + " is newer than this adapter's (" +
         std::to_string(KnownPostgresSchemaVersion()) + "): run the newer adapter, or restore the database";
}

// Inside the migration transaction: applies every known version above `applied`.
StoreResult<int> ApplyFrom(PgConnection& connection, int applied) {
  int count = 0;
  for (std::size_t i = 0; i < kPostgresMigrationsCount; ++i) {
    const EmbeddedMigration& migration = kPostgresMigrations[i];
    if (migration.version <= applied) continue;
    PgResult script = connection.ExecScript(migration.sql);
    if (!script.ok()) return Failed(std::string("applying ") + migration.name, script);
    PgResult record = connection.Exec("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                      {std::int64_t{migration.version}, migration.name});
    if (!record.ok()) return Failed(std::string("recording ") + migration.name, record);
    ++count;
  }
  return count;
}

}  // namespace

int KnownPostgresSchemaVersion() {
  int known = 0;
  for (std::size_t i = 0; i < kPostgresMigrationsCount; ++i) known = std::max(known, kPostgresMigrations[i].version);
  return known;
}

StoreResult<int> MigratePostgres(PgConnection& connection) {
  PgTransaction transaction(connection);
  if (!transaction.ok()) return StoreError{"schema: cannot begin: " + transaction.error()};
  // Waiting for another instance's migration may take longer than a statement may.
  PgResult unbounded = connection.Exec("SET LOCAL statement_timeout = '300s'");
  if (!unbounded.ok()) return Failed("cannot lift the statement time-out", unbounded);
  PgResult locked = connection.Exec(kMigrationLock);
  if (!locked.ok()) return Failed("cannot take the migration lock", locked);
  PgResult table = connection.Exec(kVersionTable);
  if (!table.ok()) return Failed("cannot create schema_migrations", table);
  StoreResult<int> applied = AppliedVersion(connection);
  if (auto* failure = std::get_if<StoreError>(&applied)) return *failure;
  if (std::get<int>(applied) > KnownPostgresSchemaVersion()) return StoreError{NewerThanKnown(std::get<int>(applied))};
  StoreResult<int> count = ApplyFrom(connection, std::get<int>(applied));
  if (std::holds_alternative<StoreError>(count)) return count;
  if (!transaction.Commit()) return StoreError{"schema: cannot commit the migration: " + transaction.error()};
  return count;
}

StoreResult<SchemaStatus> PostgresSchemaStatus(PgConnection& connection) {
  SchemaStatus status;
  status.known = KnownPostgresSchemaVersion();
  StoreResult<int> applied = AppliedVersion(connection);
  if (auto* failure = std::get_if<StoreError>(&applied)) return *failure;
  status.applied = std::get<int>(applied);
  if (status.applied == 0) return status;
  PgResult rows = connection.Exec(
      "SELECT name, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
      "FROM schema_migrations ORDER BY version");
  if (!rows.ok()) return Failed("cannot list schema_migrations", rows);
  for (int row = 0; row < rows.rows(); ++row)
    status.applied_files.push_back(rows.Text(row, 0) + " applied " + rows.Text(row, 1));
  return status;
}

}  // namespace voip::store

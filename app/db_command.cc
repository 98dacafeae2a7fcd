#include "app/db_command.h"

#include <unistd.h>

#include <algorithm>
#include <memory>

#include "adapter/store/pg_pool.h"
#include "adapter/store/pg_schema.h"
#include "adapter/store/sqlite_db.h"
#include "adapter/store/sqlite_idempotency.h"
#include "adapter/store/sqlite_outbox.h"
#include "platform/config.h"

namespace voip {
namespace {

int Usage(std::ostream& err, const std::string& problem) {
  err << "voip-migration-adapter db: " << problem << "\n\n" << DbUsageText();
  return 2;
}

int Failed(std::ostream& err, const std::string& problem) {
  err << "voip-migration-adapter db: " << problem << "\n";
  return 1;
}

void PrintVersions(std::ostream& out, const char* store, int applied, int known) {
  out << "store: " << store << "\nschema version: " << applied << "\nthis adapter's version: " << known << "\n";
}

int Postgres(const Config& config, bool migrate, std::ostream& out, std::ostream& err) {
  store::PgPoolOptions options;
  options.uri = config.database;
  options.password = config.database_password;
  options.size = 1;
  options.statement_timeout_ms = config.database_statement_timeout_ms;
  StoreResult<std::unique_ptr<store::PgPool>> opened = store::PgPool::Open(options);
  if (auto* failure = std::get_if<StoreError>(&opened)) return Failed(err, failure->message);
  const std::unique_ptr<store::PgPool>& pool = std::get<std::unique_ptr<store::PgPool>>(opened);
  StoreResult<store::PgPool::Lease> lease = pool->Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) return Failed(err, failure->message);
  store::PgConnection& connection = *std::get<store::PgPool::Lease>(lease);
  if (migrate) {
    StoreResult<int> applied = store::MigratePostgres(connection);
    if (auto* failure = std::get_if<StoreError>(&applied)) return Failed(err, failure->message);
    out << "applied: " << std::get<int>(applied) << "\n";
  }
  StoreResult<store::SchemaStatus> status = store::PostgresSchemaStatus(connection);
  if (auto* failure = std::get_if<StoreError>(&status)) return Failed(err, failure->message);
  const store::SchemaStatus& schema = std::get<store::SchemaStatus>(status);
  PrintVersions(out, "postgresql", schema.applied, schema.known);
  for (const std::string& file : schema.applied_files) out << "  " << file << "\n";
  return schema.applied == schema.known ? 0 : 1;
}

int Sqlite(const Config& config, bool migrate, std::ostream& out, std::ostream& err) {
  StoreResult<std::unique_ptr<store::SqliteDatabase>> opened =
      store::SqliteDatabase::Open(config.database, store::SyncMode::kNormal, store::OpenMode::kExistingOnly);
  if (auto* failure = std::get_if<StoreError>(&opened)) return Failed(err, failure->message);
  store::SqliteDatabase* const db = std::get<std::unique_ptr<store::SqliteDatabase>>(opened).get();
  if (migrate) {
    // Opening migrates (sqlite_outbox.h); the idempotency table has no versions of its own yet.
    auto outbox = store::SqliteOutbox::Open(*db, {});
    if (auto* failure = std::get_if<StoreError>(&outbox)) return Failed(err, failure->message);
    auto idempotency = store::SqliteIdempotencyStore::Open(*db, {});
    if (auto* failure = std::get_if<StoreError>(&idempotency)) return Failed(err, failure->message);
  }
  StoreResult<int> version = store::SqliteOutbox::SchemaVersionOf(*db);
  if (auto* failure = std::get_if<StoreError>(&version)) return Failed(err, failure->message);
  PrintVersions(out, "sqlite", std::get<int>(version), store::SqliteOutbox::KnownSchemaVersion());
  return std::get<int>(version) == store::SqliteOutbox::KnownSchemaVersion() ? 0 : 1;
}

}  // namespace

std::string DbUsageText() {
  return "  voip-migration-adapter db migrate [--database PATH|URI | --config FILE]\n"
         "      applies the schema versions the store lacks (the adapter also does at start-up)\n"
         "  voip-migration-adapter db status [--database PATH|URI | --config FILE]\n"
         "      the store's schema version and this adapter's (exit 1 when they differ)\n";
}

int RunDbCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const bool help = std::find_if(args.begin(), args.end(),
                                 [](const std::string& arg) { return arg == "--help" || arg == "-h"; }) != args.end();
  if (help) {
    out << "Usage:\n" << DbUsageText();
    return 0;
  }
  if (args.empty() || (args[0] != "migrate" && args[0] != "status")) return Usage(err, "expected migrate or status");
  ConfigResult parsed = ParseConfig({args.begin() + 1, args.end()}, false);
  if (auto* error = std::get_if<ConfigError>(&parsed)) return Usage(err, error->message);
  const Config config = std::get<Config>(parsed);
  const bool migrate = args[0] == "migrate";
  if (store::IsPostgresUri(config.database)) return Postgres(config, migrate, out, err);
  // The adapter creates its SQLite file at its first start; a mistyped path must not become an empty store.
  if (::access(config.database.c_str(), F_OK) != 0) {
    err << "voip-migration-adapter db: no database at '" << config.database
        << "' (check --database or the configuration's database; nothing was created)\n";
    return 2;
  }
  return Sqlite(config, migrate, out, err);
}

}  // namespace voip

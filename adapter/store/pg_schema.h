// The PostgreSQL store's schema: versioned migration files
// (adapter/store/migrations/postgresql/NNNN_name.sql), built into the binary
// at build time (cmake/embed_migrations.cmake) so that a binary always
// carries exactly the schema it was written for and knows which versions are
// newer than itself. Each applied version is a row of schema_migrations.
// Migrating takes a transaction-scoped advisory lock first, so instances
// starting together apply each file once: the others wait for the lock, then
// find nothing left to do. The whole migration is one transaction
// (PostgreSQL's DDL is transactional): a failed file leaves nothing half-done.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "adapter/outbox.h"  // StoreResult
#include "adapter/store/pg_connection.h"

namespace voip::store {

struct EmbeddedMigration {
  int version;
  const char* name;  // the file name
  const char* sql;
};
// Generated: every migration file, in version order.
extern const EmbeddedMigration kPostgresMigrations[];
extern const std::size_t kPostgresMigrationsCount;

// The highest version this binary knows.
int KnownPostgresSchemaVersion();

struct SchemaStatus {
  int applied = 0;                         // the database's version (0: empty)
  int known = 0;                           // this binary's
  std::vector<std::string> applied_files;  // "NNNN_name.sql applied <time>", oldest first
};

// Applies the versions the database lacks, under the advisory lock, in one
// transaction. Returns how many it applied. Fails, changing nothing, when the
// database's version is newer than this binary's (an older adapter must not
// run on a newer schema).
[[nodiscard]] StoreResult<int> MigratePostgres(PgConnection& connection);

// What is applied and what this binary knows; changes nothing.
[[nodiscard]] StoreResult<SchemaStatus> PostgresSchemaStatus(PgConnection& connection);

}  // namespace voip::store

// The store the configuration names (`database`: a SQLite file, or a
// PostgreSQL URI), opened behind the interfaces the flow, the relay, the
// idempotency gate, /ready and the `outbox` subcommands use, so none of them
// knows which store runs (docs/architecture.md, "The store").
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "adapter/idempotency.h"
#include "adapter/metrics.h"
#include "adapter/outbox.h"
#include "adapter/outbox_admin.h"
#include "adapter/store/database_health.h"
#include "adapter/store/instance_lock.h"
#include "adapter/store/pg_health.h"
#include "adapter/store/pg_idempotency.h"
#include "adapter/store/pg_outbox.h"
#include "adapter/store/pg_pool.h"
#include "adapter/store/sqlite_idempotency.h"
#include "adapter/store/sqlite_outbox.h"
#include "adapter/store/wal_checkpointer.h"
#include "platform/config.h"

namespace voip {

enum class StoreUse {
  kServe,    // the adapter: the whole store, schema migrated, one instance per SQLite file
  kOperate,  // an operator's subcommand beside a running adapter: the outbox only, schema as it is
};

// Opened in declaration order, closed in the reverse one.
struct StoreSet {
  // SQLite: one instance per file.
  std::unique_ptr<store::InstanceLock> instance_lock;
  std::unique_ptr<store::SqliteDatabase> database;
  std::unique_ptr<store::WalCheckpointer> checkpointer;
  std::unique_ptr<store::SqliteOutbox> sqlite_outbox;
  std::unique_ptr<store::SqliteIdempotencyStore> sqlite_idempotency;
  std::unique_ptr<store::DatabaseHealth> sqlite_health;
  // PostgreSQL: shared by every instance.
  std::unique_ptr<store::PgPool> pool;
  std::unique_ptr<store::PgOutbox> pg_outbox;
  std::unique_ptr<store::PgIdempotencyStore> pg_idempotency;
  std::unique_ptr<store::PgHealth> pg_health;

  // Whichever is open (idempotency and health: kServe only).
  Outbox* outbox = nullptr;
  OutboxAdmin* admin = nullptr;
  RecoverableIdempotencyStore* idempotency = nullptr;
  std::function<std::optional<std::string>()> health;  // for /ready: nullopt when writable, else why not
  StoreStats* stats = nullptr;                         // PostgreSQL's pool and statements; null for SQLite
};

// Opens the store for `use`; or why it cannot (for stderr).
// PostgreSQL with kServe applies the schema migrations first (pg_schema.h)
// and refuses a schema newer than this binary's; with kOperate it refuses a
// schema other than this binary's.
[[nodiscard]] StoreResult<std::unique_ptr<StoreSet>> OpenStores(const Config& config, StoreUse use);

// This process's name in the shared store's leases: host, pid and a random
// part (a restarted process on the same host and pid is another instance).
std::string InstanceName();

}  // namespace voip

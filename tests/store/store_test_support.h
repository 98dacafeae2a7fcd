// What the store tests share: one store under test (SQLite file or the
// sandbox's PostgreSQL, emptied first) with a clock the test sets, and the
// customers' updates they journal.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "adapter/idempotency.h"
#include "adapter/outbox.h"
#include "adapter/outbox_admin.h"
#include "adapter/store/pg_idempotency.h"
#include "adapter/store/pg_outbox.h"
#include "adapter/store/pg_pool.h"
#include "adapter/store/sqlite_idempotency.h"
#include "adapter/store/sqlite_outbox.h"
#include "tests/support/postgres_sandbox.h"
#include "tests/support/temp_dir.h"

namespace voip::testing {

enum class StoreKind { kSqlite, kPostgres };
const char* StoreKindName(StoreKind kind);

inline constexpr std::int64_t kStartMs = 1'700'000'000'000;
inline constexpr std::chrono::milliseconds kLease{30000};

MigrationStatusUpdate Customer(const std::string& telephone = "447874384949");
MigrationStatusUpdate Created(const std::string& order, const std::string& telephone = "447874384949");

// A pool on the sandbox's database, nothing else done. nullptr and *error when PostgreSQL is not there.
std::unique_ptr<store::PgPool> FreshPostgresPoolOnly(std::string* error, int pool_size = 2);

// The sandbox's pool, its schema migrated and every table emptied (a fresh
// store for each test). nullptr and *error when PostgreSQL is not there.
std::unique_ptr<store::PgPool> FreshPostgres(std::string* error, int pool_size = 8);

// One store instance (as one adapter process holds it), on a shared clock.
class StoreInstance {
 public:
  virtual ~StoreInstance() = default;
  virtual Outbox& outbox() = 0;
  virtual OutboxAdmin& admin() = 0;
  virtual RecoverableIdempotencyStore& idempotency() = 0;
};

// SQLite: the file in `dir`. PostgreSQL: `pool`, named `instance`.
std::unique_ptr<StoreInstance> OpenSqliteInstance(const TempDir& dir, const std::atomic<std::int64_t>& now,
                                                  std::string* error);
std::unique_ptr<StoreInstance> OpenPostgresInstance(store::PgPool& pool, const std::string& instance,
                                                    const std::atomic<std::int64_t>& now);

}  // namespace voip::testing

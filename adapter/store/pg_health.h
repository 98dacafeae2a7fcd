// Readiness of the PostgreSQL store for GET /ready: a pooled connection is
// had and a small write commits (so a server that is down, unreachable,
// read-only or in recovery reports NOT_READY with its reason). Like the
// SQLite check (database_health.h) it runs at most once per interval however
// often it is asked; in between, the last result is returned. When the
// database is back the next check says so: nothing needs a restart.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "adapter/store/pg_pool.h"

namespace voip::store {

class PgHealth {
 public:
  // `pool` must outlive it. `instance` names this process's row in store_health.
  PgHealth(PgPool& pool, std::chrono::milliseconds interval, std::string instance)
      : pool_(pool), interval_(interval), instance_(std::move(instance)) {}

  // nullopt when the store was writable at the last check, else why not (no
  // personal data). Checks again when the last check is older than the interval.
  std::optional<std::string> Check();
  // Runs a check now, whatever the interval.
  std::optional<std::string> CheckNow();

 private:
  std::optional<std::string> Probe();

  PgPool& pool_;
  const std::chrono::milliseconds interval_;
  const std::string instance_;
  std::mutex mutex_;  // one check at a time; guards the two below
  std::optional<std::string> last_;
  std::optional<std::chrono::steady_clock::time_point> checked_at_;
};

}  // namespace voip::store

// A bounded pool of PostgreSQL connections shared by the stores of one
// process (outbox, idempotency keys, health). At most `size` connections are
// open; a caller that finds none free waits up to `wait` for one, then gets a
// StoreError (the request answers 503; nothing waits for ever). Connections
// are opened lazily and re-opened after the server went away: a connection
// found broken is closed together with every idle one (they went to the same
// server), and for `reconnect_pause` after a failed connect no new attempt is
// made (callers fail at once instead of each waiting for a time-out), so the
// adapter recovers by itself when the database is back. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "adapter/metrics.h"
#include "adapter/outbox.h"  // StoreResult, StoreError
#include "adapter/store/pg_connection.h"

namespace voip::store {

struct PgPoolOptions {
  std::string uri;       // libpq syntax; must hold no password
  std::string password;  // from database-password (env:/file:)
  int size = 32;
  std::chrono::milliseconds wait{2000};
  int statement_timeout_ms = 5000;
  std::chrono::milliseconds reconnect_pause{250};
};

class PgPool {
 public:
  // Checks the options (a URI with a password is refused) and opens one
  // connection to prove the database is there; or why it could not.
  [[nodiscard]] static StoreResult<std::unique_ptr<PgPool>> Open(PgPoolOptions options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // A lent connection, returned to the pool when destroyed (closed instead
  // when it broke). Move-only.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    PgConnection& operator*() const { return *connection_; }
    PgConnection* operator->() const { return connection_.get(); }

   private:
    friend class PgPool;
    Lease(PgPool* pool, std::unique_ptr<PgConnection> connection) : pool_(pool), connection_(std::move(connection)) {}
    PgPool* pool_;
    std::unique_ptr<PgConnection> connection_;
  };

  // A connection, waiting up to the pool's wait for one.
  [[nodiscard]] StoreResult<Lease> Acquire();

  StoreStats& stats() { return stats_; }
  const PgPoolOptions& options() const { return options_; }

 private:
  explicit PgPool(PgPoolOptions options) : options_(std::move(options)) {}
  StoreResult<Lease> OpenOne(std::unique_lock<std::mutex>& lock);
  void Return(std::unique_ptr<PgConnection> connection);
  PgConnectOptions ConnectOptions();

  PgPoolOptions options_;
  StoreStats stats_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConnection>> idle_;            // guarded by mutex_
  int open_ = 0;                                               // open or being opened; guarded by mutex_
  std::chrono::steady_clock::time_point no_connect_before_{};  // guarded by mutex_
  std::string last_connect_error_;                             // guarded by mutex_
};

// BEGIN on a lent connection; ROLLBACK when destroyed uncommitted.
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& connection);
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // COMMIT; false (and error()) when it failed.
  bool Commit();

 private:
  PgConnection& connection_;
  std::string error_;
  bool done_ = false;
};

}  // namespace voip::store

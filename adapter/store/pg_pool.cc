#include "adapter/store/pg_pool.h"

#include <utility>

namespace voip::store {

StoreResult<std::unique_ptr<PgPool>> PgPool::Open(PgPoolOptions options) {
  std::string parse_error;
  const std::optional<bool> has_password = UriHasPassword(options.uri, &parse_error);
  if (!has_password) return StoreError{"database: not a PostgreSQL URI libpq accepts: " + parse_error};
  if (*has_password) {
    return StoreError{
        "database: the URI holds a password; give it with database-password (env:NAME or file:PATH) instead"};
  }
  if (options.size < 1) options.size = 1;
  std::unique_ptr<PgPool> pool(new PgPool(std::move(options)));
  auto first = pool->Acquire();
  if (auto* failure = std::get_if<StoreError>(&first)) return *failure;
  return pool;
}

PgPool::~PgPool() {
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.clear();
}

PgPool::Lease::Lease(Lease&& other) noexcept : pool_(other.pool_), connection_(std::move(other.connection_)) {
  other.pool_ = nullptr;
}

PgPool::Lease::~Lease() {
  if (pool_ != nullptr && connection_) pool_->Return(std::move(connection_));
}

PgConnectOptions PgPool::ConnectOptions() {
  PgConnectOptions connect;
  connect.uri = options_.uri;
  connect.password = options_.password;
  connect.statement_timeout_ms = options_.statement_timeout_ms;
  connect.stats = &stats_;
  return connect;
}

StoreResult<PgPool::Lease> PgPool::Acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + options_.wait;
  bool waited = false;
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      stats_.pool_in_use.fetch_add(1, std::memory_order_relaxed);
      return Lease(this, std::move(connection));
    }
    if (open_ < options_.size) return OpenOne(lock);
    if (!waited) stats_.pool_waits.fetch_add(1, std::memory_order_relaxed);
    waited = true;
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= options_.size) {
      stats_.pool_timeouts.fetch_add(1, std::memory_order_relaxed);
      return StoreError{"no PostgreSQL connection free within " + std::to_string(options_.wait.count()) +
                        " ms (database-pool-size " + std::to_string(options_.size) + ")"};
    }
  }
}

// With the lock held, a slot free: connects without the lock (a connect may
// take up to its time-out), unless a connect failed a moment ago.
StoreResult<PgPool::Lease> PgPool::OpenOne(std::unique_lock<std::mutex>& lock) {
  if (std::chrono::steady_clock::now() < no_connect_before_) {
    stats_.errors.fetch_add(1, std::memory_order_relaxed);
    return StoreError{last_connect_error_};
  }
  ++open_;
  lock.unlock();
  std::string error;
  std::unique_ptr<PgConnection> connection = PgConnection::Connect(ConnectOptions(), &error);
  lock.lock();
  if (!connection) {
    --open_;
    no_connect_before_ = std::chrono::steady_clock::now() + options_.reconnect_pause;
    last_connect_error_ = error;
    returned_.notify_one();
    return StoreError{error};
  }
  stats_.pool_open.fetch_add(1, std::memory_order_relaxed);
  stats_.pool_in_use.fetch_add(1, std::memory_order_relaxed);
  return Lease(this, std::move(connection));
}

void PgPool::Return(std::unique_ptr<PgConnection> connection) {
  std::vector<std::unique_ptr<PgConnection>> closing;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.pool_in_use.fetch_sub(1, std::memory_order_relaxed);
    if (connection->broken() || !connection->idle()) {
      // The server went away: the idle ones went to it too. (One returned
      // inside a transaction is closed alone: its server is fine.)
      if (connection->broken()) closing.swap(idle_);
      closing.push_back(std::move(connection));
      open_ -= static_cast<int>(closing.size());
      stats_.pool_open.fetch_sub(static_cast<std::int64_t>(closing.size()), std::memory_order_relaxed);
    } else {
      idle_.push_back(std::move(connection));
    }
  }
  returned_.notify_all();
  // `closing` is closed here, outside the lock.
}

PgTransaction::PgTransaction(PgConnection& connection) : connection_(connection) {
  PgResult begin = connection_.Exec("BEGIN");
  if (!begin.ok()) {
    error_ = begin.Error();
    done_ = true;
  }
}

PgTransaction::~PgTransaction() {
  if (!done_) connection_.Exec("ROLLBACK");
}

bool PgTransaction::Commit() {
  done_ = true;
  PgResult commit = connection_.Exec("COMMIT");
  if (!commit.ok()) error_ = commit.Error();
  return commit.ok();
}

}  // namespace voip::store

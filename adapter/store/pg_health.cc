#include "adapter/store/pg_health.h"

namespace voip::store {
namespace {

constexpr const char* kReadOnlyTransaction = "25006";  // SQLSTATE read_only_sql_transaction

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::optional<std::string> PgHealth::Check() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (checked_at_ && now - *checked_at_ < interval_) return last_;
  last_ = Probe();
  checked_at_ = now;
  return last_;
}

std::optional<std::string> PgHealth::CheckNow() {
  std::lock_guard<std::mutex> lock(mutex_);
  last_ = Probe();
  checked_at_ = std::chrono::steady_clock::now();
  return last_;
}

std::optional<std::string> PgHealth::Probe() {
  StoreResult<PgPool::Lease> lease = pool_.Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) return "PostgreSQL store unavailable: " + failure->message;
  PgConnection& connection = *std::get<PgPool::Lease>(lease);
  const std::int64_t now = NowMs();
  PgResult written = connection.Exec(
      "INSERT INTO store_health (instance, checked_ms) VALUES ($1, $2) "
      "ON CONFLICT (instance) DO UPDATE SET checked_ms = EXCLUDED.checked_ms",
      {instance_, now});
  if (written.ok()) {
    // Rows of instances gone for a day are forgotten (best effort).
    connection.Exec("DELETE FROM store_health WHERE checked_ms < $1", {now - 86400000});
    return std::nullopt;
  }
  if (written.SqlState() == kReadOnlyTransaction) return "PostgreSQL store is read-only: " + written.Error();
  return "PostgreSQL store cannot write: " + written.Error();
}

}  // namespace voip::store

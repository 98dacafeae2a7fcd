#include "adapter/store/sqlite_idempotency.h"

#include <chrono>
#include <mutex>
#include <utility>
#include <vector>

namespace voip::store {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS idempotency (
  key         TEXT    PRIMARY KEY,
  fingerprint TEXT    NOT NULL,
  state       TEXT    NOT NULL,  -- running | done
  http_status INTEGER,
  body        TEXT,
  created_ms  INTEGER NOT NULL,
  expires_ms  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency (expires_ms);
)sql";

constexpr int kSweepEvery = 256;

std::int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

StoreResult<std::unique_ptr<SqliteIdempotencyStore>> SqliteIdempotencyStore::Open(SqliteDatabase& db,
                                                                                  SqliteIdempotencyOptions options) {
  std::lock_guard<std::mutex> lock(db.mutex());
  if (auto problem = db.Exec(kSchema)) {
    return StoreError{"cannot create the idempotency table in '" + db.path() + "': " + *problem};
  }
  if (!options.now_ms) options.now_ms = SystemNowMs;
  return std::unique_ptr<SqliteIdempotencyStore>(new SqliteIdempotencyStore(db, std::move(options)));
}

StoreResult<Claim> SqliteIdempotencyStore::ClaimKey(const std::string& key, const std::string& fingerprint) {
  std::lock_guard<std::mutex> lock(db_.mutex());
  const std::int64_t now = options_.now_ms();
  Transaction transaction(db_);
  if (!transaction.ok()) return Failed("cannot begin a transaction");
  if (++claims_ % kSweepEvery == 0) {
    Statement sweep(db_, "DELETE FROM idempotency WHERE expires_ms <= ?1");
    sweep.Bind(1, now).Run();  // best effort
  }
  Statement find(db_,
                 "SELECT fingerprint, state, http_status, body FROM idempotency WHERE key = ?1 AND expires_ms > ?2");
  find.Bind(1, key).Bind(2, now);
  if (find.Step()) {
    Claim claim;
    if (find.Text(0) != fingerprint) {
      claim.result = ClaimResult::kMismatch;
    } else if (find.Text(1) == "running") {
      claim.result = ClaimResult::kInFlight;
    } else {
      claim.result = ClaimResult::kReplay;
      claim.answer = StoredAnswer{static_cast<int>(find.Int(2)), find.Text(3)};
    }
    find.Reset();
    transaction.Commit();  // nothing written but a possible sweep
    return claim;
  }
  if (find.failed()) return Failed("cannot look the idempotency key up");
  Statement claim(db_,
                  "INSERT OR REPLACE INTO idempotency (key, fingerprint, state, created_ms, expires_ms) "
                  "VALUES (?1, ?2, 'running', ?3, ?4)");
  claim.Bind(1, key).Bind(2, fingerprint).Bind(3, now).Bind(4, now + options_.ttl.count() * 1000);
  if (!claim.Run()) return Failed("cannot claim the idempotency key");
  if (!transaction.Commit()) return Failed("cannot commit the idempotency key");
  return Claim{};
}

StoreFailure SqliteIdempotencyStore::Complete(const std::string& key, const StoredAnswer& answer) {
  std::lock_guard<std::mutex> lock(db_.mutex());
  Statement complete(db_,
                     "UPDATE idempotency SET state = 'done', http_status = ?2, body = ?3 "
                     "WHERE key = ?1 AND state = 'running'");
  if (!complete.Bind(1, key).Bind(2, std::int64_t{answer.http_status}).Bind(3, answer.body).Run()) {
    return Failed("cannot store the answer of an idempotency key");
  }
  return std::nullopt;
}

StoreFailure SqliteIdempotencyStore::Release(const std::string& key) {
  std::lock_guard<std::mutex> lock(db_.mutex());
  Statement release(db_, "DELETE FROM idempotency WHERE key = ?1 AND state = 'running'");
  if (!release.Bind(1, key).Run()) return Failed("cannot release an idempotency key");
  return std::nullopt;
}

StoreResult<int> SqliteIdempotencyStore::CompleteInterrupted(
    const std::function<StoredAnswer(const std::string& fingerprint)>& answer_for) {
  std::lock_guard<std::mutex> lock(db_.mutex());
  Transaction transaction(db_);
  if (!transaction.ok()) return Failed("cannot begin a transaction");
  Statement running(db_, "SELECT key, fingerprint FROM idempotency WHERE state = 'running'");
  std::vector<std::pair<std::string, std::string>> keys;
  while (running.Step()) keys.emplace_back(running.Text(0), running.Text(1));
  if (running.failed()) return Failed("cannot read interrupted idempotency keys");
  Statement complete(db_, "UPDATE idempotency SET state = 'done', http_status = ?2, body = ?3 WHERE key = ?1");
  for (const auto& [key, fingerprint] : keys) {
    const StoredAnswer answer = answer_for(fingerprint);
    if (!complete.Reset().Bind(1, key).Bind(2, std::int64_t{answer.http_status}).Bind(3, answer.body).Run()) {
      return Failed("cannot complete interrupted idempotency keys");
    }
  }
  if (!transaction.Commit()) return Failed("cannot commit interrupted idempotency keys");
  return static_cast<int>(keys.size());
}

StoreResult<int> SqliteIdempotencyStore::DeleteExpired() {
  std::lock_guard<std::mutex> lock(db_.mutex());
  Statement sweep(db_, "DELETE FROM idempotency WHERE expires_ms <= ?1");
  if (!sweep.Bind(1, options_.now_ms()).Run()) return Failed("cannot delete expired idempotency keys");
  return db_.Changes();
}

}  // namespace voip::store

// IdempotencyStore in the adapter's SQLite database (table `idempotency`).
#pragma once

#include <functional>
#include <memory>

#include "adapter/idempotency.h"
#include "adapter/store/sqlite_db.h"

namespace voip::store {

struct SqliteIdempotencyOptions {
  std::chrono::seconds ttl{24 * 60 * 60};  // a key is kept this long after its first use
  std::function<std::int64_t()> now_ms;    // Unix milliseconds; the system clock when unset
};

class SqliteIdempotencyStore : public RecoverableIdempotencyStore {
 public:
  // Creates the table if needed. `db` must outlive the store.
  [[nodiscard]] static StoreResult<std::unique_ptr<SqliteIdempotencyStore>> Open(SqliteDatabase& db,
                                                                                 SqliteIdempotencyOptions options);

  StoreResult<Claim> ClaimKey(const std::string& key, const std::string& fingerprint) override;
  StoreFailure Complete(const std::string& key, const StoredAnswer& answer) override;
  StoreFailure Release(const std::string& key) override;

  // At start-up: keys still running were cut short by a crash; each gets
  // the answer `answer_for` gives for its fingerprint (the outcome of its
  // request is unknown; the fingerprint says which face's format to answer
  // in), so that a retry is neither run again nor refused forever. Returns
  // how many.
  StoreResult<int> CompleteInterrupted(
      const std::function<StoredAnswer(const std::string& fingerprint)>& answer_for) override;
  // Deletes expired keys. Returns how many.
  StoreResult<int> DeleteExpired() override;

 private:
  SqliteIdempotencyStore(SqliteDatabase& db, SqliteIdempotencyOptions options)
      : db_(db), options_(std::move(options)) {}
  StoreError Failed(const std::string& what) { return StoreError{what + ": " + db_.LastError()}; }

  SqliteDatabase& db_;
  SqliteIdempotencyOptions options_;
  std::int64_t claims_ = 0;  // under the database mutex; expired keys are swept every so many claims
};

}  // namespace voip::store

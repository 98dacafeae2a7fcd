// IdempotencyStore in PostgreSQL (table `idempotency`), shared by several
// adapter instances (issue 13). A claim is one atomic INSERT ... ON CONFLICT
// DO NOTHING; when it inserts nothing, the winner's row is read: same key and
// another fingerprint -> kMismatch; still running within its owner's lease ->
// kInFlight (409, on any instance); done -> kReplay of the stored bytes (kept
// as bytea: byte for byte, on any instance). A running key whose lease ran
// out belongs to an instance that died mid-request: it is completed with the
// interrupted answer (the single-instance crash rule, `interrupted_answer`)
// and that answer is replayed. Expired keys are taken over by the next claim.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "adapter/idempotency.h"
#include "adapter/store/pg_pool.h"

namespace voip::store {

struct PgIdempotencyOptions {
  std::chrono::seconds ttl{24 * 60 * 60};  // a key is kept this long after its first use
  std::function<std::int64_t()> now_ms;    // Unix milliseconds; the system clock when unset
  std::string instance;                    // this process's name (owner column)
  std::chrono::milliseconds lease{45000};  // an in-flight key's; longer than any request may run
  // The answer a key whose owner died mid-request gets (InterruptedAnswerFor
  // in the adapter); {500, ""} when unset.
  std::function<StoredAnswer(const std::string& fingerprint)> interrupted_answer;
};

class PgIdempotencyStore : public RecoverableIdempotencyStore {
 public:
  // `pool` must outlive the store and its schema be migrated (pg_schema.h).
  PgIdempotencyStore(PgPool& pool, PgIdempotencyOptions options);

  StoreResult<Claim> ClaimKey(const std::string& key, const std::string& fingerprint) override;
  // Only the owning instance's running key is completed or released.
  StoreFailure Complete(const std::string& key, const StoredAnswer& answer) override;
  StoreFailure Release(const std::string& key) override;
  // Running keys whose lease ran out (other instances' are left alone).
  StoreResult<int> CompleteInterrupted(
      const std::function<StoredAnswer(const std::string& fingerprint)>& answer_for) override;
  StoreResult<int> DeleteExpired() override;

 private:
  enum class Found { kGone, kTakenOver, kAnswered, kCompletedForDeadOwner };
  // After a conflicting insert: reads the winner's row into `claim`.
  StoreResult<Found> ReadWinner(PgConnection& connection, const std::string& key, const std::string& fingerprint,
                                Claim& claim);
  StoreResult<int> CompleteDead(PgConnection& connection, const std::string& key, const std::string& fingerprint,
                                std::int64_t now);

  PgPool& pool_;
  PgIdempotencyOptions options_;
  std::atomic<std::int64_t> claims_{0};  // expired keys are swept every so many claims
};

}  // namespace voip::store

// Idempotency keys: the first answer given for a key is stored with a
// fingerprint of its request, so a repeat of the same request is answered
// with the same bytes and calls no backend. The SQLite implementation is
// adapter/store/sqlite_idempotency.h.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "adapter/outbox.h"  // StoreResult, StoreFailure

namespace voip {

inline constexpr std::size_t kMaxIdempotencyKeyLength = 255;

// An answer as it was sent.
struct StoredAnswer {
  int http_status = 0;
  std::string body;
};

enum class ClaimResult {
  kClaimed,   // new (or expired) key: recorded as running; the caller runs the request, then Completes or Releases
  kReplay,    // same key, same fingerprint, finished: `answer` holds what was sent
  kMismatch,  // same key, another request
  kInFlight,  // same key, same request, still running
};

struct Claim {
  ClaimResult result = ClaimResult::kClaimed;
  std::optional<StoredAnswer> answer;  // for kReplay
};

// Thread-safe. Times are read from the implementation's clock.
class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;
  // Atomically looks the key up and claims it when it is new or expired.
  [[nodiscard]] virtual StoreResult<Claim> ClaimKey(const std::string& key, const std::string& fingerprint) = 0;
  // Stores the answer of a claimed key; it is replayed until the key expires.
  [[nodiscard]] virtual StoreFailure Complete(const std::string& key, const StoredAnswer& answer) = 0;
  // Forgets a claimed key whose request did nothing and may be retried.
  [[nodiscard]] virtual StoreFailure Release(const std::string& key) = 0;
};

// What start-up needs of a real store besides the claims (both stores
// implement it: adapter/store/sqlite_idempotency.h, pg_idempotency.h).
class RecoverableIdempotencyStore : public IdempotencyStore {
 public:
  // Keys whose request can no longer finish (SQLite: every key still running
  // when the one owning process starts; PostgreSQL: running keys whose owning
  // instance's lease ran out) get the answer `answer_for` gives for their
  // fingerprint (the outcome of their request is unknown), so that a retry
  // is neither run again nor refused for ever. Returns how many.
  [[nodiscard]] virtual StoreResult<int> CompleteInterrupted(
      const std::function<StoredAnswer(const std::string& fingerprint)>& answer_for) = 0;
  // Deletes expired keys. Returns how many.
  [[nodiscard]] virtual StoreResult<int> DeleteExpired() = 0;
};

}  // namespace voip

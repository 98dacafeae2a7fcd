#include "adapter/store/pg_idempotency.h"

#include <chrono>
#include <utility>
#include <vector>

namespace voip::store {
namespace {

constexpr int kSweepEvery = 256;
constexpr int kClaimRounds = 4;  // a key released or expired between insert and read is claimed again

std::int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// bytea as PostgreSQL writes it in text ("\x" then two hex digits a byte).
std::string FromByteaText(const std::string& text) {
  std::string bytes;
  if (text.size() < 2) return bytes;
  bytes.reserve((text.size() - 2) / 2);
  for (std::size_t i = 2; i + 1 < text.size(); i += 2) {
    bytes.push_back(static_cast<char>(HexValue(text[i]) * 16 + HexValue(text[i + 1])));
  }
  return bytes;
}

StoreError Failed(const std::string& what, const PgResult& result) { return StoreError{what + ": " + result.Error()}; }

}  // namespace

PgIdempotencyStore::PgIdempotencyStore(PgPool& pool, PgIdempotencyOptions options)
    : pool_(pool), options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = SystemNowMs;
  if (!options_.interrupted_answer)
    options_.interrupted_answer = [](const std::string&) { return StoredAnswer{500, ""}; };
}

StoreResult<Claim> PgIdempotencyStore::ClaimKey(const std::string& key, const std::string& fingerprint) {
  if (claims_.fetch_add(1) % kSweepEvery == kSweepEvery - 1) (void)DeleteExpired();  // best effort
  StoreResult<PgPool::Lease> lease = pool_.Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) return StoreError{"idempotency key: " + failure->message};
  PgConnection& connection = *std::get<PgPool::Lease>(lease);
  for (int round = 0; round < kClaimRounds; ++round) {
    const std::int64_t now = options_.now_ms();
    PgResult inserted = connection.Exec(
        "INSERT INTO idempotency (key, fingerprint, state, created_ms, expires_ms, owner, lease_until_ms) "
        "VALUES ($1, $2, 'running', $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING",
        {key, fingerprint, now, now + options_.ttl.count() * 1000, options_.instance, now + options_.lease.count()});
    if (!inserted.ok()) return Failed("cannot claim the idempotency key", inserted);
    if (inserted.affected() == 1) return Claim{};
    Claim claim;
    StoreResult<Found> found = ReadWinner(connection, key, fingerprint, claim);
    if (auto* failure = std::get_if<StoreError>(&found)) return *failure;
    if (std::get<Found>(found) == Found::kTakenOver || std::get<Found>(found) == Found::kAnswered) return claim;
  }
  return StoreError{"idempotency key: the key changed hands too often to be claimed"};
}

StoreResult<PgIdempotencyStore::Found> PgIdempotencyStore::ReadWinner(PgConnection& connection, const std::string& key,
                                                                      const std::string& fingerprint, Claim& claim) {
  const std::int64_t now = options_.now_ms();
  PgResult winner = connection.Exec(
      "SELECT fingerprint, state, http_status, body, expires_ms, lease_until_ms FROM idempotency WHERE key = $1",
      {key});
  if (!winner.ok()) return Failed("cannot look the idempotency key up", winner);
  if (winner.rows() == 0) return Found::kGone;  // released meanwhile: claim again
  if (winner.Int(0, 4) <= now) {                // expired: the key is new again
    PgResult taken = connection.Exec(
        "UPDATE idempotency SET fingerprint = $2, state = 'running', http_status = NULL, body = NULL, "
        "created_ms = $3, expires_ms = $4, owner = $5, lease_until_ms = $6 WHERE key = $1 AND expires_ms <= $3",
        {key, fingerprint, now, now + options_.ttl.count() * 1000, options_.instance, now + options_.lease.count()});
    if (!taken.ok()) return Failed("cannot claim an expired idempotency key", taken);
    return taken.affected() == 1 ? Found::kTakenOver : Found::kGone;
  }
  if (winner.Text(0, 0) != fingerprint) {
    claim.result = ClaimResult::kMismatch;
    return Found::kAnswered;
  }
  if (winner.Text(0, 1) == "running") {
    if (winner.OptionalInt(0, 5).value_or(now + 1) > now) {
      claim.result = ClaimResult::kInFlight;
      return Found::kAnswered;
    }
    StoreResult<int> completed = CompleteDead(connection, key, fingerprint, now);
    if (auto* failure = std::get_if<StoreError>(&completed)) return *failure;
    return Found::kCompletedForDeadOwner;  // read again: now done
  }
  claim.result = ClaimResult::kReplay;
  claim.answer = StoredAnswer{static_cast<int>(winner.Int(0, 2)), FromByteaText(winner.Text(0, 3))};
  return Found::kAnswered;
}

// The crash rule for a key whose owner's lease ran out: the interrupted answer.
StoreResult<int> PgIdempotencyStore::CompleteDead(PgConnection& connection, const std::string& key,
                                                  const std::string& fingerprint, std::int64_t now) {
  const StoredAnswer answer = options_.interrupted_answer(fingerprint);
  PgResult completed = connection.Exec(
      "UPDATE idempotency SET state = 'done', http_status = $2, body = $3, owner = NULL, lease_until_ms = NULL "
      "WHERE key = $1 AND state = 'running' AND lease_until_ms <= $4",
      {key, std::int64_t{answer.http_status}, PgParam::Bytes(answer.body), now});
  if (!completed.ok()) return Failed("cannot complete an interrupted idempotency key", completed);
  return completed.affected();
}

StoreFailure PgIdempotencyStore::Complete(const std::string& key, const StoredAnswer& answer) {
  StoreResult<PgPool::Lease> lease = pool_.Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) return StoreError{"idempotency answer: " + failure->message};
  PgResult completed = std::get<PgPool::Lease>(lease)->Exec(
      "UPDATE idempotency SET state = 'done', http_status = $2, body = $3, owner = NULL, lease_until_ms = NULL "
      "WHERE key = $1 AND state = 'running' AND owner = $4",
      {key, std::int64_t{answer.http_status}, PgParam::Bytes(answer.body), options_.instance});
  if (!completed.ok()) return Failed("cannot store the answer of an idempotency key", completed);
  return std::nullopt;
}

StoreFailure PgIdempotencyStore::Release(const std::string& key) {
  StoreResult<PgPool::Lease> lease = pool_.Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) return StoreError{"idempotency release: " + failure->message};
  PgResult released = std::get<PgPool::Lease>(lease)->Exec(
      "DELETE FROM idempotency WHERE key = $1 AND state = 'running' AND owner = $2", {key, options_.instance});
  if (!released.ok()) return Failed("cannot release an idempotency key", released);
  return std::nullopt;
}

StoreResult<int> PgIdempotencyStore::CompleteInterrupted(
    const std::function<StoredAnswer(const std::string& fingerprint)>& answer_for) {
  StoreResult<PgPool::Lease> lease = pool_.Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) return StoreError{"idempotency recovery: " + failure->message};
  PgConnection& connection = *std::get<PgPool::Lease>(lease);
  const std::int64_t now = options_.now_ms();
  PgResult running = connection.Exec(
      "SELECT key, fingerprint FROM idempotency WHERE state = 'running' AND lease_until_ms <= $1", {now});
  if (!running.ok()) return Failed("cannot read interrupted idempotency keys", running);
  int completed = 0;
  for (int row = 0; row < running.rows(); ++row) {
    const StoredAnswer answer = answer_for(running.Text(row, 1));
    PgResult done = connection.Exec(
        "UPDATE idempotency SET state = 'done', http_status = $2, body = $3, owner = NULL, lease_until_ms = NULL "
        "WHERE key = $1 AND state = 'running' AND lease_until_ms <= $4",
        {running.Text(row, 0), std::int64_t{answer.http_status}, PgParam::Bytes(answer.body), now});
    if (!done.ok()) return Failed("cannot complete interrupted idempotency keys", done);
    completed += done.affected();
  }
  return completed;
}

StoreResult<int> PgIdempotencyStore::DeleteExpired() {
  StoreResult<PgPool::Lease> lease = pool_.Acquire();
  if (auto* failure = std::get_if<StoreError>(&lease)) return StoreError{"idempotency sweep: " + failure->message};
  PgResult swept =
      std::get<PgPool::Lease>(lease)->Exec("DELETE FROM idempotency WHERE expires_ms <= $1", {options_.now_ms()});
  if (!swept.ok()) return Failed("cannot delete expired idempotency keys", swept);
  return swept.affected();
}

}  // namespace voip::store

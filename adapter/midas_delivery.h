// The one MIDAS delivery policy, used by the flow's synchronous attempt and by
// the outbox relay: for a migration status update it decides whether it is
// delivered now, kept pending for a later attempt, or dead-lettered, and makes
// the attempt through MIDAS's circuit breaker. Within one attempt the MIDAS
// client may repeat the call once on a new connection when a kept connection
// turned out stale and the request's deadline leaves time for it
// (adapter/soap/midas_client.cc); the policy sees that as one call.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "adapter/backends.h"
#include "adapter/outbox.h"
#include "adapter/resilience/circuit_breaker.h"

namespace voip {

// What becomes of the update's outbox entry.
enum class MidasVerdict {
  kDelivered,    // MIDAS acknowledged it
  kKeepPending,  // not delivered; a later attempt may succeed (the relay retries it)
  kDeadLetter,   // retrying cannot help (a business rejection, or too old): an operator re-drives it
  kNotSent,      // superseded, or nothing to send: the entry is left as the store has it
};

// Why the update was not sent to MIDAS (kNone: it was sent).
enum class MidasSkip {
  kNone,
  kTooOld,          // older than the maximum age: dead-lettered without a call
  kDeadlinePassed,  // the request's deadline had passed: kept pending
  kCircuitOpen,     // MIDAS's circuit breaker refused the call: kept pending
  kSuperseded,      // a newer update for the same customer was committed: never sent (kNotSent)
  kNotPending,      // the entry is no longer pending (delivered or dead-lettered meanwhile): kNotSent
  kStoreFailed,     // the delivery claim could not read the entry: kept pending
};

// The result of one delivery decision (and attempt, when one was made).
struct [[nodiscard]] MidasDelivery {
  MidasVerdict verdict = MidasVerdict::kKeepPending;
  MidasSkip skipped = MidasSkip::kNone;
  // For kKeepPending and kDeadLetter: the outbox's last error or dead-letter
  // reason. For operators; no personal data.
  std::string reason;
  std::optional<BackendError> error;  // MIDAS's failure, when it was called and failed
  std::chrono::microseconds time{0};  // how long the call took; zero when not called

  bool called() const { return skipped == MidasSkip::kNone; }
};

// What the outbox knows about an update that has been waiting (the relay's
// entries); a fresh update (the flow's) has age zero and no last error.
struct PendingHistory {
  std::chrono::milliseconds age{0};  // since it became deliverable (pending_since)
  std::string last_error;
};

struct MidasDeliveryOptions {
  // Older than this, an update is dead-lettered without a call. Unset: no limit.
  std::optional<std::chrono::milliseconds> max_age;
  // MIDAS's circuit breaker, shared by the flow and the relay (null: none).
  CircuitBreaker* breaker = nullptr;
};

class MidasDeliveryPolicy {
 public:
  // `midas` and the breaker must outlive the policy. Thread-safe if they are.
  MidasDeliveryPolicy(Midas& midas, MidasDeliveryOptions options) : midas_(midas), options_(options) {}

  // In this order: older than the maximum age -> kDeadLetter (kTooOld, no
  // call); the context's deadline passed -> kKeepPending (kDeadlinePassed, no
  // call); the breaker refuses -> kKeepPending (kCircuitOpen, no call).
  // Otherwise MIDAS is called and the call's health recorded in the breaker:
  // acknowledged -> kDelivered; a business fault -> kDeadLetter; any other
  // failure -> kKeepPending. Never writes to the outbox (see ApplyToOutbox).
  [[nodiscard]] MidasDelivery Deliver(const MigrationStatusUpdate& update, const CallContext& context,
                                      const PendingHistory& history = {}) const;

  // The same for an outbox entry whose delivery turn the caller holds
  // (Outbox::ClaimDelivery), so that MIDAS is never told something older than
  // it already knows: a claim that is not kNewest decides first, without a
  // call (kSuperseded / kNotPending -> kNotSent; kStoreFailed -> kKeepPending
  // with the claim's error). Hold the claim until the result is written.
  [[nodiscard]] MidasDelivery Deliver(const DeliveryClaim& claim, const MigrationStatusUpdate& update,
                                      const CallContext& context, const PendingHistory& history = {}) const;

 private:
  Midas& midas_;
  const MidasDeliveryOptions options_;
};

// Writes a delivery to its outbox entry: kDelivered -> MarkDelivered;
// kKeepPending -> MarkAttemptFailed(reason) (counts the attempt and schedules
// the next one); kDeadLetter -> DeadLetter(reason); kNotSent -> nothing. Returns the store's failure
// (only the dead-letter is written at once; the others may be written later and
// report nothing). The relay does not apply a kCircuitOpen skip: its entry is
// already due, and it stops its round instead.
[[nodiscard]] StoreFailure ApplyToOutbox(Outbox& outbox, OutboxEntryId id, const MidasDelivery& delivery);

}  // namespace voip

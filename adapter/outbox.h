// The journal of work-order attempts and the outbox of MIDAS status updates
// (transactional outbox): what must survive a crash so that no MIDAS update is
// lost. The flow journals an attempt before the work-order call and commits the
// outcome together with the MIDAS update to deliver before MIDAS is called; the
// relay (adapter/delivery/outbox_relay.h) delivers what the synchronous attempt did not.
// The SQLite implementation is adapter/store/sqlite_outbox.h; tests use a fake.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "adapter/backends.h"

namespace voip {

using OutboxEntryId = std::int64_t;

// What is known about the work order of a journalled attempt.
enum class WorkOrderState {
  kAttempting,  // journalled; the create is running (or the process died during it)
  kCreated,     // the work-order system answered with an order number
  kFailed,      // certainly not created (a fault, or nothing was sent)
  kUnknown,     // may or may not exist: time-out after sending, garbled answer, crash mid-call
};
const char* WorkOrderStateName(WorkOrderState state);  // "attempting" | "created" | "failed" | "unknown"

// Where the entry's MIDAS update stands.
enum class DeliveryState {
  kWaiting,       // nothing to deliver yet (the work-order call is running)
  kPending,       // to be delivered (the synchronous attempt is running, or the relay will retry)
  kDelivered,     // MIDAS acknowledged it
  kDeadLettered,  // parked: too old, or MIDAS rejected it for a business reason; an operator re-drives it
  kSuperseded,    // a newer update for the same customer was committed before this one was delivered:
                  // kept for audit, never sent
};
// "waiting" | "pending" | "delivered" | "dead" | "superseded"
const char* DeliveryStateName(DeliveryState state);

// What MIDAS keys a status update on (account number, site reference,
// telephone number), as one string: the unit of the ordering rule below. It
// holds the numbers whole: never log it.
[[nodiscard]] std::string CustomerIdentityKey(const MigrationStatusUpdate& update);

struct OutboxEntry {
  OutboxEntryId id = 0;
  std::string correlation_id;
  MigrationStatusUpdate update;  // status, order number and reason are final once not kAttempting
  WorkOrderState work_order = WorkOrderState::kAttempting;
  DeliveryState delivery = DeliveryState::kWaiting;
  int attempts = 0;                             // failed MIDAS delivery attempts so far
  std::int64_t created_ms = 0;                  // journalled (Unix ms)
  std::int64_t pending_since_ms = 0;            // became deliverable, or re-driven; the max age counts from here
  std::optional<std::int64_t> next_attempt_ms;  // unset while the synchronous attempt runs
  std::string last_error;                       // for operators; no personal data
  // When the attempt was decided: assigned by the store as the outcome is
  // committed, increasing across the store (0 while kAttempting). Of two
  // updates for one customer, the one with the higher sequence is newer.
  std::int64_t sequence = 0;
  std::optional<OutboxEntryId> superseded_by;  // for kSuperseded: the entry that superseded it
  // The span of the request that journalled it (W3C Trace Context), so that a
  // redelivery carries the original trace id; empty for entries from before
  // it was kept (schema version 3).
  TraceContext trace;
};

// A storage failure, for operators' logs (no personal data).
struct [[nodiscard]] StoreError {
  std::string message;
};
template <typename T>
using StoreResult = std::variant<T, StoreError>;
// What a store write returns: set when it failed (holding why), nullopt when
// it was done. `if (failure)` reads "if it failed".
using StoreFailure = std::optional<StoreError>;

// What the outbox holds now, for the gauges at GET /metrics.
struct OutboxCounts {
  std::int64_t pending = 0;          // MIDAS updates not delivered yet (kPending)
  std::int64_t unknown_outcome = 0;  // work orders whose outcome is unknown, until an operator resolves them
  std::int64_t dead_lettered = 0;    // parked updates (kDeadLettered)
  std::int64_t superseded = 0;       // updates kept for audit that a newer one superseded (kSuperseded)
  std::optional<std::int64_t> oldest_pending_since_ms;  // of the pending ones; unset when none
};

// Where an entry stands once its delivery turn is claimed (Outbox::ClaimDelivery).
enum class ClaimStanding {
  kNewest,       // pending, and nothing newer for its customer was committed: send it
  kSuperseded,   // a newer update for the same customer was committed: never send it
  kNotPending,   // nothing to send: still waiting for its outcome, delivered, dead-lettered, or gone
  kStoreFailed,  // the store could not be read: not sent now; the entry stays as it was
};

// One customer identity's delivery turn: while a claim lives, no other claim
// on the same identity is granted (by the same store). Move-only; the turn is
// released when the claim is destroyed.
class [[nodiscard]] DeliveryClaim {
 public:
  DeliveryClaim(ClaimStanding standing, std::function<void()> release, std::string error = {})
      : standing_(standing), error_(std::move(error)), release_(std::move(release)) {}
  DeliveryClaim(DeliveryClaim&& other) noexcept
      : standing_(other.standing_), error_(std::move(other.error_)), release_(std::exchange(other.release_, {})) {}
  DeliveryClaim& operator=(DeliveryClaim&&) = delete;
  DeliveryClaim(const DeliveryClaim&) = delete;
  DeliveryClaim& operator=(const DeliveryClaim&) = delete;
  ~DeliveryClaim() {
    if (release_) release_();
  }

  ClaimStanding standing() const { return standing_; }
  const std::string& error() const { return error_; }  // for kStoreFailed: why (no personal data)

 private:
  ClaimStanding standing_;
  std::string error_;
  std::function<void()> release_;
};

// The ordering rule every implementation keeps (docs/delivery.md, "Newest
// truth wins"): RecordOutcome assigns the entry the next sequence and, in the
// same transaction, supersedes every older undelivered entry (pending or
// dead-lettered) for the same customer identity; a superseded entry is never
// due and never re-driven. Deliveries for one identity take turns
// (ClaimDelivery), and the claim re-reads the entry, so an update read as due
// before a newer one was committed is not sent after it.
//
// Thread-safe. Times are read from the implementation's clock.
class Outbox {
 public:
  virtual ~Outbox() = default;

  // Journals an attempt before the work-order call (kAttempting, kWaiting).
  // `update` holds the customer's identifiers; its status is not yet final.
  // Durable when it returns an id.
  // `trace` is the request's span, kept with the entry.
  [[nodiscard]] virtual StoreResult<OutboxEntryId> Journal(const MigrationStatusUpdate& update,
                                                           const std::string& correlation_id,
                                                           const TraceContext& trace) = 0;
  // The same without a trace.
  [[nodiscard]] StoreResult<OutboxEntryId> Journal(const MigrationStatusUpdate& update,
                                                   const std::string& correlation_id) {
    return Journal(update, correlation_id, TraceContext{});
  }

  // Records the work-order outcome and the MIDAS update to deliver in one
  // transaction (kPending, no next attempt time: the caller attempts it now),
  // with the next sequence, superseding the older undelivered entries for the
  // same customer (see the rule above). Durable when it returns nullopt.
  [[nodiscard]] virtual StoreFailure RecordOutcome(OutboxEntryId id, WorkOrderState outcome,
                                                   const MigrationStatusUpdate& update) = 0;

  // MIDAS acknowledged the update. May be written later (batched with the
  // next write or the relay's Flush); if that write is lost in a crash the
  // update is delivered again, which is harmless (the update is absolute).
  virtual void MarkDelivered(OutboxEntryId id) = 0;

  // A delivery attempt failed and may be retried: counts it and schedules the
  // next one with the retry policy. May be written later, like MarkDelivered.
  virtual void MarkAttemptFailed(OutboxEntryId id, const std::string& error) = 0;

  // Parks the entry (kDeadLettered) with the reason. Written at once.
  [[nodiscard]] virtual StoreFailure DeadLetter(OutboxEntryId id, const std::string& reason) = 0;

  // Waits for the delivery turn of the customer identity of `update` (entry
  // `id`'s), then reads where the entry stands. Hold the claim across the
  // MIDAS call and the write of its result (MarkDelivered, ...). The SQLite
  // store takes an in-process lock per identity (one process owns its
  // database: instance_lock.h); a store shared by several instances takes a
  // lock they all see (PostgreSQL: a transaction-scoped advisory lock on the
  // identity), so the rule holds between instances too. Never fails: a store
  // that cannot read the entry says so in the standing (kStoreFailed).
  virtual DeliveryClaim ClaimDelivery(OutboxEntryId id, const MigrationStatusUpdate& update) = 0;

  // Writes what MarkDelivered / MarkAttemptFailed deferred.
  [[nodiscard]] virtual StoreFailure Flush() = 0;

  // Pending entries whose next attempt is due (never superseded ones), oldest
  // first, at most `limit`.
  // Flushes first.
  [[nodiscard]] virtual StoreResult<std::vector<OutboxEntry>> Due(int limit) = 0;

  // Counts what is outstanding. One aggregate query over the entries still
  // kept (delivered entries with a known outcome are removed), so it is cheap
  // enough for the relay to call once per round.
  [[nodiscard]] virtual StoreResult<OutboxCounts> Count() = 0;
};

}  // namespace voip

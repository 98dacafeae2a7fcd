// The journal of work-order attempts and the outbox of MIDAS status updates
// (transactional outbox): what must survive a crash so that no MIDAS update is
// lost. The flow journals an attempt before the work-order call and commits the
// outcome together with the MIDAS update to deliver before MIDAS is called; the
// relay (adapter/delivery/outbox_relay.h) delivers what the synchronous attempt did not.
// The SQLite implementation is adapter/store/sqlite_outbox.h; tests use a fake.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
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
};
const char* DeliveryStateName(DeliveryState state);  // "waiting" | "pending" | "delivered" | "dead"

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
  std::optional<std::int64_t> oldest_pending_since_ms;  // of the pending ones; unset when none
};

// Thread-safe. Times are read from the implementation's clock.
class Outbox {
 public:
  virtual ~Outbox() = default;

  // Journals an attempt before the work-order call (kAttempting, kWaiting).
  // `update` holds the customer's identifiers; its status is not yet final.
  // Durable when it returns an id.
  [[nodiscard]] virtual StoreResult<OutboxEntryId> Journal(const MigrationStatusUpdate& update,
                                                           const std::string& correlation_id) = 0;

  // Records the work-order outcome and the MIDAS update to deliver in one
  // transaction (kPending, no next attempt time: the caller attempts it now).
  // Durable when it returns nullopt.
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

  // Writes what MarkDelivered / MarkAttemptFailed deferred.
  [[nodiscard]] virtual StoreFailure Flush() = 0;

  // Pending entries whose next attempt is due, oldest first, at most `limit`.
  // Flushes first.
  [[nodiscard]] virtual StoreResult<std::vector<OutboxEntry>> Due(int limit) = 0;

  // Counts what is outstanding. One aggregate query over the entries still
  // kept (delivered entries with a known outcome are removed), so it is cheap
  // enough for the relay to call once per round.
  [[nodiscard]] virtual StoreResult<OutboxCounts> Count() = 0;
};

}  // namespace voip

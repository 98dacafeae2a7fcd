// What start-up and operators need of an outbox besides delivery: recovery of
// attempts a crash (or a dead instance) interrupted, listing, re-driving dead
// letters, resolving unknown outcomes. Both stores implement it (SQLite:
// adapter/store/sqlite_outbox.h; PostgreSQL: adapter/store/pg_outbox.h), so
// the `outbox` subcommands (app/outbox_command.h) do not know which one runs.
#pragma once

#include <optional>
#include <vector>

#include "adapter/outbox.h"

namespace voip {

// What an operator lists.
enum class OutboxView {
  kPending,       // waiting or pending (in flight, or to be retried)
  kDeadLettered,  // parked
  kUnknown,       // work-order outcome unknown, whatever the delivery state
  kSuperseded,    // never sent: a newer update for the same customer superseded it (kept for audit)
  kAll,
};

// The reason sent to MIDAS for an attempt that a crash interrupted.
inline constexpr const char* kInterruptedReason =
    "The adapter stopped while the work order was being created; whether it was created is unknown";

// Thread-safe.
class OutboxAdmin {
 public:
  virtual ~OutboxAdmin() = default;

  // Attempts whose request can no longer finish (SQLite: every one still
  // journalled as kAttempting when the one owning process starts; PostgreSQL:
  // those whose owning instance's lease ran out) become kUnknown, and MIDAS
  // is to be told WORK_ORDER_OUTCOME_UNKNOWN with kInterruptedReason (each
  // decided now: the next sequence, superseding what is older for its
  // customer); pending entries whose synchronous attempt was cut short become
  // due now. Returns how many entries it touched.
  [[nodiscard]] virtual StoreResult<int> RecoverInterrupted() = 0;

  // Entries in `view`, oldest first.
  [[nodiscard]] virtual StoreResult<std::vector<OutboxEntry>> List(OutboxView view) = 0;

  // Puts a dead-lettered entry (or every one when `id` is unset) back to
  // pending, due now, with its age and attempt count restarted. Returns how
  // many were re-driven (0 when `id` is not dead-lettered).
  [[nodiscard]] virtual StoreResult<int> Redrive(std::optional<OutboxEntryId> id) = 0;

  // Removes an entry with an unknown work-order outcome once an operator has
  // checked it, provided MIDAS has been told (delivered), it is
  // dead-lettered, or it was superseded. Returns 1 when removed, 0 otherwise.
  [[nodiscard]] virtual StoreResult<int> Resolve(OutboxEntryId id) = 0;
};

}  // namespace voip

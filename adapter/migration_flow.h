// The only place that sequences backend calls: validate, journal the attempt,
// create the work order, commit its outcome with the MIDAS update to deliver,
// then (whatever the work order's outcome) update MIDAS; what MIDAS did not
// take is left pending in the outbox for the relay.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "adapter/backends.h"
#include "adapter/fault.h"
#include "adapter/midas_delivery.h"
#include "adapter/migration_request.h"
#include "adapter/outbox.h"
#include "adapter/resilience/circuit_breaker.h"

namespace voip {

struct [[nodiscard]] MigrationOutcome {
  // Set when the work order was created: the answer is `success`, and `faults`
  // holds what did not complete afterwards (the MIDAS update). Otherwise the
  // answer is `failure` and `faults` is never empty.
  std::optional<std::string> order_number;
  std::vector<Fault> faults;
  FailureClass failure_class = FailureClass::kNone;  // drives the HTTP status

  // For logs and metrics, never for the answer.
  std::optional<BackendErrorKind> work_order_error;
  std::optional<BackendErrorKind> midas_error;
  std::string work_order_diagnostic;  // BackendError::diagnostic: operators only, no personal data
  std::string midas_diagnostic;
  bool work_order_called = false;
  bool midas_called = false;
  MidasFollowUp midas_follow_up = MidasFollowUp::kNotKept;  // meaningful when midas_error is set
  std::optional<std::string> store_error;
  bool idempotent_replay = false;  // answered from a stored Idempotency-Key answer (set by the JSON face)
  // A circuit breaker was open: the work order was refused without any call,
  // or the MIDAS update was left to the relay without a synchronous attempt.
  bool work_order_circuit_open = false;
  bool midas_circuit_open = false;
  // The request's deadline had passed before MIDAS's turn: left to the relay.
  bool midas_deadline_passed = false;
  // A newer update for the same customer was committed before this one's
  // turn: not sent (superseded), no fault; the newer one is delivered.
  bool midas_superseded = false;
  // Set when the answer invites a retry after this long (the Retry-After header).
  std::optional<std::chrono::milliseconds> retry_after;
  std::optional<OutboxEntryId> outbox_entry;  // the journal entry of the attempt, when one was written
  bool work_order_outcome_unknown = false;    // recorded as unknown: an operator must check the work-order system
  std::chrono::microseconds work_order_time{0};
  std::chrono::microseconds midas_time{0};
};

// Builds a failure outcome that called no backend.
[[nodiscard]] MigrationOutcome RejectedOutcome(FailureClass failure_class, std::vector<Fault> faults);

// The store could not record the request, so nothing was called
// (kStoreUnavailable, StoreUnavailableFault, Retry-After 1 s).
[[nodiscard]] MigrationOutcome StoreUnavailableOutcome();

// The adapter shed the request (kOverloaded, OverloadedFault, Retry-After 1 s).
[[nodiscard]] MigrationOutcome OverloadedOutcome();

// The one validation of a request: the request the flow runs, or the
// kInvalidRequest outcome with one fault per problem (no backend called).
[[nodiscard]] std::variant<MigrationRequest, MigrationOutcome> ValidatedOrRejected(const MigrationRequestInput& input);

// The outcome did nothing and asks to be retried (503: a backend known to be
// down or not reached, the store down, the adapter overloaded). Such an answer
// is not kept for an Idempotency-Key: the key is released, so that the retry
// runs. Every other outcome is kept and replayed.
[[nodiscard]] bool InvitesRetry(const MigrationOutcome& outcome);

// The circuit breakers the flow consults; a null one means no breaker.
struct BackendBreakers {
  CircuitBreaker* work_order = nullptr;
  CircuitBreaker* midas = nullptr;
};

class MigrationFlow {
 public:
  // The backends, the outbox and the breakers must outlive the flow.
  // Thread-safe if they are.
  MigrationFlow(WorkOrderSystem& work_order, Midas& midas, Outbox& outbox, BackendBreakers breakers = {})
      : work_order_(work_order),
        outbox_(outbox),
        breakers_(breakers),
        midas_delivery_(midas, MidasDeliveryOptions{std::nullopt, breakers.midas}) {}

  // Validates, then runs. Invalid input calls no backend and writes nothing.
  // When the attempt cannot be journalled, no backend is called either
  // (kStoreUnavailable). When the work-order breaker is open nothing is
  // journalled or called (kBackendUnavailable with retry_after); when the
  // MIDAS breaker is open the update is left pending for the relay.
  [[nodiscard]] MigrationOutcome Run(const MigrationRequestInput& input, const CallContext& context) const;
  [[nodiscard]] MigrationOutcome Run(const MigrationRequest& request, const CallContext& context) const;

  const BackendBreakers& breakers() const { return breakers_; }

 private:
  // The MIDAS turn: the delivery policy's decision, written to the entry
  // unless its outcome could not be recorded (`record_failure`).
  void UpdateMidas(const MigrationStatusUpdate& update, OutboxEntryId entry, const StoreFailure& record_failure,
                   const CallContext& context, MigrationOutcome& outcome) const;

  WorkOrderSystem& work_order_;
  Outbox& outbox_;
  const BackendBreakers breakers_;
  const MidasDeliveryPolicy midas_delivery_;
};

}  // namespace voip

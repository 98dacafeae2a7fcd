// The only place that sequences backend calls: validate, journal the attempt,
// create the work order, commit its outcome with the MIDAS update to deliver,
// then (whatever the work order's outcome) update MIDAS; what MIDAS did not
// take is left pending in the outbox for the relay.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "adapter/backends.h"
#include "adapter/fault.h"
#include "adapter/migration_request.h"
#include "adapter/outbox.h"

namespace voip {

struct MigrationOutcome {
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
  bool idempotent_replay = false;  // answered from a stored Idempotency-Key answer (set by the JSON face)  // the outbox could not be written (for operators' logs)
  std::chrono::microseconds work_order_time{0};
  std::chrono::microseconds midas_time{0};
};

// Builds a failure outcome that called no backend.
MigrationOutcome RejectedOutcome(FailureClass failure_class, std::vector<Fault> faults);

class MigrationFlow {
 public:
  // The backends and the outbox must outlive the flow. Thread-safe if they are.
  MigrationFlow(WorkOrderSystem& work_order, Midas& midas, Outbox& outbox)
      : work_order_(work_order), midas_(midas), outbox_(outbox) {}

  // Validates, then runs. Invalid input calls no backend and writes nothing.
  // When the attempt cannot be journalled, no backend is called either
  // (kStoreUnavailable).
  MigrationOutcome Run(const MigrationRequestInput& input, const CallContext& context) const;
  MigrationOutcome Run(const MigrationRequest& request, const CallContext& context) const;

 private:
  WorkOrderSystem& work_order_;
  Midas& midas_;
  Outbox& outbox_;
};

}  // namespace voip

// The only place that sequences backend calls: validate, create the work
// order, then (whatever the work order's outcome) update MIDAS.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "adapter/backends.h"
#include "adapter/fault.h"
#include "adapter/migration_request.h"

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
  std::chrono::microseconds work_order_time{0};
  std::chrono::microseconds midas_time{0};
};

// Builds a failure outcome that called no backend.
MigrationOutcome RejectedOutcome(FailureClass failure_class, std::vector<Fault> faults);

class MigrationFlow {
 public:
  // Both backends must outlive the flow. Thread-safe if the backends are.
  MigrationFlow(WorkOrderSystem& work_order, Midas& midas) : work_order_(work_order), midas_(midas) {}

  // Validates, then runs. Invalid input calls no backend.
  MigrationOutcome Run(const MigrationRequestInput& input, const CallContext& context) const;
  MigrationOutcome Run(const MigrationRequest& request, const CallContext& context) const;

 private:
  WorkOrderSystem& work_order_;
  Midas& midas_;
};

}  // namespace voip

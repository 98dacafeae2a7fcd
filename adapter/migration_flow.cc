#include "adapter/migration_flow.h"

#include <utility>

namespace voip {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxReasonLength = 512;  // MIDAS schema: Reason maxLength

std::chrono::microseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

// A failed create is certain only when the work-order system said so, or when
// nothing reached it. Anything else (time-out, garbled answer, error page from
// something in between) leaves the outcome unknown.
bool OutcomeIsCertainFailure(BackendErrorKind kind) {
  switch (kind) {
    case BackendErrorKind::kBusinessFault:
    case BackendErrorKind::kSystemFault:
    case BackendErrorKind::kUntypedFault:
    case BackendErrorKind::kConnectFailed:
      return true;
    default:
      return false;
  }
}

std::string Truncated(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  s.resize(cut);
  return s;
}

MigrationStatusUpdate StatusUpdateFor(const MigrationRequest& request) {
  MigrationStatusUpdate update;
  update.account_number = request.account_number;
  update.site_reference = request.site_reference;
  update.telephone_number = request.telephone_number;
  return update;
}

}  // namespace

MigrationOutcome RejectedOutcome(FailureClass failure_class, std::vector<Fault> faults) {
  MigrationOutcome outcome;
  outcome.failure_class = failure_class;
  outcome.faults = std::move(faults);
  return outcome;
}

MigrationOutcome MigrationFlow::Run(const MigrationRequestInput& input, const CallContext& context) const {
  ValidationResult validated = Validate(input);
  if (auto* faults = std::get_if<std::vector<Fault>>(&validated)) {
    return RejectedOutcome(FailureClass::kInvalidRequest, std::move(*faults));
  }
  return Run(std::get<MigrationRequest>(validated), context);
}

MigrationOutcome MigrationFlow::Run(const MigrationRequest& request, const CallContext& context) const {
  MigrationOutcome outcome;
  MigrationStatusUpdate update = StatusUpdateFor(request);

  const auto work_order_start = Clock::now();
  outcome.work_order_called = true;
  BackendResult<WorkOrderCreated> created = work_order_.CreateMigrationWorkOrder(
      WorkOrderRequest{request.telephone_number, request.account_number, request.site_reference}, context);
  outcome.work_order_time = Since(work_order_start);

  if (auto* ok = std::get_if<WorkOrderCreated>(&created)) {
    outcome.order_number = ok->order_number;
    update.status = MigrationStatus::kWorkOrderCreated;
    update.order_number = ok->order_number;
  } else {
    const BackendError& error = std::get<BackendError>(created);
    TranslatedFailure failure = TranslateBackendError(Backend::kWorkOrder, error);
    outcome.work_order_error = error.kind;
    outcome.work_order_diagnostic = error.diagnostic;
    outcome.failure_class = failure.failure_class;
    update.status = OutcomeIsCertainFailure(error.kind) ? MigrationStatus::kWorkOrderFailed
                                                        : MigrationStatus::kWorkOrderOutcomeUnknown;
    update.reason = Truncated(failure.fault.detail, kMaxReasonLength);
    outcome.faults.push_back(std::move(failure.fault));
  }

  const auto midas_start = Clock::now();
  outcome.midas_called = true;
  BackendResult<MidasAcknowledged> acknowledged = midas_.UpdateCustomerMigrationStatus(update, context);
  outcome.midas_time = Since(midas_start);

  if (auto* error = std::get_if<BackendError>(&acknowledged)) {
    TranslatedFailure failure = TranslateBackendError(Backend::kMidas, *error);
    outcome.midas_error = error->kind;
    outcome.midas_diagnostic = error->diagnostic;
    failure.fault.detail = (outcome.order_number ? "The work order was created, but the customer's migration status "
                                                   "could not be updated in MIDAS: "
                                                 : "The customer's migration status could not be updated in MIDAS: ") +
                           failure.fault.detail;
    outcome.faults.push_back(std::move(failure.fault));
  }
  return outcome;
}

}  // namespace voip

#include "adapter/migration_flow.h"

#include <utility>

#include "adapter/backend_health.h"
#include "platform/text.h"

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
    case BackendErrorKind::kConnectFailed: return true;
    default: return false;
  }
}

CircuitBreaker::Permit Admit(CircuitBreaker* breaker) {
  if (breaker == nullptr) return CircuitBreaker::Permit{true};
  return breaker->Admit();
}

template <typename T>
void Record(CircuitBreaker* breaker, const CircuitBreaker::Permit& permit, const BackendResult<T>& result) {
  if (breaker == nullptr) return;
  const auto* error = std::get_if<BackendError>(&result);
  breaker->Record(permit, error == nullptr ? CallHealth::kHealthy : HealthOf(*error));
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

MigrationOutcome StoreUnavailableOutcome() {
  MigrationOutcome outcome = RejectedOutcome(FailureClass::kStoreUnavailable, {StoreUnavailableFault()});
  outcome.retry_after = std::chrono::seconds(1);
  return outcome;
}

MigrationOutcome OverloadedOutcome() {
  MigrationOutcome outcome = RejectedOutcome(FailureClass::kOverloaded, {OverloadedFault()});
  outcome.retry_after = std::chrono::seconds(1);
  return outcome;
}

std::variant<MigrationRequest, MigrationOutcome> ValidatedOrRejected(const MigrationRequestInput& input) {
  ValidationResult validated = Validate(input);
  if (auto* faults = std::get_if<std::vector<Fault>>(&validated)) {
    return RejectedOutcome(FailureClass::kInvalidRequest, std::move(*faults));
  }
  return std::get<MigrationRequest>(std::move(validated));
}

bool InvitesRetry(const MigrationOutcome& outcome) {
  return outcome.failure_class == FailureClass::kBackendUnavailable ||
         outcome.failure_class == FailureClass::kStoreUnavailable || outcome.failure_class == FailureClass::kOverloaded;
}

MigrationOutcome MigrationFlow::Run(const MigrationRequestInput& input, const CallContext& context) const {
  std::variant<MigrationRequest, MigrationOutcome> validated = ValidatedOrRejected(input);
  if (auto* rejected = std::get_if<MigrationOutcome>(&validated)) return std::move(*rejected);
  return Run(std::get<MigrationRequest>(validated), context);
}

MigrationOutcome MigrationFlow::Run(const MigrationRequest& request, const CallContext& context) const {
  const CircuitBreaker::Permit work_order_permit = Admit(breakers_.work_order);
  if (!work_order_permit.allowed) {
    MigrationOutcome refused =
        RejectedOutcome(FailureClass::kBackendUnavailable, {CircuitOpenFault(Backend::kWorkOrder)});
    refused.work_order_circuit_open = true;
    refused.retry_after = work_order_permit.retry_after;
    return refused;
  }
  MigrationStatusUpdate update = StatusUpdateFor(request);
  StoreResult<OutboxEntryId> journalled = outbox_.Journal(update, context.correlation_id, context.trace);
  if (auto* error = std::get_if<StoreError>(&journalled)) {
    // Nothing was called: the permit decides nothing about the work-order system.
    if (breakers_.work_order != nullptr) breakers_.work_order->Record(work_order_permit, CallHealth::kNeutral);
    MigrationOutcome refused = StoreUnavailableOutcome();
    refused.store_error = error->message;
    return refused;
  }
  const OutboxEntryId entry = std::get<OutboxEntryId>(journalled);

  MigrationOutcome outcome;
  outcome.outbox_entry = entry;
  const auto work_order_start = Clock::now();
  outcome.work_order_called = true;
  BackendResult<WorkOrderCreated> created = work_order_.CreateMigrationWorkOrder(
      WorkOrderRequest{request.telephone_number, request.account_number, request.site_reference}, context);
  outcome.work_order_time = Since(work_order_start);
  Record(breakers_.work_order, work_order_permit, created);

  WorkOrderState state = WorkOrderState::kCreated;
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
    state = OutcomeIsCertainFailure(error.kind) ? WorkOrderState::kFailed : WorkOrderState::kUnknown;
    update.status = state == WorkOrderState::kFailed ? MigrationStatus::kWorkOrderFailed
                                                     : MigrationStatus::kWorkOrderOutcomeUnknown;
    update.reason = TruncateUtf8Bytes(failure.fault.detail, kMaxReasonLength);
    outcome.faults.push_back(std::move(failure.fault));
  }

  // Committed before MIDAS is called: from here on the update cannot be lost.
  const StoreFailure record_failure = outbox_.RecordOutcome(entry, state, update);
  if (record_failure) outcome.store_error = record_failure->message;
  outcome.work_order_outcome_unknown = state == WorkOrderState::kUnknown;

  UpdateMidas(update, entry, record_failure, context, outcome);
  return outcome;
}

void MigrationFlow::UpdateMidas(const MigrationStatusUpdate& update, OutboxEntryId entry,
                                const StoreFailure& record_failure, const CallContext& context,
                                MigrationOutcome& outcome) const {
  // This customer's turn, held until the result is written: the relay never
  // sends an older update for the customer meanwhile. An outcome that could
  // not be recorded is sent as before (nothing else would send it).
  const DeliveryClaim claim = outbox_.ClaimDelivery(entry, update);
  const MidasDelivery delivery =
      record_failure ? midas_delivery_.Deliver(update, context) : midas_delivery_.Deliver(claim, update, context);
  outcome.midas_called = delivery.called();
  outcome.midas_time = delivery.time;
  outcome.midas_deadline_passed = delivery.skipped == MidasSkip::kDeadlinePassed;
  outcome.midas_circuit_open = delivery.skipped == MidasSkip::kCircuitOpen;
  if (delivery.error) {
    outcome.midas_error = delivery.error->kind;
    outcome.midas_diagnostic = delivery.error->diagnostic;
  }
  // An outcome that could not be recorded has no entry to keep: nothing will retry it.
  StoreFailure write_failure = record_failure;
  if (!record_failure) write_failure = ApplyToOutbox(outbox_, entry, delivery);
  if (delivery.verdict == MidasVerdict::kDelivered) return;
  if (delivery.verdict == MidasVerdict::kNotSent) {
    // A newer request for the customer committed its update meanwhile; that
    // one tells MIDAS the newest truth.
    outcome.midas_superseded = true;
    return;
  }
  if (write_failure) {
    if (!record_failure) outcome.store_error = write_failure->message;
    outcome.midas_follow_up = MidasFollowUp::kNotKept;
  } else {
    outcome.midas_follow_up =
        delivery.verdict == MidasVerdict::kDeadLetter ? MidasFollowUp::kParked : MidasFollowUp::kPending;
  }
  const bool created = outcome.order_number.has_value();
  if (delivery.skipped == MidasSkip::kDeadlinePassed) {
    outcome.faults.push_back(MidasDeadlineFault(created, outcome.midas_follow_up));
  } else if (delivery.skipped == MidasSkip::kCircuitOpen) {
    outcome.faults.push_back(MidasNotCalledFault(created, outcome.midas_follow_up));
  } else if (delivery.skipped == MidasSkip::kStoreFailed) {
    outcome.store_error = delivery.reason;
    outcome.faults.push_back(MidasStoreFault(created, outcome.midas_follow_up));
  } else if (delivery.error) {  // (the flow sets no maximum age: kTooOld does not happen here)
    outcome.faults.push_back(MidasUpdateFault(*delivery.error, created, outcome.midas_follow_up));
  }
}

}  // namespace voip

#include "adapter/midas_delivery.h"

#include <utility>

#include "adapter/backend_health.h"
#include "adapter/fault.h"

namespace voip {
namespace {

using Clock = std::chrono::steady_clock;

MidasDelivery Skipped(MidasSkip why, MidasVerdict verdict, std::string reason) {
  MidasDelivery delivery;
  delivery.skipped = why;
  delivery.verdict = verdict;
  delivery.reason = std::move(reason);
  return delivery;
}

// The verdict on MIDAS's answer.
void Judge(const BackendResult<MidasAcknowledged>& answer, MidasDelivery& delivery) {
  const auto* error = std::get_if<BackendError>(&answer);
  if (error == nullptr) {
    delivery.verdict = MidasVerdict::kDelivered;
    return;
  }
  delivery.error = *error;
  delivery.reason = TranslateBackendError(Backend::kMidas, *error).fault.detail;
  // A business rejection will be rejected again: retrying cannot help.
  delivery.verdict =
      error->kind == BackendErrorKind::kBusinessFault ? MidasVerdict::kDeadLetter : MidasVerdict::kKeepPending;
}

}  // namespace

MidasDelivery MidasDeliveryPolicy::Deliver(const MigrationStatusUpdate& update, const CallContext& context,
                                           const PendingHistory& history) const {
  if (options_.max_age && history.age > *options_.max_age) {
    return Skipped(MidasSkip::kTooOld, MidasVerdict::kDeadLetter,
                   "not delivered within the maximum age; last error: " + history.last_error);
  }
  const auto remaining = context.Remaining();
  if (remaining && remaining->count() <= 0) {
    return Skipped(MidasSkip::kDeadlinePassed, MidasVerdict::kKeepPending,
                   "not attempted: the request's deadline had passed");
  }
  CircuitBreaker::Permit permit{true};
  if (options_.breaker != nullptr) {
    permit = options_.breaker->Admit();
    if (!permit.allowed) {
      return Skipped(MidasSkip::kCircuitOpen, MidasVerdict::kKeepPending,
                     "not attempted: the MIDAS circuit breaker was open");
    }
  }
  MidasDelivery delivery;
  const auto start = Clock::now();
  const BackendResult<MidasAcknowledged> answer = midas_.UpdateCustomerMigrationStatus(update, context);
  delivery.time = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  if (options_.breaker != nullptr) {
    const auto* error = std::get_if<BackendError>(&answer);
    options_.breaker->Record(permit, error == nullptr ? CallHealth::kHealthy : HealthOf(*error));
  }
  Judge(answer, delivery);
  return delivery;
}

MidasDelivery MidasDeliveryPolicy::Deliver(const DeliveryClaim& claim, const MigrationStatusUpdate& update,
                                           const CallContext& context, const PendingHistory& history) const {
  switch (claim.standing()) {
    case ClaimStanding::kNewest: return Deliver(update, context, history);
    case ClaimStanding::kSuperseded:
      return Skipped(MidasSkip::kSuperseded, MidasVerdict::kNotSent,
                     "not sent: a newer update for the same customer supersedes it");
    case ClaimStanding::kNotPending:
      return Skipped(MidasSkip::kNotPending, MidasVerdict::kNotSent, "not sent: no longer pending");
    case ClaimStanding::kStoreFailed:
      return Skipped(MidasSkip::kStoreFailed, MidasVerdict::kKeepPending,
                     "not attempted: the outbox could not be read: " + claim.error());
  }
  return Skipped(MidasSkip::kNotPending, MidasVerdict::kNotSent, "not sent: no longer pending");
}

StoreFailure ApplyToOutbox(Outbox& outbox, OutboxEntryId id, const MidasDelivery& delivery) {
  switch (delivery.verdict) {
    case MidasVerdict::kDelivered: outbox.MarkDelivered(id); return std::nullopt;
    case MidasVerdict::kKeepPending: outbox.MarkAttemptFailed(id, delivery.reason); return std::nullopt;
    case MidasVerdict::kDeadLetter: return outbox.DeadLetter(id, delivery.reason);
    case MidasVerdict::kNotSent: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace voip

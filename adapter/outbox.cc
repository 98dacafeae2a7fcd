#include "adapter/outbox.h"

#include <string>

namespace voip {

const char* WorkOrderStateName(WorkOrderState state) {
  switch (state) {
    case WorkOrderState::kAttempting: return "attempting";
    case WorkOrderState::kCreated: return "created";
    case WorkOrderState::kFailed: return "failed";
    case WorkOrderState::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string CustomerIdentityKey(const MigrationStatusUpdate& update) {
  // The separator cannot occur in a valid account or telephone number.
  return update.account_number + "|" + std::to_string(update.site_reference) + "|" + update.telephone_number;
}

const char* DeliveryStateName(DeliveryState state) {
  switch (state) {
    case DeliveryState::kWaiting: return "waiting";
    case DeliveryState::kPending: return "pending";
    case DeliveryState::kDelivered: return "delivered";
    case DeliveryState::kDeadLettered: return "dead";
    case DeliveryState::kSuperseded: return "superseded";
  }
  return "waiting";
}

}  // namespace voip

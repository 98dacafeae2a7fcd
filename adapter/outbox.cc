#include "adapter/outbox.h"

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

const char* DeliveryStateName(DeliveryState state) {
  switch (state) {
    case DeliveryState::kWaiting: return "waiting";
    case DeliveryState::kPending: return "pending";
    case DeliveryState::kDelivered: return "delivered";
    case DeliveryState::kDeadLettered: return "dead";
  }
  return "waiting";
}

}  // namespace voip

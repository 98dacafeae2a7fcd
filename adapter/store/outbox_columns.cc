#include "adapter/store/outbox_columns.h"

namespace voip::store {

WorkOrderState WorkOrderStateFrom(const std::string& name) {
  if (name == "created") return WorkOrderState::kCreated;
  if (name == "failed") return WorkOrderState::kFailed;
  if (name == "unknown") return WorkOrderState::kUnknown;
  return WorkOrderState::kAttempting;
}

DeliveryState DeliveryStateFrom(const std::string& name) {
  if (name == "pending") return DeliveryState::kPending;
  if (name == "delivered") return DeliveryState::kDelivered;
  if (name == "dead") return DeliveryState::kDeadLettered;
  if (name == "superseded") return DeliveryState::kSuperseded;
  return DeliveryState::kWaiting;
}

const char* OutboxViewFilter(OutboxView view) {
  switch (view) {
    case OutboxView::kPending: return "delivery IN ('waiting', 'pending')";
    case OutboxView::kDeadLettered: return "delivery = 'dead'";
    case OutboxView::kUnknown: return "work_order = 'unknown'";
    case OutboxView::kSuperseded: return "delivery = 'superseded'";
    case OutboxView::kAll: break;
  }
  return "TRUE";
}

MigrationStatus MigrationStatusFrom(const std::string& name) {
  if (name == "WORK_ORDER_CREATED") return MigrationStatus::kWorkOrderCreated;
  if (name == "WORK_ORDER_FAILED") return MigrationStatus::kWorkOrderFailed;
  return MigrationStatus::kWorkOrderOutcomeUnknown;
}

}  // namespace voip::store

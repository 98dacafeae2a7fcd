// What both outbox stores (SQLite, PostgreSQL) share about their one table:
// the column list every read selects, and the names its text columns hold.
#pragma once

#include <string>

#include "adapter/outbox.h"
#include "adapter/outbox_admin.h"

namespace voip::store {

// The columns of an OutboxEntry, in the order the stores read them.
inline constexpr const char* kOutboxColumns =
    "id, correlation_id, telephone_number, account_number, site_reference, work_order, status, order_number, "
    "reason, delivery, attempts, created_ms, pending_since_ms, next_attempt_ms, last_error, sequence, superseded_by, "
    "trace_context";

// The trace_context column: StoredTraceContext's text (platform/trace_context.h).
inline constexpr int kTraceContextColumn = 17;

// The WHERE condition of the entries in `view` (OutboxAdmin::List), in the
// SQL both stores speak.
const char* OutboxViewFilter(OutboxView view);

// The inverses of WorkOrderStateName, DeliveryStateName and MigrationStatusName.
WorkOrderState WorkOrderStateFrom(const std::string& name);
DeliveryState DeliveryStateFrom(const std::string& name);
MigrationStatus MigrationStatusFrom(const std::string& name);

}  // namespace voip::store

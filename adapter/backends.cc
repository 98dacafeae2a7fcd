// Definitions of the small value helpers declared in adapter/backends.h.
#include "adapter/backends.h"

namespace voip {

std::optional<std::chrono::milliseconds> CallContext::Remaining() const {
  if (!deadline) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
}

bool BackendError::NothingWasDone() const { return kind == BackendErrorKind::kConnectFailed; }

const char* BackendErrorKindName(BackendErrorKind kind) {
  switch (kind) {
    case BackendErrorKind::kBusinessFault: return "business_fault";
    case BackendErrorKind::kSystemFault: return "system_fault";
    case BackendErrorKind::kUntypedFault: return "untyped_fault";
    case BackendErrorKind::kConnectFailed: return "connect_failed";
    case BackendErrorKind::kTimeout: return "timeout";
    case BackendErrorKind::kConnectionReset: return "connection_reset";
    case BackendErrorKind::kConnectionClosed: return "connection_closed";
    case BackendErrorKind::kHttpError: return "http_error";
    case BackendErrorKind::kMalformedResponse: return "malformed_response";
    case BackendErrorKind::kInternal: return "internal";
  }
  return "internal";
}

const char* MigrationStatusName(MigrationStatus status) {
  switch (status) {
    case MigrationStatus::kWorkOrderCreated: return "WORK_ORDER_CREATED";
    case MigrationStatus::kWorkOrderFailed: return "WORK_ORDER_FAILED";
    case MigrationStatus::kWorkOrderOutcomeUnknown: return "WORK_ORDER_OUTCOME_UNKNOWN";
  }
  return "UNKNOWN";
}

}  // namespace voip

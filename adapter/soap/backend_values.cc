// Definitions of the small value helpers declared in adapter/backends.h.
#include "adapter/backends.h"

namespace voip {

bool BackendError::NothingWasDone() const { return kind == BackendErrorKind::kConnectFailed; }

const char* MigrationStatusName(MigrationStatus status) {
  switch (status) {
    case MigrationStatus::kWorkOrderCreated:
      return "WORK_ORDER_CREATED";
    case MigrationStatus::kWorkOrderFailed:
      return "WORK_ORDER_FAILED";
    case MigrationStatus::kWorkOrderOutcomeUnknown:
      return "WORK_ORDER_OUTCOME_UNKNOWN";
  }
  return "UNKNOWN";
}

}  // namespace voip

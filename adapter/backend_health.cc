#include "adapter/backend_health.h"

namespace voip {

CallHealth HealthOf(const BackendError& error) {
  if (error.cut_by_request_deadline) return CallHealth::kNeutral;  // the request's clock ran out, not the backend's
  switch (error.kind) {
    case BackendErrorKind::kConnectFailed:
    case BackendErrorKind::kTimeout:
    case BackendErrorKind::kConnectionReset:
    case BackendErrorKind::kConnectionClosed:
    case BackendErrorKind::kHttpError:
    case BackendErrorKind::kMalformedResponse: return CallHealth::kUnhealthy;
    case BackendErrorKind::kBusinessFault:
    case BackendErrorKind::kSystemFault:
    case BackendErrorKind::kUntypedFault: return CallHealth::kHealthy;
    case BackendErrorKind::kInternal: break;
  }
  return CallHealth::kNeutral;
}

}  // namespace voip

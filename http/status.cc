#include "http/status.h"

namespace voip {

int HttpStatusFor(FailureClass failure_class, AnswerForm form) {
  if (form == AnswerForm::kSoapResponse) return 200;
  switch (failure_class) {
    case FailureClass::kNone: return 200;
    case FailureClass::kInvalidRequest: return 400;
    case FailureClass::kUnauthenticated: return 401;
    case FailureClass::kBodyTooLarge: return 413;
    case FailureClass::kUnsupportedMedia: return 415;
    case FailureClass::kBusinessRejected: return 422;
    case FailureClass::kBackendSystemFault: return 502;
    case FailureClass::kBackendUnavailable:
    case FailureClass::kOverloaded:
    case FailureClass::kStoreUnavailable: return 503;
    case FailureClass::kIdempotencyKeyReused: return 422;
    case FailureClass::kIdempotencyKeyInFlight: return 409;
    case FailureClass::kBackendTimeout: return 504;
    case FailureClass::kInternal: return 500;
  }
  return 500;
}

}  // namespace voip

// The one fault vocabulary of the adapter, and the one translator from every
// kind of failure to fault entries.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adapter/backends.h"

namespace voip {

// The two published fault kinds. Everything else about a fault entry (code,
// description, severity, source system) follows from the type.
enum class FaultType { kBusiness, kSystem };

// The backend fault an entry was translated from.
struct FaultOrigin {
  std::string system;   // "WorkOrderSystem" or "MIDAS"
  std::string code;     // the backend's own code; empty when it gave none
  std::string message;  // the backend's own message; empty when it gave none

  friend bool operator==(const FaultOrigin& a, const FaultOrigin& b);
};

struct Fault {
  FaultType type = FaultType::kSystem;
  std::string detail;                 // what went wrong, in words a consumer can act on
  std::optional<FaultOrigin> origin;  // set when translated from a backend's SOAP fault

  // The published fields, exactly as in the fault catalogue.
  const char* TypeName() const;     // "BUSINESS" | "SYSTEM"
  const char* Code() const;         // "10685" | "10686"
  const char* Description() const;  // "Business Exception" | "System Exception"
  const char* Severity() const;     // "ERROR" | "CRITICAL"
  static constexpr const char* kSourceSystem = "Middleware";

  friend bool operator==(const Fault& a, const Fault& b);
};

Fault BusinessFault(std::string detail);
Fault SystemFault(std::string detail);

// What a failure means for the consumer; the HTTP status is chosen from this in
// exactly one place (http/status.h).
enum class FailureClass {
  kNone,                    // success (possibly with success faults)
  kInvalidRequest,          // validation: 400
  kUnauthenticated,         // missing or wrong caller credentials: 401
  kBodyTooLarge,            // 413
  kUnsupportedMedia,        // 415
  kBusinessRejected,        // the work-order system refused it for a business reason: 422
  kBackendSystemFault,      // a backend answered with a system fault or an invalid response: 502
  kBackendUnavailable,      // a backend could not be reached (nothing sent) or is known to be down: 503
  kBackendTimeout,          // a backend did not answer in time: 504
  kOverloaded,              // the adapter sheds load: 503
  kStoreUnavailable,        // the adapter could not journal the attempt (nothing was sent): 503
  kIdempotencyKeyReused,    // the Idempotency-Key was used with another request: 422
  kIdempotencyKeyInFlight,  // the Idempotency-Key's first request is still running: 409
  kInternal,                // anything unexpected: 500
};

// The single translator from a backend failure to a fault entry and its class.
// `backend` names the system for the consumer-facing words and for `origin`.
struct [[nodiscard]] TranslatedFailure {
  Fault fault;
  FailureClass failure_class;
};
[[nodiscard]] TranslatedFailure TranslateBackendError(Backend backend, const BackendError& error);

// What happens to a MIDAS update that did not complete during the request.
enum class MidasFollowUp {
  kNotKept,  // it could not be stored: nothing will retry it
  kPending,  // stored in the outbox: the relay delivers it later
  kParked,   // MIDAS rejected it for a business reason: dead-lettered for an operator
};

// The fault entry for a MIDAS update that failed during the request: the
// translated failure, its detail prefixed with what it means for the work
// order and followed by what happens next.
Fault MidasUpdateFault(const BackendError& error, bool work_order_created, MidasFollowUp follow_up);

// The fault entry when `backend`'s circuit breaker is open, so the request was
// refused without calling anything (503 with Retry-After).
Fault CircuitOpenFault(Backend backend);

// The fault entry for a MIDAS update that was not attempted during the request
// because MIDAS's circuit breaker is open; worded like MidasUpdateFault.
Fault MidasNotCalledFault(bool work_order_created, MidasFollowUp follow_up);

// The fault entry for a MIDAS update not attempted during the request because
// the request's deadline had passed; worded like MidasUpdateFault.
Fault MidasDeadlineFault(bool work_order_created, MidasFollowUp follow_up);

// The fault entry for a MIDAS update not attempted during the request because
// the outbox could not be read when its delivery turn came (so it could not be
// told whether it is still the customer's newest); worded like MidasUpdateFault.
Fault MidasStoreFault(bool work_order_created, MidasFollowUp follow_up);

// The fault entry when the adapter sheds load (too many requests or
// connections at once): nothing was sent (503 with Retry-After).
Fault OverloadedFault();

// The fault entry when the attempt could not be journalled (nothing was sent).
Fault StoreUnavailableFault();

// Consumer-facing name of a backend: "work-order system" / "MIDAS".
const char* BackendDisplayName(Backend backend);
// Name used in FaultOrigin.system: "WorkOrderSystem" / "MIDAS".
const char* BackendOriginName(Backend backend);

}  // namespace voip

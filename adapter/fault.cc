#include "adapter/fault.h"

#include <utility>

namespace voip {

const char* Fault::TypeName() const { return type == FaultType::kBusiness ? "BUSINESS" : "SYSTEM"; }
const char* Fault::Code() const { return type == FaultType::kBusiness ? "10685" : "10686"; }
const char* Fault::Description() const {
  return type == FaultType::kBusiness ? "Business Exception" : "System Exception";
}
const char* Fault::Severity() const { return type == FaultType::kBusiness ? "ERROR" : "CRITICAL"; }

bool operator==(const FaultOrigin& a, const FaultOrigin& b) {
  return a.system == b.system && a.code == b.code && a.message == b.message;
}
bool operator==(const Fault& a, const Fault& b) {
  return a.type == b.type && a.detail == b.detail && a.origin == b.origin;
}

Fault BusinessFault(std::string detail) { return Fault{FaultType::kBusiness, std::move(detail), std::nullopt}; }
Fault SystemFault(std::string detail) { return Fault{FaultType::kSystem, std::move(detail), std::nullopt}; }

const char* BackendDisplayName(Backend backend) {
  return backend == Backend::kWorkOrder ? "the work-order system" : "MIDAS";
}
const char* BackendOriginName(Backend backend) { return backend == Backend::kWorkOrder ? "WorkOrderSystem" : "MIDAS"; }

namespace {

std::string Capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

FaultOrigin OriginOf(Backend backend, const BackendError& error) {
  return FaultOrigin{BackendOriginName(backend), error.backend_code, error.backend_message};
}

}  // namespace

TranslatedFailure TranslateBackendError(Backend backend, const BackendError& error) {
  const std::string who = Capitalised(BackendDisplayName(backend));
  const bool work_order = backend == Backend::kWorkOrder;
  switch (error.kind) {
    case BackendErrorKind::kBusinessFault: {
      Fault fault = BusinessFault(who + (work_order ? " rejected the work order" : " rejected the status update") +
                                  (error.backend_message.empty() ? "" : ": " + error.backend_message));
      fault.origin = OriginOf(backend, error);
      return {std::move(fault), FailureClass::kBusinessRejected};
    }
    case BackendErrorKind::kSystemFault: {
      Fault fault = SystemFault(who + " failed with a system fault" +
                                (error.backend_message.empty() ? "" : ": " + error.backend_message));
      fault.origin = OriginOf(backend, error);
      return {std::move(fault), FailureClass::kBackendSystemFault};
    }
    case BackendErrorKind::kUntypedFault: {
      Fault fault = SystemFault(who + " answered with an undeclared fault" +
                                (error.backend_message.empty() ? "" : ": " + error.backend_message));
      fault.origin = OriginOf(backend, error);
      return {std::move(fault), FailureClass::kBackendSystemFault};
    }
    case BackendErrorKind::kConnectFailed:
      // Only the work-order system's refusal makes the whole request safe to
      // retry: by MIDAS's turn the work order may exist, and a retry would
      // create another one (the pending update is delivered by the relay).
      return {SystemFault(work_order ? who + " could not be reached; nothing was sent to it, so the request can be "
                                             "retried"
                                     : who + " could not be reached; nothing was sent to it"),
              FailureClass::kBackendUnavailable};
    case BackendErrorKind::kTimeout:
      return {SystemFault(work_order ? who + " did not answer in time; whether the work order was created is "
                                             "unknown, check before retrying"
                                     : who + " did not answer in time"),
              FailureClass::kBackendTimeout};
    case BackendErrorKind::kConnectionReset:
      return {
          SystemFault(work_order ? who + " reset the connection after the request was sent, before a complete "
                                         "answer; whether the work order was created is unknown, check before "
                                         "retrying"
                                 : who + " reset the connection after the update was sent, before a complete answer"),
          FailureClass::kBackendSystemFault};
    case BackendErrorKind::kConnectionClosed:
      return {SystemFault(work_order ? who + " closed the connection after the request was sent, without answering; "
                                             "whether the work order was created is unknown, check before retrying"
                                     : who + " closed the connection after the update was sent, without answering"),
              FailureClass::kBackendSystemFault};
    case BackendErrorKind::kHttpError:
      return {SystemFault(who + " answered with HTTP status " + std::to_string(error.http_status) +
                          " instead of a SOAP response"),
              FailureClass::kBackendSystemFault};
    case BackendErrorKind::kMalformedResponse:
      return {SystemFault(who + " answered with a response that is not a valid SOAP message"),
              FailureClass::kBackendSystemFault};
    case BackendErrorKind::kInternal: break;
  }
  return {SystemFault("The adapter failed unexpectedly while calling " + std::string(BackendDisplayName(backend))),
          FailureClass::kInternal};
}

namespace {

// `fault` (what went wrong with MIDAS) prefixed with what it means for the
// work order and followed by what happens next.
Fault ForMidasUpdate(Fault fault, bool work_order_created, MidasFollowUp follow_up) {
  std::string detail = work_order_created ? "The work order was created, but the customer's migration status "
                                            "could not be updated in MIDAS"
                                          : "The customer's migration status could not be updated in MIDAS";
  switch (follow_up) {
    case MidasFollowUp::kNotKept: fault.detail = detail + ": " + fault.detail; break;
    case MidasFollowUp::kPending:
      fault.detail = detail + " yet: " + fault.detail +
                     ". The update is pending: the adapter keeps it and will deliver it to MIDAS later";
      break;
    case MidasFollowUp::kParked:
      fault.detail = detail + ": " + fault.detail + ". The update is parked for an operator";
      break;
  }
  return fault;
}

}  // namespace

Fault MidasUpdateFault(const BackendError& error, bool work_order_created, MidasFollowUp follow_up) {
  return ForMidasUpdate(TranslateBackendError(Backend::kMidas, error).fault, work_order_created, follow_up);
}

Fault CircuitOpenFault(Backend backend) {
  return SystemFault(Capitalised(BackendDisplayName(backend)) +
                     " is unavailable: after repeated failures the adapter is not calling it for a while; "
                     "nothing was sent, so the request can be retried after the time given in Retry-After");
}

Fault MidasNotCalledFault(bool work_order_created, MidasFollowUp follow_up) {
  return ForMidasUpdate(
      SystemFault("MIDAS is unavailable: after repeated failures the adapter is not calling it for a while"),
      work_order_created, follow_up);
}

Fault MidasDeadlineFault(bool work_order_created, MidasFollowUp follow_up) {
  return ForMidasUpdate(SystemFault("MIDAS was not called: the request's deadline had passed"), work_order_created,
                        follow_up);
}

Fault MidasStoreFault(bool work_order_created, MidasFollowUp follow_up) {
  return ForMidasUpdate(SystemFault("MIDAS was not called: the adapter's database could not be read"),
                        work_order_created, follow_up);
}

Fault OverloadedFault() {
  return SystemFault(
      "The adapter is overloaded: too many requests are being processed at once; nothing was sent, so the "
      "request can be retried after the time given in Retry-After");
}

Fault StoreUnavailableFault() {
  return SystemFault(
      "The adapter could not record the request in its database; nothing was sent, so the request can be retried");
}

}  // namespace voip

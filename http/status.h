// The one place where an outcome becomes an HTTP status, for both faces.
#pragma once

#include "adapter/fault.h"

namespace voip {

// How an answer travels, which decides its status together with the outcome.
enum class AnswerForm {
  // The JSON face's envelope: the status says what happened (the table below).
  kJson,
  // A SOAP response holding `success` or `failure`: the core ran, whatever
  // its outcome. Always 200 (WS-I Basic Profile R1111).
  kSoapResponse,
  // A SOAP Fault refusing the HTTP request before the core ran (no valid
  // credentials, a body too large or cut short, not SOAP, the adapter
  // overloaded): the same status as the JSON face's for that outcome.
  kSoapRefusal,
};

// kJson and kSoapRefusal: 200 success (also with success faults); 400 invalid
// request; 401 missing or wrong caller credentials; 409 Idempotency-Key in
// flight; 413 body too large; 415 not JSON (not SOAP); 422 business rejection
// by the work-order system, or an Idempotency-Key reused for another request;
// 502 a backend answered with a system fault or something that is not valid
// SOAP; 503 overloaded, a backend unreachable or the store down; 504 a backend
// did not answer in time; 500 anything unexpected. kSoapResponse: 200.
// A SOAP Fault for an envelope that cannot be processed at all (not XML, not
// the operation, a schema violation) takes the SOAP HTTP binding's status,
// which depends on the SOAP version and the fault's code rather than on an
// outcome: adapter/soap/soap_dispatch.h, shared with the simulators.
int HttpStatusFor(FailureClass failure_class, AnswerForm form = AnswerForm::kJson);

}  // namespace voip

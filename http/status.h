// The one place where an outcome becomes an HTTP status.
#pragma once

#include "adapter/fault.h"

namespace voip {

// 200 success (also with success faults); 400 invalid request; 401 missing or
// wrong caller credentials; 413 body too
// large; 415 not JSON; 422 business rejection by the work-order system; 502 a
// backend answered with a system fault or something that is not valid SOAP;
// 503 overloaded or a backend unreachable; 504 a backend did not answer in
// time; 500 anything unexpected.
// For the JSON face. The SOAP face answers every outcome with 200 (WS-I BP
// R1111) and its SOAP Faults with the SOAP HTTP binding's statuses, chosen in
// adapter/soap/soap_dispatch.cc (see docs/soap.md).
int HttpStatusFor(FailureClass failure_class);

}  // namespace voip

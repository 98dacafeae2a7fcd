// What every finished request leaves behind, whichever face served it: its
// metrics and one structured log line. Personal data is masked here.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "adapter/metrics.h"
#include "adapter/migration_flow.h"
#include "adapter/migration_request.h"
#include "platform/log.h"
#include "platform/trace_context.h"

namespace voip {

struct FinishedRequest {
  Face face = Face::kJson;
  const MigrationOutcome* outcome = nullptr;
  int http_status = 0;
  std::string correlation_id;
  const MigrationRequestInput* input = nullptr;  // null when the body could not be read
  std::chrono::microseconds total{0};
  // The SOAP face refused the envelope with a SOAP Fault (the core never ran):
  // logged as outcome "soapFault", at info whatever the status (the caller's
  // mistake, even where SOAP 1.1 makes it a 500).
  bool soap_fault = false;
  // Why the HTTP request itself was refused (its framing or head limits, or
  // a body that did not arrive whole), logged as `refusal`; empty otherwise.
  // Never holds anything the caller sent.
  std::string_view refusal{};
  // The request's span (W3C Trace Context), logged as traceId and spanId.
  TraceContext trace{};
};

// Records metrics, and writes the `request` log line at info (warn when a
// backend failed, error for a 500): correlation id, face, outcome, status,
// fault codes, total and per-backend latency, backend error kinds and their
// diagnostics, and the telephone and account numbers masked (last 3 kept).
void RecordFinishedRequest(const FinishedRequest& request, Metrics& metrics, Logger& logger);

}  // namespace voip

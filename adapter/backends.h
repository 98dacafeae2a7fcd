// The two legacy systems, each behind a small interface. Implementations return
// values, never throw; the gSOAP implementations in adapter/soap/ are the only
// code that sees generated types or soap->error codes. Fakes live in tests/.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "platform/trace_context.h"

namespace voip {

enum class Backend { kWorkOrder, kMidas };

// Per-call information passed to a backend.
struct CallContext {
  std::string correlation_id;  // sent in the body (correlationId) and as X-Correlation-ID
  // The whole request's deadline (request-deadline-ms from its start): every
  // backend call's time-outs are clamped to what remains, and no retry starts
  // after it. Unset (the relay's deliveries): each call has its own time-outs only.
  std::optional<std::chrono::steady_clock::time_point> deadline{};
  // The span the calls are made in (W3C Trace Context): each call sends
  // traceparent with this trace id and a new span id of its own, and this
  // tracestate. Empty: no trace headers.
  TraceContext trace{};

  // What remains until the deadline (negative once passed); nullopt without one.
  std::optional<std::chrono::milliseconds> Remaining() const;
};

// How a backend call failed. The kind says what is known about the outcome.
enum class BackendErrorKind {
  kBusinessFault,      // SOAP fault with typed detail, category BUSINESS
  kSystemFault,        // SOAP fault with typed detail, category SYSTEM
  kUntypedFault,       // SOAP fault whose detail is missing or not the declared type
  kConnectFailed,      // refused, DNS failure or connect time-out: nothing was sent
  kTimeout,            // sent, but no (complete) answer within the receive/total time-out
  kConnectionReset,    // sent (or being sent), then the backend reset the connection (ECONNRESET) before a complete
                       // answer
  kConnectionClosed,   // sent (or being sent), then the backend closed the connection without answering a byte
  kHttpError,          // an HTTP error status whose body is not a SOAP fault
  kMalformedResponse,  // an answer that is not a valid SOAP response (bad XML, HTML with 200, wrong element)
  kInternal,           // anything else (for example out of memory in the client)
};

// "business_fault", "system_fault", ... (metrics labels and log values).
const char* BackendErrorKindName(BackendErrorKind kind);

struct [[nodiscard]] BackendError {
  BackendErrorKind kind = BackendErrorKind::kInternal;
  std::string backend_code;     // the backend's own fault code (typed or read from unknown detail)
  std::string backend_message;  // the backend's own fault string or message
  int http_status = 0;          // for kHttpError
  std::string diagnostic;       // for operators' logs only; never shown to consumers, no personal data
  // For kTimeout and kConnectFailed: the call was cut short by the request's
  // deadline (CallContext::deadline), which came before the endpoint's own
  // time-out for what failed and ended it. Says nothing about the backend's
  // health (circuit breakers neither count nor reset it).
  bool cut_by_request_deadline = false;

  // True when the request is known not to have created anything on the backend.
  bool NothingWasDone() const;
};

template <typename T>
using BackendResult = std::variant<T, BackendError>;

// ----- work-order system ------------------------------------------------------

struct WorkOrderRequest {
  std::string telephone_number;
  std::string account_number;
  std::int32_t site_reference = 0;
};

struct WorkOrderCreated {
  std::string order_number;
};

class WorkOrderSystem {
 public:
  virtual ~WorkOrderSystem() = default;
  // Creates one TDM to VoC migration work order. Not idempotent: an
  // implementation never repeats a request that may have been sent.
  // Thread-safe.
  [[nodiscard]] virtual BackendResult<WorkOrderCreated> CreateMigrationWorkOrder(const WorkOrderRequest& request,
                                                                                 const CallContext& context) = 0;
};

// ----- MIDAS -------------------------------------------------------------------

enum class MigrationStatus {
  kWorkOrderCreated,         // WORK_ORDER_CREATED, order_number set
  kWorkOrderFailed,          // WORK_ORDER_FAILED, reason set
  kWorkOrderOutcomeUnknown,  // WORK_ORDER_OUTCOME_UNKNOWN, reason set
};
const char* MigrationStatusName(MigrationStatus status);

struct MigrationStatusUpdate {
  std::string account_number;
  std::int32_t site_reference = 0;
  std::string telephone_number;
  MigrationStatus status = MigrationStatus::kWorkOrderCreated;
  std::optional<std::string> order_number;
  std::optional<std::string> reason;  // at most 512 characters
};

struct MidasAcknowledged {
  std::string update_reference;  // may be empty
};

class Midas {
 public:
  virtual ~Midas() = default;
  // Sets the customer's migration status. Idempotent (absolute update).
  // Thread-safe.
  [[nodiscard]] virtual BackendResult<MidasAcknowledged> UpdateCustomerMigrationStatus(
      const MigrationStatusUpdate& update, const CallContext& context) = 0;
};

}  // namespace voip

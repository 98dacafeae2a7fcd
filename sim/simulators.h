// Simulators of the legacy work-order system and MIDAS, built from the same
// WSDLs (gSOAP service side), served on ONE loopback HTTP port:
//   POST /workorder   the work-order system (CreateMigrationWorkOrder)
//   POST /midas       MIDAS (UpdateCustomerMigrationStatus)
//   GET  /__sim/received   what both have received so far (JSON), DELETE resets it
// With SimOptions::wsse_users, both POST endpoints first verify a WS-Security
// UsernameToken (PasswordDigest) with the verifier the adapter's SOAP face uses
// (platform/username_token.h) and refuse a missing, wrong, stale or replayed
// one with a wsse:FailedAuthentication SOAP fault (HTTP 500), unrecorded.
// Used in-process by `voip-migration-adapter --simulate` and by tests, and as its
// own process by `voip-migration-sim`. Outcomes are chosen by deterministic
// triggers documented in docs/simulators.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "http/plain_request.h"
#include "http/server_settings.h"
#include "platform/config.h"

namespace voip::sim {

struct SimOptions {
  std::string host = "127.0.0.1";
  int port = 0;         // 0: any free port
  int slow_ms = 30000;  // how long the "slow answer" triggers wait before answering
  int latency_ms = 0;   // added before every work-order and MIDAS answer (benchmarks)
  int threads = 32;     // HTTP workers: requests served at once
  // Non-empty: every POST must carry a valid UsernameToken of one of these users.
  std::vector<SoapUser> wsse_users{};
  std::chrono::seconds wsse_window{300};  // Created must be this close to now; nonces remembered as long
};

// One CreateMigrationWorkOrder request as the work-order simulator received it.
struct ReceivedWorkOrder {
  std::string telephone_number;
  std::string account_number;
  std::int32_t site_reference = 0;
  std::string migration_type;      // as on the wire, e.g. TDM_TO_VOC
  std::string correlation_id;      // body element, empty when absent
  std::string correlation_header;  // X-Correlation-ID HTTP header, empty when absent
  std::string traceparent;         // W3C Trace Context headers, empty when absent
  std::string tracestate;
  std::string soap_action;   // SOAPAction HTTP header, surrounding quotes removed
  std::string order_number;  // what the simulator answered; empty when it faulted
  std::string raw_xml;       // the request body as received
};

// One UpdateCustomerMigrationStatus request as the MIDAS simulator received it.
struct ReceivedStatusUpdate {
  std::string account_number;
  std::int32_t site_reference = 0;
  std::string telephone_number;
  std::string migration_status;  // as on the wire, e.g. WORK_ORDER_CREATED
  std::optional<std::string> order_number;
  std::optional<std::string> reason;
  std::string correlation_id;
  std::string correlation_header;
  std::string traceparent;  // W3C Trace Context headers, empty when absent
  std::string tracestate;
  std::string soap_action;  // SOAPAction HTTP header, surrounding quotes removed
  bool faulted = false;     // the simulator answered with a fault
  std::string raw_xml;
};

// The settings the simulators serve HTTP with, on the adapter's own
// connection loop (TunedHttpServer, http/server_settings.h): options.threads
// workers, each serving one request at a time; connections and requests beyond
// them wait their turn (never shed); a connection idle for 2 s (before its
// first request or between requests) is closed, as is one that stalls 2 s
// within a request; bodies up to 1 MiB.
Config SimServerConfig(const SimOptions& options);

// A server with those settings (bind it with SimServerConfig(options)) that
// answers every request with `handler` (http/plain_request.h, not
// cpp-httplib's request processing), and whose workers, after an answer, wait
// for the connection's next request while other workers are free.
std::unique_ptr<TunedHttpServer> SimHttpServer(const SimOptions& options, PlainHandler handler);

class Simulators;

// Why the simulators could not start: the address could not be bound.
struct [[nodiscard]] SimStartError {
  std::string message;
};
using SimStartResult = std::variant<std::unique_ptr<Simulators>, SimStartError>;

class Simulators {
 public:
  // Binds and starts serving on a background thread; or why the address
  // cannot be bound.
  [[nodiscard]] static SimStartResult Start(const SimOptions& options);
  virtual ~Simulators() = default;  // stops and joins

  virtual int port() const = 0;
  virtual std::string WorkOrderUrl() const = 0;  // http://host:port/workorder
  virtual std::string MidasUrl() const = 0;      // http://host:port/midas

  // Snapshots of what was received, in arrival order. Thread-safe.
  virtual std::vector<ReceivedWorkOrder> WorkOrderRequests() const = 0;
  virtual std::vector<ReceivedStatusUpdate> MidasUpdates() const = 0;
  virtual void Reset() = 0;
  // POSTs refused for their UsernameToken so far (only with wsse_users).
  virtual std::uint64_t RefusedTokens() const = 0;

  // Idempotent. Pending slow answers are cut short at once and still
  // answered; idle keep-alive client connections are closed at once.
  virtual void Stop() = 0;
};

}  // namespace voip::sim

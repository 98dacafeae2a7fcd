// The adapter's HTTP server (cpp-httplib): routes, limits, correlation ids and
// the request log line. Handlers parse, call the core, render; no business rule
// lives here.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "adapter/idempotency.h"
#include "adapter/migration_flow.h"
#include "platform/config.h"
#include "platform/log.h"

namespace voip {

class Metrics;

class AdapterServer {
 public:
  // `flow`, `logger` and `idempotency` must outlive the server. Without an
  // idempotency store, requests carrying an Idempotency-Key are refused (503).
  AdapterServer(const Config& config, const MigrationFlow& flow, Logger& logger,
                IdempotencyStore* idempotency = nullptr);
  ~AdapterServer();  // stops and joins
  AdapterServer(const AdapterServer&) = delete;
  AdapterServer& operator=(const AdapterServer&) = delete;

  // A readiness probe answers nothing when ready, or why not. Probes must be
  // cheap (GET /ready runs them all on every call) and thread-safe. Add them
  // before Start().
  using ReadinessProbe = std::function<std::optional<std::string>()>;
  void AddReadinessProbe(ReadinessProbe probe);

  // The metrics served at GET /metrics, for components outside the server
  // that record into them (the outbox relay). Lives as long as the server.
  Metrics& metrics();

  // Connections parked with no byte of a request yet (kept alive since their
  // answer, or new): the ones max-connections closes, longest idle first, to
  // make room. Thread-safe.
  std::size_t IdleConnections() const;

  // Why the server is not serving (it could not bind); empty: it is.
  using StartFailure = std::optional<std::string>;
  // Binds the configured address (port 0 picks a free port) and starts serving
  // on a background thread.
  [[nodiscard]] StartFailure Start();
  int port() const { return port_; }
  // Blocks until the server stops (Stop() or a fatal listener error).
  void Wait();
  // Stops accepting, closes the connections waiting for a request, lets the
  // requests being served finish (each connection closed after its answer),
  // then the accept thread ends (Wait() returns). Idempotent, thread-safe.
  void Stop();

  // The drain before a stop that a load balancer can follow
  // (docs/operations.md, "Graceful stop"): from now on GET /ready answers 503
  // NOT_READY with the reason "draining" whatever the probes say, every other
  // request is served as before, and every answer closes its connection
  // (Connection: close), so that no kept-alive connection is left for the
  // balancer to reuse when Stop() closes the waiting ones. The listener stays
  // open: call Stop() once the balancer has had time to see /ready fail.
  // Idempotent, thread-safe, for good.
  void Drain();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// A correlation id: `offered` when it is 1 to 64 characters of [A-Za-z0-9._:-],
// otherwise a new random UUID (version 4).
std::string CorrelationIdFor(const std::string& offered);

}  // namespace voip

// A small pool of gSOAP client contexts for one backend endpoint, and the
// classification of a failed exchange that is not a typed SOAP fault.
//
// Each context is heap allocated (struct soap is about 164 KB), configured once
// (keep-alive, UTF-8 strings, strict XML, bounded depth and size, time-outs from
// the BackendEndpoint) and instrumented with small hooks that record what
// happened on the wire during the current exchange (CallTrace), which is what
// lets a caller tell "nothing was sent" from "outcome unknown".
//
// Internal to adapter/soap/: the only code that includes generated gSOAP headers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapter/backends.h"
#include "adapter/soap/xml_chars.h"
#include "platform/config.h"

struct soap;
struct SOAP_ENV__Detail;  // NOLINT(bugprone-reserved-identifier): gSOAP's generated name (soapStub.h)

namespace voip::soap {

inline constexpr unsigned int kMaxXmlDepth = 32;
inline constexpr std::size_t kMaxResponseBytes = 1024 * 1024;
// Longest BackendError::diagnostic (see Diagnostic).
inline constexpr std::size_t kMaxDiagnosticBytes = 300;

// Opens the connection of an exchange in place of gSOAP's own TCP connect (its
// soap->fopen, which the hooks below wrap): returns a connected socket, or
// SOAP_INVALID_SOCKET (-1) with soap->error set. Null (the default) means
// gSOAP's. Only the backend answer fuzzer replaces it
// (tests/fuzz/backend_answer_fuzzer.cc: one end of a socketpair that already
// holds the answer), so that everything above the socket is the real client.
using Connector = int (*)(struct ::soap* soap, const char* endpoint, const char* host, int port);

// What the hooks saw during the current exchange on one context.
struct CallTrace {
  bool opened_connection = false;  // a new TCP connection was opened (else a kept one was reused)
  bool connect_failed = false;     // opening it failed: nothing was sent
  bool peer_closed = false;        // a read ended because the backend closed or reset the connection
  bool read_ended = false;         // a read returned nothing: time-out, close or reset
  bool doctype_in_body = false;    // the answer contained a DOCTYPE (SOAP forbids DTDs)
  bool peer_reset = false;         // the backend reset the connection (ECONNRESET), not a plain close
  // The first break of XML 1.0's character rules in the answer's body, as
  // gSOAP read it (after de-chunking and inflating); complete once
  // ContextLease::FinishAnswer() has run.
  std::optional<XmlCharError> bad_character;
  std::size_t bytes_received = 0;  // raw bytes, HTTP headers included
  // Where the HTTP headers of the answer end in the raw bytes (0: not seen yet),
  // and the progress of finding their empty line (CRLF or LF alone) across reads.
  std::size_t header_bytes = 0;
  int header_end_matched = 0;
};

struct PooledContext;  // defined in gsoap_context.cc
class ContextPool;

// The extra HTTP header lines of one backend call: X-Correlation-ID (the
// context's id cut to `max_correlation_id_bytes`, when it has one) and, when
// the context has a trace, traceparent with a new span id of the call's own
// and tracestate (when there is one).
[[nodiscard]] std::vector<std::string> CallHeaderLines(const CallContext& context,
                                                       std::size_t max_correlation_id_bytes);

// One checked-out context. Move-only. Returning it (destruction) frees all
// deserialised data (soap_destroy + soap_end) and keeps the connection open only
// when the exchange ended cleanly (success or a fully read SOAP fault);
// otherwise the connection is closed so no stale bytes reach the next call.
// A lease must not outlive its pool. Not thread-safe itself (one thread uses it).
class ContextLease {
 public:
  ContextLease() = default;
  ContextLease(ContextLease&& other) noexcept;
  ContextLease& operator=(ContextLease&& other) noexcept;
  ContextLease(const ContextLease&) = delete;
  ContextLease& operator=(const ContextLease&) = delete;
  ~ContextLease();

  explicit operator bool() const { return context_ != nullptr; }
  struct ::soap* soap() const;
  // The endpoint URL; owned by the pool, valid as long as the pool.
  const char* endpoint() const;
  const CallTrace& trace() const;
  // True when the request's deadline given to BeginExchange has passed and was
  // shorter than the endpoint's own time-out for what failed: the connect
  // (`connecting`), or the exchange once connected. A time-out then is the
  // request running out of time, not evidence against the backend.
  [[nodiscard]] bool CutByRequestDeadline(bool connecting) const;

  // Prepares the next exchange: closes a kept connection the backend has
  // closed while idle (so that a new one is opened), clears the trace, sets the extra HTTP
  // header lines ("Name: value" each; CR and LF are removed, empty ones skipped),
  // and the endpoint's HTTP Basic credentials when it has a username, and a SOAP
  // Header with a fresh WS-Security UsernameToken (new nonce, Created now)
  // when it has a wsse_user. Its connect, send and answer time-outs are
  // clamped to `request_deadline` when one is given (at least 1 ms each).
  // Call it after constructing the proxy. Returns false, with nothing sent,
  // only when the token cannot be made.
  [[nodiscard]] bool BeginExchange(
      const std::vector<std::string>& header_lines,
      std::optional<std::chrono::steady_clock::time_point> request_deadline = std::nullopt);
  // Closes the connection now, so the next exchange opens a new one.
  void CloseConnection();
  // The answer has been read (the proxy's recv_X returned): completes the
  // character check of its body (trace().bad_character).
  void FinishAnswer();

 private:
  friend class ContextPool;
  ContextLease(ContextPool* pool, PooledContext* context) : pool_(pool), context_(context) {}
  void Release();

  ContextPool* pool_ = nullptr;
  PooledContext* context_ = nullptr;
};

// Thread-safe. Keeps at most endpoint.max_idle_connections idle contexts (each
// holding at most one keep-alive connection); contexts returned beyond that are
// closed and freed. Destroying the pool frees the idle contexts; every lease
// must have been returned before.
class ContextPool {
 public:
  explicit ContextPool(BackendEndpoint endpoint, Connector connector = nullptr);
  ~ContextPool();
  ContextPool(const ContextPool&) = delete;
  ContextPool& operator=(const ContextPool&) = delete;

  // An idle context, or a new one. Returns an empty lease only when a context
  // cannot be allocated.
  ContextLease Acquire();
  std::size_t IdleCount() const;
  // TCP connections opened to the endpoint so far (successful connects), for
  // operators and the benchmark: with keep-alive working this stays near the
  // number of concurrent callers while the number of calls grows.
  std::uint64_t ConnectionsOpened() const { return connections_opened_.load(std::memory_order_relaxed); }
  // Kept connections found closed by the backend before an exchange, and
  // replaced before anything was sent on them.
  std::uint64_t StaleConnectionsReplaced() const { return closed_stale_connections_.load(std::memory_order_relaxed); }
  const BackendEndpoint& endpoint() const { return endpoint_; }

 private:
  friend class ContextLease;
  PooledContext* NewContext();
  void Return(PooledContext* context);

  const BackendEndpoint endpoint_;  // endpoint_.url.c_str() is handed to the proxies
  const Connector connector_;
  mutable std::mutex mutex_;
  std::vector<PooledContext*> idle_;
  std::atomic<std::uint64_t> connections_opened_{0};
  std::atomic<std::uint64_t> closed_stale_connections_{0};
};

// What every gSOAP backend client holds: its pool of contexts, and the pool's
// connection counters for operators and tests.
class PooledClient {
 public:
  // TCP connections opened to the backend so far (see ContextPool).
  std::uint64_t ConnectionsOpened() const { return pool_.ConnectionsOpened(); }
  // Kept connections the backend had closed while idle, replaced before sending.
  std::uint64_t StaleConnectionsReplaced() const { return pool_.StaleConnectionsReplaced(); }

 protected:
  PooledClient(BackendEndpoint endpoint, Connector connector) : pool_(std::move(endpoint), connector) {}

  ContextPool pool_;
};

// Where an exchange failed: in the proxy's send_X step (connect + request) or
// in its recv_X step (response).
enum class ExchangePhase { kSend, kReceive };

// Classifies a failed exchange that did not end in a SOAP fault (the caller
// handles those), from soap->error and the trace:
//   send:    connect failed -> kConnectFailed (nothing was sent); the
//            backend resetting (ECONNRESET) or closing (EPIPE) the connection
//            while the request went out -> kConnectionReset / kConnectionClosed;
//            any other failure after connecting -> kTimeout (the request may
//            have been delivered: outcome unknown in all three); failure
//            before connecting -> kInternal.
//   receive: HTTP status 300..599 sent by the backend -> kHttpError; the
//            backend reset the connection (ECONNRESET, at any point of the
//            answer) -> kConnectionReset; it closed the connection with
//            nothing received -> kConnectionClosed; a read that ran out of
//            time -> kTimeout; out of memory -> kInternal; anything else
//            (part of an answer then closed, not XML, HTML with 200, wrong
//            element, larger than kMaxResponseBytes, too deep, an HTTP status
//            below 100, no HTTP status line) -> kMalformedResponse.
// A kConnectFailed or kTimeout (not a close by the backend) that
// CutByRequestDeadline() explains is marked cut_by_request_deadline.
// `diagnostic` names the gSOAP error code and gSOAP's own text, never data.
[[nodiscard]] BackendError ClassifyExchangeFailure(const ContextLease& lease, ExchangePhase phase);

// For a client reading an answer: the received fault's detail (SOAP 1.1
// `detail` or SOAP 1.2 `Detail`), where typed fault elements are found; null
// when the answer held no fault or the fault no detail.
const SOAP_ENV__Detail* ReceivedFaultDetail(const struct soap* ctx);

// A SOAP fault whose detail is missing or not the declared type: kUntypedFault
// with code and message read from the raw detail XML, the message falling back
// to the faultstring and the code to the faultcode.
[[nodiscard]] BackendError UntypedFault(const ContextLease& lease);

// BeginExchange could not make the WS-Security token: kInternal, nothing was sent.
[[nodiscard]] BackendError SecurityHeaderError();

// A response that carried a DOCTYPE: kMalformedResponse.
[[nodiscard]] BackendError DoctypeRejected(const ContextLease& lease);

// For an answer gSOAP read without error (`success`: the operation's
// response; otherwise a SOAP fault): what gSOAP does not check itself. A
// DOCTYPE, a break of XML 1.0's character rules anywhere in the body (gSOAP
// would cut a string at "&#0;" or decode overlong UTF-8), or a success under
// an HTTP status other than 2xx (gSOAP takes a response body under 500, or
// under a status like 1000, as success) make it kMalformedResponse. nullopt:
// the answer may be used. Calls lease.FinishAnswer().
[[nodiscard]] std::optional<BackendError> RejectedAnswer(ContextLease& lease, bool success);

// The failure when the pool could not give out a context (out of memory):
// kInternal, nothing was sent.
[[nodiscard]] BackendError NoContextError();

// "gSOAP error N: <gSOAP text>", one line of at most kMaxDiagnosticBytes; for
// operators' logs.
[[nodiscard]] std::string Diagnostic(const ContextLease& lease, const std::string& what);

}  // namespace voip::soap

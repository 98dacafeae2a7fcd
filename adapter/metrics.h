// Every metric the adapter exports, declared in this one file, rendered in the
// Prometheus text format (version 0.0.4) at GET /metrics. All recording is
// lock-free (relaxed atomics) and safe from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "adapter/backends.h"
#include "adapter/migration_flow.h"
#include "adapter/outbox.h"

namespace voip {

enum class Face { kJson, kSoap };
const char* FaceName(Face face);

// A histogram with fixed buckets (seconds).
class LatencyHistogram {
 public:
  static constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
  void Observe(std::chrono::microseconds elapsed);
  // Appends the _bucket, _sum and _count lines; `labels` is `a="b",` or empty.
  void Render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};  // last: +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

// What a shared store (PostgreSQL: adapter/store/pg_pool.h) counts: the
// latency of its statements, its round trips, its failures and its
// connection pool's waits.
// Lock-free; the store owns it, Metrics renders it (Metrics::WatchStore).
struct StoreStats {
  LatencyHistogram statements;                  // every statement, from send to result
  std::atomic<std::uint64_t> round_trips{0};    // exchanges with the server (a pipeline of statements: one)
  std::atomic<std::uint64_t> errors{0};         // statements and connection attempts that failed
  std::atomic<std::uint64_t> pool_waits{0};     // acquisitions that found no free connection and waited
  std::atomic<std::uint64_t> pool_timeouts{0};  // ... and got none within the pool's wait
  std::atomic<std::int64_t> pool_open{0};       // connections open now
  std::atomic<std::int64_t> pool_in_use{0};     // of those, lent out now
};

class Metrics {
 public:
  // One finished request of either face.
  void RecordRequest(Face face, const MigrationOutcome& outcome, int http_status, std::chrono::microseconds total);

  // Counts a request in flight for as long as the guard lives.
  class InFlight {
   public:
    explicit InFlight(Metrics& metrics) : metrics_(metrics) { metrics_.in_flight_.fetch_add(1, kOrder); }
    ~InFlight() { metrics_.in_flight_.fetch_sub(1, kOrder); }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

   private:
    Metrics& metrics_;
  };

  // A request (kRequest: more than max-in-flight) or a connection (kConnection:
  // more than the pool and its queue) answered 503 at once.
  enum class Shed { kRequest = 0, kConnection = 1 };
  void RecordShed(Shed level) { shed_[static_cast<int>(level)].fetch_add(1, kOrder); }
  // A valid WS-Security UsernameToken refused because the nonces within the
  // replay window already fill soap-token-max-nonces.
  void RecordNonceCacheFull() { nonce_cache_full_.fetch_add(1, kOrder); }

  // The breakers whose state and transitions are exported (set before
  // serving; a null one is exported as closed, never transitioning).
  void WatchBreakers(const BackendBreakers& breakers) { breakers_ = breakers; }
  // The shared store's statistics, exported as voip_store_* (set before
  // serving; none exported when never set: the SQLite store has no pool).
  void WatchStore(const StoreStats* stats) { store_ = stats; }
  // One round of the outbox relay (adapter/delivery/outbox_relay.h): what it delivered,
  // scheduled for a retry and dead-lettered, and whether the store failed.
  void RecordRelayRound(int delivered, int retried, int dead_lettered, bool store_failed);
  // What the outbox holds, as counted by the relay once per round (not per
  // scrape); `now_ms` (Unix ms) dates the oldest pending entry.
  void SetOutboxCounts(const OutboxCounts& counts, std::int64_t now_ms);

  std::int64_t in_flight() const { return in_flight_.load(kOrder); }
  std::string RenderPrometheus() const;

 private:
  static constexpr std::memory_order kOrder = std::memory_order_relaxed;
  static constexpr int kFaces = 2;
  static constexpr int kMinStatus = 100;
  static constexpr int kStatuses = 500;  // 100..599
  static constexpr int kBackends = 2;
  static constexpr int kErrorKinds = static_cast<int>(BackendErrorKind::kInternal) + 1;  // BackendErrorKind values

  void RecordBackend(Backend backend, bool called, std::chrono::microseconds elapsed,
                     const std::optional<BackendErrorKind>& error);
  // RenderPrometheus, one family group each: requests and faults by face;
  // backend calls and errors; load shedding and nonce refusals; the circuit
  // breakers; the outbox and its relay.
  void RenderRequests(std::string& out) const;
  void RenderBackends(std::string& out) const;
  void RenderShedding(std::string& out) const;
  void RenderBreakers(std::string& out) const;
  void RenderOutbox(std::string& out) const;
  // voip_build_info{version,commit,gsoap} 1 (platform/build_info.h), and the
  // standard process_* families of Prometheus client libraries, read from
  // /proc/self at each scrape (platform/process_stats.h).
  static void RenderBuildInfo(std::string& out);
  static void RenderProcess(std::string& out);
  void RenderStore(std::string& out) const;

  // voip_requests_total{face,outcome,status}
  std::array<std::array<std::array<std::atomic<std::uint64_t>, kStatuses>, 2>, kFaces> requests_{};
  // voip_faults_total{face,type,code}: [face][0 BUSINESS 10685 | 1 SYSTEM 10686]
  std::array<std::array<std::atomic<std::uint64_t>, 2>, kFaces> faults_{};
  // voip_request_duration_seconds{face}
  std::array<LatencyHistogram, kFaces> request_duration_{};
  // voip_backend_call_duration_seconds{backend}
  std::array<LatencyHistogram, kBackends> backend_duration_{};
  // voip_backend_errors_total{backend,kind}
  std::array<std::array<std::atomic<std::uint64_t>, kErrorKinds>, kBackends> backend_errors_{};
  // voip_requests_in_flight
  std::atomic<std::int64_t> in_flight_{0};
  // voip_load_shed_total{level}
  std::array<std::atomic<std::uint64_t>, 2> shed_{};
  // voip_username_token_nonce_cache_full_total
  std::atomic<std::uint64_t> nonce_cache_full_{0};
  // voip_circuit_breaker_state{backend} and
  // voip_circuit_breaker_transitions_total{backend,to}, read from the breakers
  BackendBreakers breakers_;
  const StoreStats* store_ = nullptr;
  // voip_outbox_relay_deliveries_total{result}: [0 delivered | 1 retry | 2 dead_lettered]
  std::array<std::atomic<std::uint64_t>, 3> relay_deliveries_{};
  // voip_outbox_store_errors_total: relay rounds that could not read or write the outbox
  std::atomic<std::uint64_t> outbox_store_errors_{0};
  // voip_outbox_pending_updates, voip_outbox_unknown_outcomes, voip_outbox_dead_letters
  std::atomic<std::int64_t> outbox_pending_{0};
  std::atomic<std::int64_t> outbox_unknown_{0};
  std::atomic<std::int64_t> outbox_dead_{0};
  // voip_outbox_superseded_updates
  std::atomic<std::int64_t> outbox_superseded_{0};
  // voip_outbox_oldest_pending_age_seconds (milliseconds here; 0 when none)
  std::atomic<std::int64_t> outbox_oldest_pending_age_ms_{0};
};

}  // namespace voip

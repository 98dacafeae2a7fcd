// The outbox relay: a background thread that delivers pending MIDAS updates
// (at least once), retrying with the outbox's backoff, and dead-letters an
// entry that is older than the maximum age or that MIDAS rejected for a
// business reason (retrying cannot help; an operator re-drives it). It takes
// each entry's delivery turn (Outbox::ClaimDelivery) for the call, so a newer
// update for the same customer, sent by a request meanwhile, is never
// followed by an older one. Each
// round writes a log line per entry it handled (numbers masked) and, with
// metrics, counts what it did and what the outbox holds afterwards (one
// aggregate query per round, so GET /metrics never touches the database).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "adapter/backends.h"
#include "adapter/metrics.h"
#include "adapter/midas_delivery.h"
#include "adapter/outbox.h"
#include "adapter/resilience/circuit_breaker.h"
#include "platform/log.h"

namespace voip {

struct OutboxRelayOptions {
  std::chrono::milliseconds max_age{24 * 60 * 60 * 1000};  // counted from pending_since_ms
  std::chrono::milliseconds poll_interval{1000};
  int batch = 50;                        // entries per round
  std::function<std::int64_t()> now_ms;  // Unix ms; the system clock when unset
  // MIDAS's circuit breaker, shared with the flow (null: none). The relay asks
  // it before each delivery: while it is open the round stops and the entries
  // stay due, their attempts not counted; its deliveries count for the
  // breaker, so while it is half-open a delivery can be the probe that closes it.
  CircuitBreaker* midas_breaker = nullptr;
  Metrics* metrics = nullptr;  // must outlive the relay; none when null
};

// What one round did.
struct [[nodiscard]] RelayRound {
  int delivered = 0;
  int failed = 0;  // will be retried
  int dead_lettered = 0;
  int superseded = 0;  // due when read, superseded (or no longer pending) by its turn: not sent
  bool store_failed = false;
  bool breaker_open = false;           // the round stopped because MIDAS's breaker refused a delivery
  std::optional<OutboxCounts> counts;  // what the outbox holds after the round (unset: counting failed)
};

class OutboxRelay {
 public:
  // `outbox`, `midas` and `logger` must outlive the relay.
  OutboxRelay(Outbox& outbox, Midas& midas, Logger& logger, OutboxRelayOptions options);
  ~OutboxRelay();  // stops and joins
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  // Delivers the entries due now, one batch, writes the results, then counts
  // the outbox (and records both in the metrics); once Stop() was called it
  // starts no further delivery. Not to be called
  // concurrently with itself (the thread calls it).
  [[nodiscard]] RelayRound RunOnce();

  // Runs rounds on a background thread every poll interval, at once again
  // after a full batch. Start once.
  void Start();
  // Lets the delivery in progress finish (not the rest of its round), stops
  // the thread, flushes. Idempotent; callable from a MIDAS call of RunOnce()
  // when no thread was started.
  void Stop();
  // Wakes the thread for a round now (tests, and the operator's re-drive).
  void Wake();

 private:
  void Loop();
  bool StopRequested();
  RelayRound DeliverDue();
  // Counts and logs what became of one entry.
  void Report(const OutboxEntry& entry, const TraceContext& span, const MidasDelivery& delivery, RelayRound& round);

  Outbox& outbox_;
  Logger& logger_;
  OutboxRelayOptions options_;
  const MidasDeliveryPolicy midas_delivery_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace voip

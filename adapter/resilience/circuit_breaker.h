// A circuit breaker for one backend (Envoy outlier detection, resilience4j):
// after `failure_threshold` consecutive calls that mean "backend unhealthy" it
// opens, and calls are refused without reaching the backend for `open_for`;
// then it is half-open and lets at most `half_open_probes` calls through at a
// time. The first of those to finish decides: healthy closes it, unhealthy
// opens it again for another `open_for`.
//
// Results of calls admitted before the last transition are ignored (a call
// that was already running when the breaker opened neither extends nor closes
// it). The open -> half-open transition happens at the first Admit() or
// state() after the open time has passed.
//
// Thread-safe. The clock is injectable for tests; the transition listener is
// called with the breaker's lock held and must not call back into it.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

namespace voip {

enum class BreakerState { kClosed = 0, kHalfOpen = 1, kOpen = 2 };
const char* BreakerStateName(BreakerState state);  // "closed" | "half_open" | "open"

// What a finished call says about the backend's health.
enum class CallHealth {
  kHealthy,    // it answered within its contract (a result, or a SOAP fault of either category)
  kUnhealthy,  // connect failed, time-out, HTTP error page, malformed answer
  kNeutral,    // says nothing about the backend (an error inside the adapter, or a call the
               // request's deadline cut shorter than the backend's own time-out)
};

struct CircuitBreakerOptions {
  int failure_threshold = 5;  // consecutive unhealthy calls that open it; 0: never opens
  std::chrono::milliseconds open_for{30000};
  int half_open_probes = 1;  // calls let through at a time while half-open
};

class CircuitBreaker {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  using TransitionListener = std::function<void(BreakerState from, BreakerState to)>;

  // Whether a call may go ahead; hand it back to Record() when it finishes.
  struct Permit {
    bool allowed = false;
    // When refused: how long until calls may go through again (the rest of
    // the open time, or a second while half-open with every probe busy).
    std::chrono::milliseconds retry_after{0};
    std::uint64_t generation = 0;  // internal: the state the call was admitted in
    bool probe = false;            // internal: admitted while half-open
  };

  explicit CircuitBreaker(CircuitBreakerOptions options, TransitionListener listener = {}, Clock clock = {});
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  [[nodiscard]] Permit Admit();
  // Records how an allowed call went. Refused permits are ignored.
  void Record(const Permit& permit, CallHealth health);

  BreakerState state();
  // Transitions into `to` so far (metrics).
  std::uint64_t transitions_to(BreakerState to) const {
    return transitions_[static_cast<int>(to)].load(std::memory_order_relaxed);
  }
  const CircuitBreakerOptions& options() const { return options_; }

 private:
  void MoveTo(BreakerState to);  // lock held
  void HalfOpenIfDue();          // lock held

  const CircuitBreakerOptions options_;
  const TransitionListener listener_;
  const Clock clock_;
  std::mutex mutex_;
  BreakerState state_ = BreakerState::kClosed;
  std::uint64_t generation_ = 0;
  int consecutive_failures_ = 0;
  int probes_in_flight_ = 0;
  std::chrono::steady_clock::time_point open_until_{};
  std::array<std::atomic<std::uint64_t>, 3> transitions_{};
};

// Seconds for a Retry-After header: `wait` rounded up, at least 1.
long RetryAfterSeconds(std::chrono::milliseconds wait);

}  // namespace voip

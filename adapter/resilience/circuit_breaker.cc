#include "adapter/resilience/circuit_breaker.h"

#include <utility>

namespace voip {
namespace {

constexpr std::chrono::milliseconds kProbesBusyWait{1000};

}  // namespace

const char* BreakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed: return "closed";
    case BreakerState::kHalfOpen: return "half_open";
    case BreakerState::kOpen: return "open";
  }
  return "closed";
}

long RetryAfterSeconds(std::chrono::milliseconds wait) {
  const long seconds = static_cast<long>((wait.count() + 999) / 1000);
  return seconds < 1 ? 1 : seconds;
}

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, TransitionListener listener, Clock clock)
    : options_(options),
      listener_(std::move(listener)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {}

void CircuitBreaker::MoveTo(BreakerState to) {
  const BreakerState from = state_;
  state_ = to;
  ++generation_;
  consecutive_failures_ = 0;
  probes_in_flight_ = 0;
  if (to == BreakerState::kOpen) open_until_ = clock_() + options_.open_for;
  transitions_[static_cast<int>(to)].fetch_add(1, std::memory_order_relaxed);
  if (listener_) listener_(from, to);
}

void CircuitBreaker::HalfOpenIfDue() {
  if (state_ == BreakerState::kOpen && clock_() >= open_until_) MoveTo(BreakerState::kHalfOpen);
}

CircuitBreaker::Permit CircuitBreaker::Admit() {
  std::lock_guard<std::mutex> lock(mutex_);
  HalfOpenIfDue();
  Permit permit;
  permit.generation = generation_;
  switch (state_) {
    case BreakerState::kClosed: permit.allowed = true; break;
    case BreakerState::kOpen:
      permit.retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(open_until_ - clock_());
      break;
    case BreakerState::kHalfOpen:
      if (probes_in_flight_ < options_.half_open_probes) {
        ++probes_in_flight_;
        permit.allowed = true;
        permit.probe = true;
      } else {
        permit.retry_after = kProbesBusyWait;
      }
      break;
  }
  return permit;
}

void CircuitBreaker::Record(const Permit& permit, CallHealth health) {
  if (!permit.allowed) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (permit.generation != generation_) return;  // admitted before the last transition
  if (state_ == BreakerState::kHalfOpen) {
    if (health == CallHealth::kHealthy) {
      MoveTo(BreakerState::kClosed);
    } else if (health == CallHealth::kUnhealthy) {
      MoveTo(BreakerState::kOpen);
    } else if (permit.probe) {
      --probes_in_flight_;  // decided nothing: let another probe try
    }
    return;
  }
  if (state_ != BreakerState::kClosed) return;
  if (health == CallHealth::kHealthy) {
    consecutive_failures_ = 0;
  } else if (health == CallHealth::kUnhealthy && options_.failure_threshold > 0 &&
             ++consecutive_failures_ >= options_.failure_threshold) {
    MoveTo(BreakerState::kOpen);
  }
}

BreakerState CircuitBreaker::state() {
  std::lock_guard<std::mutex> lock(mutex_);
  HalfOpenIfDue();
  return state_;
}

}  // namespace voip
